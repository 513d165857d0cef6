//! Get a per-user embed URL from Sequel, with the async client.
//!
//! ```sh
//! SEQUEL_CLIENT_ID=... SEQUEL_CLIENT_SECRET=... SEQUEL_EVENT_ID=... cargo run --example sequel_embed
//! ```
//!
//! `SEQUEL_BASE_URL` points it at another API host (staging, a mock).

mod common;

use event_sso::sequel::{Client, EventId, Viewer};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let builder = Client::builder_from_env()?; // SEQUEL_CLIENT_ID, SEQUEL_CLIENT_SECRET, SEQUEL_BASE_URL
    let client = builder.build()?;
    let event = EventId::new(std::env::var("SEQUEL_EVENT_ID").map_err(|_| "SEQUEL_EVENT_ID is not set")?);

    // Your logged-in user; here, a fixed example.
    let viewer = Viewer::new("user-42", "Ada Lovelace")
        .email("ada@example.com")
        .avatar_url("https://cdn.example.com/ada.png");
    let embed = client.embed_url(&event, &viewer).await?;
    println!(
        "<iframe src=\"{}\" allow=\"camera *; microphone *; autoplay; display-capture *\" allowfullscreen></iframe>",
        embed.src_attribute()
    );
    Ok(())
}
