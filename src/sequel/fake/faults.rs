//! The faults a test injects, and which requests they are for.

use std::collections::VecDeque;
use std::time::Duration;

use http::StatusCode;

/// What the fake does to one request; see [`FakeSequel::inject`](super::FakeSequel::inject). Faults apply to requests in
/// the order they arrive, whatever they are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Nothing: the request is answered as usual. For spacing faults out in a plan.
    None,
    /// The request is not handled, and is answered with this status and Sequel's error
    /// envelope.
    Status(StatusCode),
    /// The request is not handled, and is answered `429 Too Many Requests` with this
    /// `Retry-After` (in whole seconds).
    RateLimit(Duration),
    /// The request is not handled, and its connection is closed without an answer.
    Drop,
    /// The request is handled (a registration is stored), then its connection is closed
    /// without an answer: the client cannot know it worked.
    DropAfterHandling,
    /// The request is handled, then answered after this delay: past the client's timeout, the
    /// client cannot know it worked; short of it, a slow answer.
    DelayAfterHandling(Duration),
}

/// Which requests a fault is for ([`FakeSequel::inject_on`](super::FakeSequel::inject_on)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Requests {
    /// Any request.
    Any,
    /// Any but the token request (`/api/oauth/token`), so a fault meant for an API call is not
    /// spent on the token its client fetches first.
    ApiCalls,
    /// Requests whose path ends with this, such as `/registrant` or `/registrants`.
    PathEndingWith(String),
}

impl Requests {
    pub(super) fn matches(&self, path: &str) -> bool {
        match self {
            Requests::Any => true,
            Requests::ApiCalls => path != "/api/oauth/token",
            Requests::PathEndingWith(end) => path.ends_with(end.as_str()),
        }
    }
}

#[derive(Default)]
pub(super) struct Faults {
    pub(super) latency: Duration,
    pub(super) pending: VecDeque<(Requests, Fault)>,
}
