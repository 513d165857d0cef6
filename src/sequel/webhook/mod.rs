//! Receiving Sequel's webhooks safely: check the key, read the delivery, answer the right
//! status, and handle each delivery once. No I/O, no feature needed.
//!
//! Sequel POSTs a JSON envelope to your endpoint when an attendee pre-registers, when an
//! event's stream starts or ends (with its users, in batches), and when an event is created,
//! updated or deleted. Each request carries `x-introvoke-web-hook-auth`, which is checked here
//! against your subscription's secret in constant time.
//!
//! ```
//! use event_sso::sequel::webhook::{Receiver, Verifier, WebhookEvent};
//!
//! // Once, with the secret `subscribe_webhook` returned; shared by every request.
//! let receiver = Receiver::new(Verifier::new("the-subscription-secret"));
//!
//! // In your handler, for each POST: the headers and the body as received.
//! # let mut headers = http::HeaderMap::new();
//! # headers.insert("x-introvoke-web-hook-auth", "the-subscription-secret".parse()?);
//! # let body = br#"{"eventType":"new-attendee-pre-registration","webHookInvocationId":"i-1","correlationId":"c-1","timestamp":"2025-01-07T10:05:24.000Z","details":{"eventId":"e-1","attendee":{"name":"Ada","email":"ada@example.com","registrationInfo":[]}}}"#;
//! let received = receiver.receive(&headers, body);
//! if let Some(delivery) = received.delivery() {
//!     if let WebhookEvent::AttendeePreRegistered(registration) = delivery.event() {
//!         // record registration.attendee.email ...
//! #       assert_eq!(registration.attendee.email.as_deref(), Some("ada@example.com"));
//!     }
//! }
//! // Answer this status, whatever happened: 200, 401 or 400, never 404.
//! assert_eq!(received.status(), 200);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What Sequel documents, and what this module decides where it does not:
//!
//! - **The key.** Sequel documents the header as an "authentication key". That it carries
//!   the subscription's `clientSecret` verbatim is inferred (it is the only per-subscription
//!   secret, and there is no signature or timestamp header); a [`Verifier`] compares the two
//!   in constant time, through SHA-256 digests so that lengths do not leak either.
//! - **Status codes.** Sequel does not retry after `400`, `401` or `404`, and retries after
//!   `429` and `500`. A missing or wrong key answers `401`, a malformed body `400`; nothing
//!   here answers `404`, which Sequel reads as "endpoint gone".
//! - **Duplicates.** Whether Sequel delivers twice, and whether a retry keeps its
//!   `webHookInvocationId`, is undocumented; [`Delivery::occurrence_key`] identifies the
//!   occurrence itself. See [`Deduplicator`].
//! - **Batches.** The ended event's users come in pages (`page`, `size`, `totalCount`) in no
//!   documented order; see [`EndedEvents`].
//! - **Unknown types and fields.** A type Sequel adds later is kept raw
//!   ([`WebhookEvent::Other`]) and still verifies; fields Sequel does not document are kept.

mod collect;
mod event;
mod subscription;

use std::fmt;

use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

pub use collect::{Deduplicator, EndedEvent, EndedEvents, Received, Receiver};
pub use event::{
    Answer, AttendedUser, Attendee, EndedBatch, EventDetails, PreRegistration, WebhookEvent, WebhookType,
};
pub use subscription::{
    MAX_SUBSCRIPTION_DAYS, MIN_SUBSCRIPTION_DAYS, NewSubscription, Subscribed, SubscriptionId,
    SubscriptionUpdate, WebhookSecret, WebhookSubscription,
};

use crate::json::JsonError;

/// The header Sequel puts the subscription's key in.
pub const AUTH_HEADER: &str = "x-introvoke-web-hook-auth";

/// The largest body read unless [`Verifier::max_body_bytes`] says otherwise: 8 MiB, room for
/// an ended event's users sent all at once.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 << 20;

/// Checks deliveries against a subscription's secret, and reads them.
///
/// During a rotation (after `renew_webhook` issued a new secret) it accepts the previous
/// secret too until a time you choose, since deliveries already under way may carry it.
#[derive(Clone)]
pub struct Verifier {
    current: [u8; 32],
    previous: Option<([u8; 32], OffsetDateTime)>,
    max_body_bytes: usize,
}

