//! The webhook subscription endpoints: subscribe, look up, edit, renew, unsubscribe.
//! Their values are in [`subscription`](crate::sequel::subscription); receiving what they
//! deliver is [`webhook`](crate::sequel::webhook)'s.
//!
//! These operations come from a **secondary source**: a third party's summary of Sequel's
//! "getting started with web hooks" page, of which only the opening was retrievable. Their
//! paths (`/api/integrations/webhooks/...`, not under `/api/v1`) are all in this file.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use url::Url;

use super::call::{Api, Call, CallKind, Decoder, Route, decode_json, no_answer, removal, route, segment};
use crate::sequel::error::Error;
use crate::sequel::models::{CompanyId, EventId};
use crate::sequel::subscription::{
    MAX_SUBSCRIPTION_DAYS, MIN_SUBSCRIPTION_DAYS, NewSubscription, Subscribed, SubscriptionId,
    SubscriptionUpdate, WebhookSubscription,
};
use crate::sequel::webhook::WebhookType;

/// The path under the API root.
const BASE: [&str; 3] = ["api", "integrations", "webhooks"];
/// Subscribing twice makes two subscriptions.
static SUBSCRIBE: Route = route("POST /integrations/webhooks", Method::POST, false);
static GET: Route = route("GET /integrations/webhooks/{id}", Method::GET, true);
/// Extending twice extends twice.
static UPDATE: Route = route("PUT /integrations/webhooks/{id}", Method::PUT, false);
/// A repeat issues another fresh secret, the one kept being the last.
static RENEW: Route = route("POST /integrations/webhooks/renew/{id}", Method::POST, true);
static UNSUBSCRIBE: Route = removal("DELETE /integrations/webhooks/{id}", Method::DELETE);

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
        let url = self.url(BASE.iter().chain(tail));
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
        Ok(self.webhooks(&SUBSCRIBE, &[], decode_json).json(&body))
    }

    /// `GET /api/integrations/webhooks/{id}`: the subscription (without its secret).
    pub fn webhook_subscription(&self, id: &SubscriptionId) -> Result<Call<WebhookSubscription>, Error> {
        Ok(self.webhooks(&GET, &[subscription_id(id)?], decode_subscription))
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
            .webhooks(&UPDATE, &[subscription_id(id)?], decode_subscription)
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
            .webhooks(&RENEW, &["renew", subscription_id(id)?], decode_json)
            .json(&body))
    }

    /// `DELETE /api/integrations/webhooks/{id}`: no more deliveries.
    pub fn unsubscribe_webhook(&self, id: &SubscriptionId) -> Result<Call<()>, Error> {
        Ok(self.webhooks(&UNSUBSCRIBE, &[subscription_id(id)?], no_answer))
    }
}
