//! Checking a delivery: the key header against the subscription's secrets, then its body.

use std::fmt;

use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;

use super::event::WebhookEvent;
use crate::json::JsonError;

crate::secret::secret_type!(
    /// A subscription's secret (`clientSecret`): Sequel shows it once, when subscribing or
    /// renewing, and puts it in every delivery's key header. Store it with your other secrets.
    WebhookSecret
);

/// The header Sequel puts the subscription's key in.
pub const AUTH_HEADER: &str = "x-introvoke-web-hook-auth";

/// The largest body read unless [`Verifier::max_body_bytes`] says otherwise: 8 MiB, room for
/// an ended event's users sent all at once.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 << 20;

/// Checks deliveries against your subscriptions' secrets, and reads them.
///
/// Each subscription (one per webhook type) has its own secret; one verifier can accept
/// several, so one endpoint serves them all. During a rotation (after `renew_webhook` issued a
/// new secret) it accepts the previous one too, until a time you choose, since deliveries
/// already under way may carry it.
///
/// An empty or blank secret, what an unset environment variable gives, matches nothing, and
/// no subscription's deliveries are refused for good because of one:
///
/// | the verifier holds | a delivery whose key matches a secret | one whose key matches none |
/// |---|---|---|
/// | usable secrets only | read | `401` ([`Error::WrongKey`]) |
/// | usable secrets and a blank one | read | `500` ([`Error::BlankSecret`]): it may be the blank one's subscription, so Sequel retries it once you set that secret |
/// | blank secrets only | — | `500` ([`Error::NoUsableSecret`]) |
///
/// A blank previous secret counts until its `until`. [`Verifier::from_env_each`] refuses a
/// blank variable at start-up instead, naming it.
#[derive(Clone)]
pub struct Verifier {
    secrets: Vec<[u8; 32]>,
    previous: Vec<([u8; 32], OffsetDateTime)>,
    /// Blank secrets given, each until when it counts.
    blank: Vec<OffsetDateTime>,
    max_body_bytes: usize,
}

impl Verifier {
    /// A verifier for deliveries carrying `secret`.
    pub fn new(secret: impl Into<WebhookSecret>) -> Verifier {
        Verifier::any_of([secret.into()])
    }

    /// A verifier for deliveries carrying the secret in the environment variable `name`.
    /// An unset, empty or blank variable is refused with an error that names it, rather than
    /// making a verifier that refuses every delivery.
    pub fn from_env(name: &'static str) -> Result<Verifier, crate::sequel::error::Error> {
        Verifier::from_env_each(&[name])
    }

