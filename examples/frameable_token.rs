//! Mint a Frameable login token and its join link.
//!
//! ```sh
//! cargo run --example frameable_token                      # with a freshly generated key
//! cargo run --example frameable_token -- frameable.key     # with your key file
//! ```
//!
//! The key may also come from `FRAMEABLE_PRIVATE_KEY_FILE` or `FRAMEABLE_PRIVATE_KEY` (the PEM
//! itself; `\n` escapes are fine), and the event from `FRAMEABLE_SUBDOMAIN` and
//! `FRAMEABLE_EVENT`.

mod common;

use std::env;
use std::time::Duration;

use event_sso::frameable::{Claims, EventLink, Role, SigningKey};

fn main() -> std::process::ExitCode {
    common::report(run())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let key_file = env::args()
        .nth(1)
        .or_else(|| env::var("FRAMEABLE_PRIVATE_KEY_FILE").ok());
    let (key, origin) = match (key_file, env::var("FRAMEABLE_PRIVATE_KEY")) {
        (Some(path), _) => (SigningKey::from_pem_file(&path)?, format!("key file {path}")),
        (None, Ok(pem)) => (SigningKey::from_pem(&pem)?, "FRAMEABLE_PRIVATE_KEY".to_owned()),
        (None, Err(_)) => (SigningKey::generate()?, "a freshly generated key".to_owned()),
    };
    let subdomain = env::var("FRAMEABLE_SUBDOMAIN").unwrap_or_else(|_| "acme".to_owned());
    let event = env::var("FRAMEABLE_EVENT").unwrap_or_else(|_| "launch-party".to_owned());

    // Who is logged in to your site; here, a fixed example user.
    let claims = Claims::builder("Larry David")
        .email("larry@seinfeld.com")
        .avatar_url("https://cdn.example.com/larry.png")
        .profile("organization", "Seinfeld")
        .profile("title", "Producer")
        .role(Role::Presenter)
        .expires_in(Duration::from_secs(300))
        .build()?;
    let token = key.sign(&claims)?;
    let join_url = EventLink::new(&subdomain, &event)?.with_token(&token);

    println!(
        "Signed with {origin} ({} bits). Its public key, for the event's settings:\n",
        key.bits()
    );
    println!("{}", key.public_key_pem());
    println!(
        "Join URL (valid for 5 minutes; logs the holder in as this user):\n{}\n",
        join_url.as_str()
    );

    let decoded = key.verifying_key().verify(token.as_str())?;
    println!("Decoded claims:\n{}", serde_json::to_string_pretty(&decoded)?);
    Ok(())
}
