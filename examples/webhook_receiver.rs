//! Receiving Sequel's webhooks in an axum app: subscribe, verify, skip repeats, answer the
//! right status, and gather an ended event's batches.
//!
//! ```sh
//! cargo run --example webhook_receiver
//! ```
//!
//! With nothing set it runs against the in-process fake Sequel: it subscribes, registers three
//! people and ends the event, prints each verified delivery, and exits. With
//! `SEQUEL_CLIENT_ID`, `SEQUEL_CLIENT_SECRET`, `SEQUEL_COMPANY_ID` and `WEBHOOK_PUBLIC_URL`
//! (the address Sequel can reach this app at) set, it subscribes for real, listens on
//! `WEBHOOK_LISTEN` (`127.0.0.1:3000` unless set) and prints deliveries until stopped.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::webhook::{
    EndedEvents, NewSubscription, Receiver, Verifier, WebhookEvent, WebhookType,
};
use event_sso::sequel::{Client, CompanyId, Registration};

/// One receiver per subscription: each has its own secret.
struct Hooks {
    registrations: Receiver,
    ended: Receiver,
    batches: EndedEvents,
}

async fn registrations(State(hooks): State<Arc<Hooks>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let received = hooks.registrations.receive(&headers, &body);
    if let Some(WebhookEvent::AttendeePreRegistered(registration)) = received.delivery().map(|d| d.event()) {
        let email = registration.attendee.email.as_deref().unwrap_or("(no e-mail)");
        println!(
            "pre-registered: {email} for {:?}",
            registration.details.event_name
        );
    }
    received.status() // 200, or 401 (wrong key) or 400 (malformed): never 404
}

async fn ended(State(hooks): State<Arc<Hooks>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let received = hooks.ended.receive(&headers, &body);
    if let Some(delivery) = received.delivery() {
        if let WebhookEvent::EventEnded(batch) = delivery.event() {
            println!("ended: batch {:?} of {:?} users", batch.page, batch.total_count);
        }
        if let Some(event) = hooks.batches.add(delivery) {
            println!(
                "ended: all {} users of {:?} arrived",
                event.users.len(),
                event.details.event_name
            );
        }
    }
    received.status()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let real = match (
        Client::builder_from_env(),
        std::env::var("SEQUEL_COMPANY_ID"),
        std::env::var("WEBHOOK_PUBLIC_URL"),
    ) {
        (Ok(builder), Ok(company), Ok(public)) => Some((builder.build()?, CompanyId::new(company), public)),
        _ => None,
    };
    let listen = match real {
        Some(_) => std::env::var("WEBHOOK_LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".to_owned()),
        None => "127.0.0.1:0".to_owned(),
    };
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let local = format!("http://{}", listener.local_addr()?);

    // Kept alive until the end of `run`: dropping it stops the fake server.
    let mut fake = None;
    let (client, company, public) = match real {
        Some(real) => real,
        None => {
            let started = FakeSequel::start()?;
            println!("Sequel: the in-process fake at {}", started.base_url());
            let client = Client::builder(started.credentials())
                .base_url(started.base_url())
                .build()?;
            let company = started.company_id();
            fake = Some(started);
            (client, company, local.clone())
        }
    };

    // Subscribe; each subscription's secret is shown once: a real app stores it.
    let endpoint = |path: &str| url::Url::parse(&format!("{}{path}", public.trim_end_matches('/')));
    let for_registrations = NewSubscription::new(
        WebhookType::AttendeePreRegistered,
        company.clone(),
        endpoint("/hooks/registrations")?,
    );
    let for_ended = NewSubscription::new(WebhookType::EventEnded, company, endpoint("/hooks/ended")?);
    let registrations_subscription = client.subscribe_webhook(&for_registrations).await?;
    let ended_subscription = client.subscribe_webhook(&for_ended).await?;
    println!(
        "subscribed: {:?}, {:?}",
        registrations_subscription.id, ended_subscription.id
    );

    let hooks = Arc::new(Hooks {
        registrations: Receiver::new(Verifier::new(registrations_subscription.secret)),
        ended: Receiver::new(Verifier::new(ended_subscription.secret)),
        batches: EndedEvents::new(),
    });
    let app = Router::new()
        .route("/hooks/registrations", post(registrations))
        .route("/hooks/ended", post(ended))
        .with_state(hooks);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    println!("listening on {local}");

    let Some(fake) = fake else {
        server.await??; // a real deployment serves until stopped
        return Ok(());
    };
    // The demo: three registrations, then the event ends in batches of two.
    let event = fake.add_event("Launch party");
    for (name, email) in [
        ("Ada Lovelace", "ada@example.com"),
        ("Grace Hopper", "grace@example.com"),
        ("Alan Turing", "alan@example.com"),
    ] {
        client.register(&event, &Registration::new(name, email)).await?;
    }
    fake.end_event(&event, 2);
    // Three pre-registrations and two batches; waiting blocks, so off the async workers.
    let (_fake, delivered) = tokio::task::spawn_blocking(move || {
        let delivered = fake.wait_for_deliveries(5, Duration::from_secs(5));
        (fake, delivered)
    })
    .await?;
    let answered: Vec<_> = delivered
        .iter()
        .map(|d| d.answers.last().copied().flatten())
        .collect();
    println!(
        "Sequel's side: {} deliveries, answered {answered:?}",
        delivered.len()
    );
    Ok(())
}
