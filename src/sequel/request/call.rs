//! What every endpoint shares: [`Api`], the roots calls go to; [`Call`], one request and how
//! to read its answer; and the checks and readers the endpoint files use.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::sequel::credentials::AccessToken;
use crate::sequel::error::{ApiError, Error};
use crate::sequel::models::EventId;
use crate::sequel::telemetry::Target;

/// Sequel's production API host; the crate appends `/api/v1/...` and `/api/oauth/token`.
pub const DEFAULT_BASE_URL: &str = "https://api.introvoke.com";

/// Sequel's analytics host, evidenced by real use of the user-activity endpoint.
pub const DEFAULT_ANALYTICS_URL: &str = "https://analytics.introvoke.com";

/// The `audience` Sequel's token endpoint expects.
pub const DEFAULT_AUDIENCE: &str = "https://www.introvoke.com/api";

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
/// The `User-Agent` both clients send unless the client builder's `user_agent` says
/// otherwise, and that [`Call::to_request`] puts in every request: `event-sso/` and the
/// crate's version.
pub const USER_AGENT: &str = concat!("event-sso/", env!("CARGO_PKG_VERSION"));

/// How much of an error body is kept, in bytes.
const KEPT_BODY_BYTES: usize = 1024;
/// How much of a plain-text error body is taken as Sequel's message, in characters.
const PLAIN_MESSAGE_CHARS: usize = 300;

/// One of Sequel's endpoints: its name for logs (method and path template, no ids), its
/// method, whether sending it twice is harmless, so that it may be retried after a `5xx`, and
/// whether it removes something, so that a `404` on a retry means the first attempt did.
pub(super) struct Route {
    pub(super) name: &'static str,
    pub(super) method: Method,
    pub(super) repeatable: bool,
    pub(super) removal: bool,
}

pub(super) const fn route(name: &'static str, method: Method, repeatable: bool) -> Route {
    Route {
        name,
        method,
        repeatable,
        removal: false,
    }
}

/// A route that removes something, answering nothing: repeatable, and done once what it
/// removes is gone (see [`Call::settle`]).
pub(super) const fn removal(name: &'static str, method: Method) -> Route {
    Route {
        name,
        method,
        repeatable: true,
        removal: true,
    }
}

/// Sequel's API at one base URL (its analytics at a second, and the operations its reference
/// lists outside the v1 prefix at a third): makes a [`Call`] for each endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    root: Url,
    pub(super) analytics_root: Url,
    pub(super) platform_root: Url,
    pub(super) audience: String,
}

impl Api {
    /// The API at `base_url`, the host root such as [`DEFAULT_BASE_URL`] or a staging host. A
    /// path is kept as a prefix (for a proxy); a query or fragment is refused, and so is
    /// plain `http://` to anything but loopback. Analytics go to [`DEFAULT_ANALYTICS_URL`]
    /// unless [`with_analytics_url`](Self::with_analytics_url) says otherwise.
    pub fn new(base_url: &str) -> Result<Api, Error> {
        let root = root_url("base_url", base_url)?;
        Ok(Api {
            platform_root: root.clone(),
            root,
            analytics_root: root_url("analytics_url", DEFAULT_ANALYTICS_URL)?,
            audience: DEFAULT_AUDIENCE.to_owned(),
        })
    }

    /// Sends the operations Sequel's reference lists outside its v1 prefix (simulive
    /// `/api/client/...`, media `/api/media/...` and the public themes `/api/v3/...`) to
    /// `platform_url`, checked as `base_url` is, instead of the base URL. Where these live is
    /// **inferred** (see [`media`](crate::sequel::request#hosts)): this is the setting that
    /// corrects it.
    pub fn with_platform_url(mut self, platform_url: &str) -> Result<Api, Error> {
        self.platform_root = root_url("platform_url", platform_url)?;
        Ok(self)
    }

    /// The root of the operations outside the v1 prefix: the base URL unless
    /// [`with_platform_url`](Self::with_platform_url) says otherwise.
    pub fn platform_url(&self) -> &Url {
        &self.platform_root
    }

    /// Replaces the `audience` sent with token requests ([`DEFAULT_AUDIENCE`]).
    #[must_use]
    pub fn with_audience(mut self, audience: impl Into<String>) -> Api {
        self.audience = audience.into();
        self
    }

