use std::fmt;
use std::time::Duration;

use http::StatusCode;

pub use crate::redact::JsonError;

/// Everything that can go wrong talking to Sequel.
///
/// Ask with the predicates ([`is_timeout`](Error::is_timeout),
/// [`is_already_registered`](Error::is_already_registered), [`is_not_found`](Error::is_not_found),
/// [`status`](Error::status), [`retry_after`](Error::retry_after)) rather than matching on
/// internals. Messages never contain the client secret, an access token, an embed or join URL,
/// or an e-mail address: where Sequel's own message quotes an e-mail, `Display` and `Debug` show
/// `<email>` instead, and [`api_message`](Error::api_message) gives the original.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request did not complete: no connection, a timeout, or the connection dropped.
    #[error("{}", match .kind {
        TransportKind::Connect => "could not connect to the Sequel API",
        TransportKind::Timeout => "the request to the Sequel API timed out",
        TransportKind::Other => "the request to the Sequel API failed",
    })]
    Transport {
        /// What kind of failure.
        kind: TransportKind,
        /// The HTTP library's error, without the URL.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// Sequel answered with an error status.
    #[error("{0}")]
    Api(ApiError),

    /// Sequel refused the client credentials when asked for an access token.
    #[error("Sequel refused the client credentials: {0}")]
    Auth(ApiError),

    /// A successful response whose body is not what the endpoint returns.
    #[error("cannot decode Sequel's response to {call}: unexpected data at `{path}`")]
    Decode {
        /// The call, as method and path template, for example `GET /event/{eventId}`.
        call: &'static str,
        /// Where in the JSON the problem is, for example `[3].join_url`; `.` for the whole body.
        path: String,
        /// The JSON error, with the values it quotes redacted.
        #[source]
        source: JsonError,
    },

    /// A successful response whose body is not JSON where JSON was expected, or not a URL where
    /// a URL was expected.
    #[error("cannot decode Sequel's response to {call}: {reason}")]
    UnexpectedBody {
        /// The call, as method and path template.
        call: &'static str,
        /// What was wrong, in a few words.
        reason: &'static str,
    },

    /// The response body was larger than the client accepts (see
    /// `ClientBuilder::max_response_bytes`).
    #[error("Sequel's response is larger than the {limit} bytes this client accepts")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },

    /// An argument or a setting cannot be used; the message names it and says why.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The argument or setting, for example `base_url` or `event id`.
        field: &'static str,
        /// Why it cannot be used.
        reason: String,
    },

    /// [`Credentials::from_env`](super::Credentials::from_env) found a variable missing or empty.
    #[error("the environment variable {name} is not set")]
    MissingEnv {
        /// The variable's name.
        name: &'static str,
    },
}

/// The kind of a [`Error::Transport`] failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection could be made, so the request never reached Sequel.
    Connect,
    /// The request or the response took longer than the client's timeout.
    Timeout,
    /// Anything else: a dropped connection, a malformed response.
    Other,
}

impl Error {
    /// Whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        )
    }

    /// Whether no connection could be made (so the request was never sent).
    pub fn is_connect(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        )
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

    /// Whether Sequel answered 404: an unknown event, company or registrant.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// The HTTP status of an API or auth error.
    pub fn status(&self) -> Option<StatusCode> {
        self.api_error().map(|api| api.status)
    }

    /// How long Sequel asked the client to wait (`Retry-After`), when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(|api| api.retry_after)
    }

    /// Sequel's own error message, unredacted, when it sent one (`errorMessage`, `message`, or
    /// a short plain-text body). It may quote what was sent, e-mail addresses included.
    pub fn api_message(&self) -> Option<&str> {
        self.api_error().and_then(|api| api.message.as_deref())
    }

    /// The start of the error response's body (at most 1 KiB), unredacted.
    pub fn api_body(&self) -> Option<&str> {
        self.api_error().map(|api| api.body.as_str())
    }

    fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) | Error::Auth(api) => Some(api),
            _ => None,
        }
    }
}

/// An error answer from Sequel: its status, its message and the start of its body.
///
/// Reached through [`Error`]'s accessors. `Display` and `Debug` replace e-mail addresses in
/// Sequel's message with `<email>` and do not show the body.
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: Option<String>,
    pub(crate) body: String,
    pub(crate) retry_after: Option<Duration>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sequel answered {}", self.status)?;
        if let Some(message) = &self.message {
            write!(f, ": {}", crate::redact::emails(message))?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("message", &self.message.as_deref().map(crate::redact::emails))
            .field("body_len", &self.body.len())
            .field("retry_after", &self.retry_after)
            .finish()
    }
}
