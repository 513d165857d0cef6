//! Sequel's endpoints as plain values, with no I/O.
//!
//! [`Api`] renders each endpoint as a [`Call`]: [`Call::to_request`] gives the
//! `http::Request` to send, and [`Call::parse`] turns the `http::Response` into the typed
//! result or an [`Error`]. The crate's own clients are thin transports over these; use them
//! directly to drive Sequel's API from another HTTP client.
//!
//! ```
//! use event_sso::sequel::request::Api;
//! use event_sso::sequel::{AccessToken, EventId, Viewer};
//!
//! let api = Api::new("https://api.introvoke.com")?;
//! let call = api.embed_url(&EventId::new("6f1c"), &Viewer::new("user-42", "Ada Lovelace"))?;
//! # let token = AccessToken::new("from Api::token");
//! let request = call.to_request(Some(&token))?; // every call but the token's needs one
//! assert_eq!(request.method(), "POST");
//! assert_eq!(request.uri(), "https://api.introvoke.com/api/v1/event/6f1c/embedCode");
//!
//! let response = event_sso::http::Response::builder()
//!     .status(200)
//!     .body(br#""https://embed.sequel.io/event/6f1c?authKey=x""#.to_vec())?;
//! let embed = call.parse(response, std::time::SystemTime::now())?;
//! assert_eq!(embed.as_url().host_str(), Some("embed.sequel.io"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::auth::{AccessToken, DEFAULT_AUDIENCE};
use super::error::{ApiError, Error};
use super::event::{Event, EventClone, EventFields, EventUpdate, NewEvent, Replay};
use super::models::{CompanyId, EmbedUrl, EventId, Registered, Registrant, Registration, Viewer};

/// Sequel's production API host; the crate appends `/api/v1/...` and `/api/oauth/token`.
pub const DEFAULT_BASE_URL: &str = "https://api.introvoke.com";

// The clients' defaults, here so that a transport built on this module has them too.
/// The longest response body a client reads unless the client builder's `max_response_bytes` says
/// otherwise: 16 MiB. Sequel's lists are not paginated, and a registrant takes a few hundred
/// bytes, so this leaves room for tens of thousands of them while still bounding memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 << 20;
/// How long a whole request may take unless the client builder's `timeout` says otherwise, for
/// both clients.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take unless the client builder's `connect_timeout` says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole call may take, its attempts, its token request and its waits between
/// attempts together, unless the client builder's `deadline` says otherwise.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

/// How much of an error body is kept, in bytes.
const KEPT_BODY_BYTES: usize = 1024;
/// How much of a plain-text error body is taken as Sequel's message, in characters.
const PLAIN_MESSAGE_CHARS: usize = 300;

/// One of Sequel's endpoints: its name for logs (method and path template, no ids), its
/// method, and whether sending it twice is harmless, so that it may be retried after a `5xx`.
pub(crate) struct Route {
    pub(crate) name: &'static str,
    pub(crate) method: Method,
    pub(crate) repeatable: bool,
}

// Every endpoint the crate calls, in one place. Only registering is not repeatable: Sequel
// has no idempotency keys, and a first attempt answered by a `5xx` may have registered.
static EMBED_CODE: Route = route("POST /event/{eventId}/embedCode", Method::POST, true);
static REGISTER: Route = route("POST /event/{eventId}/registrant", Method::POST, false);
static REGISTRANTS: Route = route("GET /event/{eventId}/registrants", Method::GET, true);
static UNREGISTER: Route = route("DELETE /event/{eventId}/registrant", Method::DELETE, true);
static EVENT: Route = route("GET /event/{eventId}", Method::GET, true);
static COMPANY_EVENTS: Route = route("GET /company/{companyId}/events", Method::GET, true);
// Adding someone already listed changes nothing, so a repeat is harmless.
// Creating or cloning twice makes two events; updating to the same values, or deleting
// again, changes nothing more.
static CREATE_EVENT: Route = route("POST /event/create", Method::POST, false);
static UPDATE_EVENT: Route = route("POST /event/{eventId}", Method::POST, true);
static DELETE_EVENT: Route = route("DELETE /event/{eventId}", Method::DELETE, true);
static CLONE_EVENT: Route = route("POST /event/{eventId}/clone", Method::POST, false);
static REPLAYS: Route = route("GET /event/{eventId}/availableReplays", Method::GET, true);
static ADD_PRESENTER: Route = route("PUT /event/{eventId}/presenter", Method::PUT, true);
static REMOVE_PRESENTER: Route = route(
    "DELETE /event/{eventId}/presenter/{presenterId}",
    Method::DELETE,
    true,
);
static ADD_ORGANIZER: Route = route("PUT /event/{eventId}/organizer", Method::PUT, true);
static REMOVE_ORGANIZER: Route = route(
    "DELETE /event/{eventId}/organizer/{organizerId}",
    Method::DELETE,
    true,
);

