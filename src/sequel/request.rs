//! Sequel's endpoints as plain values, with no I/O.
//!
//! [`Api`] renders each endpoint as a [`Call`]: [`Call::to_request`] gives the
//! `http::Request` to send, and [`Call::parse`] turns the `http::Response` into the typed
//! result or an [`Error`]. The crate's own clients are thin transports over these; use them
//! directly to drive Sequel's API from another HTTP client.
//!
//! ```
//! use event_sso::sequel::request::Api;
//! use event_sso::sequel::{EventId, Viewer};
//!
//! let api = Api::new("https://api.introvoke.com")?;
//! let call = api.embed_url(&EventId::new("6f1c"), &Viewer::new("user-42", "Ada Lovelace"))?;
//! let request = call.to_request(None)?;
//! assert_eq!(request.method(), "POST");
//! assert_eq!(request.uri(), "https://api.introvoke.com/api/v1/event/6f1c/embedCode");
//!
//! let response = http::Response::builder()
//!     .status(200)
//!     .body(br#""https://embed.sequel.io/event/6f1c?authKey=x""#.to_vec())?;
//! assert_eq!(call.parse(response)?.as_url().host_str(), Some("embed.sequel.io"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, Method};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::auth::{AccessToken, Credentials, DEFAULT_AUDIENCE, TokenGrant, WireTokenGrant};
use super::error::{ApiError, Error, JsonError};
use super::models::{CompanyId, EmbedUrl, Event, EventId, Registrant, Registration, Viewer};

/// Sequel's production API host; the crate appends `/api/v1/...` and `/api/oauth/token`.
pub const DEFAULT_BASE_URL: &str = "https://api.introvoke.com";

/// How much of an error body is kept, in bytes.
const KEPT_BODY_BYTES: usize = 1024;
/// How much of a plain-text error body is taken as Sequel's message, in characters.
const PLAIN_MESSAGE_CHARS: usize = 300;

/// Sequel's API at one base URL: makes a [`Call`] for each endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    root: Url,
    audience: String,
}

impl Api {
    /// The API at `base_url`, the host root such as [`DEFAULT_BASE_URL`] or a staging host. A
    /// path is kept as a prefix (for a proxy); a query or fragment is refused.
    pub fn new(base_url: &str) -> Result<Api, Error> {
        let invalid = |reason: &str| Error::InvalidInput {
            field: "base_url",
            reason: reason.to_owned(),
        };
        let root = Url::parse(base_url.trim()).map_err(|e| invalid(&format!("not an absolute URL ({e})")))?;
        if !matches!(root.scheme(), "http" | "https") || root.host().is_none() {
            return Err(invalid("must be an http:// or https:// URL with a host"));
        }
        if root.query().is_some() || root.fragment().is_some() {
            return Err(invalid("must not have a query or a fragment"));
        }
        Ok(Api {
            root,
            audience: DEFAULT_AUDIENCE.to_owned(),
        })
    }

    /// Replaces the `audience` sent with token requests ([`DEFAULT_AUDIENCE`]).
    #[must_use]
    pub fn with_audience(mut self, audience: impl Into<String>) -> Api {
        self.audience = audience.into();
        self
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.root
    }

