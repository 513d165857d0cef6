//! The fake's model of Sequel: accounts, tokens, events, registrants and roles, answering one
//! request at a time with no I/O, so the server around it stays plumbing.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

/// An answer, before it becomes an HTTP response.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) body: Vec<u8>,
    pub(super) content_type: &'static str,
}

impl Reply {
    fn json(status: StatusCode, body: &Value) -> Reply {
        Reply {
            status,
            body: body.to_string().into_bytes(),
            content_type: "application/json",
        }
    }

    /// Sequel's v1 error envelope.
    pub(super) fn error(status: StatusCode, message: &str) -> Reply {
        Reply::json(status, &json!({"hasError": true, "errorMessage": message}))
    }

    fn text(status: StatusCode, text: &str) -> Reply {
        Reply {
            status,
            body: text.as_bytes().to_vec(),
            content_type: "text/plain",
        }
    }
}

struct Event {
    company_id: String,
    name: String,
    presenters: Vec<String>,
    organizers: Vec<String>,
    registrants: Vec<Value>,
    /// Lower-cased e-mails of `registrants`, for the one-registration-per-e-mail rule.
    emails: HashSet<String>,
}

pub(super) struct State {
    pub(super) client_id: String,
    pub(super) client_secret: String,
    pub(super) company_id: String,
    pub(super) token_lifetime: Duration,
    tokens: HashMap<String, Instant>,
    events: HashMap<String, Event>,
    key: hmac::Key,
    issued: u64,
}

impl State {
    pub(super) fn new() -> State {
        let mut secret = [0u8; 32];
        // Without randomness the fake still works; its tokens are just predictable.
        let _ = aws_lc_rs::rand::fill(&mut secret);
        let suffix = URL_SAFE_NO_PAD.encode(&secret[..6]);
        State {
            client_id: format!("fake-client-{suffix}"),
            client_secret: URL_SAFE_NO_PAD.encode(&secret[6..24]),
            company_id: format!("fake-company-{suffix}"),
            token_lifetime: Duration::from_secs(3600),
            tokens: HashMap::new(),
            events: HashMap::new(),
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
            issued: 0,
        }
    }

    pub(super) fn add_event(&mut self, name: &str, company_id: &str) -> String {
        self.issued += 1;
        let id = format!(
            "{:08x}-fake-{:04}-event",
            self.issued.wrapping_mul(0x9E37_79B9),
            self.issued
        );
        let event = Event {
            company_id: company_id.to_owned(),
            name: name.to_owned(),
            presenters: Vec::new(),
            organizers: Vec::new(),
            registrants: Vec::new(),
            emails: HashSet::new(),
        };
        self.events.insert(id.clone(), event);
        id
    }