    /// Sends the analytics calls to `analytics_url`, checked as `base_url` is, instead of
    /// [`DEFAULT_ANALYTICS_URL`].
    pub fn with_analytics_url(mut self, analytics_url: &str) -> Result<Api, Error> {
        self.analytics_root = root_url("analytics_url", analytics_url)?;
        Ok(self)
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.root
    }

    /// The analytics root.
    pub fn analytics_url(&self) -> &Url {
        &self.analytics_root
    }

    /// A call to `/api/v1/{segments}`, which needs the access token.
    pub(super) fn v1<T>(&self, route: &Route, segments: &[&str], decode: Decoder<T>) -> Call<T> {
        let url = self.url(["api", "v1"].iter().chain(segments));
        Call {
            prefix: "/api/v1",
            ..Call::new(route, url, CallKind::V1, decode)
        }
    }

    /// A call to `{platform}/api/{segments}`, which needs the access token.
    pub(super) fn platform<T>(&self, route: &Route, segments: &[&str], decode: Decoder<T>) -> Call<T> {
        let url = join(&self.platform_root, ["api"].iter().chain(segments));
        Call::new(route, url, CallKind::V1, decode)
    }

    /// A call to `{platform}/api/v3/{segments}`: Sequel's public API, sent without the token.
    pub(super) fn public<T>(&self, route: &Route, segments: &[&str], decode: Decoder<T>) -> Call<T> {
        let url = join(&self.platform_root, ["api", "v3"].iter().chain(segments));
        Call::new(route, url, CallKind::Public, decode)
    }

    /// The root with `segments` appended, each percent-encoded as one segment (`a/b` becomes
    /// `a%2Fb`).
    pub(super) fn url<'a>(&self, segments: impl IntoIterator<Item = &'a &'a str>) -> Url {
        join(&self.root, segments)
    }
}

/// `root` with `segments` appended, each percent-encoded as one segment.
pub(super) fn join<'a>(root: &Url, segments: impl IntoIterator<Item = &'a &'a str>) -> Url {
    let mut url = root.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// A root URL the crate sends credentials to: absolute, http(s) with a host, no query or
/// fragment, and `https://` unless it is loopback.
fn root_url(field: &'static str, text: &str) -> Result<Url, Error> {
    let root = Url::parse(text.trim()).map_err(|_| Error::invalid(field, "is not an absolute URL"))?;
    if !matches!(root.scheme(), "http" | "https") || root.host().is_none() {
        return Err(Error::invalid(
            field,
            "must be an http:// or https:// URL with a host",
        ));
    }
    if root.query().is_some() || root.fragment().is_some() {
        return Err(Error::invalid(field, "must not have a query or a fragment"));
    }
    if root.scheme() == "http" && !crate::secret_url::is_loopback(&root) {
        return Err(Error::invalid(
            field,
            "is plain http:// to a host that is not loopback; it would send the client secret in clear text: use https:// (http:// is for 127.0.0.0/8, [::1] and localhost only)",
        ));
    }
    Ok(root)
}

/// Reads a successful body: the call's name (for errors), the body, and when it arrived.
pub(super) type Decoder<T> = fn(&'static str, &[u8], SystemTime) -> Result<T, Error>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CallKind {
    /// The token request: no bearer token; a 401 or 403 means bad credentials.
    Token,
    /// A v1 call: needs the bearer token.
    V1,
    /// A public call (`security: []` in Sequel's reference): the token is never sent.
    Public,
}

impl CallKind {
    /// Whether the call carries the access token: v1 calls alone.
    fn needs_token(self) -> bool {
        self == CallKind::V1
    }
}

/// One request to Sequel and how to read its answer. Made by [`Api`].
///
/// `Debug` shows the call's name, not its URL, which may carry an e-mail address.
pub struct Call<T> {
    name: &'static str,
    method: Method,
    pub(super) url: Url,
    body: Option<Bytes>,
    kind: CallKind,
    pub(super) repeatable: bool,
    removal: bool,
    decode: Decoder<T>,
    /// The URL's path before the route's template: `/api/v1`, or `/api`.
    prefix: &'static str,
}

impl<T> Call<T> {
    pub(super) fn new(route: &Route, url: Url, kind: CallKind, decode: Decoder<T>) -> Call<T> {
        Call {
            name: route.name,
            method: route.method.clone(),
            url,
            body: None,
            kind,
            repeatable: route.repeatable,
            removal: route.removal,
            decode,
            prefix: "/api",
        }
    }

