//! Receiving Sequel's webhooks safely: check the key, handle each occurrence once across
//! every replica, gather an ended event's batches, and answer the status Sequel acts on.
//!
//! Sequel POSTs a JSON envelope to your endpoint when an attendee pre-registers, when an
//! event's stream starts or ends (with its users, in batches), and when an event is created,
//! updated or deleted. Each request carries `x-introvoke-web-hook-auth`, checked here against
//! your subscriptions' secrets in constant time.
//!
//! ```
//! use event_sso::sequel::webhook::{Receiver, Verifier, Work};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Once, with the secrets `subscribe_webhook` returned: one endpoint for both subscriptions.
//! let verifier = Verifier::new("registrations-secret").also_accept("ended-secret");
//! let receiver = Receiver::new(verifier); // in memory; across replicas: Receiver::with_store
//!
//! // In your handler, for each POST: the headers and the body as received.
//! # let mut headers = event_sso::http::HeaderMap::new();
//! # headers.insert("x-introvoke-web-hook-auth", "ended-secret".parse()?);
//! # let body = br#"{"eventType":"virtual-stage-event-ended","webHookInvocationId":"i-1","correlationId":"c-1","timestamp":"2025-01-07T10:05:24.000Z","details":{"eventId":"e-1","totalCount":1,"page":1,"size":50,"users":[{"name":"Ada","email":"ada@example.com"}]}}"#;
//! let handled = receiver
//!     .handle(&headers, body, |work| async move {
//!         match work {
//!             Work::Delivery(delivery) => { /* one occurrence, once */ }
//!             Work::EndedEvent(event) => {
//!                 // every user of an ended event, once
//! #               assert_eq!(event.users.len(), 1);
//!             }
//!             _ => {}
//!         }
//!         Ok::<(), std::io::Error>(()) // Err: answered 500, and Sequel retries
//!     })
//!     .await;
//! assert_eq!(handled.status(), 200); // answer this status: never 404
//! # Ok(()) }
//! ```
//!
//! With several replicas, or restarts while deliveries are under way, put the receiver's state
//! in a store they share: `RedisStore` (feature `redis`), `PostgresStore` (feature `postgres`),
//! or your own [`WebhookStore`]; [`AnyStore`] chooses among them at run time. With
//! `PostgresStore`, `Receiver::handle_in_transaction` gives the handler a transaction whose
//! writes commit with the occurrence's done-mark: exactly-once effects, where every other route
//! gives exactly-once handling and asks the handler to be idempotent.
//!
//! ```no_run
//! # #[cfg(feature = "redis")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use event_sso::sequel::webhook::{Receiver, RedisStore, Verifier};
//!
//! let store = RedisStore::connect("redis://127.0.0.1:6379/").await?;
//! // A crashed replica's occurrence waits at most this long; a live handler keeps its claim.
//! let receiver = Receiver::with_store(Verifier::new("the-subscription-secret"), store)
//!     .lease(Duration::from_secs(15));
//! # let _ = receiver;
//! # Ok(()) }
//! ```
//!
//! What Sequel documents, and what this module decides where it does not:
//!
//! - **The key.** Sequel documents the header as an "authentication key". That it carries
//!   the subscription's `clientSecret` verbatim is inferred (it is the only per-subscription
//!   secret, and there is no signature or timestamp header); a [`Verifier`] compares the two
//!   in constant time, through SHA-256 digests so that lengths do not leak either.
//! - **Status codes.** Sequel does not retry after `400`, `401` or `404`, and retries after
//!   `429` and `500`. See [`Receiver`] for what is answered when.
//! - **Duplicates.** Whether Sequel delivers twice, and whether a retry keeps its
//!   `webHookInvocationId`, is undocumented; an occurrence is known by
//!   [`Delivery::occurrence_key`], the same for every delivery of it.
//! - **Batches.** The ended event's users come in pages (`page`, `size`, `totalCount`) in no
//!   documented order; the receiver gathers them in the store and gives the whole event once.
//! - **Retries.** Sequel does not publish its retry schedule (how often, how long). A replica
//!   that dies or freezes mid-handler therefore costs seconds, never minutes: its claim goes
//!   with it (at once on PostgreSQL, within the [lease](Receiver::lease), 15 s, on Redis and
//!   in memory), so whichever retry comes next is handled. The fake Sequel retries on a
//!   schedule of its own (`DEFAULT_DELIVERY_RETRIES`), which tests compress.
//! - **Expiry.** A subscription lasts at most 365 days, then deliveries stop without a word:
//!   call `keep_webhook_alive` daily.
//! - **Unknown types and fields.** A type Sequel adds later is kept raw
//!   ([`WebhookEvent::Other`]) and still verifies; fields Sequel does not document are kept.

mod any;
mod event;
#[cfg(feature = "postgres")]
mod postgres;
mod receiver;
#[cfg(feature = "redis")]
mod redis;
mod store;
mod verify;

pub use any::{AnyHold, AnyStore};
pub use event::{
    Answer, AttendedUser, Attendee, EndedBatch, EventDetails, PreRegistration, WebhookEvent, WebhookType,
};
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::{PostgresOptions, PostgresStore, Transaction, TransactionStore};
pub use receiver::{DEFAULT_KEEP, DEFAULT_LEASE, EndedEvent, Handled, Receiver, Work};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{RedisOptions, RedisStore};
pub use store::{Batch, Claim, Committed, Gathered, Holder, Lease, MemoryStore, StoreError, WebhookStore};
pub use verify::{AUTH_HEADER, DEFAULT_MAX_BODY_BYTES, Delivery, Error, Verifier, WebhookSecret};