    /// The registrants of an event, as Sequel lists them.
    pub(super) fn registrants(&self, event_id: &str) -> Vec<Value> {
        self.events
            .get(event_id)
            .map(|event| event.registrants.clone())
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
        match (method, segments.as_slice()) {
            (&Method::POST, ["api", "oauth", "token"]) => self.token(body, now),
            (_, ["api", "v1", rest @ ..]) => {
                let bearer = authorization.and_then(|value| value.strip_prefix("Bearer "));
                match bearer.and_then(|token| self.tokens.get(token)) {
                    Some(expires_at) if now < *expires_at => self.v1(method, rest, body),
                    _ => Reply::text(StatusCode::UNAUTHORIZED, "Unauthorized"),
                }
            }
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
        if request.grant_type != "client_credentials" || request.audience != crate::sequel::DEFAULT_AUDIENCE {
            return Reply::json(StatusCode::FORBIDDEN, &json!({"error": "unauthorized_client"}));
        }
        if request.client_id != self.client_id || request.client_secret != self.client_secret {
            return Reply::json(
                StatusCode::UNAUTHORIZED,
                &json!({"error": "access_denied", "error_description": "Unauthorized"}),
            );
        }
        self.tokens.retain(|_, expires_at| now < *expires_at);
        let token = self.sign(
            json!({"sub": self.client_id, "scope": "api"}),
            self.token_lifetime,
        );
        self.tokens.insert(token.clone(), now + self.token_lifetime);
        Reply::json(
            StatusCode::OK,
            &json!({"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime.as_secs()}),
        )
    }

    fn v1(&mut self, method: &Method, route: &[&str], body: &[u8]) -> Reply {
        let body: Value = if body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(body) {
                Ok(body) => body,
                Err(_) => return Reply::error(StatusCode::BAD_REQUEST, "Invalid parameters supplied"),
            }
        };
        match (method, route) {
            (&Method::GET, ["company", company, "events"]) => {
                let events: Vec<Value> = self
                    .events
                    .iter()
                    .filter(|(_, event)| event.company_id == *company)
                    .map(|(id, event)| event_json(id, event))
                    .collect();
                Reply::json(StatusCode::OK, &Value::Array(events))
            }
            (_, ["event", id, rest @ ..]) => {
                let id = (*id).to_owned();
                if !self.events.contains_key(&id) {
                    return Reply::error(StatusCode::NOT_FOUND, "Event not found");
                }
                self.event_route(method, &id, rest, &body)
            }
            _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
        }
    }

    fn event_route(&mut self, method: &Method, id: &str, route: &[&str], body: &Value) -> Reply {
        let text = |key: &str| {
            body.get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        match (method, route) {
            (&Method::GET, []) => Reply::json(StatusCode::OK, &event_json(id, &self.events[id])),
            (&Method::POST, ["embedCode"]) => {
                let (Some(user_id), Some(name)) =
                    (text("userId"), text("userDisplayName").or(text("userName")))
                else {
                    return Reply::error(StatusCode::BAD_REQUEST, "Invalid parameters supplied");
                };
                let mut claims = json!({"sub": user_id, "name": name, "eventId": id});
                if let Some(flag) = body.get("eventSpecific").and_then(Value::as_bool) {
                    claims["eventSpecific"] = flag.into();
                }
                let mut url = embed_url(id);
                let mut query = url.query_pairs_mut();
                if let Some(email) = text("userEmail") {
                    query.append_pair("userEmail", email);
                }
                query.append_pair("userId", user_id).append_pair("userName", name);
                query.append_pair("authKey", &self.sign(claims, Duration::from_secs(3600)));
                drop(query);
                Reply::json(StatusCode::OK, &Value::String(url.into()))
            }
            (&Method::POST, ["registrant"]) => {
                let (Some(name), Some(email)) = (text("name"), text("email")) else {
                    return Reply::error(StatusCode::BAD_REQUEST, "An invalid parameter was sent");
                };
                let (name, email) = (name.to_owned(), email.to_owned());
                if !self.events[id].emails.contains(&email.to_lowercase()) {
                    let join_code = self.join_code();
                    let token = self.sign(
                        json!({"sub": email, "eventId": id, "joinCode": join_code}),
                        Duration::from_secs(31 * 86400),
                    );
                    let mut join_url = embed_url(id);
                    join_url
                        .query_pairs_mut()
                        .append_pair("joinCode", &join_code)
                        .append_pair("authKey", &token);
                    let registrant = json!({
                        "name": name,
                        "email": email,
                        "join_url": join_url.as_str(),
                        "metadata": body.get("metadata").cloned().unwrap_or_else(|| json!({})),
                    });
                    let event = self.events.get_mut(id).expect("checked above");
                    event.emails.insert(email.to_lowercase());
                    event.registrants.push(registrant.clone());
                    return Reply::json(StatusCode::OK, &registrant);
                }
                Reply::error(
                    StatusCode::BAD_REQUEST,
                    &format!("{email} is already registered for this event"),
                )
            }
            (&Method::GET, ["registrants"]) => {
                Reply::json(StatusCode::OK, &Value::Array(self.events[id].registrants.clone()))
            }
            (&Method::DELETE, ["registrant"]) => {
                let Some(email) = text("email").map(str::to_lowercase) else {
                    return Reply::error(StatusCode::BAD_REQUEST, "An invalid parameter was sent");
                };
                let event = self.events.get_mut(id).expect("checked by the caller");
                if !event.emails.remove(&email) {
                    return Reply::error(StatusCode::NOT_FOUND, "Registrant not found");
                }
                event.registrants.retain(|r| {
                    r["email"].as_str().map(str::to_lowercase).as_deref() != Some(email.as_str())
                });
                Reply::json(StatusCode::OK, &json!("OK"))
            }
            (&Method::PUT, [list @ ("presenter" | "organizer")]) => match text(list) {
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
                &format!("Users cannot be hosts and presenters at the same time: {user}"),
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
    fn sign(&mut self, mut claims: Value, lifetime: Duration) -> String {
        self.issued += 1;
        let now = unix_now();
        claims["iat"] = now.into();
        claims["exp"] = (now + lifetime.as_secs()).into();
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

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn embed_url(event_id: &str) -> Url {
    let mut url = Url::parse("https://embed.sequel.io/event").expect("a valid constant URL");
    if let Ok(mut path) = url.path_segments_mut() {
        path.push(event_id);
    }
    url
}

fn event_json(id: &str, event: &Event) -> Value {
    json!({
        "uid": id,
        "companyUid": event.company_id,
        "name": event.name,
        "type": "Virtual",
        "timezone": "UTC",
        "presenters": event.presenters,
        "organizers": event.organizers,
        "isRegistrationModeEnabled": true,
    })
}