    /// `POST /api/oauth/token`: an access token for the client credentials.
    pub fn token(&self, credentials: &Credentials) -> Result<Call<TokenGrant>, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            client_id: &'a str,
            client_secret: &'a str,
            audience: &'a str,
            grant_type: &'static str,
        }
        let body = Body {
            client_id: &credentials.client_id,
            client_secret: &credentials.client_secret,
            audience: &self.audience,
            grant_type: "client_credentials",
        };
        Ok(Call {
            name: "POST /oauth/token",
            method: Method::POST,
            url: self.url(&["api", "oauth", "token"]),
            body: Some(to_json(&body)),
            kind: CallKind::Token,
            repeatable: true,
            decode: |name, body| decode_json::<WireTokenGrant>(name, body).map(TokenGrant::from),
        })
    }

    /// `POST /event/{eventId}/embedCode`: the iframe URL for one viewer. The display name is
    /// sent as both `userDisplayName` (Sequel's API reference) and `userName` (its integration
    /// guide), since the two disagree.
    pub fn embed_url(&self, event: &EventId, viewer: &Viewer) -> Result<Call<EmbedUrl>, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            user_id: &'a str,
            user_display_name: &'a str,
            user_name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            user_email: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            user_avatar: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            event_specific: Option<bool>,
        }
        let body = Body {
            user_id: non_blank("viewer user id", &viewer.user_id)?,
            user_display_name: non_blank("viewer display name", &viewer.display_name)?,
            user_name: &viewer.display_name,
            user_email: viewer.email.as_deref(),
            user_avatar: viewer.avatar_url.as_deref(),
            event_specific: viewer.event_specific,
        };
        Ok(self.v1(
            "POST /event/{eventId}/embedCode",
            Method::POST,
            &["event", event_id(event)?, "embedCode"],
            Some(to_json(&body)),
            true,
            decode_embed_url,
        ))
    }

    /// `POST /event/{eventId}/registrant`: registers a person and returns their join URL.
    /// Not repeated on `5xx`: the first attempt may have registered them.
    pub fn register(&self, event: &EventId, registration: &Registration) -> Result<Call<Registrant>, Error> {
        non_blank("registration name", &registration.name)?;
        non_blank("registration email", &registration.email)?;
        Ok(self.v1(
            "POST /event/{eventId}/registrant",
            Method::POST,
            &["event", event_id(event)?, "registrant"],
            Some(to_json(registration)),
            false,
            decode_json,
        ))
    }

    /// `GET /event/{eventId}/registrants`: everyone registered for the event.
    pub fn registrants(&self, event: &EventId) -> Result<Call<Vec<Registrant>>, Error> {
        Ok(self.v1(
            "GET /event/{eventId}/registrants",
            Method::GET,
            &["event", event_id(event)?, "registrants"],
            None,
            true,
            decode_json,
        ))
    }

    /// `DELETE /event/{eventId}/registrant` with the e-mail in a JSON body.
    pub fn unregister(&self, event: &EventId, email: &str) -> Result<Call<()>, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            email: &'a str,
        }
        let body = Body {
            email: non_blank("registrant email", email)?,
        };
        Ok(self.v1(
            "DELETE /event/{eventId}/registrant",
            Method::DELETE,
            &["event", event_id(event)?, "registrant"],
            Some(to_json(&body)),
            true,
            |_, _| Ok(()),
        ))
    }

    /// `GET /event/{eventId}`: the event's details.
    pub fn event(&self, event: &EventId) -> Result<Call<Event>, Error> {
        Ok(self.v1(
            "GET /event/{eventId}",
            Method::GET,
            &["event", event_id(event)?],
            None,
            true,
            decode_json,
        ))
    }

    /// `GET /company/{companyId}/events`: every event of the company.
    pub fn company_events(&self, company: &CompanyId) -> Result<Call<Vec<Event>>, Error> {
        let company = segment("company id", company.as_str())?;
        Ok(self.v1(
            "GET /company/{companyId}/events",
            Method::GET,
            &["company", company, "events"],
            None,
            true,
            decode_json,
        ))
    }

    /// `PUT /event/{eventId}/presenter`: lets a user id or e-mail join as a presenter; returns
    /// the updated list.
    pub fn add_presenter(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.add_to_list(event, Role::Presenter, user)
    }

    /// `DELETE /event/{eventId}/presenter/{presenterId}`; returns the updated list.
    pub fn remove_presenter(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.remove_from_list(event, Role::Presenter, user)
    }

    /// `PUT /event/{eventId}/organizer`: lets a user id or e-mail join as a host; returns the
    /// updated list.
    pub fn add_organizer(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.add_to_list(event, Role::Organizer, user)
    }

    /// `DELETE /event/{eventId}/organizer/{organizerId}`; returns the updated list.
    pub fn remove_organizer(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.remove_from_list(event, Role::Organizer, user)
    }

    fn add_to_list(&self, event: &EventId, role: Role, user: &str) -> Result<Call<Vec<String>>, Error> {
        let user = non_blank(role.segment(), user)?;
        let mut body = serde_json::Map::new();
        body.insert(role.segment().to_owned(), user.into());
        // Adding someone who is already listed changes nothing, so a repeat is harmless.
        Ok(self.v1(
            role.add_name(),
            Method::PUT,
            &["event", event_id(event)?, role.segment()],
            Some(to_json(&body)),
            true,
            decode_json,
        ))
    }

    fn remove_from_list(&self, event: &EventId, role: Role, user: &str) -> Result<Call<Vec<String>>, Error> {
        let user = segment(role.segment(), user)?;
        Ok(self.v1(
            role.remove_name(),
            Method::DELETE,
            &["event", event_id(event)?, role.segment(), user],
            None,
            true,
            decode_json,
        ))
    }

    fn v1<T>(
        &self,
        name: &'static str,
        method: Method,
        segments: &[&str],
        body: Option<Vec<u8>>,
        repeatable: bool,
        decode: Decoder<T>,
    ) -> Call<T> {
        let mut path = vec!["api", "v1"];
        path.extend_from_slice(segments);
        Call {
            name,
            method,
            url: self.url(&path),
            body,
            kind: CallKind::V1,
            repeatable,
            decode,
        }
    }

    /// The root with `segments` appended, each percent-encoded as one segment (`a/b` becomes
    /// `a%2Fb`).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.root.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }
}

