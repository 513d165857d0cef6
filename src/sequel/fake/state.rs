//! The fake's model of Sequel: accounts, tokens, events, registrants and roles, answering one
//! request at a time with no I/O, so the server around it stays plumbing. The webhook and
//! analytics routes are in `hooks.rs` and `analytics.rs`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use crate::sequel::webhook::WebhookType;

use super::records::{Company, Hub, Outgoing, Roster, Subscription, Watch, unix_now};
use super::reply::{Reply, message};

pub(super) struct Event {
    pub(super) company_id: String,
    /// Every field of Sequel's `Event` but the id, the company and the two lists.
    pub(super) fields: serde_json::Map<String, Value>,
    pub(super) presenters: Vec<String>,
    pub(super) organizers: Vec<String>,
    pub(super) roster: Roster,
}

/// What people register for: an event, or a networking hub.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Event,
    Hub,
}

impl Place {
    /// The embed host's path for the place: `event` or `networking`.
    fn path(self) -> &'static str {
        match self {
            Place::Event => "event",
            Place::Hub => "networking",
        }
    }

    /// The claim naming the place in the tokens the fake signs.
    fn claim(self) -> &'static str {
        match self {
            Place::Event => "eventId",
            Place::Hub => "hubId",
        }
    }
}

pub(super) struct State {
    pub(super) client_id: String,
    pub(super) client_secret: String,
    pub(super) company_id: String,
    pub(super) token_lifetime: Duration,
    /// The company tree: the fake's own, any `add_event_in` named, and their children.
    pub(super) companies: HashMap<String, Company>,
    pub(super) hubs: HashMap<String, Hub>,
    /// The event customization overrides, by company and by event.
    pub(super) company_themes: HashMap<String, Value>,
    pub(super) event_themes: HashMap<String, Value>,
    /// Each company's fonts, as `CompanyFontInfo`.
    pub(super) company_fonts: HashMap<String, Vec<Value>>,
    /// The video each event plays as simulive.
    pub(super) simulive: HashMap<String, String>,
    pub(super) tokens: HashMap<String, Instant>,
    pub(super) events: HashMap<String, Event>,
    pub(super) subscriptions: HashMap<String, Subscription>,
    /// What tests recorded of each event's attendance, for the analytics.
    pub(super) watched: HashMap<String, Vec<Watch>>,
    /// Deliveries made by the requests handled, for the server to send.
    pub(super) outbox: Vec<Outgoing>,
    pub(super) key: hmac::Key,
    pub(super) issued: u64,
}

impl State {
    pub(super) fn new() -> State {
        let mut secret = [0u8; 32];
        // Without randomness the fake still works; its tokens are just predictable.
        let _ = aws_lc_rs::rand::fill(&mut secret);
        let suffix = URL_SAFE_NO_PAD.encode(&secret[..6]);
        let mut state = State {
            client_id: format!("fake-client-{suffix}"),
            client_secret: URL_SAFE_NO_PAD.encode(&secret[6..24]),
            company_id: String::new(),
            token_lifetime: Duration::from_secs(3600),
            companies: HashMap::new(),
            hubs: HashMap::new(),
            company_themes: HashMap::new(),
            event_themes: HashMap::new(),
            company_fonts: HashMap::new(),
            simulive: HashMap::new(),
            tokens: HashMap::new(),
            events: HashMap::new(),
            subscriptions: HashMap::new(),
            watched: HashMap::new(),
            outbox: Vec::new(),
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
            issued: 0,
        };
        // A UUID, as Sequel's reference formats a company id in its update call.
        state.company_id = state.uuid();
        let company = Company::named("Fake company", None);
        state.companies.insert(state.company_id.clone(), company);
        state
    }

