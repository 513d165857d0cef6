//! Sign one user into a Sequel event and a Frameable event, end to end.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With nothing set it needs no account and no network: Sequel is the in-process fake
//! (`event_sso::sequel::fake`) and the Frameable key is generated on the spot. Set
//! `SEQUEL_CLIENT_ID`, `SEQUEL_CLIENT_SECRET` and `SEQUEL_EVENT_ID` to talk to Sequel's API,
//! and `FRAMEABLE_PRIVATE_KEY_FILE` (or `FRAMEABLE_PRIVATE_KEY`), `FRAMEABLE_SUBDOMAIN` and
//! `FRAMEABLE_EVENT` to sign with your Frameable key for your event.

mod common;

use std::env;

use event_sso::frameable::{Claims, EventLink, Role, SigningKey};
use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::{Client, EventId, EventType, NewEvent, Registration, Viewer};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // The user your site has already logged in.
    let (user_id, name, email) = ("user-42", "Ada Lovelace", "ada@example.com");

    // --- Sequel ---------------------------------------------------------------------------
    let real = match (Client::builder_from_env(), env::var("SEQUEL_EVENT_ID")) {
        (Ok(builder), Ok(event)) => Some((builder, EventId::new(event))),
        _ => None,
    };
    // Kept alive until the end of `run`: dropping it stops the fake server.
    let fake;
    let (client, event) = match real {
        Some((builder, event)) => {
            println!("Sequel: the real API, event {event}");
            (builder.build()?, event)
        }
        None => {
            fake = FakeSequel::start()?;
            let client = Client::builder(fake.credentials())
                .base_url(fake.base_url())
                .build()?;
            // Created through the API, as your back office would.
            let start = time::OffsetDateTime::now_utc() + time::Duration::DAY;
            let launch = NewEvent::new(
                fake.company_id(),
                "Launch party",
                start,
                start + time::Duration::HOUR,
                "Europe/Paris",
                EventType::Virtual,
            );
            let event = client
                .create_event(&launch)
                .await?
                .uid
                .ok_or("Sequel gave the event no id")?;
            println!(
                "Sequel: the in-process fake at {} (set SEQUEL_CLIENT_ID, SEQUEL_CLIENT_SECRET",
                fake.base_url()
            );
            println!("        and SEQUEL_EVENT_ID for the real API), event {event}");
            (client, event)
        }
    };

    let embed = client
        .embed_url(&event, &Viewer::new(user_id, name).email(email))
        .await?;
    println!(
        "\nEmbed URL, for <iframe src> (mint one per page view):\n  {}",
        embed.as_str()
    );

    let registered = client
        .register_or_get(&event, &Registration::new(name, email))
        .await?;
    println!(
        "\nRegistrant's join URL (one per e-mail per event; store it):\n  {}",
        registered.join_url.as_str()
    );

    // --- Frameable ------------------------------------------------------------------------
    let (key, key_origin) = match (
        env::var("FRAMEABLE_PRIVATE_KEY_FILE"),
        env::var("FRAMEABLE_PRIVATE_KEY"),
    ) {
        (Ok(path), _) => (SigningKey::from_pem_file(&path)?, format!("the key in {path}")),
        (_, Ok(pem)) => (SigningKey::from_pem(&pem)?, "FRAMEABLE_PRIVATE_KEY".to_owned()),
        _ => (
            SigningKey::generate()?,
            "a freshly generated key (set FRAMEABLE_PRIVATE_KEY_FILE for yours)".to_owned(),
        ),
    };
    let subdomain = env::var("FRAMEABLE_SUBDOMAIN").unwrap_or_else(|_| "acme".to_owned());
    let frameable_event = env::var("FRAMEABLE_EVENT").unwrap_or_else(|_| "launch-party".to_owned());

    let claims = Claims::builder(name)
        .email(email)
        .profile("organization", "Analytical Engines")
        .role(Role::Presenter)
        .build()?;
    let token = key.sign(&claims)?;
    let join_url = EventLink::new(&subdomain, &frameable_event)?.with_token(&token);
    println!(
        "\nFrameable join URL, signed with {key_origin} (valid 5 minutes):\n  {}",
        join_url.as_str()
    );

    let decoded = key.verifying_key().verify(token.as_str())?;
    println!(
        "\nDecoded Frameable claims:\n{}",
        serde_json::to_string_pretty(&decoded)?
    );
    Ok(())
}