#[derive(Clone, Copy)]
enum Role {
    Presenter,
    Organizer,
}

impl Role {
    fn segment(self) -> &'static str {
        match self {
            Role::Presenter => "presenter",
            Role::Organizer => "organizer",
        }
    }

    fn add_name(self) -> &'static str {
        match self {
            Role::Presenter => "PUT /event/{eventId}/presenter",
            Role::Organizer => "PUT /event/{eventId}/organizer",
        }
    }

    fn remove_name(self) -> &'static str {
        match self {
            Role::Presenter => "DELETE /event/{eventId}/presenter/{presenterId}",
            Role::Organizer => "DELETE /event/{eventId}/organizer/{organizerId}",
        }
    }
}

type Decoder<T> = fn(&'static str, &[u8]) -> Result<T, Error>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallKind {
    /// The token request: no bearer token; a 401 or 403 means bad credentials.
    Token,
    /// A v1 call: needs the bearer token.
    V1,
}

/// One request to Sequel and how to read its answer. Made by [`Api`].
///
/// `Debug` shows the call's name, not its URL, which may carry an e-mail address.
pub struct Call<T> {
    name: &'static str,
    method: Method,
    url: Url,
    body: Option<Vec<u8>>,
    kind: CallKind,
    repeatable: bool,
    decode: Decoder<T>,
}

impl<T> Call<T> {
    /// The method and path template, for example `POST /event/{eventId}/embedCode`: fit for
    /// logs and metrics, since it carries no ids.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the call needs an access token ([`to_request`](Self::to_request) with `Some`).
    pub fn needs_token(&self) -> bool {
        self.kind == CallKind::V1
    }

    /// Whether repeating the call is harmless, so it may be retried after a `5xx`
    /// (see [`RetryPolicy`](super::RetryPolicy)).
    pub fn is_repeatable(&self) -> bool {
        self.repeatable
    }

