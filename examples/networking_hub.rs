//! Put a Sequel networking hub on your own page for a logged-in user, and register someone for
//! it.
//!
//! ```sh
//! cargo run --example networking_hub
//! ```
//!
//! With nothing set it needs no account and no network: Sequel is the in-process fake, and the
//! hub is created through the API as your back office would. Set `SEQUEL_CLIENT_ID`,
//! `SEQUEL_CLIENT_SECRET` and `SEQUEL_HUB_ID` to use your own hub on Sequel's API.

mod common;

use std::env;

use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::{Client, Error, HubId, HubRoom, NewHub, Registered, Registration, Viewer};

/// A user your site has already logged in.
#[derive(Debug)]
pub struct User<'a> {
    /// Your stable id for them.
    pub id: &'a str,
    /// The name shown in the hub.
    pub name: &'a str,
    /// Their e-mail address.
    pub email: &'a str,
}

/// Your hub page for `user`: the hub's iframe, with a URL minted for them on this page view.
pub async fn hub_page(client: &Client, hub: &HubId, user: &User<'_>) -> Result<String, Error> {
    let viewer = Viewer::new(user.id, user.name).email(user.email);
    let embed = client.networking().embed_url(hub, &viewer).await?;
    Ok(format!(
        r#"<!doctype html>
<title>Networking lounge</title>
<iframe src="{}" allow="camera *; microphone *; autoplay; display-capture *" allowfullscreen
        style="width: 100%; height: 90vh; border: 0"></iframe>
"#,
        embed.src_attribute()
    ))
}

/// Registers `user` for the hub and gives their join URL, for an invitation e-mail. Store it:
/// a hub has no registrants list to find it in later.
pub async fn register(client: &Client, hub: &HubId, user: &User<'_>) -> Result<Registered, Error> {
    let registration = Registration::new(user.name, user.email);
    client.networking().register(hub, &registration).await
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::report(run().await)
}

/// Shows the page and the registration, on the fake unless Sequel's credentials are set.
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let ada = User {
        id: "user-42",
        name: "Ada Lovelace",
        email: "ada@example.com",
    };
    let real = match (Client::builder_from_env(), env::var("SEQUEL_HUB_ID")) {
        (Ok(builder), Ok(hub)) => Some((builder, HubId::new(hub))),
        _ => None,
    };
    // Kept alive until the end of `run`: dropping it stops the fake server.
    let fake;
    let (client, hub) = match real {
        Some((builder, hub)) => {
            println!("Sequel: the real API, networking hub {hub}");
            (builder.build()?, hub)
        }
        None => {
            fake = FakeSequel::start()?;
            let client = Client::builder(fake.credentials())
                .base_url(fake.base_url())
                .build()?;
            let lounge = NewHub::new("Networking lounge")
                .room(HubRoom::new("Table 1", 8))
                .room(HubRoom::new("Table 2", 8));
            let hub = client
                .networking()
                .create(&lounge)
                .await?
                .uid
                .ok_or("Sequel gave the hub no id")?;
            println!(
                "Sequel: the in-process fake at {} (set SEQUEL_CLIENT_ID, SEQUEL_CLIENT_SECRET",
                fake.base_url()
            );
            println!("        and SEQUEL_HUB_ID for the real API), networking hub {hub}");
            (client, hub)
        }
    };

    println!("\nThe hub page for {} (mint it per page view):\n", ada.name);
    println!("{}", hub_page(&client, &hub, &ada).await?);

    let registered = register(&client, &hub, &ada).await?;
    println!(
        "{}'s join URL for the hub (one per e-mail; store it):\n  {}",
        ada.name,
        registered.join_url.as_str()
    );
    Ok(())
}
