//! An answer of the fake, before it becomes an HTTP response, and the error messages Sequel
//! documents.

use http::StatusCode;
use serde_json::{Value, json};

/// An answer, before it becomes an HTTP response.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) body: Vec<u8>,
    /// `None` for an answer without a body, which must not claim a type.
    pub(super) content_type: Option<&'static str>,
}

impl Reply {
    pub(super) fn json(status: StatusCode, body: &Value) -> Reply {
        Reply {
            status,
            body: body.to_string().into_bytes(),
            content_type: Some("application/json"),
        }
    }

    /// Sequel's v1 error envelope.
    pub(super) fn error(status: StatusCode, message: &str) -> Reply {
        Reply::json(status, &json!({"hasError": true, "errorMessage": message}))
    }

    /// A status with no body (and so no `Content-Type`), as `204` must be, and as Sequel
    /// documents many answers (`content: {}`).
    pub(super) fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            body: Vec::new(),
            content_type: None,
        }
    }

    pub(super) fn text(status: StatusCode, text: &str) -> Reply {
        Reply {
            status,
            body: text.as_bytes().to_vec(),
            content_type: Some("text/plain"),
        }
    }
}

/// Sequel's documented error messages, word for word (its API reference, the `Error` schema
/// and each operation's responses).
pub(super) mod message {
    pub(in crate::sequel::fake) const EVENT_NOT_FOUND: &str = "event not found";
    pub(in crate::sequel::fake) const COMPANY_NOT_FOUND: &str = "Company not found";
    pub(in crate::sequel::fake) const INVALID_INPUT: &str = "Invalid input";
    pub(in crate::sequel::fake) const INVALID_PARAMETERS: &str = "Invalid parameters supplied";
    pub(in crate::sequel::fake) const AN_INVALID_PARAMETER: &str = "An invalid parameter was sent";
    pub(in crate::sequel::fake) const INVALID_PARAMETER: &str = "Invalid parameter was sent";
    pub(in crate::sequel::fake) const HOSTS_AND_PRESENTERS: &str =
        "Users cannot be hosts and presenters at the same time";
}