    /// Adds an event of an hour, starting in a day, and returns its id.
    pub(super) fn add_event(&mut self, name: &str, company_id: &str) -> String {
        self.companies
            .entry(company_id.to_owned())
            .or_insert_with(|| Company::named(company_id, None));
        let start = time::OffsetDateTime::from_unix_timestamp(unix_now() as i64 + 86_400)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let date = |at: time::OffsetDateTime| {
            at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        let fields = json!({
            "name": name,
            "startDate": date(start),
            "endDate": date(start + time::Duration::HOUR),
            "timezone": "Etc/UTC",
            "type": "Virtual",
            "isRegistrationModeEnabled": true,
        });
        self.insert_event(
            company_id,
            fields.as_object().cloned().unwrap_or_default(),
            Vec::new(),
            Vec::new(),
        )
    }

    fn insert_event(
        &mut self,
        company_id: &str,
        fields: serde_json::Map<String, Value>,
        presenters: Vec<String>,
        organizers: Vec<String>,
    ) -> String {
        let id = self.uuid();
        let event = Event {
            company_id: company_id.to_owned(),
            fields,
            presenters,
            organizers,
            roster: Roster::default(),
        };
        self.events.insert(id.clone(), event);
        id
    }

    /// A random version-4 UUID, as Sequel's event ids are.
    pub(super) fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        let _ = aws_lc_rs::rand::fill(&mut bytes);
        // Mixed with a counter, so ids stay distinct even were randomness to fail.
        self.issued += 1;
        for (byte, count) in bytes[10..].iter_mut().zip(&self.issued.to_be_bytes()[2..]) {
            *byte ^= count;
        }
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }

    /// The registrants of an event or a hub, as Sequel lists them (none for an unknown one).
    pub(super) fn registrants(&self, place: Place, id: &str) -> Vec<Value> {
        let roster = match place {
            Place::Event => self.events.get(id).map(|event| &event.roster),
            Place::Hub => self.hubs.get(id).map(|hub| &hub.roster),
        };
        roster
            .map(|roster| roster.registrants.clone())
            .unwrap_or_default()
    }

    /// Makes every access token issued so far invalid, as if they had expired.
    pub(super) fn expire_tokens(&mut self) {
        self.tokens.clear();
    }

    pub(super) fn handle(
        &mut self,
        method: &Method,
        path: &str,
        query: Option<&str>,
        authorization: Option<&str>,
        body: &[u8],
        now: Instant,
    ) -> Reply {
        let segments: Vec<String> = path
            .trim_start_matches('/')
            .split('/')
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let bearer = authorization.and_then(|value| value.strip_prefix("Bearer "));
        let authorized = bearer
            .and_then(|token| self.tokens.get(token))
            .is_some_and(|expires_at| now < *expires_at);
        match (method, segments.as_slice()) {
            (&Method::POST, ["api", "oauth", "token"]) => self.token(body, now),
            // Sequel's public API, themes included (`security: []`): no token needed.
            (&Method::GET, ["api", "v3", rest @ ..]) => self.public(rest),
            (
                _,
                ["api", "v1", ..] | ["api", "integrations", "webhooks", ..] | ["api", "client" | "media", ..],
            ) if !authorized => Reply::text(StatusCode::UNAUTHORIZED, "Unauthorized"),
            (_, ["api", "v1", rest @ ..]) => self.v1(method, rest, query, body),
            (_, ["api", area @ ("client" | "media"), rest @ ..]) => self.platform(method, area, rest, body),
            (_, ["api", "integrations", "webhooks", rest @ ..]) => self.webhooks(method, rest, body),
            // Sequel's reference gives this body for the analytics' `401`.
            (_, ["api", "analytics", ..]) if !authorized => {
                Reply::json(StatusCode::UNAUTHORIZED, &json!("Token not found"))
            }
            (_, ["api", "analytics", rest @ ..]) => self.analytics(method, rest, query),
            _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
        }
    }

    fn token(&mut self, body: &[u8], now: Instant) -> Reply {
        #[derive(Deserialize)]
        struct Request {
            client_id: String,
            client_secret: String,
            audience: String,
            grant_type: String,
        }
        let Ok(request) = serde_json::from_slice::<Request>(body) else {
            return Reply::json(StatusCode::BAD_REQUEST, &json!({"error": "invalid_request"}));
        };
        if request.grant_type != "client_credentials"
            || request.audience != crate::sequel::request::DEFAULT_AUDIENCE
        {
            return Reply::json(StatusCode::FORBIDDEN, &json!({"error": "unauthorized_client"}));
        }
        if request.client_id != self.client_id || request.client_secret != self.client_secret {
            return Reply::json(
                StatusCode::UNAUTHORIZED,
                &json!({"error": "access_denied", "error_description": "Unauthorized"}),
            );
        }
        let token = self.issue_token(now);
        Reply::json(
            StatusCode::OK,
            &json!({"access_token": token, "token_type": "Bearer", "expires_in": crate::clock::capped(self.token_lifetime).as_secs()}),
        )
    }

