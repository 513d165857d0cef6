//! Webhook subscriptions as values: what to ask for, what Sequel answers, and the rule that
//! keeps one alive. The endpoints that send them are in [`request`](super::request); receiving
//! what they deliver is [`webhook`](super::webhook)'s.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use url::Url;

use super::models::{CompanyId, EventId};
use super::webhook::{WebhookSecret, WebhookType};

/// The shortest subscription or extension Sequel accepts, in days.
pub const MIN_SUBSCRIPTION_DAYS: u16 = 2;
/// The longest subscription or extension Sequel accepts, in days.
pub const MAX_SUBSCRIPTION_DAYS: u16 = 365;

super::models::id_type!(
    /// A webhook subscription's id (`webHookSubscriptionId`). Sequel lists no subscriptions:
    /// keep it.
    SubscriptionId
);

/// A subscription to ask for: one type of webhook, for a company (and its child companies),
/// or one event, delivered to `endpoint`.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
#[non_exhaustive]
pub struct NewSubscription {
    pub(crate) kind: WebhookType,
    pub(crate) company: CompanyId,
    pub(crate) event: Option<EventId>,
    pub(crate) endpoint: Url,
    pub(crate) days: Option<u16>,
}

impl NewSubscription {
    /// `kind` webhooks of `company`, POSTed to `endpoint`.
    pub fn new(kind: WebhookType, company: CompanyId, endpoint: Url) -> NewSubscription {
        NewSubscription {
            kind,
            company,
            event: None,
            endpoint,
            days: None,
        }
    }

    /// Only for this event (Sequel documents this for pre-registrations).
    pub fn event(mut self, event: EventId) -> Self {
        self.event = Some(event);
        self
    }

    /// How long it lasts, 2 to 365 days (Sequel's default: 90).
    pub fn length_in_days(mut self, days: u16) -> Self {
        self.days = Some(days);
        self
    }
}

/// What subscribing or renewing gives: the id, the secret (shown this once) and the expiry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Subscribed {
    /// The subscription.
    #[serde(rename = "webHookSubscriptionId")]
    pub id: SubscriptionId,
    /// The secret deliveries carry. Sequel shows it only now.
    #[serde(rename = "clientSecret")]
    pub secret: WebhookSecret,
    /// When deliveries stop unless it is extended or renewed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_on: Option<OffsetDateTime>,
}

/// A subscription as Sequel describes it (without its secret).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookSubscription {
    /// The subscription.
    pub id: SubscriptionId,
    /// The kind of webhook.
    pub kind: Option<WebhookType>,
    /// The company.
    pub company: Option<CompanyId>,
    /// The event, when it is for one.
    pub event: Option<EventId>,
    /// Where deliveries go.
    pub endpoint: Option<String>,
    /// When deliveries stop.
    pub expires_on: Option<OffsetDateTime>,
    /// Every other field, as it came.
    pub extra: Map<String, Value>,
}

/// How many days the clients' `keep_webhook_alive` extends a
/// subscription by: Sequel's default length.
pub const KEEP_ALIVE_EXTENSION_DAYS: u16 = 90;

/// What the clients' `keep_webhook_alive` did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum KeptAlive {
    /// Enough days remain; nothing was changed.
    Unchanged(WebhookSubscription),
    /// Extended by [`KEEP_ALIVE_EXTENSION_DAYS`]; the secret is kept.
    Extended(WebhookSubscription),
    /// It had expired, or could not be extended, so it was renewed: deliveries now carry the
    /// new secret. Store it, and give it to your verifier (keeping the old one a while with
    /// [`Verifier::with_previous`](super::webhook::Verifier::with_previous)).
    Renewed(Subscribed),
}

/// What keeping a subscription alive takes, decided from what Sequel says of it at `now`:
/// the rule both clients follow, for other transports too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeepAlive {
    /// Enough days remain.
    Nothing,
    /// Extend it by [`KEEP_ALIVE_EXTENSION_DAYS`]; if Sequel refuses (`400`), renew it.
    Extend,
    /// Renew it: it has expired.
    Renew,
}

impl KeepAlive {
    /// Renew an expired subscription (an extension of it is not documented to revive it),
    /// extend one with fewer than `min_days_left` days left or no known expiry, else nothing.
    pub fn decide(subscription: &WebhookSubscription, min_days_left: u16, now: OffsetDateTime) -> KeepAlive {
        match subscription.expires_on {
            Some(expires) if expires <= now => KeepAlive::Renew,
            Some(expires) if expires - now >= time::Duration::days(i64::from(min_days_left)) => {
                KeepAlive::Nothing
            }
            _ => KeepAlive::Extend,
        }
    }
}

/// Changes to a subscription: where deliveries go, and how many days more it lasts. The
/// secret is kept (inferred: Sequel's summary says only renewing issues a new one).
#[derive(Debug, Clone, PartialEq, Default)]
#[must_use]
#[non_exhaustive]
pub struct SubscriptionUpdate {
    pub(crate) endpoint: Option<Url>,
    pub(crate) extend_by_days: Option<u16>,
}

impl SubscriptionUpdate {
    /// No change yet.
    pub fn new() -> SubscriptionUpdate {
        SubscriptionUpdate::default()
    }

    /// A new endpoint.
    pub fn endpoint(mut self, endpoint: Url) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// Lasts `days` longer, 2 to 365.
    pub fn extend_by_days(mut self, days: u16) -> Self {
        self.extend_by_days = Some(days);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expiring(expires_on: Option<OffsetDateTime>) -> WebhookSubscription {
        WebhookSubscription {
            id: SubscriptionId::new("s"),
            kind: None,
            company: None,
            event: None,
            endpoint: None,
            expires_on,
            extra: Map::new(),
        }
    }

    #[test]
    fn keep_alive_extends_near_the_end_renews_after_it_and_leaves_the_rest() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let days = |n: i64| Some(now + time::Duration::days(n));
        assert_eq!(
            KeepAlive::decide(&expiring(days(30)), 14, now),
            KeepAlive::Nothing
        );
        assert_eq!(
            KeepAlive::decide(&expiring(days(14)), 14, now),
            KeepAlive::Nothing
        );
        assert_eq!(KeepAlive::decide(&expiring(days(13)), 14, now), KeepAlive::Extend);
        assert_eq!(KeepAlive::decide(&expiring(None), 14, now), KeepAlive::Extend);
        assert_eq!(KeepAlive::decide(&expiring(Some(now)), 14, now), KeepAlive::Renew);
        assert_eq!(KeepAlive::decide(&expiring(days(-3)), 14, now), KeepAlive::Renew);
    }
}