pub(crate) const fn route(name: &'static str, method: Method, repeatable: bool) -> Route {
    Route {
        name,
        method,
        repeatable,
    }
}

/// Sequel's API at one base URL: makes a [`Call`] for each endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    root: Url,
    pub(crate) audience: String,
}

impl Api {
    /// The API at `base_url`, the host root such as [`DEFAULT_BASE_URL`] or a staging host. A
    /// path is kept as a prefix (for a proxy); a query or fragment is refused.
    pub fn new(base_url: &str) -> Result<Api, Error> {
        let root =
            Url::parse(base_url.trim()).map_err(|_| Error::invalid("base_url", "is not an absolute URL"))?;
        if !matches!(root.scheme(), "http" | "https") || root.host().is_none() {
            return Err(Error::invalid(
                "base_url",
                "must be an http:// or https:// URL with a host",
            ));
        }
        if root.query().is_some() || root.fragment().is_some() {
            return Err(Error::invalid("base_url", "must not have a query or a fragment"));
        }
        if root.scheme() == "http" && !crate::secret_url::is_loopback(&root) {
            return Err(Error::invalid(
                "base_url",
                "is plain http:// to a host that is not loopback; it would send the client secret in clear text: use https:// (http:// is for 127.0.0.0/8, [::1] and localhost only)",
            ));
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
        Ok(self
            .v1(
                &EMBED_CODE,
                &["event", event_id(event)?, "embedCode"],
                decode_embed_url,
            )
            .json(&body))
    }

    /// `POST /event/{eventId}/registrant`: registers a person and returns their join URL.
    /// Not repeated on `5xx`: the first attempt may have registered them.
    pub fn register(&self, event: &EventId, registration: &Registration) -> Result<Call<Registered>, Error> {
        non_blank("registration name", &registration.name)?;
        non_blank("registration email", &registration.email)?;
        Ok(self
            .v1(
                &REGISTER,
                &["event", event_id(event)?, "registrant"],
                decode_registered,
            )
            .json(registration))
    }

    /// `GET /event/{eventId}/registrants`: everyone registered for the event.
    pub fn registrants(&self, event: &EventId) -> Result<Call<Vec<Registrant>>, Error> {
        Ok(self.v1(
            &REGISTRANTS,
            &["event", event_id(event)?, "registrants"],
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
        Ok(self
            .v1(
                &UNREGISTER,
                &["event", event_id(event)?, "registrant"],
                |_, _, _| Ok(()),
            )
            .json(&body))
    }

    /// `GET /event/{eventId}`: the event's details.
    pub fn event(&self, event: &EventId) -> Result<Call<Event>, Error> {
        Ok(self.v1(&EVENT, &["event", event_id(event)?], decode_json))
    }

    /// `GET /company/{companyId}/events`: every event of the company.
    pub fn company_events(&self, company: &CompanyId) -> Result<Call<Vec<Event>>, Error> {
        let company = segment("company id", company.as_str())?;
        Ok(self.v1(&COMPANY_EVENTS, &["company", company, "events"], decode_json))
    }

    /// `POST /event/create`: creates an event; returns it. Not repeated on `5xx`: the first
    /// attempt may have created it.
    pub fn create_event(&self, event: &NewEvent) -> Result<Call<Event>, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            company_id: &'a str,
            #[serde(flatten)]
            fields: &'a EventFields,
        }
        let company_id = segment("company id", event.company.as_str())?;
        checked(&event.fields)?;
        let body = Body {
            company_id,
            fields: &event.fields,
        };
        Ok(self
            .v1(&CREATE_EVENT, &["event", "create"], decode_json)
            .json(&body))
    }

    /// `POST /event/{eventId}`: changes the fields `update` sets, and only those; returns the
    /// event.
    pub fn update_event(&self, event: &EventId, update: &EventUpdate) -> Result<Call<Event>, Error> {
        if update.is_empty() {
            return Err(Error::invalid("event update", "sets nothing to change"));
        }
        checked(&update.fields)?;
        Ok(self
            .v1(&UPDATE_EVENT, &["event", event_id(event)?], decode_json)
            .json(&update.fields))
    }

    /// `DELETE /event/{eventId}`: deletes the event.
    pub fn delete_event(&self, event: &EventId) -> Result<Call<()>, Error> {
        Ok(self.v1(&DELETE_EVENT, &["event", event_id(event)?], |_, _, _| Ok(())))
    }

    /// `POST /event/{eventId}/clone`: a copy of the event, with what `clone` sets; returns the
    /// copy. Not repeated on `5xx`: the first attempt may have made it.
    pub fn clone_event(&self, event: &EventId, clone: &EventClone) -> Result<Call<Event>, Error> {
        checked(&clone.fields)?;
        Ok(self
            .v1(&CLONE_EVENT, &["event", event_id(event)?, "clone"], decode_json)
            .json(&clone.fields))
    }

    /// `GET /event/{eventId}/availableReplays`: the event's recordings, with URLs signed for
    /// `valid_for` (whole seconds; Sequel's default, an hour, when `None`).
    pub fn available_replays(
        &self,
        event: &EventId,
        valid_for: Option<Duration>,
    ) -> Result<Call<Vec<Replay>>, Error> {
        let mut call = self.v1(
            &REPLAYS,
            &["event", event_id(event)?, "availableReplays"],
            decode_json,
        );
        if let Some(valid_for) = valid_for {
            call.url
                .query_pairs_mut()
                .append_pair("secondsValidFor", &valid_for.as_secs().to_string());
        }
        Ok(call)
    }

    /// `PUT /event/{eventId}/presenter`: lets a user id or e-mail join as a presenter; returns
    /// the updated list.
    pub fn add_presenter(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.add_to_list(event, StageList::Presenters, user)
    }

    /// `DELETE /event/{eventId}/presenter/{presenterId}`; returns the updated list.
    pub fn remove_presenter(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.remove_from_list(event, StageList::Presenters, user)
    }

    /// `PUT /event/{eventId}/organizer`: lets a user id or e-mail join as a host; returns the
    /// updated list.
    pub fn add_organizer(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.add_to_list(event, StageList::Organizers, user)
    }

    /// `DELETE /event/{eventId}/organizer/{organizerId}`; returns the updated list.
    pub fn remove_organizer(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.remove_from_list(event, StageList::Organizers, user)
    }

    fn add_to_list(&self, event: &EventId, list: StageList, user: &str) -> Result<Call<Vec<String>>, Error> {
        let user = non_blank(list.field(), user)?;
        let mut body = serde_json::Map::new();
        body.insert(list.field().to_owned(), user.into());
        Ok(self
            .v1(
                list.add(),
                &["event", event_id(event)?, list.field()],
                decode_json,
            )
            .json(&body))
    }

    fn remove_from_list(
        &self,
        event: &EventId,
        list: StageList,
        user: &str,
    ) -> Result<Call<Vec<String>>, Error> {
        let user = segment(list.field(), user)?;
        Ok(self.v1(
            list.remove(),
            &["event", event_id(event)?, list.field(), user],
            decode_json,
        ))
    }

    /// A call to `/api/v1/{segments}`, which needs the access token.
    fn v1<T>(&self, route: &Route, segments: &[&str], decode: Decoder<T>) -> Call<T> {
        let url = self.url(["api", "v1"].iter().chain(segments));
        Call::new(route, url, CallKind::V1, decode)
    }

    /// The root with `segments` appended, each percent-encoded as one segment (`a/b` becomes
    /// `a%2Fb`).
    pub(crate) fn url<'a>(&self, segments: impl IntoIterator<Item = &'a &'a str>) -> Url {
        let mut url = self.root.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }
}