    /// The HTTP request, with `Authorization: Bearer` (marked sensitive) when a token is given.
    pub fn to_request(&self, token: Option<&AccessToken>) -> Result<http::Request<Vec<u8>>, Error> {
        let mut request = http::Request::new(self.body.clone().unwrap_or_default());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.url.as_str().parse().map_err(|_| Error::InvalidInput {
            field: "base_url",
            reason: "does not make a valid request URI".to_owned(),
        })?;
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        // Sequel's own samples send it on every call, GETs included.
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(token) = token {
            let mut value = HeaderValue::try_from(format!("Bearer {}", token.secret())).map_err(|_| {
                Error::InvalidInput {
                    field: "access token",
                    reason: "is not a valid header value".to_owned(),
                }
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        Ok(request)
    }

    /// Reads Sequel's answer: the typed result on `2xx`, else [`Error::Api`] (or
    /// [`Error::Auth`] when the token request is refused) with the status, Sequel's message,
    /// the start of the body and any `Retry-After`.
    pub fn parse(&self, response: http::Response<Vec<u8>>) -> Result<T, Error> {
        let status = response.status();
        if status.is_success() {
            return (self.decode)(self.name, response.body());
        }
        let error = api_error(status, response.headers(), response.body());
        match (self.kind, status.as_u16()) {
            (CallKind::Token, 401 | 403) => Err(Error::Auth(error)),
            _ => Err(Error::Api(error)),
        }
    }
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("name", &self.name)
            .field("repeatable", &self.repeatable)
            .finish_non_exhaustive()
    }
}

fn to_json(body: &impl Serialize) -> Vec<u8> {
    // Serializing these bodies cannot fail: string keys, no custom serializers.
    serde_json::to_vec(body).unwrap_or_default()
}

fn non_blank<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Error> {
    if value.trim().is_empty() {
        return Err(Error::InvalidInput {
            field,
            reason: "must not be blank".to_owned(),
        });
    }
    Ok(value)
}

/// A value that becomes one path segment: not blank, and not `.` or `..`, which URL
/// resolution would treat as a step up or sideways instead of a name.
fn segment<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Error> {
    if value == "." || value == ".." {
        return Err(Error::InvalidInput {
            field,
            reason: "cannot be `.` or `..`".to_owned(),
        });
    }
    non_blank(field, value)
}

fn event_id(event: &EventId) -> Result<&str, Error> {
    segment("event id", event.as_str())
}

fn decode_json<T: DeserializeOwned>(call: &'static str, body: &[u8]) -> Result<T, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::UnexpectedBody {
            call,
            reason: "the body is empty where JSON was expected",
        });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let source = error.into_inner();
        if source.is_syntax() || source.is_eof() {
            Error::UnexpectedBody {
                call,
                reason: "the body is not valid JSON",
            }
        } else {
            Error::Decode {
                call,
                path,
                source: JsonError::new(source),
            }
        }
    })
}

/// Sequel documents a JSON string; plain text is accepted too.
fn decode_embed_url(call: &'static str, body: &[u8]) -> Result<EmbedUrl, Error> {
    let text = serde_json::from_slice::<String>(body)
        .ok()
        .or_else(|| std::str::from_utf8(body).ok().map(|text| text.trim().to_owned()));
    text.and_then(|text| Url::parse(&text).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .map(EmbedUrl)
        .ok_or(Error::UnexpectedBody {
            call,
            reason: "the body is not an http(s) URL",
        })
}

fn api_error(status: http::StatusCode, headers: &HeaderMap, body: &[u8]) -> ApiError {
    let text = String::from_utf8_lossy(body);
    let mut kept = text.as_ref();
    if kept.len() > KEPT_BODY_BYTES {
        let mut end = KEPT_BODY_BYTES;
        while !kept.is_char_boundary(end) {
            end -= 1;
        }
        kept = &kept[..end];
    }
    ApiError {
        status,
        message: error_message(&text),
        body: kept.to_owned(),
        retry_after: headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after),
    }
}

/// `{hasError, errorMessage}` (v1), `{message}` (v3), `{error}`, or a short plain-text body.
fn error_message(body: &str) -> Option<String> {
    let body = body.trim();
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(body) {
        return ["errorMessage", "message", "error"]
            .iter()
            .find_map(|key| fields.get(*key)?.as_str())
            .map(str::to_owned);
    }
    if body.is_empty() || body.starts_with('<') {
        return None; // nothing, or an HTML error page
    }
    Some(body.chars().take(PLAIN_MESSAGE_CHARS).collect())
}

/// Seconds, or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = at - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}
