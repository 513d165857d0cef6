//! What the fake keeps beside its events: subscriptions, deliveries to send and made, the
//! attendance tests record, every request it received, registrants, companies and hubs.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::time::{SystemTime, UNIX_EPOCH};

use http::{Method, StatusCode};
use serde_json::{Map, Value};

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

/// Seconds since the Unix epoch.
pub(super) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One request the fake received.
///
/// `Debug` shows the method, path and status, and only the length of the body (which may
/// hold e-mail addresses and secrets).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// The HTTP method.
    pub method: Method,
    /// The path as sent, still percent-encoded (`/api/v1/event/a%2Fb`).
    pub path: String,
    /// The query as sent, when there was one.
    pub query: Option<String>,
    /// The body as sent.
    pub body: Vec<u8>,
    /// The status answered, or `None` when the connection was dropped on purpose.
    pub status: Option<StatusCode>,
    /// The body answered (empty when dropped, or when the answer had none).
    pub answer: Vec<u8>,
    /// The `Content-Type` answered: `None` when dropped, or when the answer had no body.
    pub answer_type: Option<&'static str>,
}

impl LoggedRequest {
    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl std::fmt::Debug for LoggedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoggedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body_len", &self.body.len())
            .field("status", &self.status)
            .field("answer_len", &self.answer.len())
            .finish()
    }
}

/// A webhook delivery the fake made, with every answer it got.
///
/// `Debug` shows the type, the endpoint and the answers, not the body or the key.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivered {
    /// `eventType`.
    pub event_type: String,
    /// `webHookInvocationId` (a repeat sent on purpose keeps it).
    pub invocation_id: String,
    /// Where it was POSTed.
    pub endpoint: String,
    /// The body sent.
    pub body: Vec<u8>,
    /// Each attempt's status, or `None` when no answer came; retried after `429` and `5xx`,
    /// as Sequel does.
    pub answers: Vec<Option<StatusCode>>,
    /// Whether the fake is done with it (answered, or out of attempts).
    pub done: bool,
}

impl std::fmt::Debug for Delivered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivered")
            .field("event_type", &self.event_type)
            .field("endpoint", &self.endpoint)
            .field("answers", &self.answers)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The people registered for an event or a hub.
#[derive(Default)]
pub(super) struct Roster {
    pub(super) registrants: Vec<Value>,
    /// Lower-cased e-mails of `registrants`, for the one-registration-per-e-mail rule.
    pub(super) emails: HashSet<String>,
}

/// A company of the fake's tree.
pub(super) struct Company {
    pub(super) name: String,
    pub(super) logo: String,
    pub(super) parent: Option<String>,
    /// Sequel's `Metadata`: `{ key: [{ value }] }`.
    pub(super) metadata: serde_json::Map<String, Value>,
}

/// A networking hub and everything in it.
pub(super) struct Hub {
    /// `friendlyName`, `company`, `organizers`, `networkingHubRooms` and `whitelabel`.
    pub(super) fields: Map<String, Value>,
    pub(super) roster: Roster,
    /// Who is in the hub, as `participantsList` answers: `{meta: {userId, username, email,
    /// avatar}, when}`.
    pub(super) participants: Vec<Value>,
    /// `(from, to)` user ids of the invitations sent.
    pub(super) invitations: Vec<(String, String)>,
    /// Profile photos set, by user id.
    pub(super) profiles: HashMap<String, Value>,
    /// Each chat channel's messages, and whether each is hidden.
    pub(super) chat: HashMap<String, Vec<(String, bool)>>,
    /// Circle recordings, by `(circle id, recording id)`.
    pub(super) recordings: HashMap<(String, String), String>,
}