/// The event's two lists that raise a user's role when they join.
#[derive(Clone, Copy)]
enum StageList {
    Presenters,
    Organizers,
}

impl StageList {
    /// The path segment and the body field.
    fn field(self) -> &'static str {
        match self {
            StageList::Presenters => "presenter",
            StageList::Organizers => "organizer",
        }
    }

    fn add(self) -> &'static Route {
        match self {
            StageList::Presenters => &ADD_PRESENTER,
            StageList::Organizers => &ADD_ORGANIZER,
        }
    }

    fn remove(self) -> &'static Route {
        match self {
            StageList::Presenters => &REMOVE_PRESENTER,
            StageList::Organizers => &REMOVE_ORGANIZER,
        }
    }
}

/// Reads a successful body: the call's name (for errors), the body, and when it arrived.
pub(crate) type Decoder<T> = fn(&'static str, &[u8], SystemTime) -> Result<T, Error>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
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
    body: Option<Bytes>,
    kind: CallKind,
    repeatable: bool,
    decode: Decoder<T>,
}

impl<T> Call<T> {
    pub(crate) fn new(route: &Route, url: Url, kind: CallKind, decode: Decoder<T>) -> Call<T> {
        Call {
            name: route.name,
            method: route.method.clone(),
            url,
            body: None,
            kind,
            repeatable: route.repeatable,
            decode,
        }
    }

