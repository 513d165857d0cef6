//! A web app that signs its logged-in users into live events, as a backend built on this crate
//! would be: the embed page, register and join, the Frameable link, raising a presenter, and
//! Sequel's webhooks, with every error answered by the status the crate gives it.
//!
//! ```sh
//! cargo run --example axum_app
//! curl -i 'http://127.0.0.1:3000/events/<event id>/watch?user=ada'
//! ```
//!
//! With nothing set it runs against the in-process fake Sequel, with a generated Frameable
//! key, and prints an event id to try. `SEQUEL_CLIENT_ID`, `SEQUEL_CLIENT_SECRET`,
//! `SEQUEL_WEBHOOK_SECRET`, `FRAMEABLE_PRIVATE_KEY_FILE` and `FRAMEABLE_SUBDOMAIN` make it
//! talk to the real services; `APP_LISTEN` changes the address.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use event_sso::frameable::{Claims, EventLink, Role, SigningKey};
use event_sso::sequel::webhook::{DEFAULT_MAX_BODY_BYTES, Receiver, Verifier, WebhookEvent, Work};
use event_sso::sequel::{self, Client, EventId, Registration, Viewer};

/// An error as the crate answers it: its status, `Retry-After` when Sequel asked for a wait,
/// and a body with no secret or personal data (`to_response()` on either module's error).
type Answer = Response<String>;

/// What the handlers share.
#[derive(Debug)]
pub struct App {
    /// Sequel, with a deadline a web handler can afford.
    pub sequel: Client,
    /// The key Frameable has the public half of.
    pub frameable_key: SigningKey,
    /// Your Frameable subdomain (`acme` for `acme.frameable.com`).
    pub frameable_subdomain: String,
    /// Sequel's webhooks, each occurrence handled once.
    pub webhooks: Receiver,
    /// Stands in for your database: who pre-registered, as Sequel's webhooks said.
    pub pre_registered: Mutex<Vec<String>>,
}

/// Stands in for your session: who is logged in.
#[derive(serde::Deserialize)]
struct Session {
    user: String,
}

/// Stands in for your user store.
fn profile(user: &str) -> (String, String) {
    (format!("User {user}"), format!("{user}@example.com"))
}

/// The routes.
pub fn app(state: Arc<App>) -> Router {
    Router::new()
        .route("/events/{event}/watch", get(watch))
        .route("/events/{event}/register", post(register))
        .route("/events/{event}/presenters", post(raise_to_presenter))
        .route("/frameable/{event}/join", get(frameable_join))
        .route("/hooks/sequel", post(webhook))
        .layer(DefaultBodyLimit::max(DEFAULT_MAX_BODY_BYTES))
        .with_state(state)
}

/// The embed page: one embed URL per page view, escaped for the attribute.
async fn watch(
    State(app): State<Arc<App>>,
    Path(event): Path<String>,
    Query(session): Query<Session>,
) -> Result<Html<String>, Answer> {
    let (name, email) = profile(&session.user);
    let viewer = Viewer::new(&session.user, name).email(email);
    let embed = app
        .sequel
        .embed_url(&EventId::new(event), &viewer)
        .await
        .map_err(|e| e.to_response())?;
    Ok(Html(format!(
        r#"<iframe src="{}" allow="camera *; microphone *" allowfullscreen></iframe>"#,
        embed.src_attribute()
    )))
}

/// Registers the user (or finds their registration) and sends them to their join URL.
async fn register(
    State(app): State<Arc<App>>,
    Path(event): Path<String>,
    Query(session): Query<Session>,
) -> Result<Response, Answer> {
    let (name, email) = profile(&session.user);
    let registered = app
        .sequel
        .register_or_get(&EventId::new(event), &Registration::new(name, email))
        .await
        .map_err(|e| e.to_response())?;
    Ok(registered.join_url.redirect::<String>().into_response())
}

/// Lets the user present at their next join.
async fn raise_to_presenter(
    State(app): State<Arc<App>>,
    Path(event): Path<String>,
    Query(session): Query<Session>,
) -> Result<String, Answer> {
    let (_, email) = profile(&session.user);
    let presenters = app
        .sequel
        .add_presenter(&EventId::new(event), &email)
        .await
        .map_err(|e| e.to_response())?;
    Ok(format!("{} presenters", presenters.len()))
}

/// A Frameable login token minted at click time, and a 302 to the event.
async fn frameable_join(
    State(app): State<Arc<App>>,
    Path(event): Path<String>,
    Query(session): Query<Session>,
) -> Result<Response, Answer> {
    let (name, email) = profile(&session.user);
    let claims = Claims::builder(name)
        .email(email)
        .roles((session.user == "ada").then_some(Role::Host))
        .build()
        .map_err(|e| e.to_response())?;
    let token = app.frameable_key.sign(&claims).map_err(|e| e.to_response())?;
    Ok(EventLink::new(&app.frameable_subdomain, &event)
        .map_err(|e| e.to_response())?
        .redirect::<String>(&token)
        .into_response())
}

/// Sequel's webhooks: each occurrence handled once.
async fn webhook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let app = &app;
    let handled = app.webhooks.handle(&headers, &body, |work| async move {
        if let Work::Delivery(delivery) = work
            && let WebhookEvent::AttendeePreRegistered(registration) = delivery.event()
            && let Some(email) = &registration.attendee.email
        {
            app.pre_registered
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(email.clone());
        }
        Ok::<(), std::convert::Infallible>(())
    });
    handled.await.status()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Kept alive until the end of `run`: dropping it stops the fake server.
    let mut fake = None;
    let (builder, webhook_secret) = match Client::builder_from_env() {
        Ok(builder) => (
            builder,
            std::env::var("SEQUEL_WEBHOOK_SECRET").unwrap_or_default(),
        ),
        Err(_) => {
            let started = sequel::fake::FakeSequel::start()?;
            let builder = Client::builder(started.credentials()).base_url(started.base_url());
            println!(
                "Sequel: the in-process fake; try the event {}",
                started.add_event("Launch party").as_str()
            );
            fake = Some(started);
            (builder, "no subscription yet".to_owned())
        }
    };
    let frameable_key = match std::env::var("FRAMEABLE_PRIVATE_KEY_FILE") {
        Ok(path) => SigningKey::from_pem_file(path)?,
        Err(_) => SigningKey::generate()?,
    };
    let state = Arc::new(App {
        // A web handler waits at most 5 s for Sequel, retries and Retry-After included.
        sequel: builder.deadline(Duration::from_secs(5)).build()?,
        frameable_key,
        frameable_subdomain: std::env::var("FRAMEABLE_SUBDOMAIN").unwrap_or_else(|_| "acme".to_owned()),
        webhooks: Receiver::new(Verifier::new(webhook_secret)),
        pre_registered: Mutex::new(Vec::new()),
    });
    let listen = std::env::var("APP_LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("listening on http://{listen}");
    axum::serve(listener, app(state)).await?;
    drop(fake);
    Ok(())
}
