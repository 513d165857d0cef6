//! Managing webhook subscriptions: subscribe, look up, edit, renew, unsubscribe, keep alive.
//! Receiving what they deliver is [`webhook`](super::webhook)'s.
//!
//! These operations come from a **secondary source**: a third party's summary of Sequel's
//! "getting started with web hooks" page, of which only the opening was retrievable. Their
//! paths (`/api/integrations/webhooks/...`, not under `/api/v1`) are kept in
//! [`routes`] so a correction lands in one place.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use url::Url;

use super::webhook::{WebhookSecret, WebhookType};
use crate::sequel::error::Error;
use crate::sequel::request::{Api, Call, CallKind, Decoder, Route, decode_json, segment};
use crate::sequel::{CompanyId, EventId};

/// The shortest subscription or extension Sequel accepts, in days.
pub const MIN_SUBSCRIPTION_DAYS: u16 = 2;
/// The longest subscription or extension Sequel accepts, in days.
pub const MAX_SUBSCRIPTION_DAYS: u16 = 365;

/// The subscription operations, in one place (secondary source, see the module docs).
pub(crate) mod routes {
    use http::Method;

    use crate::sequel::request::{Route, route};

    /// The path under the API root.
    pub(crate) const BASE: [&str; 3] = ["api", "integrations", "webhooks"];
    /// Subscribing twice makes two subscriptions.
    pub(crate) static SUBSCRIBE: Route = route("POST /integrations/webhooks", Method::POST, false);
    pub(crate) static GET: Route = route("GET /integrations/webhooks/{id}", Method::GET, true);
    /// Extending twice extends twice.
    pub(crate) static UPDATE: Route = route("PUT /integrations/webhooks/{id}", Method::PUT, false);
    /// A repeat issues another fresh secret, the one kept being the last.
    pub(crate) static RENEW: Route = route("POST /integrations/webhooks/renew/{id}", Method::POST, true);
    pub(crate) static UNSUBSCRIBE: Route = route("DELETE /integrations/webhooks/{id}", Method::DELETE, true);
}

crate::sequel::models::id_type!(
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSubscription {
    web_hook_subscription_id: SubscriptionId,
    #[serde(default)]
    subscription_info: WireInfo,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireInfo {
    event_type: Option<String>,
    company_id: Option<CompanyId>,
    event_id: Option<EventId>,
    endpoint: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires_on: Option<OffsetDateTime>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

fn decode_subscription(
    call: &'static str,
    body: &[u8],
    at: std::time::SystemTime,
) -> Result<WebhookSubscription, Error> {
    let wire: WireSubscription = decode_json(call, body, at)?;
    let info = wire.subscription_info;
    Ok(WebhookSubscription {
        id: wire.web_hook_subscription_id,
        kind: info.event_type.as_deref().map(WebhookType::from_name),
        company: info.company_id,
        event: info.event_id,
        endpoint: info.endpoint,
        expires_on: info.expires_on,
        extra: info.extra,
    })
}

/// How many days [`keep_webhook_alive`](crate::sequel::Client::keep_webhook_alive) extends a
/// subscription by: Sequel's default length.
pub const KEEP_ALIVE_EXTENSION_DAYS: u16 = 90;

/// What [`keep_webhook_alive`](crate::sequel::Client::keep_webhook_alive) did.
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

fn days(field: &'static str, days: Option<u16>) -> Result<Option<u16>, Error> {
    match days {
        Some(days) if !(MIN_SUBSCRIPTION_DAYS..=MAX_SUBSCRIPTION_DAYS).contains(&days) => {
            Err(Error::invalid(field, "must be 2 to 365 days"))
        }
        days => Ok(days),
    }
}

fn endpoint(url: &Url) -> Result<&str, Error> {
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url.as_str()),
        _ => Err(Error::invalid(
            "webhook endpoint",
            "must be an http:// or https:// URL with a host",
        )),
    }
}

fn subscription_id(id: &SubscriptionId) -> Result<&str, Error> {
    segment("subscription id", id.as_str())
}

impl Api {
    /// A call to `/api/integrations/webhooks/{tail}`, with the access token like a v1 call.
    fn webhooks<T>(&self, route: &Route, tail: &[&str], decode: Decoder<T>) -> Call<T> {
        let url = self.url(routes::BASE.iter().chain(tail));
        Call::new(route, url, CallKind::V1, decode)
    }

    /// `POST /api/integrations/webhooks`: subscribes; gives the id, the secret and the expiry.
    pub fn subscribe_webhook(&self, subscription: &NewSubscription) -> Result<Call<Subscribed>, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Info<'a> {
            company_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            event_id: Option<&'a str>,
            endpoint: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            subscription_length_in_days: Option<u16>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            event_type: &'a str,
            subscription_info: Info<'a>,
        }
        if subscription.company.as_str().trim().is_empty() {
            return Err(Error::invalid("company id", "must not be blank"));
        }
        let body = Body {
            event_type: subscription.kind.as_str(),
            subscription_info: Info {
                company_id: subscription.company.as_str(),
                event_id: subscription.event.as_ref().map(EventId::as_str),
                endpoint: endpoint(&subscription.endpoint)?,
                subscription_length_in_days: days("subscription length", subscription.days)?,
            },
        };
        Ok(self.webhooks(&routes::SUBSCRIBE, &[], decode_json).json(&body))
    }

    /// `GET /api/integrations/webhooks/{id}`: the subscription (without its secret).
    pub fn webhook_subscription(&self, id: &SubscriptionId) -> Result<Call<WebhookSubscription>, Error> {
        Ok(self.webhooks(&routes::GET, &[subscription_id(id)?], decode_subscription))
    }

    /// `PUT /api/integrations/webhooks/{id}`: a new endpoint, or more days.
    pub fn update_webhook(
        &self,
        id: &SubscriptionId,
        update: &SubscriptionUpdate,
    ) -> Result<Call<WebhookSubscription>, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Info<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            endpoint: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            extend_subscription_by_days: Option<u16>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            subscription_info: Info<'a>,
        }
        if update.endpoint.is_none() && update.extend_by_days.is_none() {
            return Err(Error::invalid("subscription update", "sets nothing to change"));
        }
        let body = Body {
            subscription_info: Info {
                endpoint: update.endpoint.as_ref().map(endpoint).transpose()?,
                extend_subscription_by_days: days("subscription extension", update.extend_by_days)?,
            },
        };
        Ok(self
            .webhooks(&routes::UPDATE, &[subscription_id(id)?], decode_subscription)
            .json(&body))
    }

    /// `POST /api/integrations/webhooks/renew/{id}`: a fresh secret (the old one stops
    /// working), for `days` (Sequel's default: 90).
    pub fn renew_webhook(&self, id: &SubscriptionId, days_: Option<u16>) -> Result<Call<Subscribed>, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Info {
            #[serde(skip_serializing_if = "Option::is_none")]
            subscription_length_in_days: Option<u16>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body {
            subscription_info: Info,
        }
        let body = Body {
            subscription_info: Info {
                subscription_length_in_days: days("subscription length", days_)?,
            },
        };
        Ok(self
            .webhooks(&routes::RENEW, &["renew", subscription_id(id)?], decode_json)
            .json(&body))
    }

    /// `DELETE /api/integrations/webhooks/{id}`: no more deliveries.
    pub fn unsubscribe_webhook(&self, id: &SubscriptionId) -> Result<Call<()>, Error> {
        Ok(self.webhooks(&routes::UNSUBSCRIBE, &[subscription_id(id)?], |_, _, _| Ok(())))
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