    /// The call with `body` as its JSON body.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Call<T> {
        // Serializing these bodies cannot fail: string keys, no custom serializers.
        self.body = Some(serde_json::to_vec(body).unwrap_or_default().into());
        self
    }

    /// The call, made safe to repeat by its caller: registering, when an "already registered"
    /// answer to a repeat is resolved through the registrants list (the e-mail is the key).
    #[cfg(any(feature = "async", feature = "blocking"))]
    pub(crate) fn repeatable_by_email(mut self) -> Call<T> {
        self.repeatable = true;
        self
    }

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

    /// The HTTP request, with `Authorization: Bearer` (marked sensitive). A call that
    /// [needs a token](Self::needs_token) is refused without one (`is_invalid_input`), rather
    /// than sent unauthenticated.
    pub fn to_request(&self, token: Option<&AccessToken>) -> Result<http::Request<Vec<u8>>, Error> {
        let body = self.body.as_deref().map(<[u8]>::to_vec).unwrap_or_default();
        let mut request = http::Request::new(body);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self
            .url
            .as_str()
            .parse()
            .map_err(|_| Error::invalid("base_url", "does not make a valid request URI"))?;
        *request.headers_mut() = self.headers(token)?;
        Ok(request)
    }

    /// The parts of the request, for the crate's own transport, which sends them without
    /// going through `http::Request` (no copy of the body, no second parse of the URL).
    #[cfg(any(feature = "async", feature = "blocking"))]
    pub(crate) fn parts(
        &self,
        token: Option<&AccessToken>,
    ) -> Result<(&Method, &Url, http::HeaderMap, Option<Bytes>), Error> {
        Ok((&self.method, &self.url, self.headers(token)?, self.body.clone()))
    }

    fn headers(&self, token: Option<&AccessToken>) -> Result<http::HeaderMap, Error> {
        let mut headers = http::HeaderMap::with_capacity(3);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        // Sequel's own samples send it on every call, GETs included.
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        match (token, self.needs_token()) {
            (Some(token), _) => {
                headers.insert(AUTHORIZATION, token.header_value()?);
            }
            (None, true) => {
                return Err(Error::invalid(
                    "access token",
                    "this call needs one: get it with `Api::token` and pass it",
                ));
            }
            (None, false) => {}
        }
        Ok(headers)
    }

    /// Reads Sequel's answer, which arrived at `received_at` (the clock is not read here; a
    /// `Retry-After` date is measured from it). Gives the typed result on `2xx`, else
    /// [`Error::Api`] (or [`Error::Auth`] when the token request is refused) with the status,
    /// Sequel's message, the start of the body and any `Retry-After`.
    pub fn parse(&self, response: http::Response<Vec<u8>>, received_at: SystemTime) -> Result<T, Error> {
        let retry_after = response.headers().get(RETRY_AFTER);
        self.read(response.status(), retry_after, response.body(), received_at)
    }

    /// [`parse`](Self::parse), from the parts the transport has at hand.
    pub(crate) fn read(
        &self,
        status: StatusCode,
        retry_after: Option<&HeaderValue>,
        body: &[u8],
        received_at: SystemTime,
    ) -> Result<T, Error> {
        if status.is_success() {
            return (self.decode)(self.name, body, received_at);
        }
        if status.is_redirection() {
            return Err(Error::Redirected {
                call: self.name,
                status,
            });
        }
        let error = api_error(status, retry_after, body, received_at);
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

fn non_blank<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Error> {
    match value.trim().is_empty() {
        true => Err(Error::invalid(field, "must not be blank")),
        false => Ok(value),
    }
}

/// A value that becomes one path segment: not blank, and not `.` or `..`, which URL
/// resolution would treat as a step up or sideways instead of a name.
pub(crate) fn segment<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Error> {
    if value == "." || value == ".." {
        return Err(Error::invalid(field, "cannot be `.` or `..`"));
    }
    non_blank(field, value)
}

fn checked(fields: &EventFields) -> Result<(), Error> {
    match fields.problem() {
        Some((field, reason)) => Err(Error::invalid(field, reason)),
        None => Ok(()),
    }
}

fn event_id(event: &EventId) -> Result<&str, Error> {
    segment("event id", event.as_str())
}

pub(crate) fn decode_json<T: DeserializeOwned>(
    call: &'static str,
    body: &[u8],
    _: SystemTime,
) -> Result<T, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::UnexpectedBody {
            call,
            reason: "the body is empty where JSON was expected",
        });
    }
    crate::json::from_slice(body).map_err(|source| Error::Decode { call, source })
}

/// A registration's answer must carry the join URL: it is what registering is for.
fn decode_registered(call: &'static str, body: &[u8], at: SystemTime) -> Result<Registered, Error> {
    let registrant: Registrant = decode_json(call, body, at)?;
    Registered::from_registrant(registrant).ok_or(Error::UnexpectedBody {
        call,
        reason: "the registration has no readable `join_url`",
    })
}

/// Sequel documents a JSON string; plain text is accepted too.
fn decode_embed_url(call: &'static str, body: &[u8], _: SystemTime) -> Result<EmbedUrl, Error> {
    let text = serde_json::from_slice::<String>(body)
        .ok()
        .or_else(|| std::str::from_utf8(body).ok().map(|text| text.trim().to_owned()));
    text.and_then(|text| Url::parse(&text).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .map(EmbedUrl::new)
        .ok_or(Error::UnexpectedBody {
            call,
            reason: "the body is not an http(s) URL",
        })
}

fn api_error(
    status: StatusCode,
    retry_after: Option<&HeaderValue>,
    body: &[u8],
    received_at: SystemTime,
) -> ApiError {
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
        retry_after: retry_after
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, received_at)),
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

/// Seconds, or an HTTP date, measured from `now`.
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = at - time::OffsetDateTime::from(now);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}
