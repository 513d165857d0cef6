//! A back office's view of one event: create it, add a presenter, register people, list
//! them, and delete the event.
//!
//! ```sh
//! cargo run --example event_admin
//! ```
//!
//! Against the in-process fake Sequel unless `SEQUEL_CLIENT_ID`, `SEQUEL_CLIENT_SECRET` and
//! `SEQUEL_COMPANY_ID` are set (and `SEQUEL_BASE_URL` for another host than production).
//! With real credentials it creates an event in that company, and deletes it at the end.

mod common;

use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::{Client, CompanyId, EventType, EventUpdate, NewEvent, Registration};
use time::format_description::well_known::Rfc2822;
use time::{Duration, OffsetDateTime};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Kept alive until the end of `run`: dropping it stops the fake server.
    let fake;
    let (client, company) = match (Client::builder_from_env(), std::env::var("SEQUEL_COMPANY_ID")) {
        (Ok(builder), Ok(company)) => (builder.build()?, CompanyId::new(company)),
        _ => {
            fake = FakeSequel::start()?;
            println!("Sequel: the in-process fake at {}", fake.base_url());
            let client = Client::builder(fake.credentials())
                .base_url(fake.base_url())
                .build()?;
            (client, fake.company_id())
        }
    };

    let start = OffsetDateTime::now_utc() + Duration::days(7);
    let new = NewEvent::new(
        company,
        "Quarterly all-hands",
        start,
        start + Duration::minutes(90),
        "Europe/Paris",
        EventType::Virtual,
    )
    .organizers(["host@example.com"]);
    let event = client.create_event(&new).await?;
    let id = event.uid.clone().ok_or("Sequel gave the event no id")?;
    let starts = match event.starts_at() {
        Some(at) => at.format(&Rfc2822)?,
        None => "at a time Sequel did not give".to_owned(),
    };
    println!(
        "created {id}: {}, starts {starts}",
        event.name.as_deref().unwrap_or("(unnamed)")
    );

    let presenters = client.add_presenter(&id, "ada@example.com").await?;
    println!("presenters: {}", presenters.join(", "));
    let renamed = client
        .update_event(&id, &EventUpdate::new().name("Quarterly all-hands (Q4)"))
        .await?;
    println!("renamed to {}", renamed.name.as_deref().unwrap_or("(unnamed)"));

    for (name, email) in [
        ("Ada Lovelace", "ada@example.com"),
        ("Grace Hopper", "grace@example.com"),
    ] {
        let registered = client
            .register_or_get(&id, &Registration::new(name, email))
            .await?;
        // The join URL logs them in: store it for them, and print only where it goes.
        println!(
            "registered {email}: join URL for {}",
            registered.join_url.as_url().host_str().unwrap_or("?")
        );
    }
    let registrants = client.registrants(&id).await?;
    println!("{} registrants", registrants.len());
    for registrant in &registrants {
        let gaps = registrant.gaps();
        let email = registrant.email.as_deref().unwrap_or("(no e-mail)");
        match gaps.is_empty() {
            true => println!("  {email}"),
            false => println!("  {email} (Sequel left out: {})", gaps.join(", ")),
        }
    }

    client.delete_event(&id).await?;
    println!("deleted {id}");
    Ok(())
}
