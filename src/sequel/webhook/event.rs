//! What a delivery reports: one variant per type Sequel documents, and the rest kept raw.

use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::json::JsonError;
use crate::sequel::models::{CompanyId, EventId};

/// The kinds of webhook Sequel sends, by their `eventType`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebhookType {
    /// `new-attendee-pre-registration`.
    AttendeePreRegistered,
    /// `virtual-stage-event-started`.
    EventStarted,
    /// `virtual-stage-event-ended`.
    EventEnded,
    /// `virtual-stage-created`.
    EventCreated,
    /// `virtual-stage-updated`.
    EventUpdated,
    /// `virtual-stage-deleted`.
    EventDeleted,
    /// A type this crate does not name yet.
    Other(String),
}

impl WebhookType {
    const NAMES: [(&'static str, WebhookType); 6] = [
        (
            "new-attendee-pre-registration",
            WebhookType::AttendeePreRegistered,
        ),
        ("virtual-stage-event-started", WebhookType::EventStarted),
        ("virtual-stage-event-ended", WebhookType::EventEnded),
        ("virtual-stage-created", WebhookType::EventCreated),
        ("virtual-stage-updated", WebhookType::EventUpdated),
        ("virtual-stage-deleted", WebhookType::EventDeleted),
    ];

    /// The type for an `eventType`.
    pub fn from_name(name: &str) -> WebhookType {
        Self::NAMES
            .into_iter()
            .find_map(|(known, kind)| (known == name).then_some(kind))
            .unwrap_or_else(|| WebhookType::Other(name.to_owned()))
    }

    /// `name` when it is a type this crate knows, else `_OTHER`: a bounded set, for metrics.
    pub(crate) fn known_name(name: &str) -> &'static str {
        Self::NAMES
            .iter()
            .find_map(|(known, _)| (*known == name).then_some(*known))
            .unwrap_or("_OTHER")
    }

    /// The `eventType` Sequel uses.
    pub fn as_str(&self) -> &str {
        match self {
            WebhookType::Other(name) => name,
            known => Self::NAMES
                .iter()
                .find_map(|(name, kind)| (kind == known).then_some(*name))
                .unwrap_or_default(),
        }
    }
}

/// What a delivery reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// Someone registered for an event that has pre-registration.
    AttendeePreRegistered(PreRegistration),
    /// An event's stream started (Sequel documents no fields; those of [`EventDetails`] are
    /// read when present).
    EventStarted(EventDetails),
    /// An event's stream ended: one batch of its users.
    EventEnded(EndedBatch),
    /// An event was created (fields undocumented; read as [`EventDetails`]).
    EventCreated(EventDetails),
    /// An event was updated (fields undocumented; read as [`EventDetails`]).
    EventUpdated(EventDetails),
    /// An event was deleted (fields undocumented; read as [`EventDetails`]).
    EventDeleted(EventDetails),
    /// A type this crate does not know, kept as it came.
    Other {
        /// `eventType`.
        event_type: String,
        /// `details`, raw.
        details: Value,
    },
}

impl WebhookEvent {
    pub(super) fn read(event_type: &str, details: Value) -> Result<WebhookEvent, JsonError> {
        use crate::json::from_value;
        Ok(match WebhookType::from_name(event_type) {
            WebhookType::AttendeePreRegistered => WebhookEvent::AttendeePreRegistered(from_value(details)?),
            WebhookType::EventStarted => WebhookEvent::EventStarted(from_value(details)?),
            WebhookType::EventEnded => WebhookEvent::EventEnded(from_value(details)?),
            WebhookType::EventCreated => WebhookEvent::EventCreated(from_value(details)?),
            WebhookType::EventUpdated => WebhookEvent::EventUpdated(from_value(details)?),
            WebhookType::EventDeleted => WebhookEvent::EventDeleted(from_value(details)?),
            WebhookType::Other(event_type) => WebhookEvent::Other { event_type, details },
        })
    }

    /// As [`read`](Self::read), from `details` as it stands in the body; `None` where that
    /// fails, for `read` to say why.
    pub(super) fn read_str(event_type: &str, details: &str) -> Option<WebhookEvent> {
        use serde_json::from_str;
        Some(match WebhookType::from_name(event_type) {
            WebhookType::AttendeePreRegistered => {
                WebhookEvent::AttendeePreRegistered(from_str(details).ok()?)
            }
            WebhookType::EventStarted => WebhookEvent::EventStarted(from_str(details).ok()?),
            WebhookType::EventEnded => WebhookEvent::EventEnded(from_str(details).ok()?),
            WebhookType::EventCreated => WebhookEvent::EventCreated(from_str(details).ok()?),
            WebhookType::EventUpdated => WebhookEvent::EventUpdated(from_str(details).ok()?),
            WebhookType::EventDeleted => WebhookEvent::EventDeleted(from_str(details).ok()?),
            WebhookType::Other(event_type) => WebhookEvent::Other {
                event_type,
                details: from_str(details).ok()?,
            },
        })
    }