    /// The call with `body` as its JSON body.
    pub(super) fn json(mut self, body: &impl Serialize) -> Call<T> {
        // Serializing these bodies cannot fail: string keys, no custom serializers.
        self.body = Some(serde_json::to_vec(body).unwrap_or_default().into());
        self
    }

    /// The method and path template, for example `POST /event/{eventId}/embedCode`: fit for
    /// logs and metrics, since it carries no ids.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the call needs an access token ([`to_request`](Self::to_request) with `Some`).
    pub fn needs_token(&self) -> bool {
        self.kind.needs_token()
    }

    /// Whether repeating the call is harmless, so it may be retried after a `5xx`
    /// (see [`RetryPolicy`](super::RetryPolicy)).
    pub fn is_repeatable(&self) -> bool {
        self.repeatable
    }

    /// The HTTP request, with `Authorization: Bearer` (marked sensitive) and
    /// `User-Agent:` [`USER_AGENT`] (replace it to name your app). A call that
    /// [needs a token](Self::needs_token) is refused without one (`is_invalid_input`), rather
    /// than sent unauthenticated.
    ///
    /// Send it once, following no redirect: a `3xx` goes to [`parse`](Self::parse) as it came,
    /// which refuses it ([`is_redirect`](Error::is_redirect)), so the token, the client secret
    /// or a person's data never reach a host they were not meant for.
    pub fn to_request(&self, token: Option<&AccessToken>) -> Result<http::Request<Vec<u8>>, Error> {
        let body = self.body.as_deref().map(<[u8]>::to_vec).unwrap_or_default();
        let mut request = http::Request::new(body);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self
            .url
            .as_str()
            .parse()
            .map_err(|_| Error::invalid("base_url", "does not make a valid request URI"))?;
        *request.headers_mut() = headers(self.kind, token)?;
        request
            .headers_mut()
            .insert(http::header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
        Ok(request)
    }

    /// The call as the crate's own transport sends it, apart from what it answers: its loop
    /// is then compiled once, not once per result type.
    #[cfg(any(feature = "async", feature = "blocking"))]
    pub(crate) fn outgoing(&self) -> Outgoing<'_> {
        Outgoing {
            name: self.name,
            method: &self.method,
            url: &self.url,
            body: self.body.as_ref(),
            kind: self.kind,
            prefix: self.prefix,
        }
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
        match status.is_success() {
            true => self.decode(body, received_at),
            false => Err(refusal(
                self.name,
                self.kind,
                status,
                retry_after,
                body,
                received_at,
            )),
        }
    }

    /// Where it goes, for its trace.
    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            name: self.name,
            method: &self.method,
            url: &self.url,
            prefix: self.prefix,
        }
    }

    /// Reads a successful answer's body.
    pub(crate) fn decode(&self, body: &[u8], received_at: SystemTime) -> Result<T, Error> {
        (self.decode)(self.name, body, received_at)
    }
}

/// A [`Call`] as the crate's transport sends it, whatever it answers: its request, and how
/// a refusal reads.
#[cfg(any(feature = "async", feature = "blocking"))]
#[derive(Clone, Copy)]
pub(crate) struct Outgoing<'a> {
    pub(crate) name: &'static str,
    method: &'a Method,
    url: &'a Url,
    body: Option<&'a Bytes>,
    kind: CallKind,
    prefix: &'static str,
}

#[cfg(any(feature = "async", feature = "blocking"))]
impl Outgoing<'_> {
    pub(crate) fn needs_token(&self) -> bool {
        self.kind.needs_token()
    }

    /// Where it goes, for its trace.
    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            name: self.name,
            method: self.method,
            url: self.url,
            prefix: self.prefix,
        }
    }

    /// The parts of the request, which the transport sends without going through
    /// `http::Request` (no copy of the body, no second parse of the URL).
    pub(crate) fn parts(
        &self,
        token: Option<&AccessToken>,
    ) -> Result<(&Method, &Url, http::HeaderMap, Option<Bytes>), Error> {
        Ok((
            self.method,
            self.url,
            headers(self.kind, token)?,
            self.body.cloned(),
        ))
    }

    /// The error a status other than `2xx` means.
    pub(crate) fn refusal(
        &self,
        status: StatusCode,
        retry_after: Option<&HeaderValue>,
        body: &[u8],
        received_at: SystemTime,
    ) -> Error {
        refusal(self.name, self.kind, status, retry_after, body, received_at)
    }
}

