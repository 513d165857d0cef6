use std::fmt;
use std::time::Duration;

use http::StatusCode;

pub use crate::json::JsonError;

/// Everything that can go wrong talking to Sequel.
///
/// Ask with the predicates rather than matching variants: [`is_timeout`](Error::is_timeout),
/// [`is_connect`](Error::is_connect), [`is_auth`](Error::is_auth),
/// [`is_rate_limited`](Error::is_rate_limited), [`is_already_registered`](Error::is_already_registered),
/// [`is_not_found`](Error::is_not_found), [`is_decode`](Error::is_decode),
/// [`is_invalid_input`](Error::is_invalid_input), [`status`](Error::status) and
/// [`retry_after`](Error::retry_after). Every variant is `#[non_exhaustive]`, so variants can
/// gain fields as Sequel's API is better known.
///
/// Messages are built from parts the crate chose (a status, a call's name, a JSON path), never
/// from text that may hold what was sent: they cannot contain the client secret, an access
/// token, an embed or join URL, or an e-mail address. Sequel's own message is shown only when
/// it is one of the messages Sequel documents; otherwise it is in
/// [`api_message`](Error::api_message), unfiltered, for you to log as you see fit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request did not complete: no connection, a timeout, or the connection dropped.
    #[error("{}", match .kind {
        TransportKind::Connect => "could not connect to the Sequel API",
        TransportKind::Timeout => "the request to the Sequel API timed out",
        TransportKind::Other => "the request to the Sequel API failed",
    })]
    #[non_exhaustive]
    Transport {
        /// What kind of failure.
        kind: TransportKind,
        /// The HTTP library's error, without the URL.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// Sequel answered with an error status.
    #[error("{0}")]
    #[non_exhaustive]
    Api(ApiError),

    /// Sequel's API answered with a redirect (`3xx`). The client follows none: Sequel's API does
    /// not redirect, and a followed `307` would carry the client secret or a person's data to
    /// another host. The message names the status, never the `Location`.
    #[error(
        "Sequel's API answered {status} to {call}, a redirect this client does not follow; check the base URL"
    )]
    #[non_exhaustive]
    Redirected {
        /// The call, as method and path template.
        call: &'static str,
        /// The redirect's status.
        status: StatusCode,
    },

    /// Sequel refused the client credentials when asked for an access token.
    #[error("Sequel refused the client credentials: {0}")]
    #[non_exhaustive]
    Auth(ApiError),

    /// A successful response whose body is not what the endpoint returns; the source says
    /// what was expected and where.
    #[error("cannot decode Sequel's response to {call}")]
    #[non_exhaustive]
    Decode {
        /// The call, as method and path template, for example `GET /event/{eventId}`.
        call: &'static str,
        /// What was wrong and where, without the values.
        #[source]
        source: JsonError,
    },

    /// A successful response with no body where one was expected, or not a URL where a URL
    /// was expected.
    #[error("cannot decode Sequel's response to {call}: {reason}")]
    #[non_exhaustive]
    UnexpectedBody {
        /// The call, as method and path template.
        call: &'static str,
        /// What was wrong, in a few words.
        reason: &'static str,
    },

    /// The response body was larger than the client accepts (see
    /// `ClientBuilder::max_response_bytes`).
    #[error("Sequel's response is larger than the {limit} bytes this client accepts")]
    #[non_exhaustive]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },

    /// An argument or a setting cannot be used; the message names it and says why.
    #[error("invalid {field}: {reason}")]
    #[non_exhaustive]
    InvalidInput {
        /// The argument or setting, for example `base_url` or `event id`.
        field: &'static str,
        /// Why it cannot be used.
        reason: &'static str,
    },

    /// An environment variable the client needs is missing or empty.
    #[error("the environment variable {name} is not set")]
    #[non_exhaustive]
    MissingEnv {
        /// The variable's name.
        name: &'static str,
    },
}

/// The kind of a [`Error::Transport`] failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection could be made (refused, unreachable, or the connect timeout passed), so
    /// the request never reached Sequel and may be sent again, whatever it does.
    Connect,
    /// Once connected, the request or the response took longer than the client's timeout:
    /// Sequel may have carried it out.
    Timeout,
    /// Anything else: a dropped connection, a malformed response.
    Other,
}

impl Error {
    pub(crate) fn invalid(field: &'static str, reason: &'static str) -> Error {
        Error::InvalidInput { field, reason }
    }

    /// An answer larger than a transport built on [`request`](super::request) reads, `limit`
    /// bytes: Sequel answered, so it is neither retried nor taken as a lost answer
    /// ([`is_body_too_large`](Error::is_body_too_large)).
    pub fn body_too_large(limit: usize) -> Error {
        Error::BodyTooLarge { limit }
    }