    /// An access token for the fake's credentials, as the token endpoint issues it.
    pub(super) fn issue_token(&mut self, now: Instant) -> String {
        self.tokens.retain(|_, expires_at| now < *expires_at);
        let token = self.sign(
            json!({"sub": self.client_id, "scope": "api"}),
            self.token_lifetime,
        );
        self.tokens
            .insert(token.clone(), crate::clock::after(now, self.token_lifetime));
        token
    }

    fn v1(&mut self, method: &Method, route: &[&str], query: Option<&str>, body: &[u8]) -> Reply {
        let body: Value = if body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(body) {
                Ok(body) => body,
                Err(_) => return Reply::error(StatusCode::BAD_REQUEST, message::INVALID_INPUT),
            }
        };
        match (method, route) {
            (_, ["networking", rest @ ..]) => self.networking(method, rest, &body),
            (_, ["customizations", rest @ ..]) => self.customizations(method, rest, query, &body),
            (_, ["company", company, rest @ ..]) if !matches!(rest, ["events"]) => {
                self.company_route(method, company, rest, &body)
            }
            (&Method::GET, ["company", company, "events"]) => {
                let events: Vec<Value> = self
                    .events
                    .iter()
                    .filter(|(_, event)| event.company_id == *company)
                    .map(|(id, event)| event_json(id, event))
                    .collect();
                Reply::json(StatusCode::OK, &Value::Array(events))
            }
            (&Method::POST, ["event", "create"]) => self.create_event(&body),
            (_, ["event", id, rest @ ..]) => {
                let id = (*id).to_owned();
                if !self.events.contains_key(&id) {
                    // Sequel's reference capitalizes it for these two operations only.
                    let capitalized = matches!(
                        (method, rest),
                        (&Method::POST, []) | (&Method::PUT, ["organizer"])
                    );
                    let text = if capitalized {
                        "Event not found"
                    } else {
                        message::EVENT_NOT_FOUND
                    };
                    return Reply::error(StatusCode::NOT_FOUND, text);
                }
                self.event_route(method, &id, rest, query, &body)
            }
            _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
        }
    }

    fn event_route(
        &mut self,
        method: &Method,
        id: &str,
        route: &[&str],
        query: Option<&str>,
        body: &Value,
    ) -> Reply {
        match (method, route) {
            (&Method::GET, []) => Reply::json(StatusCode::OK, &event_json(id, &self.events[id])),
            (&Method::POST, []) => self.update_event(id, body),
            (&Method::DELETE, []) => {
                let correlation = self.uuid();
                self.notify(WebhookType::EventDeleted, id, &correlation, json!({}));
                self.events.remove(id);
                Reply::empty(StatusCode::OK)
            }
            (&Method::POST, ["clone"]) => self.clone_event(id, body),
            (&Method::GET, ["availableReplays"]) => self.replays(id, query),
            (&Method::POST, ["embedCode"]) => self.embed(Place::Event, id, body),
            (&Method::POST, ["registrant"]) => self.register(Place::Event, id, body),
            (&Method::GET, ["registrants"]) => {
                Reply::json(StatusCode::OK, &Value::Array(self.registrants(Place::Event, id)))
            }
            (&Method::DELETE, ["registrant"]) => self.unregister(Place::Event, id, body),
            (&Method::PUT, [list @ ("presenter" | "organizer")]) => match text(body, list) {
                Some(user) => self.add_to_list(id, list, user),
                None => Reply::error(
                    StatusCode::BAD_REQUEST,
                    &format!("Missing {list} field in request"),
                ),
            },
            (&Method::DELETE, [list @ ("presenter" | "organizer"), user]) => {
                let event = self.events.get_mut(id).expect("checked by the caller");
                let entries = if *list == "presenter" {
                    &mut event.presenters
                } else {
                    &mut event.organizers
                };
                entries.retain(|entry| !entry.eq_ignore_ascii_case(user));
                Reply::json(StatusCode::OK, &json!(entries))
            }
            _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
        }
    }

    /// `POST .../embedCode` of an event or a hub: Sequel's `User`, four optional strings, plus
    /// the two its guide names; an URL whose token names the viewer and the place.
    pub(super) fn embed(&mut self, place: Place, id: &str, body: &Value) -> Reply {
        let known = [
            "userId",
            "userDisplayName",
            "userName",
            "userEmail",
            "userAvatar",
            "eventSpecific",
        ];
        let user_id = text(body, "userId");
        let name = text(body, "userDisplayName").or(text(body, "userName"));
        let (Some(user_id), Some(name), true) = (user_id, name, only_keys(body, &known)) else {
            // Documented with Sequel's envelope for an event, and with no body for a hub.
            return match place {
                Place::Event => Reply::error(StatusCode::BAD_REQUEST, message::INVALID_PARAMETERS),
                Place::Hub => Reply::empty(StatusCode::BAD_REQUEST),
            };
        };
        let mut claims = json!({"sub": user_id, "name": name, place.claim(): id});
        if let Some(flag) = body.get("eventSpecific").and_then(Value::as_bool) {
            claims["eventSpecific"] = flag.into();
        }
        let mut url = embed_url(place, id);
        let mut query = url.query_pairs_mut();
        if let Some(email) = text(body, "userEmail") {
            query.append_pair("userEmail", email);
        }
        query.append_pair("userId", user_id).append_pair("userName", name);
        query.append_pair("authKey", &self.sign(claims, Duration::from_secs(3600)));
        drop(query);
        Reply::json(StatusCode::OK, &Value::String(url.into()))
    }

    fn roster(&mut self, place: Place, id: &str) -> Option<&mut Roster> {
        match place {
            Place::Event => self.events.get_mut(id).map(|event| &mut event.roster),
            Place::Hub => self.hubs.get_mut(id).map(|hub| &mut hub.roster),
        }
    }

    /// `POST .../registrant` of an event or a hub: the same body and answer for both.
    pub(super) fn register(&mut self, place: Place, id: &str, body: &Value) -> Reply {
        // Required `name` and `email` strings, an optional `metadata` object.
        let metadata_ok = body.get("metadata").is_none_or(Value::is_object);
        let (Some(name), Some(email), true) = (text(body, "name"), text(body, "email"), metadata_ok) else {
            return Reply::error(StatusCode::BAD_REQUEST, message::AN_INVALID_PARAMETER);
        };
        let (name, email) = (name.to_owned(), email.to_owned());
        if self
            .roster(place, id)
            .is_none_or(|roster| roster.emails.contains(&email.to_lowercase()))
        {
            // Sequel refuses a second registration of an e-mail but does not document how;
            // this answers with the one 400 it documents for this operation.
            return Reply::error(StatusCode::BAD_REQUEST, message::AN_INVALID_PARAMETER);
        }
        let join_url = self.join_url(place, id, &email);
        let registrant = json!({
            "name": name,
            "email": email,
            "join_url": join_url.as_str(),
            "metadata": body.get("metadata").cloned().unwrap_or_else(|| json!({})),
        });
        if let Some(roster) = self.roster(place, id) {
            roster.emails.insert(email.to_lowercase());
            roster.registrants.push(registrant.clone());
        }
        if place == Place::Event {
            // The metadata's entries stand in for answers to registration questions.
            let answers: Vec<Value> = body["metadata"]
                .as_object()
                .map(|fields| {
                    fields
                        .iter()
                        .map(|(q, a)| json!({"question": q, "response": a}))
                        .collect()
                })
                .unwrap_or_default();
            let attendee = json!({"attendee": {"name": name, "email": email, "registrationInfo": answers}});
            let correlation = self.uuid();
            self.notify(WebhookType::AttendeePreRegistered, id, &correlation, attendee);
        }
        Reply::json(StatusCode::OK, &registrant)
    }

    /// A registrant's own join URL: a join code and a token naming them and the place.
    fn join_url(&mut self, place: Place, id: &str, email: &str) -> Url {
        let join_code = self.join_code();
        let token = self.sign(
            json!({"sub": email, place.claim(): id, "joinCode": join_code}),
            Duration::from_secs(31 * 86400),
        );
        let mut join_url = embed_url(place, id);
        join_url
            .query_pairs_mut()
            .append_pair("joinCode", &join_code)
            .append_pair("authKey", &token);
        join_url
    }

    /// Registers `count` people for an event at once, `Attendee {n}` at `attendee{n}@example.com`
    /// from `n = first`, as registering each would but without a request or a delivery each.
    pub(super) fn seed_registrants(&mut self, id: &str, first: usize, count: usize) -> bool {
        if !self.events.contains_key(id) {
            return false;
        }
        for n in first..first + count {
            let email = format!("attendee{n}@example.com");
            let join_url = self.join_url(Place::Event, id, &email);
            let registrant = json!({
                "name": format!("Attendee {n}"),
                "email": email,
                "join_url": join_url.as_str(),
                "metadata": {"seat": n},
            });
            let roster = &mut self.events.get_mut(id).expect("checked above").roster;
            if roster.emails.insert(email) {
                roster.registrants.push(registrant);
            }
        }
        true
    }

    /// `DELETE .../registrant` of an event or a hub: `{ email }` and nothing else
    /// (`additionalProperties: false`).
    pub(super) fn unregister(&mut self, place: Place, id: &str, body: &Value) -> Reply {
        let email = body
            .get("email")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let (Some(email), true) = (email.map(str::to_lowercase), only_keys(body, &["email"])) else {
            return Reply::error(StatusCode::BAD_REQUEST, message::INVALID_PARAMETER);
        };
        let Some(roster) = self.roster(place, id) else {
            return Reply::error(StatusCode::BAD_REQUEST, message::INVALID_PARAMETER);
        };
        if !roster.emails.remove(&email) {
            return Reply::error(StatusCode::BAD_REQUEST, message::INVALID_PARAMETER);
        }
        roster
            .registrants
            .retain(|r| r["email"].as_str().map(str::to_lowercase).as_deref() != Some(email.as_str()));
        Reply::empty(StatusCode::NO_CONTENT)
    }

    /// `POST /event/create`: `EventCreate` requires `companyId`, `name`, `startDate`, `endDate`,
    /// `timezone` and `type`.
    fn create_event(&mut self, body: &Value) -> Reply {
        let Some(company) = body.get("companyId").and_then(Value::as_str).map(str::to_owned) else {
            return Reply::error(StatusCode::BAD_REQUEST, message::INVALID_INPUT);
        };
        let fields = match event_fields(
            body,
            &["name", "startDate", "endDate", "timezone", "type"],
            &["companyId"],
        ) {
            Ok(fields) => fields,
            Err(reply) => return reply,
        };
        if !self.companies.contains_key(&company) {
            return Reply::error(StatusCode::NOT_FOUND, message::COMPANY_NOT_FOUND);
        }
        let (presenters, organizers) = match lists(body, &[], &[]) {
            Ok(lists) => lists,
            Err(reply) => return reply,
        };
        let id = self.insert_event(&company, fields, presenters, organizers);
        let correlation = self.uuid();
        self.notify(WebhookType::EventCreated, &id, &correlation, json!({}));
        Reply::json(StatusCode::OK, &event_json(&id, &self.events[&id]))
    }

    /// `POST /event/{eventId}`: `EventUpdate`, every field optional; only those sent change.
    fn update_event(&mut self, id: &str, body: &Value) -> Reply {
        let fields = match event_fields(body, &[], &[]) {
            Ok(fields) => fields,
            Err(reply) => return reply,
        };
        let event = &self.events[id];
        let (presenters, organizers) = match lists(body, &event.presenters, &event.organizers) {
            Ok(lists) => lists,
            Err(reply) => return reply,
        };
        let event = self.events.get_mut(id).expect("checked by the caller");
        event.fields.extend(fields);
        (event.presenters, event.organizers) = (presenters, organizers);
        let correlation = self.uuid();
        self.notify(WebhookType::EventUpdated, id, &correlation, json!({}));
        Reply::json(StatusCode::OK, &event_json(id, &self.events[id]))
    }

    /// `POST /event/{eventId}/clone`: `EventClone` requires `name`, `startDate`, `endDate`
    /// and `timezone`; what is not sent is copied from the source.
    fn clone_event(&mut self, id: &str, body: &Value) -> Reply {
        let fields = match event_fields(body, &["name", "startDate", "endDate", "timezone"], &[]) {
            Ok(fields) => fields,
            Err(reply) => return reply,
        };
        let source = &self.events[id];
        let (presenters, organizers) = match lists(body, &source.presenters, &source.organizers) {
            Ok(lists) => lists,
            Err(reply) => return reply,
        };
        let mut copied = source.fields.clone();
        copied.extend(fields);
        let company = source.company_id.clone();
        let copy = self.insert_event(&company, copied, presenters, organizers);
        Reply::json(StatusCode::OK, &event_json(&copy, &self.events[&copy]))
    }

    /// `GET /event/{eventId}/availableReplays?secondsValidFor=`: one recording, its URLs
    /// signed for that long (an hour by default).
    fn replays(&mut self, id: &str, query: Option<&str>) -> Reply {
        let query = Query::parse(query);
        let valid_for = query.get("secondsValidFor").map(str::parse::<u64>);
        let seconds = match valid_for {
            None => 3600,
            Some(Ok(seconds)) => seconds,
            Some(Err(_)) => return Reply::error(StatusCode::BAD_REQUEST, message::INVALID_INPUT),
        };
        let token = self.sign(
            json!({"sub": "replay", "eventId": id}),
            Duration::from_secs(seconds),
        );
        let url = format!("https://embed.sequel.io/replay/{id}?authKey={token}");
        Reply::json(
            StatusCode::OK,
            &json!([{"downloadVideoUrl": format!("{url}&download=1"), "downloadStatus": "completed", "isCustomReplay": false, "url": url}]),
        )
    }

    /// Nobody may be both a host (organizer) and a presenter, as on Sequel.
    fn add_to_list(&mut self, id: &str, list: &str, user: &str) -> Reply {
        let event = self.events.get_mut(id).expect("checked by the caller");
        let (entries, other) = if list == "presenter" {
            (&mut event.presenters, &event.organizers)
        } else {
            (&mut event.organizers, &event.presenters)
        };
        if other.iter().any(|entry| entry.eq_ignore_ascii_case(user)) {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                &format!("{}: {user}", message::HOSTS_AND_PRESENTERS),
            );
        }
        if !entries.iter().any(|entry| entry.eq_ignore_ascii_case(user)) {
            entries.push(user.to_owned());
        }
        Reply::json(StatusCode::OK, &json!(entries))
    }

    /// Twelve letters and digits, like Sequel's join codes.
    fn join_code(&mut self) -> String {
        let mut bytes = [0u8; 12];
        let _ = aws_lc_rs::rand::fill(&mut bytes);
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect()
    }

    /// An HS256 JWT with `iat` and `exp` added.
    pub(super) fn sign(&mut self, mut claims: Value, lifetime: Duration) -> String {
        self.issued += 1;
        let now = unix_now();
        claims["iat"] = now.into();
        claims["exp"] = now
            .saturating_add(crate::clock::capped(lifetime).as_secs())
            .into();
        claims["jti"] = self.issued.into();
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = hmac::sign(&self.key, signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }

    /// The claims of a token this fake signed, if the signature holds and it has not expired.
    pub(super) fn verify(&self, token: &str) -> Option<Value> {
        let (signed, signature) = token.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        hmac::verify(&self.key, signed.as_bytes(), &signature).ok()?;
        let payload = URL_SAFE_NO_PAD.decode(signed.split_once('.')?.1).ok()?;
        let claims: Value = serde_json::from_slice(&payload).ok()?;
        (claims["exp"].as_u64()? > unix_now()).then_some(claims)
    }
}