fn headers(kind: CallKind, token: Option<&AccessToken>) -> Result<http::HeaderMap, Error> {
    // Room for the transport's own (user agent, host, length) too, so none makes it grow.
    let mut headers = http::HeaderMap::with_capacity(8);
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    // Sequel's own samples send it on every call, GETs included.
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // Only the calls that need the token carry it: a public call may go to another host.
    match (token, kind.needs_token()) {
        (Some(token), true) => {
            headers.insert(AUTHORIZATION, token.header_value()?);
        }
        (None, true) => {
            return Err(Error::invalid(
                "access token",
                "this call needs one: get it with `Api::token` and pass it",
            ));
        }
        (_, false) => {}
    }
    Ok(headers)
}

/// The error an answer other than `2xx` means: a redirect is refused, a refused token request
/// is [`Error::Auth`], and the rest [`Error::Api`].
fn refusal(
    call: &'static str,
    kind: CallKind,
    status: StatusCode,
    retry_after: Option<&HeaderValue>,
    body: &[u8],
    received_at: SystemTime,
) -> Error {
    if status.is_redirection() {
        return Error::Redirected { call, status };
    }
    let error = api_error(status, retry_after, body, received_at);
    match (kind, status.as_u16()) {
        (CallKind::Token, 401 | 403) => Error::Auth(error),
        _ => Error::Api(error),
    }
}

impl<T> Call<T> {
    /// Whether the call removes something (a delete, an unregister): see [`settle`](Self::settle).
    pub fn is_removal(&self) -> bool {
        self.removal
    }

    /// The call's result once [`Attempts`](super::Attempts) says it is done, read by the rule
    /// for removals: a removal (a delete, an unregister) is done when what it removes is gone.
    /// So when an earlier attempt may have been carried out (`maybe_applied`, as
    /// [`Attempts::maybe_applied`](super::Attempts::maybe_applied) says) and the retry finds
    /// nothing (`404`), the first attempt removed it, and the call succeeded. A first attempt's
    /// `404` stays an error ([`Error::is_not_found`]): nothing said it was ever there, and a
    /// wrong id is worth hearing about. Every other result is returned as it is.
    pub fn settle(&self, result: Result<T, Error>, maybe_applied: bool) -> Result<T, Error> {
        match result {
            Err(error) if self.removal && maybe_applied && error.is_not_found() => {
                (self.decode)(self.name, &[], SystemTime::UNIX_EPOCH)
            }
            result => result,
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

/// Reads the answer of a call that answers nothing of use (a delete, an unregister): any
/// success, its body ignored.
pub(super) fn no_answer(_: &'static str, _: &[u8], _: SystemTime) -> Result<(), Error> {
    Ok(())
}

pub(super) fn non_blank<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Error> {
    match value.trim().is_empty() {
        true => Err(Error::invalid(field, "must not be blank")),
        false => Ok(value),
    }
}

/// A value that becomes one path segment: not blank, and not `.` or `..`, which URL
/// resolution would treat as a step up or sideways instead of a name.
pub(super) fn segment<'a>(field: &'static str, value: &'a str) -> Result<&'a str, Error> {
    if value == "." || value == ".." {
        return Err(Error::invalid(field, "cannot be `.` or `..`"));
    }
    non_blank(field, value)
}

pub(super) fn event_id(event: &EventId) -> Result<&str, Error> {
    segment("event id", event.as_str())
}

/// Reads a JSON answer: for the small answers most calls get (see [`decode_json_fast`]).
pub(super) fn decode_json<T: DeserializeOwned>(
    call: &'static str,
    body: &[u8],
    _: SystemTime,
) -> Result<T, Error> {
    non_empty(call, body)?;
    crate::json::read_slice(body).map_err(|source| Error::Decode { call, source })
}

/// Reads a JSON answer in one pass where it can: for the answers that are large or on every
/// page view (registrant and event lists, registrations), at the cost of twice the compiled
/// code for the type.
pub(super) fn decode_json_fast<T: DeserializeOwned>(
    call: &'static str,
    body: &[u8],
    _: SystemTime,
) -> Result<T, Error> {
    non_empty(call, body)?;
    crate::json::from_slice(body).map_err(|source| Error::Decode { call, source })
}

fn non_empty(call: &'static str, body: &[u8]) -> Result<(), Error> {
    match body.iter().all(u8::is_ascii_whitespace) {
        true => Err(Error::UnexpectedBody {
            call,
            reason: "the body is empty where JSON was expected",
        }),
        false => Ok(()),
    }
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