    /// The event's details, for every type this crate knows.
    pub fn details(&self) -> Option<&EventDetails> {
        match self {
            WebhookEvent::AttendeePreRegistered(registration) => Some(&registration.details),
            WebhookEvent::EventEnded(batch) => Some(&batch.details),
            WebhookEvent::EventStarted(details)
            | WebhookEvent::EventCreated(details)
            | WebhookEvent::EventUpdated(details)
            | WebhookEvent::EventDeleted(details) => Some(details),
            WebhookEvent::Other { .. } => None,
        }
    }
}

/// The event and company a delivery is about. Sequel documents the first four; the others are
/// those of its CMS webhooks, read when present. Every field is optional, and the ones not
/// named here are kept in [`extra`](EventDetails::extra).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventDetails {
    /// The owning company.
    pub company_id: Option<CompanyId>,
    /// The company's name.
    pub company_name: Option<String>,
    /// The event.
    pub event_id: Option<EventId>,
    /// The event's name.
    pub event_name: Option<String>,
    /// The description (CMS webhooks).
    pub description: Option<String>,
    /// The start (CMS webhooks).
    pub start_date: Option<String>,
    /// The end (CMS webhooks).
    pub end_date: Option<String>,
    /// The IANA time zone (CMS webhooks).
    pub timezone: Option<String>,
    /// The banner image (CMS webhooks).
    pub banner_url: Option<String>,
    /// Every other field, as it came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A pre-registration (`new-attendee-pre-registration`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct PreRegistration {
    /// The event and company.
    #[serde(flatten)]
    pub details: EventDetails,
    /// Who registered.
    pub attendee: Attendee,
}

/// Who pre-registered. `Debug` hides the personal fields.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Attendee {
    /// Their name.
    pub name: Option<String>,
    /// Their e-mail address.
    pub email: Option<String>,
    /// Their answers to the event's registration questions, in order.
    #[serde(default)]
    pub registration_info: Vec<Answer>,
    /// Every other field, as it came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for Attendee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attendee")
            .field("name", &self.name.as_ref().map(|_| "<redacted>"))
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("answers", &self.registration_info.len())
            .finish_non_exhaustive()
    }
}

/// One answer to a registration question. Sequel documents both as strings; an answer of
/// another JSON type (a multiple choice, say) is kept as it came.
#[derive(Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Answer {
    /// The question.
    pub question: Option<String>,
    /// The answer.
    pub response: Option<Value>,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("question", &self.question)
            .field("response", &self.response.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// One batch of an ended event's users (`virtual-stage-event-ended`). Sequel's 2025 format
/// sends them in pages of `size`, `totalCount` in all; its older one sent all in one.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EndedBatch {
    /// The event and company.
    #[serde(flatten)]
    pub details: EventDetails,
    /// This batch's users.
    #[serde(default)]
    pub users: Vec<AttendedUser>,
    /// This batch's number (from 1), when batched.
    pub page: Option<u64>,
    /// The batch size, when batched.
    pub size: Option<u64>,
    /// How many users in all the batches, when batched.
    pub total_count: Option<u64>,
}

/// Someone who took part in an ended event. `Debug` hides the personal fields.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AttendedUser {
    /// Their name.
    pub name: Option<String>,
    /// Their e-mail address.
    pub email: Option<String>,
    /// Sequel's id for the record (`_id`).
    #[serde(rename = "_id")]
    pub record_id: Option<String>,
    /// Sequel's id for the user (`uid`).
    pub uid: Option<String>,
    /// `userId`: your user id and the event's, joined by `|||`; see
    /// [`your_user_id`](AttendedUser::your_user_id).
    pub user_id: Option<String>,
    /// Every other field (engagement data), as it came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AttendedUser {
    /// Your id for the user, as given to the embed call: `userId` before its `|||`. Inferred
    /// from Sequel's example (`user123|||<eventId>`), not documented.
    pub fn your_user_id(&self) -> Option<&str> {
        let user_id = self.user_id.as_deref()?;
        Some(user_id.split_once("|||").map_or(user_id, |(yours, _)| yours))
    }
}

impl fmt::Debug for AttendedUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttendedUser")
            .field("name", &self.name.as_ref().map(|_| "<redacted>"))
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("uid", &self.uid)
            .field("extra_fields", &self.extra.len())
            .finish_non_exhaustive()
    }
}
