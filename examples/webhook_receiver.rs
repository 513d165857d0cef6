//! Receiving Sequel's webhooks in an axum app: one endpoint for two subscriptions, each
//! occurrence handled once across replicas, an ended event's users gathered whole, and the
//! subscriptions kept alive.
//!
//! ```sh
//! cargo run --example webhook_receiver
//! WEBHOOK_STORE_URL=redis://127.0.0.1:6379/ cargo run --example webhook_receiver --features redis
//! WEBHOOK_STORE_URL=postgres://user:password@127.0.0.1/app cargo run --example webhook_receiver --features postgres
//! ```
//!
//! With nothing set it runs against the in-process fake Sequel: it subscribes, registers three
//! people and ends the event, prints what the handler got, and exits. `WEBHOOK_STORE_URL`
//! chooses where the receiver's state is (memory unless set; a Redis or a PostgreSQL is shared
//! by every replica), at run time: the app's types do not change. With `SEQUEL_CLIENT_ID`,
//! `SEQUEL_CLIENT_SECRET`, `SEQUEL_COMPANY_ID` and `WEBHOOK_PUBLIC_URL` (the address Sequel
//! can reach this app at) set, it subscribes for real, listens on `WEBHOOK_LISTEN`
//! (`127.0.0.1:3000` unless set) and handles deliveries until stopped.

mod common;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::webhook::{
    AnyStore, DEFAULT_MAX_BODY_BYTES, Receiver, Verifier, WebhookEvent, WebhookType, Work,
};
use event_sso::sequel::{Client, CompanyId, KeptAlive, NewSubscription, Registration, Subscribed};

/// The receiver, swapped when a renewal changes a secret.
type Shared = Arc<RwLock<Arc<Receiver<AnyStore>>>>;

/// The app: one route for every subscription. Sequel may send an ended event's users all at
/// once, so the body limit is the receiver's, not axum's 2 MB default.
pub fn app(receiver: Shared) -> Router {
    Router::new()
        .route("/hooks/sequel", post(hook))
        .layer(DefaultBodyLimit::max(DEFAULT_MAX_BODY_BYTES))
        .with_state(receiver)
}

async fn hook(State(receiver): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let receiver = receiver.read().unwrap_or_else(|e| e.into_inner()).clone();
    let handled = receiver
        .handle(&headers, &body, |work| async move {
            match work {
                Work::Delivery(delivery) => match delivery.event() {
                    WebhookEvent::AttendeePreRegistered(registration) => {
                        let email = registration.attendee.email.as_deref().unwrap_or("(no e-mail)");
                        let event = registration.details.event_name.as_deref().unwrap_or("an event");
                        println!("pre-registered: {email} for {event}");
                    }
                    _ => println!("{}", delivery.event_type()),
                },
                Work::EndedEvent(event) => {
                    let name = event.details.event_name.as_deref().unwrap_or("an event");
                    println!("ended: {name}, with all {} users", event.users.len());
                }
                _ => {}
            }
            // A real handler writes to its database here; an Err is answered 500 and retried.
            Ok::<(), std::io::Error>(())
        })
        .await;
    if handled.status() != StatusCode::OK {
        eprintln!("webhook: {handled}"); // a store outage, a refused key, a failed handler
    }
    handled.status() // 200, 429, 500, 503, 401 or 400: never 404
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let store = match std::env::var("WEBHOOK_STORE_URL") {
        Ok(url) => AnyStore::connect(&url).await?,
        Err(_) => AnyStore::memory(),
    };
    match &store {
        AnyStore::Memory(_) => println!("state: this process's memory (set WEBHOOK_STORE_URL to share it)"),
        _ => println!("state: shared by every replica"),
    }
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

    // Kept alive until the end of `serve`: dropping it stops the fake server.
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

    // Two subscriptions to one endpoint; each secret is shown once: a real app stores them.
    let endpoint = url::Url::parse(&format!("{}/hooks/sequel", public.trim_end_matches('/')))?;
    let mut subscriptions = Vec::new();
    for kind in [WebhookType::AttendeePreRegistered, WebhookType::EventEnded] {
        let subscription = NewSubscription::new(kind, company.clone(), endpoint.clone());
        subscriptions.push(client.subscribe_webhook(&subscription).await?);
    }
    let verifier = Verifier::any_of(subscriptions.iter().map(|s| s.secret.clone()));
    let receiver: Shared = Arc::new(RwLock::new(Arc::new(Receiver::with_store(
        verifier,
        store.clone(),
    ))));
    let server = tokio::spawn(axum::serve(listener, app(receiver.clone())).into_future());
    println!("listening on {local}/hooks/sequel");
    keep_alive(&client, &mut subscriptions, &receiver, &store).await?;

    let Some(fake) = fake else {
        // A real deployment serves until stopped, and keeps its subscriptions alive daily.
        loop {
            tokio::time::sleep(Duration::from_secs(24 * 60 * 60)).await;
            keep_alive(&client, &mut subscriptions, &receiver, &store).await?;
        }
    };
    // The demo: three registrations (each delivered twice, as a retry may), then the event
    // ends in batches of two.
    fake.deliver_twice(true);
    let mark = fake.delivery_mark();
    let event = fake.add_event("Launch party");
    for (name, email) in [
        ("Ada Lovelace", "ada@example.com"),
        ("Grace Hopper", "grace@example.com"),
        ("Alan Turing", "alan@example.com"),
    ] {
        client.register(&event, &Registration::new(name, email)).await?;
    }
    fake.end_event(&event, 2);
    // Six pre-registration copies and four batch copies.
    let delivered = fake
        .wait_for_deliveries_since(mark, 10, Duration::from_secs(10))
        .await;
    let answered: Vec<String> = delivered
        .iter()
        .map(|d| match d.answers.last() {
            Some(Some(status)) => status.as_u16().to_string(),
            _ => "no answer".to_owned(),
        })
        .collect();
    println!(
        "Sequel's side: {} deliveries, last answers {}",
        delivered.len(),
        answered.join(" ")
    );
    server.abort();
    Ok(())
}

/// Extends each subscription with fewer than 14 days left; one Sequel renewed instead has a
/// new secret, which the receiver accepts from now on (and the old one for a day).
async fn keep_alive(
    client: &Client,
    subscriptions: &mut [Subscribed],
    receiver: &Shared,
    store: &AnyStore,
) -> Result<(), Box<dyn std::error::Error>> {
    for i in 0..subscriptions.len() {
        match client.keep_webhook_alive(&subscriptions[i].id, 14).await? {
            KeptAlive::Unchanged(kept) | KeptAlive::Extended(kept) => match kept.expires_on {
                Some(expires) => println!("subscription {} runs until {}", kept.id.as_str(), expires.date()),
                None => println!("subscription {} kept", kept.id.as_str()),
            },
            KeptAlive::Renewed(renewed) => {
                println!(
                    "subscription {} renewed with a new secret (store it)",
                    renewed.id.as_str()
                );
                let old = std::mem::replace(&mut subscriptions[i], renewed);
                let until = time::OffsetDateTime::now_utc() + time::Duration::days(1);
                let verifier = Verifier::any_of(subscriptions.iter().map(|s| s.secret.clone()))
                    .with_previous(old.secret, until);
                *receiver.write().unwrap_or_else(|e| e.into_inner()) =
                    Arc::new(Receiver::with_store(verifier, store.clone()));
            }
            _ => {}
        }
    }
    Ok(())
}