impl Verifier {
    /// A verifier for deliveries carrying `secret`.
    pub fn new(secret: impl Into<WebhookSecret>) -> Verifier {
        Verifier {
            current: digest(secret.into().as_str()),
            previous: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Also accepts `previous` until `until` (for example a day after the renewal).
    #[must_use]
    pub fn with_previous(mut self, previous: impl Into<WebhookSecret>, until: OffsetDateTime) -> Verifier {
        self.previous = Some((digest(previous.into().as_str()), until));
        self
    }

    /// The largest body accepted; larger ones are refused as malformed (`400`).
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Verifier {
        self.max_body_bytes = limit;
        self
    }

    /// Checks the key in `headers` and reads `body`, now.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, Error> {
        self.verify_at(headers, body, OffsetDateTime::now_utc())
    }

    /// [`verify`](Self::verify) at `now`, which decides whether a previous secret is still
    /// accepted.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Delivery, Error> {
        let presented = headers.get(AUTH_HEADER).ok_or(Error::MissingKey)?;
        let presented = digest_bytes(presented.as_bytes());
        let current = same(&presented, &self.current);
        let previous = self
            .previous
            .as_ref()
            .is_some_and(|(previous, until)| now <= *until && same(&presented, previous));
        if !(current | previous) {
            return Err(Error::WrongKey);
        }
        if body.len() > self.max_body_bytes {
            return Err(Error::TooLarge {
                limit: self.max_body_bytes,
            });
        }
        Delivery::parse(body)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret", &"<redacted>")
            .field("previous_until", &self.previous.as_ref().map(|(_, until)| until))
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

fn digest(secret: &str) -> [u8; 32] {
    digest_bytes(secret.as_bytes())
}

fn digest_bytes(bytes: &[u8]) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Compares two digests in constant time (aws-lc-rs's vetted primitive, never `==`).
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

/// A verified delivery: its envelope, and the event it reports.
#[derive(Clone, PartialEq)]
pub struct Delivery {
    event_type: String,
    invocation_id: String,
    correlation_id: Option<String>,
    timestamp: OffsetDateTime,
    event: WebhookEvent,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    event_type: String,
    web_hook_invocation_id: String,
    correlation_id: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    timestamp: OffsetDateTime,
    #[serde(default)]
    details: Value,
}

impl Delivery {
    /// Reads a delivery's body without checking any key: for bodies verified elsewhere, and
    /// for tests. Use a [`Verifier`] for requests.
    pub fn parse(body: &[u8]) -> Result<Delivery, Error> {
        let envelope: Envelope = crate::json::from_slice(body).map_err(Error::malformed)?;
        let event = WebhookEvent::read(&envelope.event_type, envelope.details).map_err(Error::malformed)?;
        Ok(Delivery {
            event_type: envelope.event_type,
            invocation_id: envelope.web_hook_invocation_id,
            correlation_id: envelope.correlation_id,
            timestamp: envelope.timestamp,
            event,
        })
    }

    /// `eventType`, as Sequel sent it.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// `webHookInvocationId`: this delivery's id. A retry may or may not keep it (Sequel does
    /// not say); see [`occurrence_key`](Self::occurrence_key).
    pub fn invocation_id(&self) -> &str {
        &self.invocation_id
    }

    /// `correlationId`: the occurrence reported (one event's end, one registration). The
    /// batches of one ended event share it.
    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }

    /// `timestamp`: when Sequel sent it.
    pub fn timestamp(&self) -> OffsetDateTime {
        self.timestamp
    }

    /// The event, typed.
    pub fn event(&self) -> &WebhookEvent {
        &self.event
    }

    /// The event, owned.
    pub fn into_event(self) -> WebhookEvent {
        self.event
    }

    /// A key for the occurrence this delivery reports, the same for every delivery of it
    /// whatever its invocation id: `eventType`, `correlationId` and the batch's `page`
    /// (`virtual-stage-event-ended:<correlation>:2`), or the invocation id when there is no
    /// correlation id. A unique index on it in your database makes handling idempotent
    /// across instances.
    pub fn occurrence_key(&self) -> String {
        let page = match &self.event {
            WebhookEvent::EventEnded(batch) => batch.page.unwrap_or(1),
            _ => 1,
        };
        match &self.correlation_id {
            Some(correlation) => format!("{}:{correlation}:{page}", self.event_type),
            None => format!("{}:invocation:{}", self.event_type, self.invocation_id),
        }
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("event_type", &self.event_type)
            .field("invocation_id", &self.invocation_id)
            .field("correlation_id", &self.correlation_id)
            .field("timestamp", &self.timestamp)
            .field("event", &self.event)
            .finish()
    }
}

/// Why a delivery was refused, and the status to answer Sequel with.
///
/// Messages never contain the key, the body or anything in it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request has no `x-introvoke-web-hook-auth` header.
    #[error("the delivery carries no `x-introvoke-web-hook-auth` key")]
    #[non_exhaustive]
    MissingKey,
    /// The key is not the subscription's secret (nor a previous one still accepted).
    #[error("the delivery's key is not the subscription's secret")]
    #[non_exhaustive]
    WrongKey,
    /// The body is larger than the verifier accepts.
    #[error("the delivery is larger than the {limit} bytes accepted")]
    #[non_exhaustive]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body is not a delivery: not JSON, or an envelope or documented field of the wrong
    /// shape; the source says what and where.
    #[error("the delivery is malformed")]
    #[non_exhaustive]
    Malformed {
        /// What was wrong and where, without the values.
        #[source]
        source: JsonError,
    },
}

impl Error {
    fn malformed(source: JsonError) -> Error {
        Error::Malformed { source }
    }

