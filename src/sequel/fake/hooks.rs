//! The fake's webhooks: subscriptions, as Sequel's (secondary) description has them, and the
//! deliveries each change makes, queued in `outbox` for the server to send.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::records::{Outgoing, Subscription, unix_now};
use super::reply::{Reply, message};
use super::state::State;
use crate::sequel::webhook::WebhookType;

const DAY: u64 = 86_400;

impl State {
    /// `/api/integrations/webhooks/...`, past the bearer check.
    pub(super) fn webhooks(&mut self, method: &Method, route: &[&str], body: &[u8]) -> Reply {
        let body: Value = match body.is_empty() {
            true => Value::Null,
            false => match serde_json::from_slice(body) {
                Ok(body) => body,
                Err(_) => return Reply::error(StatusCode::BAD_REQUEST, message::INVALID_INPUT),
            },
        };
        let info = &body["subscriptionInfo"];
        let length = |key: &str, default: u64| match &info[key] {
            Value::Null => Some(default),
            value => value.as_u64().filter(|days| (2..=365).contains(days)),
        };
        match (method, route) {
            (&Method::POST, []) => {
                // Only the types Sequel documents, by the crate's own list of them.
                let kind = body["eventType"]
                    .as_str()
                    .filter(|kind| !matches!(WebhookType::from_name(kind), WebhookType::Other(_)));
                let company = info["companyId"].as_str();
                let endpoint = info["endpoint"].as_str().filter(|e| url::Url::parse(e).is_ok());
                let (Some(kind), Some(company), Some(endpoint), Some(days)) =
                    (kind, company, endpoint, length("subscriptionLengthInDays", 90))
                else {
                    return Reply::error(StatusCode::BAD_REQUEST, message::INVALID_INPUT);
                };
                if !self.companies.contains_key(company) {
                    return Reply::error(StatusCode::NOT_FOUND, message::COMPANY_NOT_FOUND);
                }
                let id = self.uuid();
                let subscription = Subscription {
                    kind: kind.to_owned(),
                    company_id: company.to_owned(),
                    event_id: info["eventId"].as_str().map(str::to_owned),
                    endpoint: endpoint.to_owned(),
                    secret: self.secret(),
                    expires_on: unix_now() + days * DAY,
                };
                let answer = subscribed(&id, &subscription);
                self.subscriptions.insert(id, subscription);
                Reply::json(StatusCode::CREATED, &answer)
            }
            (&Method::POST, ["renew", id]) => {
                let Some(days) = length("subscriptionLengthInDays", 90) else {
                    return Reply::error(StatusCode::BAD_REQUEST, message::INVALID_INPUT);
                };
                let secret = self.secret();
                let Some(subscription) = self.subscriptions.get_mut(*id) else {
                    return Reply::error(StatusCode::NOT_FOUND, "Subscription not found");
                };
                subscription.secret = secret;
                subscription.expires_on = unix_now() + days * DAY;
                Reply::json(StatusCode::OK, &subscribed(id, subscription))
            }
            (&Method::GET, [id]) => match self.subscriptions.get(*id) {
                Some(subscription) => Reply::json(StatusCode::OK, &described(id, subscription)),
                None => Reply::error(StatusCode::NOT_FOUND, "Subscription not found"),
            },
            (&Method::PUT, [id]) => {
                let endpoint = info["endpoint"].as_str();
                let (Some(extend), true) = (
                    length("extendSubscriptionByDays", 0),
                    endpoint.is_none_or(|e| url::Url::parse(e).is_ok()),
                ) else {
                    return Reply::error(StatusCode::BAD_REQUEST, message::INVALID_INPUT);
                };
                let Some(subscription) = self.subscriptions.get_mut(*id) else {
                    return Reply::error(StatusCode::NOT_FOUND, "Subscription not found");
                };
                if let Some(endpoint) = endpoint {
                    subscription.endpoint = endpoint.to_owned();
                }
                subscription.expires_on += extend * DAY;
                Reply::json(StatusCode::OK, &described(id, subscription))
            }
            (&Method::DELETE, [id]) => match self.subscriptions.remove(*id) {
                Some(_) => Reply::json(StatusCode::OK, &json!({"webHookSubscriptionId": id})),
                None => Reply::error(StatusCode::NOT_FOUND, "Subscription not found"),
            },
            _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
        }
    }