    /// A verifier for deliveries carrying the secret in any of the environment variables
    /// `names`, one per subscription (`SEQUEL_WEBHOOK_SECRET_REGISTRATIONS`,
    /// `SEQUEL_WEBHOOK_SECRET_ENDED`, ...). The first unset, empty or blank one is refused with
    /// an error that names it, so a subscription left without its secret stops the start-up
    /// rather than having its deliveries refused.
    ///
    /// ```
    /// use event_sso::sequel::webhook::Verifier;
    /// # // SAFETY of the example: it runs in its own process.
    /// # unsafe { std::env::set_var("HOOK_A", "secret-a"); std::env::set_var("HOOK_B", " "); }
    /// let refused = Verifier::from_env_each(&["HOOK_A", "HOOK_B"]).unwrap_err();
    /// assert_eq!(refused.to_string(), "the environment variable HOOK_B is not set");
    /// ```
    pub fn from_env_each(names: &[&'static str]) -> Result<Verifier, crate::sequel::error::Error> {
        let mut secrets = Vec::with_capacity(names.len());
        for &name in names {
            match std::env::var(name) {
                Ok(secret) if !secret.trim().is_empty() => secrets.push(secret),
                _ => return Err(crate::sequel::error::Error::MissingEnv { name }),
            }
        }
        Ok(Verifier::any_of(secrets))
    }

    /// A verifier for deliveries carrying any of `secrets`.
    pub fn any_of<T: Into<WebhookSecret>>(secrets: impl IntoIterator<Item = T>) -> Verifier {
        secrets.into_iter().fold(
            Verifier {
                secrets: Vec::new(),
                previous: Vec::new(),
                blank: Vec::new(),
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            },
            Verifier::also_accept,
        )
    }

    /// Also accepts `secret`: another subscription's, for one endpoint serving several. A
    /// blank one makes deliveries that match no secret answer `500` (see [`Verifier`]).
    #[must_use]
    pub fn also_accept(mut self, secret: impl Into<WebhookSecret>) -> Verifier {
        match usable(secret.into()) {
            Some(digest) => self.secrets.push(digest),
            None => self
                .blank
                .push(OffsetDateTime::new_utc(time::Date::MAX, time::Time::MIDNIGHT)),
        }
        self
    }

    /// Also accepts `previous` until `until` (for example a day after the renewal). A blank
    /// one makes deliveries that match no secret answer `500` until `until`.
    #[must_use]
    pub fn with_previous(mut self, previous: impl Into<WebhookSecret>, until: OffsetDateTime) -> Verifier {
        match usable(previous.into()) {
            Some(digest) => self.previous.push((digest, until)),
            None => self.blank.push(until),
        }
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
        if self.secrets.is_empty() && self.previous.is_empty() {
            return Err(Error::NoUsableSecret);
        }
        let presented = headers.get(AUTH_HEADER).ok_or(Error::MissingKey)?;
        let presented = digest_bytes(presented.as_bytes());
        // Every secret is compared, matched or not, so the time taken says nothing of which.
        let mut matched = false;
        for secret in &self.secrets {
            matched |= same(&presented, secret);
        }
        for (previous, until) in &self.previous {
            matched |= same(&presented, previous) & (now <= *until);
        }
        if !matched {
            return match self.blank.iter().any(|until| now <= *until) {
                true => Err(Error::BlankSecret),
                false => Err(Error::WrongKey),
            };
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
            .field("secrets", &self.secrets.len())
            .field(
                "previous_until",
                &self.previous.iter().map(|(_, until)| until).collect::<Vec<_>>(),
            )
            .field("blank", &self.blank.len())
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// The secret's digest, unless it is empty or blank: such a secret must match nothing, not
/// the empty header a careless sender might send.
fn usable(secret: WebhookSecret) -> Option<[u8; 32]> {
    match secret.as_str().trim().is_empty() {
        true => None,
        false => Some(digest(secret.as_str())),
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

/// The envelope as the usual delivery is read: `details` left as the body's own bytes, to be
/// read once, straight into its type.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnvelope<'a> {
    event_type: String,
    web_hook_invocation_id: String,
    correlation_id: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    timestamp: OffsetDateTime,
    #[serde(borrow)]
    details: Option<&'a RawValue>,
}

impl Delivery {
    /// Reads a delivery's body without checking any key: for bodies verified elsewhere, and
    /// for tests. Use a [`Verifier`] for requests.
    pub fn parse(body: &[u8]) -> Result<Delivery, Error> {
        // One pass over the body, and one over `details` into its type: no `Value` is built.
        // Only a body that fails is read again, through the crate's reader, for the error.
        if let Some(delivery) = Delivery::read_fast(body) {
            return Ok(delivery);
        }
        Delivery::read_full(body)
    }

    /// Reads a body through a `Value` and the crate's reader: slower, and the error says where
    /// and what.
    fn read_full(body: &[u8]) -> Result<Delivery, Error> {
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

    fn read_fast(body: &[u8]) -> Option<Delivery> {
        let envelope: RawEnvelope<'_> = serde_json::from_slice(body).ok()?;
        // Every delivery Sequel documents has `details`; one without is left to the full read.
        let details = envelope.details.map(RawValue::get).filter(|raw| *raw != "null")?;
        let event = WebhookEvent::read_str(&envelope.event_type, details)?;
        Some(Delivery {
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
    /// correlation id. The [`Receiver`](super::Receiver) claims occurrences by it.
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
    /// The verifier has no usable secret: every one it was given is empty or blank (an unset
    /// environment variable, say). Answered `500`, so Sequel retries once it is fixed.
    #[error("the webhook verifier has no usable secret (every secret given is empty or blank)")]
    #[non_exhaustive]
    NoUsableSecret,
    /// The key matches no secret, and one of the secrets given is empty or blank: the delivery
    /// may be that subscription's. Answered `500`, so Sequel retries it once the secret is
    /// set, rather than `401`, which it does not retry.
    #[error(
        "the delivery's key matches no secret, and a secret given to the webhook verifier is empty or blank"
    )]
    #[non_exhaustive]
    BlankSecret,
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

    /// The status to answer: `401` for a missing or wrong key and `400` for a malformed body
    /// (Sequel retries neither), `500` when the verifier has no usable secret (Sequel retries).
    /// Never `404`, which Sequel reads as "endpoint gone".
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NoUsableSecret | Error::BlankSecret => StatusCode::INTERNAL_SERVER_ERROR,
            error if error.is_auth() => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// Whether the key was missing or wrong.
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::MissingKey | Error::WrongKey)
    }

    /// A short name for the kind of refusal, for traces.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Error::NoUsableSecret => "no_usable_secret",
            Error::BlankSecret => "blank_secret",
            Error::MissingKey => "missing_key",
            Error::WrongKey => "wrong_key",
            Error::TooLarge { .. } => "too_large",
            Error::Malformed { .. } => "malformed",
        }
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

    /// The one-pass read gives what the full one gives, and leaves every refusal to it.
    #[test]
    fn the_fast_read_agrees_with_the_full_one() {
        let envelope = |kind: &str, details: &str| {
            format!(
                r#"{{"eventType":"{kind}","webHookInvocationId":"i-1","correlationId":null,"timestamp":"2025-01-07T10:05:24.000Z"{details}}}"#
            )
        };
        let user =
            r#"{"name":"A \"Q\" O'Neil","email":"a.o+x@example.com","liveTime":1.5,"registrationInfo":[]}"#;
        // Read in one pass, as every delivery Sequel documents is.
        let usual = [
            envelope(
                "virtual-stage-event-started",
                r#","details":{"eventId":"e-1","extra":[1,{"a":null}]}"#,
            ),
            envelope(
                "new-attendee-pre-registration",
                &format!(r#","details":{{"eventId":"e-1","attendee":{user}}}"#),
            ),
            envelope(
                "virtual-stage-event-ended",
                &format!(r#","details":{{"eventId":"e-1","users":[{user}],"page":2,"totalCount":9}}"#),
            ),
            envelope("something-new", r#","details":{"x":"\u00e9"}"#),
        ];
        for body in &usual {
            let fast = Delivery::read_fast(body.as_bytes()).expect(body);
            assert!(fast == Delivery::read_full(body.as_bytes()).unwrap(), "{body}");
        }
        // Without details: the full read's, whatever the type.
        for body in [
            envelope("something-new", ""),
            envelope("something-new", r#","details":null"#),
        ] {
            assert!(Delivery::read_fast(body.as_bytes()).is_none(), "{body}");
            let delivery = Delivery::parse(body.as_bytes()).unwrap();
            assert!(matches!(
                delivery.event(),
                WebhookEvent::Other {
                    details: Value::Null,
                    ..
                }
            ));
        }
        // Refused: the fast read leaves them to the full one, which says why.
        for body in [
            envelope("virtual-stage-event-started", ""),
            envelope(
                "new-attendee-pre-registration",
                r#","details":{"attendee":{"name":7}}"#,
            ),
            envelope("virtual-stage-event-ended", r#","details":{"users":"none"}"#),
            envelope("virtual-stage-event-started", r#","details":{"eventId":"e-1"},"#),
            r#"{"eventType":"virtual-stage-event-started","timestamp":"2025-01-07T10:05:24.000Z"}"#
                .to_owned(),
        ] {
            assert!(Delivery::read_fast(body.as_bytes()).is_none(), "{body}");
            let error = Delivery::parse(body.as_bytes()).unwrap_err();
            assert!(matches!(error, Error::Malformed { .. }), "{body}: {error:?}");
        }
    }

    #[test]
    fn a_verifier_from_an_unset_variable_is_refused_naming_it() {
        let unset = Verifier::from_env("EVENT_SSO_TEST_VARIABLE_NEVER_SET").unwrap_err();
        assert_eq!(
            unset.to_string(),
            "the environment variable EVENT_SSO_TEST_VARIABLE_NEVER_SET is not set"
        );
        // Every process has a PATH: a set variable makes a verifier that accepts it.
        let path = std::env::var("PATH").unwrap();
        let verifier = Verifier::from_env("PATH").unwrap();
        assert!(verifier.verify(&headers(&path), BODY).is_ok());
    }

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
    fn one_verifier_accepts_each_subscription_secret_and_no_other() {
        let verifier = Verifier::any_of(["registrations", "ended"]).also_accept("created");
        for key in ["registrations", "ended", "created"] {
            assert!(verifier.verify(&headers(key), BODY).is_ok(), "{key}");
        }
        for wrong in ["", "registrationsended", "ende", "other"] {
            assert!(
                matches!(verifier.verify(&headers(wrong), BODY), Err(Error::WrongKey)),
                "{wrong:?}"
            );
        }
        assert!(!format!("{verifier:?}").contains("registrations"));
    }

    #[test]
    fn an_empty_or_blank_secret_matches_nothing() {
        // What `std::env::var("SECRET").unwrap_or_default()` gives when the variable is unset.
        for blank in ["", " ", "\t "] {
            let verifier = Verifier::new(blank);
            for presented in ["", " ", "\t ", "anything"] {
                let refused = verifier.verify(&headers(presented), BODY).unwrap_err();
                assert!(
                    matches!(refused, Error::NoUsableSecret),
                    "{blank:?} / {presented:?}"
                );
                // Answered 500, so Sequel retries once the secret is set; never 200.
                assert_eq!(refused.status(), StatusCode::INTERNAL_SERVER_ERROR);
            }
            // Beside a real one, in any order and through every way of giving it: the real
            // one's deliveries are read, and any other is answered 500, since it may be the
            // blank one's subscription.
            let now = OffsetDateTime::now_utc();
            let hour = time::Duration::HOUR;
            for verifier in [
                Verifier::new(blank).also_accept("real"),
                Verifier::new("real").also_accept(blank),
                Verifier::any_of(["real", blank]),
                Verifier::new("real").with_previous(blank, now + hour),
            ] {
                assert!(verifier.verify(&headers("real"), BODY).is_ok());
                for presented in [blank, "other-subscription"] {
                    let refused = verifier.verify(&headers(presented), BODY).unwrap_err();
                    assert!(matches!(refused, Error::BlankSecret), "{presented:?}");
                    assert_eq!(refused.status(), StatusCode::INTERNAL_SERVER_ERROR);
                }
                assert!(matches!(
                    verifier.verify(&HeaderMap::new(), BODY),
                    Err(Error::MissingKey)
                ));
            }
            // A blank previous secret counts until its end only.
            let ended = Verifier::new("real").with_previous(blank, now - hour);
            assert!(matches!(
                ended.verify(&headers("other"), BODY),
                Err(Error::WrongKey)
            ));
        }
        // Without a blank one, a wrong key is 401, as before.
        let refused = Verifier::any_of(["a", "b"])
            .verify(&headers("c"), BODY)
            .unwrap_err();
        assert!(matches!(refused, Error::WrongKey));
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
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