    /// A failure on the way, for a transport built on [`request`](super::request): its kind
    /// (a refused connection, a timeout, or another), and the HTTP library's error. Strip any
    /// URL from that error first: it may hold an e-mail address.
    pub fn transport(
        kind: TransportKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::Transport {
            kind,
            source: source.into(),
        }
    }

    /// Whether the request timed out. It may have reached Sequel.
    pub fn is_timeout(&self) -> bool {
        self.transport_kind() == Some(TransportKind::Timeout)
    }

    /// Whether no connection could be made, so the request was never sent.
    pub fn is_connect(&self) -> bool {
        self.transport_kind() == Some(TransportKind::Connect)
    }

    /// Whether the request failed on the way: no connection, a timeout, or a dropped
    /// connection. Except for [`is_connect`](Error::is_connect), it may have reached Sequel.
    pub fn is_transport(&self) -> bool {
        self.transport_kind().is_some()
    }

    /// Whether the request may have been carried out although it failed: it timed out, or its
    /// connection dropped after it was sent, or Sequel answered `500`, `502`, `503` or `504`.
    /// A registration that failed so may be registered: look it up before trying again
    /// (`register_or_get` and `register_all` do).
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            Error::Transport { kind, .. } => *kind != TransportKind::Connect,
            Error::Api(api) => matches!(api.status.as_u16(), 500 | 502..=504),
            _ => false,
        }
    }

    /// Whether Sequel refused the credentials or the access token: the answer to the token
    /// request was `401` or `403`, or a call's answer was `401` or the `404`
    /// "Invalid auth token" Sequel documents for registering. The crate's clients renew the
    /// token once before giving up, so from them it means a fresh token was refused too.
    pub fn is_auth(&self) -> bool {
        match self {
            Error::Auth(_) => true,
            Error::Api(api) => api.refuses_token(),
            _ => false,
        }
    }

    /// Whether a call made with an access token was refused for that token (`401`, or the
    /// `404` "Invalid auth token"): renew the token and send the call once more (see
    /// [`TokenCache`](super::request::TokenCache)). False for a refused token request, where
    /// renewing cannot help: that is [`is_auth`](Error::is_auth) alone.
    pub fn is_token_refused(&self) -> bool {
        matches!(self, Error::Api(api) if api.refuses_token())
    }

    /// Whether Sequel answered `429 Too Many Requests` (after the client's own retries);
    /// [`retry_after`](Error::retry_after) says how long it asked to wait.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::Api(api) if api.status == StatusCode::TOO_MANY_REQUESTS)
    }

    /// Whether Sequel refused a registration because the e-mail is already registered for the
    /// event. Sequel does not document this answer, so it is recognised generously: a 409, or a
    /// 400 or 422 whose message says the e-mail is already registered or already exists.
    pub fn is_already_registered(&self) -> bool {
        let Error::Api(api) = self else { return false };
        match api.status.as_u16() {
            409 => true,
            400 | 422 => api.message.as_deref().is_some_and(|message| {
                let message = message.to_ascii_lowercase();
                [
                    "already registered",
                    "already been registered",
                    "already exists",
                    "duplicate",
                ]
                .iter()
                .any(|phrase| message.contains(phrase))
            }),
            _ => false,
        }
    }

    /// Whether Sequel answered 404 for an unknown event, company or registrant (not the `404`
    /// "Invalid auth token", which is [`is_auth`](Error::is_auth)).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api(api) if api.status == StatusCode::NOT_FOUND && !api.is_invalid_token())
    }

    /// Whether a successful answer could not be read as the endpoint's result.
    pub fn is_decode(&self) -> bool {
        matches!(self, Error::Decode { .. } | Error::UnexpectedBody { .. })
    }

    /// Where in Sequel's JSON a decode error is, for example `[3].join_url` (`.` for the
    /// whole body).
    pub fn decode_path(&self) -> Option<&str> {
        match self {
            Error::Decode { source, .. } => source.path(),
            _ => None,
        }
    }

    /// Whether the answer was larger than the client accepts.
    pub fn is_body_too_large(&self) -> bool {
        matches!(self, Error::BodyTooLarge { .. })
    }

    /// Whether an argument, a setting or an environment variable was refused before anything
    /// was sent.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput { .. } | Error::MissingEnv { .. })
    }

    /// The status a web handler that made this call should answer its own client with; the
    /// table in the crate docs ("Errors in a web handler") gives each case, for this module
    /// and `frameable` alike. With `503`, send [`retry_after`](Error::retry_after) as
    /// `Retry-After`.
    ///
    /// The checks go from the most specific to the least: an input refused before sending
    /// `400`, a missing setting `500`, credentials Sequel refused `502`, rate limited `503`,
    /// already registered (or another `409`) `409`, not found `404`, a timeout `504`, and
    /// anything else Sequel or the network did `502`.
    pub fn response_status(&self) -> StatusCode {
        match self {
            Error::InvalidInput { .. } => StatusCode::BAD_REQUEST,
            Error::MissingEnv { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            error if error.is_auth() => StatusCode::BAD_GATEWAY,
            error if error.is_rate_limited() => StatusCode::SERVICE_UNAVAILABLE,
            error if error.is_already_registered() || error.status() == Some(StatusCode::CONFLICT) => {
                StatusCode::CONFLICT
            }
            error if error.is_not_found() => StatusCode::NOT_FOUND,
            error if error.is_timeout() => StatusCode::GATEWAY_TIMEOUT,
            _ => StatusCode::BAD_GATEWAY,
        }
    }

    /// The answer a web handler that made this call gives its own client: the
    /// [`response_status`](Error::response_status), `Retry-After` from
    /// [`retry_after`](Error::retry_after) when Sequel sent one, `Cache-Control: no-store`, and
    /// a plain-text body. The body is this error's message for a `4xx` and the status's reason
    /// alone for a `5xx`; it never holds a secret, a URL or an e-mail address. Log the error
    /// itself for the details.
    pub fn to_response(&self) -> http::Response<String> {
        crate::response::error_response(self.response_status(), self.retry_after(), self)
    }

    /// Whether Sequel's API answered with a redirect, which the client never follows.
    pub fn is_redirect(&self) -> bool {
        matches!(self, Error::Redirected { .. })
    }

    /// The HTTP status of an API, auth or redirect error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Redirected { status, .. } => Some(*status),
            _ => self.api_error().map(|api| api.status),
        }
    }

    /// How long Sequel asked the client to wait (`Retry-After`), when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(|api| api.retry_after)
    }

    /// Sequel's own error message, unfiltered, when it sent one (`errorMessage`, `message`, or
    /// a short plain-text body). It may quote what was sent, e-mail addresses included.
    pub fn api_message(&self) -> Option<&str> {
        self.api_error().and_then(|api| api.message.as_deref())
    }

    /// The start of the error response's body (at most 1 KiB), unfiltered.
    pub fn api_body(&self) -> Option<&str> {
        self.api_error().map(|api| api.body.as_str())
    }

    fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) | Error::Auth(api) => Some(api),
            _ => None,
        }
    }

    fn transport_kind(&self) -> Option<TransportKind> {
        match self {
            Error::Transport { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// An error answer from Sequel: its status, its message and the start of its body.
///
/// Reached through [`Error`]'s accessors. `Display` and `Debug` show the status, and Sequel's
/// message only when it is one Sequel documents (see [`Error`]); never the body.
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: Option<String>,
    pub(crate) body: String,
    pub(crate) retry_after: Option<Duration>,
}

/// The error messages Sequel's API reference documents, which quote nothing that was sent
/// (the one that does, after its colon, is cut there).
const DOCUMENTED_MESSAGES: &[&str] = &[
    "Invalid auth token",
    "Access token is missing or invalid",
    "Token not found",
    "Event not found",
    "event not found",
    "Company not found",
    "Invalid ID supplied",
    "Invalid input",
    "Invalid parameters supplied",
    "An invalid parameter was sent",
    "Invalid parameter was sent",
    "Missing presenter field in request",
    "Missing organizer field in request",
    "Parent company has an invalid license",
    "Users cannot be hosts and presenters at the same time",
];

impl ApiError {
    /// Sequel's message, when it is one of [`DOCUMENTED_MESSAGES`]: the crate's copy, so
    /// nothing of the answer is repeated.
    fn documented_message(&self) -> Option<&'static str> {
        let message = self.message.as_deref()?.trim();
        let head = message
            .split_once(':')
            .map_or(message, |(head, _)| head)
            .trim_end();
        let exactly = DOCUMENTED_MESSAGES.iter().find(|known| **known == head);
        exactly
            .or_else(|| {
                DOCUMENTED_MESSAGES
                    .iter()
                    .find(|known| known.eq_ignore_ascii_case(head))
            })
            .copied()
    }

    /// Whether the answer refuses the access token the call carried: a `401`, or the `404`
    /// "Invalid auth token" below.
    pub(crate) fn refuses_token(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED || self.is_invalid_token()
    }

    /// Sequel documents `404` "Invalid auth token" for `POST /event/{eventId}/registrant`:
    /// a refused access token, not a missing event.
    pub(crate) fn is_invalid_token(&self) -> bool {
        self.status == StatusCode::NOT_FOUND && self.documented_message() == Some("Invalid auth token")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sequel answered {}", self.status)?;
        match (self.documented_message(), &self.message) {
            (Some(known), _) => write!(f, ": {known}"),
            (None, Some(_)) => f.write_str(" (its message is in `Error::api_message`)"),
            (None, None) => Ok(()),
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("documented_message", &self.documented_message())
            .field("message_len", &self.message.as_ref().map(String::len))
            .field("body_len", &self.body.len())
            .field("retry_after", &self.retry_after)
            .finish()
    }
}
