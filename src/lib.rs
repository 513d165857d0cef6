//! Sign the users already logged in to your site straight into embedded live events, with no
//! second login.
//!
//! - [`sequel`]: a typed client for Sequel's REST API (`api.introvoke.com`): per-user embed
//!   URLs for an iframe, registrants and their join URLs, the presenters and organizers that
//!   raise a user's role, and the event's details. [`sequel::Client`] is async (feature
//!   `async`, a default); [`sequel::blocking::Client`] (feature `blocking`) has the same
//!   methods without `.await`. [`sequel::webhook`] receives Sequel's webhooks safely (no I/O,
//!   no feature). [`sequel::fake::FakeSequel`] (feature `fake`) is a fake of Sequel's API for
//!   your tests, which also delivers webhooks.
//! - [`frameable`]: the claims, RS256 signature, verification and join link of a Frameable
//!   login token. No I/O, no feature needed.
//!
// Built without a feature, the docs link its items on docs.rs rather than leave them broken.
#![cfg_attr(
    not(feature = "async"),
    doc = "[`sequel::Client`]: https://docs.rs/event-sso/latest/event_sso/sequel/struct.Client.html"
)]
#![cfg_attr(
    not(feature = "blocking"),
    doc = "[`sequel::blocking::Client`]: https://docs.rs/event-sso/latest/event_sso/sequel/blocking/struct.Client.html"
)]
#![cfg_attr(
    not(feature = "fake"),
    doc = "[`sequel::fake::FakeSequel`]: https://docs.rs/event-sso/latest/event_sso/sequel/fake/struct.FakeSequel.html"
)]
//!
//! # Sequel: an embed URL and a join URL
//!
//! ```no_run
//! # #[cfg(feature = "async")]
//! # async fn run() -> Result<(), event_sso::sequel::Error> {
//! use event_sso::sequel::{Client, EventId, Registration, Viewer};
//!
//! // Once at start-up (SEQUEL_CLIENT_ID, SEQUEL_CLIENT_SECRET, optionally SEQUEL_BASE_URL);
//! // clones share one connection pool and one access token.
//! let client = Client::builder_from_env()?.build()?;
//! let event = EventId::new("6f1c2d3e-...");
//!
//! // Your backend vouches for the user: one embed URL per page view, for an <iframe src>.
//! let embed = client.embed_url(&event, &Viewer::new("user-42", "Ada Lovelace")).await?;
//! let iframe_src: String = embed.src_attribute(); // escaped for <iframe src="...">
//!
//! // Or Sequel registers them: one join URL per e-mail per event. Keep it.
//! let registered = client
//!     .register_or_get(&event, &Registration::new("Ada Lovelace", "ada@example.com"))
//!     .await?;
//! let redirect: event_sso::http::Response<String> = registered.join_url.redirect(); // 302, no-store, no-referrer
//! # let _ = redirect;
//! # let _ = iframe_src;
//! # Ok(()) }
//! ```
//!
//! # Frameable: a login token and its join URL
//!
//! ```
//! use event_sso::frameable::{Claims, EventLink, Role, SigningKey};
//!
//! let key = SigningKey::generate()?; // in production: SigningKey::from_pem_file(..), once
//! let claims = Claims::builder("Larry David")
//!     .email("larry@seinfeld.com")
//!     .profile("organization", "Seinfeld")
//!     .role(Role::Host)
//!     .build()?; // every problem at once, none of them repeating a value
//! let join = EventLink::new("acme", "launch-party")?.with_token(&key.sign(&claims)?);
//! let response: event_sso::http::Response<()> = join.redirect(); // 302, no-store, no-referrer
//! assert_eq!(response.status(), 302);
//! # Ok::<(), event_sso::frameable::Error>(())
//! ```
//!
//! # Sequel: receiving its webhooks
//!
//! ```
//! use event_sso::sequel::webhook::{Receiver, Verifier, WebhookEvent, Work};
//!
//! // Once, with the secrets `subscribe_webhook` gave; across replicas, `Receiver::with_store`
//! // with a `RedisStore` (feature `redis`). Then in the handler, per request:
//! async fn handle(receiver: &Receiver, headers: &event_sso::http::HeaderMap, body: &[u8]) -> event_sso::http::StatusCode {
//!     let handled = receiver.handle(headers, body, |work| async move {
//!         if let Work::Delivery(delivery) = work
//!             && let WebhookEvent::AttendeePreRegistered(r) = delivery.event()
//!         {
//!             let _ = &r.attendee.email; // record it; an Err is answered 500 and retried
//!         }
//!         Ok::<(), std::io::Error>(())
//!     });
//!     handled.await.status() // 200, 429, 500, 503, 401 or 400; never 404
//! }
//! # let receiver = Receiver::new(Verifier::new("s"));
//! # let status = tokio::runtime::Builder::new_current_thread().build()?.block_on(handle(&receiver, &Default::default(), b""));
//! # assert_eq!(status, 401);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Errors in a web handler
//!
//! Both modules' errors say what your handler should answer, with `response_status()`. The checks run top to bottom; the first that
//! applies gives the status.
//!
//! | error | status | why |
//! |---|---|---|
//! | `sequel`: an argument or setting refused before sending (`is_invalid_input`, not a missing variable) | `400` | what your client sent cannot be used |
//! | `sequel`: an environment variable missing (`MissingEnv`) | `500` | your deployment lacks a setting |
//! | `sequel`: credentials or token refused (`is_auth`) | `502` | Sequel refused *your backend*, not the user |
//! | `sequel`: rate limited (`is_rate_limited`) | `503`, with `Retry-After` from `retry_after()` | ask the client to come back later |
//! | `sequel`: already registered (`is_already_registered`), or another `409` | `409` | the registration exists |
//! | `sequel`: event, company or registrant unknown (`is_not_found`) | `404` | |
//! | `sequel`: timed out, or the deadline passed (`is_timeout`) | `504` | |
//! | `sequel`: anything else (network, Sequel's `5xx` or other `4xx`, undecodable answer, redirect) | `502` | Sequel failed your backend |
//! | `frameable`: claims, a role or a join link refused (`is_invalid_claims`, `is_invalid_link`) | `400` | the user's data or the request's path |
//! | `frameable`: a token refused by the verifier (`is_invalid_token`) | `401` | |
//! | `frameable`: a key that cannot be read or used (`is_key`), or signing failed | `500` | your deployment's key |
//! | `sequel::webhook`: see `webhook::Error::status` and `Handled::status` | `401`, `400`, `500`, `429`, `503` | what Sequel acts on |
//!
//! `to_response()` does the whole of it: the status, `Retry-After` when there is one, and a
//! plain-text body that is the error's message for a `4xx` and the status's reason alone for a
//! `5xx`, so nothing about your backend reaches the client. axum answers an `http::Response`
//! as it is, so a handler maps its errors in one call:
//!
//! ```
//! use event_sso::http::{Response, StatusCode};
//! use event_sso::sequel::{Client, EventId};
//!
//! async fn join(client: &Client, event: &EventId, email: &str) -> Result<Response<String>, Response<String>> {
//!     match client.join_url(event, email).await.map_err(|e| e.to_response())? {
//!         Some(join_url) => Ok(join_url.redirect()),
//!         None => Err(Response::builder().status(StatusCode::NOT_FOUND).body(String::new()).unwrap()),
//!     }
//! }
//! # let error = event_sso::sequel::request::Api::new("ftp://x").unwrap_err();
//! # assert_eq!(error.to_response().status(), StatusCode::BAD_REQUEST);
//! ```
//!
//! # Secrets, errors and features
//!
//! Whatever lets someone in (keys, the client secret, access tokens, signed tokens, embed and
//! join URLs) is a type with a redacted `Debug`, no `Display`, and an `as_str()` for the one
//! place it belongs. Error messages are built from parts the crate chose (a status, a field,
//! a JSON path), never from what was sent or received, so they are safe to log. Each module
//! has one error type with predicates (`is_auth()`, `is_already_registered()`,
//! `is_invalid_claims()`, ...) to ask instead of matching variants.
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `async` | yes | [`sequel::Client`], on tokio through reqwest |
//! | `rustls` | yes | TLS through rustls; without it or `native-tls`, an `https` base URL fails at `build()` |
//! | `blocking` | no | [`sequel::blocking::Client`] |
//! | `native-tls` | no | TLS through the platform's library (OpenSSL on Linux) |
//! | `tracing` | no | spans in OpenTelemetry's names: one per Sequel call, one per HTTP request inside it, one per webhook delivery, with no ids, names, e-mails, secrets or tokens |
//! | `fake` | no | [`sequel::fake::FakeSequel`], for your tests |
//!
//! Features only add: any combination builds, none and all included. The crate re-exports
//! [`http`], [`time`] and [`url`], whose types appear in its API.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod clock;
pub mod frameable;
mod json;
mod response;
mod secret;
mod secret_url;
pub mod sequel;
mod sync;

pub use http;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use sqlx;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub use secret_url::JoinUrl;
pub use time;
pub use url;

// Shared across threads and tasks by design: checked on every build, not only in tests.
const _: () = {
    const fn shareable<T: Send + Sync + Clone>() {}
    const fn error<E: Send + Sync + std::error::Error + 'static>() {}
    shareable::<frameable::SigningKey>();
    shareable::<frameable::VerifyingKey>();
    shareable::<frameable::Token>();
    shareable::<frameable::Claims>();
    shareable::<frameable::EventLink>();
    error::<frameable::Error>();
    error::<sequel::Error>();
    shareable::<sequel::Credentials>();
    shareable::<sequel::AccessToken>();
    shareable::<sequel::EmbedUrl>();
    shareable::<JoinUrl>();
    #[cfg(feature = "async")]
    shareable::<sequel::Client>();
    #[cfg(feature = "blocking")]
    shareable::<sequel::blocking::Client>();
};
