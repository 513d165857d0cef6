//! An error as the answer a web handler gives its own client: one shape for both modules.

use std::fmt::Display;
use std::time::Duration;

use http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, Response, StatusCode};

/// `status`, with `Retry-After` when there is a wait, and a plain-text body: the error's own
/// message for a `4xx` (it is about what the client sent, and the crate's messages never hold a
/// secret or a value sent), the status's reason alone for a `5xx` (what failed behind the
/// handler is the backend's business, for its logs).
pub(crate) fn error_response(
    status: StatusCode,
    retry_after: Option<Duration>,
    message: &dyn Display,
) -> Response<String> {
    let body = match status.is_client_error() {
        true => format!("{message}\n"),
        false => format!("{}\n", status.canonical_reason().unwrap_or("error")),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(wait) = retry_after {
        // Whole seconds, rounded up, so the client never comes back early.
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}
