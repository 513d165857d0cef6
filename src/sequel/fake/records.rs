//! What the fake's model keeps beside its events: subscriptions, deliveries to send, and the
//! attendance tests record.

use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A stored subscription.
pub(super) struct Subscription {
    pub(super) kind: String,
    pub(super) company_id: String,
    pub(super) event_id: Option<String>,
    pub(super) endpoint: String,
    pub(super) secret: String,
    pub(super) expires_on: u64,
}

/// A delivery to send.
#[derive(Clone)]
pub(super) struct Outgoing {
    pub(super) endpoint: String,
    pub(super) secret: String,
    pub(super) event_type: String,
    pub(super) invocation_id: String,
    pub(super) body: Vec<u8>,
}

/// Time one person spent in an event, as a test records it.
pub(super) struct Watch {
    pub(super) email: String,
    pub(super) name: String,
    /// The minutes of the live event they were in, from its start.
    pub(super) live: Option<Range<u32>>,
    /// Minutes of the recording they watched.
    pub(super) on_demand: u32,
}

/// How long the fake waits before retrying a delivery that got `429` or `5xx`.
pub(super) const RETRY_AFTER: Duration = Duration::from_millis(50);

/// Seconds since the Unix epoch.
pub(super) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
