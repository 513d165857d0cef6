//! Sign users into a Frameable event at click time, as Frameable advises: a link on your site
//! points at this route, which mints a 5-minute token for the logged-in user and answers with a
//! 302 to the event.
//!
//! ```sh
//! cargo run --example frameable_redirect
//! curl -i 'http://127.0.0.1:3000/events/launch-party/join?user=ada'
//! ```
//!
//! Uses `FRAMEABLE_PRIVATE_KEY_FILE` and `FRAMEABLE_SUBDOMAIN` when set, else a generated key
//! and the subdomain `acme`. `FRAMEABLE_LISTEN` changes the address.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{Response, StatusCode};
use axum::response::{IntoResponse, Response as AxumResponse};
use axum::routing::get;
use event_sso::frameable::{Claims, EventLink, Role, SigningKey};

struct App {
    key: SigningKey,
    subdomain: String,
}

#[derive(serde::Deserialize)]
struct Session {
    /// Stands in for your session cookie: who is logged in.
    user: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = match std::env::var("FRAMEABLE_PRIVATE_KEY_FILE") {
        Ok(path) => SigningKey::from_pem_file(path)?,
        Err(_) => SigningKey::generate()?,
    };
    let subdomain = std::env::var("FRAMEABLE_SUBDOMAIN").unwrap_or_else(|_| "acme".to_owned());
    let app = Router::new()
        .route("/events/{event}/join", get(join))
        .with_state(Arc::new(App { key, subdomain }));

    let listen = std::env::var("FRAMEABLE_LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("Try: curl -i 'http://{listen}/events/launch-party/join?user=ada'");
    axum::serve(listener, app).await?;
    Ok(())
}

async fn join(
    State(app): State<Arc<App>>,
    Path(event): Path<String>,
    Query(session): Query<Session>,
) -> AxumResponse {
    match sign_in(&app, &event, &session.user) {
        Ok(redirect) => redirect.into_response(),
        // The error names the field or part at fault and never the user's data.
        Err(err) => (StatusCode::BAD_REQUEST, err.to_string()).into_response(),
    }
}

fn sign_in(app: &App, event: &str, user: &str) -> Result<Response<Body>, event_sso::frameable::Error> {
    // Look the user up in your own store; here, a made-up profile.
    let claims = Claims::builder(format!("User {user}"))
        .email(format!("{user}@example.com"))
        .profile("organization", "Example Corp")
        .roles((user == "ada").then_some(Role::Host))
        .build()?;
    let token = app.key.sign(&claims)?;
    Ok(EventLink::new(&app.subdomain, event)?.redirect(&token))
}