    /// The status to answer: `401` for a missing or wrong key, `400` otherwise. Sequel
    /// retries neither; it never gets `404`, which it reads as "endpoint gone".
    pub fn status(&self) -> StatusCode {
        match self.is_auth() {
            true => StatusCode::UNAUTHORIZED,
            false => StatusCode::BAD_REQUEST,
        }
    }

    /// Whether the key was missing or wrong.
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::MissingKey | Error::WrongKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(key: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTH_HEADER, key.parse().unwrap());
        headers
    }

    const BODY: &[u8] = br#"{"eventType":"virtual-stage-event-started","webHookInvocationId":"i-1","correlationId":"c-1","timestamp":"2025-01-07T10:05:24.000Z","details":{"eventId":"e-1"}}"#;

    #[test]
    fn keys_are_checked_and_rotation_has_a_grace_period() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let verifier = Verifier::new("new-secret").with_previous("old-secret", now + time::Duration::HOUR);
        assert!(verifier.verify_at(&headers("new-secret"), BODY, now).is_ok());
        assert!(verifier.verify_at(&headers("old-secret"), BODY, now).is_ok());
        let late = now + time::Duration::HOUR + time::Duration::SECOND;
        let refused = verifier
            .verify_at(&headers("old-secret"), BODY, late)
            .unwrap_err();
        assert!(matches!(refused, Error::WrongKey) && refused.status() == StatusCode::UNAUTHORIZED);
        for wrong in ["new-secre", "new-secret ", "NEW-SECRET", ""] {
            assert!(
                matches!(
                    verifier.verify_at(&headers(wrong), BODY, now),
                    Err(Error::WrongKey)
                ),
                "{wrong:?}"
            );
        }
        let missing = verifier.verify_at(&HeaderMap::new(), BODY, now).unwrap_err();
        assert!(matches!(missing, Error::MissingKey) && missing.status() == StatusCode::UNAUTHORIZED);
        assert!(!format!("{verifier:?}").contains("secret\""));
    }

    #[test]
    fn a_key_is_checked_before_the_body_is_read() {
        let verifier = Verifier::new("s").max_body_bytes(10);
        assert!(matches!(
            verifier.verify(&headers("x"), b"not json"),
            Err(Error::WrongKey)
        ));
        let too_large = verifier.verify(&headers("s"), BODY).unwrap_err();
        assert_eq!(too_large.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            too_large.to_string(),
            "the delivery is larger than the 10 bytes accepted"
        );
    }
}