/// Where an event or a hub is embedded: `https://embed.sequel.io/{event|networking}/{id}`.
fn embed_url(place: Place, id: &str) -> Url {
    let mut url = Url::parse("https://embed.sequel.io").expect("a valid constant URL");
    if let Ok(mut path) = url.path_segments_mut() {
        path.clear().push(place.path()).push(id);
    }
    url
}

fn event_json(id: &str, event: &Event) -> Value {
    let mut json = serde_json::Map::new();
    json.insert("uid".to_owned(), id.into());
    json.insert("companyUid".to_owned(), event.company_id.clone().into());
    json.extend(event.fields.clone());
    json.insert("presenters".to_owned(), json!(event.presenters));
    json.insert("organizers".to_owned(), json!(event.organizers));
    Value::Object(json)
}

/// The string at `key` of a request's body, trimmed, when it is one and not blank.
pub(super) fn text<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Whether `body` is an object with no key outside `allowed`.
pub(super) fn only_keys(body: &Value, allowed: &[&str]) -> bool {
    body.as_object()
        .is_some_and(|fields| fields.keys().all(|key| allowed.contains(&key.as_str())))
}

/// The fields of an `EventCreate`, `EventUpdate` or `EventClone` body, checked as Sequel's
/// schema types them: `required` must be there, `also` may be (and is not stored), and nothing
/// outside the schema is accepted. The two lists are read by [`lists`].
fn event_fields(
    body: &Value,
    required: &[&str],
    also: &[&str],
) -> Result<serde_json::Map<String, Value>, Reply> {
    let invalid = || Reply::error(StatusCode::BAD_REQUEST, message::INVALID_INPUT);
    let Some(body) = body.as_object() else {
        return Err(invalid());
    };
    if required.iter().any(|field| !body.contains_key(*field)) {
        return Err(invalid());
    }
    let date = |value: &Value| {
        value.as_str().is_some_and(|text| {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
        })
    };
    let mut fields = serde_json::Map::new();
    for (key, value) in body {
        let valid = match key.as_str() {
            "name" => value.as_str().is_some_and(|name| !name.trim().is_empty()),
            "startDate" | "endDate" => date(value),
            "timezone" | "picture" | "networkingHub" => value.is_string(),
            "type" => matches!(value.as_str(), Some("Virtual" | "LiveStreamInPerson")),
            "autoSelectLatestReplay"
            | "disableEventRecording"
            | "isRegistrationModeEnabled"
            | "isAttendeeRegistrationModeEnabled" => value.is_boolean() || value.is_null(),
            "closeCaptioningSettings" => value.is_object() || value.is_null(),
            "presenters" | "organizers" => value
                .as_array()
                .is_some_and(|users| users.iter().all(Value::is_string)),
            other => also.contains(&other),
        };
        if !valid {
            return Err(invalid());
        }
        if !matches!(key.as_str(), "presenters" | "organizers") && !also.contains(&key.as_str()) {
            fields.insert(key.clone(), value.clone());
        }
    }
    Ok(fields)
}

/// The presenters and organizers a body sets (or the `current` ones it leaves alone), refused
/// with Sequel's documented message when someone is on both.
fn lists(
    body: &Value,
    presenters: &[String],
    organizers: &[String],
) -> Result<(Vec<String>, Vec<String>), Reply> {
    let read = |key: &str, current: &[String]| match body.get(key).and_then(Value::as_array) {
        Some(users) => users
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        None => current.to_vec(),
    };
    let (presenters, organizers) = (read("presenters", presenters), read("organizers", organizers));
    if let Some(both) = presenters
        .iter()
        .find(|p| organizers.iter().any(|o| o.eq_ignore_ascii_case(p)))
    {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            &format!("{}: {both}", message::HOSTS_AND_PRESENTERS),
        ));
    }
    Ok((presenters, organizers))
}

/// A request's query, by name.
pub(super) struct Query(Vec<(String, String)>);

impl Query {
    pub(super) fn parse(query: Option<&str>) -> Query {
        Query(
            url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub(super) fn number(&self, name: &str) -> Option<u64> {
        self.get(name)?.parse().ok()
    }
}