    /// Queues a delivery of `kind` about event `event_id` to every live subscription that
    /// covers it, with `details` added to the event's.
    pub(super) fn notify(&mut self, kind: WebhookType, event_id: &str, correlation: &str, extra: Value) {
        let Some(event) = self.events.get(event_id) else {
            return;
        };
        let mut details = json!({
            "companyId": event.company_id,
            "companyName": "Fake company",
            "eventId": event_id,
            "eventName": event.fields.get("name").cloned().unwrap_or(Value::Null),
        });
        // The event-change types carry the CMS webhooks' fields.
        if matches!(
            kind,
            WebhookType::EventCreated | WebhookType::EventUpdated | WebhookType::EventDeleted
        ) {
            for field in ["startDate", "endDate", "timezone"] {
                if let Some(value) = event.fields.get(field) {
                    details[field] = value.clone();
                }
            }
        }
        if let (Some(details), Value::Object(extra)) = (details.as_object_mut(), extra) {
            details.extend(extra);
        }
        self.queue(
            kind.as_str(),
            &event.company_id.clone(),
            Some(event_id),
            correlation,
            details,
        );
    }

    fn queue(
        &mut self,
        kind: &str,
        company: &str,
        event_id: Option<&str>,
        correlation: &str,
        details: Value,
    ) {
        let now = unix_now();
        let targets: Vec<(String, String)> = self
            .subscriptions
            .values()
            .filter(|s| s.kind == kind && s.company_id == company && now < s.expires_on)
            .filter(|s| s.event_id.is_none() || s.event_id.as_deref() == event_id)
            .map(|s| (s.endpoint.clone(), s.secret.clone()))
            .collect();
        for (endpoint, secret) in targets {
            let invocation_id = self.uuid();
            let timestamp = time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            let body = json!({
                "eventType": kind,
                "webHookInvocationId": invocation_id,
                "correlationId": correlation,
                "timestamp": timestamp,
                "details": details,
            });
            self.outbox.push(Outgoing {
                endpoint,
                secret,
                event_type: kind.to_owned(),
                invocation_id,
                body: body.to_string().into_bytes(),
            });
        }
    }

    /// The event's stream starts.
    pub(super) fn start_event(&mut self, event_id: &str) -> bool {
        let correlation = self.uuid();
        let known = self.events.contains_key(event_id);
        self.notify(WebhookType::EventStarted, event_id, &correlation, json!({}));
        known
    }

    /// The event's stream ends: its registrants, in batches of `batch` (all at once for 0).
    pub(super) fn end_event(&mut self, event_id: &str, batch: usize) -> bool {
        let Some(event) = self.events.get(event_id) else {
            return false;
        };
        let users: Vec<Value> = event
            .roster
            .registrants
            .iter()
            .enumerate()
            .map(|(i, registrant)| {
                json!({
                    "_id": format!("{:024x}", i + 1),
                    "uid": format!("user-{}", i + 1),
                    "userId": format!("{}|||{event_id}", registrant["email"].as_str().unwrap_or_default()),
                    "name": registrant["name"],
                    "email": registrant["email"],
                    "engagedMinutes": 42,
                })
            })
            .collect();
        let correlation = self.uuid();
        let size = if batch == 0 { users.len().max(1) } else { batch };
        let total = users.len();
        let pages: Vec<Vec<Value>> = match users.is_empty() {
            true => vec![Vec::new()],
            false => users.chunks(size).map(<[Value]>::to_vec).collect(),
        };
        for (page, users) in pages.into_iter().enumerate() {
            let extra = json!({"users": users, "page": page + 1, "size": size, "totalCount": total});
            self.notify(WebhookType::EventEnded, event_id, &correlation, extra);
        }
        true
    }

    /// A fresh subscription secret.
    fn secret(&mut self) -> String {
        format!("whsec-{}", self.uuid().replace('-', ""))
    }
}

fn subscribed(id: &str, subscription: &Subscription) -> Value {
    json!({
        "webHookSubscriptionId": id,
        "clientSecret": subscription.secret,
        "expiresOn": date(subscription.expires_on),
    })
}

fn described(id: &str, subscription: &Subscription) -> Value {
    json!({
        "webHookSubscriptionId": id,
        "subscriptionInfo": {
            "eventType": subscription.kind,
            "companyId": subscription.company_id,
            "eventId": subscription.event_id,
            "endpoint": subscription.endpoint,
            "expiresOn": date(subscription.expires_on),
        },
    })
}

fn date(unix: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix as i64)
        .ok()
        .and_then(|at| at.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}
