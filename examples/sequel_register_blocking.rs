//! Register a person for a Sequel event and print their join URL, with the blocking client.
//!
//! ```sh
//! SEQUEL_CLIENT_ID=... SEQUEL_CLIENT_SECRET=... SEQUEL_EVENT_ID=... \
//!     cargo run --features blocking --example sequel_register_blocking -- "Ada Lovelace" ada@example.com
//! ```
//!
//! Registering the same e-mail again finds the existing registration instead of failing.
//! `SEQUEL_BASE_URL` points it at another API host (staging, a mock).

mod common;

use event_sso::sequel::blocking::Client;
use event_sso::sequel::{EventId, Registration};

fn main() -> std::process::ExitCode {
    common::report(run())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(email)) = (args.next(), args.next()) else {
        return Err("usage: sequel_register_blocking <name> <email>".into());
    };
    let builder = Client::builder_from_env()?; // SEQUEL_CLIENT_ID, SEQUEL_CLIENT_SECRET, SEQUEL_BASE_URL
    let client = builder.build()?;
    let event = EventId::new(std::env::var("SEQUEL_EVENT_ID").map_err(|_| "SEQUEL_EVENT_ID is not set")?);

    let registered = client.register_or_get(&event, &Registration::new(name, email))?;
    // The join URL lets its holder in as this registrant: send it to them, nowhere else.
    println!("{}", registered.join_url.as_str());
    Ok(())
}
