//! Sequel's analytics as values: each attendee's activity, the most engaged participants, and
//! the viewers of the live video minute by minute. The endpoints are in
//! [`request`](super::request); the clients' `user_activity`, `top_participants` and
//! `video_views` call them.
//!
//! Sequel documents few of these fields' types, so what cannot be typed safely stays JSON:
//! [`UserActivity`] reads its fields on demand and keeps every one of them.

use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};
use time::Date;

use super::models::{CompanyId, EventId};

/// One page of [`UserActivity`], as Sequel pages them (`items`, `totalCount`, `page`, `size`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActivityPage {
    /// The attendees on this page.
    #[serde(default)]
    pub items: Vec<UserActivity>,
    /// How many there are in all, when Sequel said. Sequel does not type these three counts:
    /// each is `None` unless it is a whole number from 0, so that an odd one never fails the
    /// page.
    #[serde(default, deserialize_with = "count")]
    pub total_count: Option<u64>,
    /// This page's number, from 1.
    #[serde(default, deserialize_with = "count")]
    pub page: Option<u64>,
    /// The page size Sequel used.
    #[serde(default, deserialize_with = "count")]
    pub size: Option<u64>,
}

/// Any JSON value; a count when it is a whole number from 0.
fn count<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(Value::deserialize(deserializer)?.as_u64())
}

/// One person's activity in an event: whether they attended, their live and on-demand time,
/// their scores, their interactions, and the metadata they registered with.
///
/// Sequel does not document these fields' types or units, so each accessor reads its field
/// when it has the expected JSON type and gives `None` otherwise (never failing the page), and
/// [`fields`](Self::fields) keeps every field as it came. `Debug` names the fields without their
/// values, which are personal data.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct UserActivity {
    fields: Map<String, Value>,
}

impl UserActivity {
    /// Every field, as Sequel sent it.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// One field, as Sequel sent it.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field)
    }

    fn text(&self, field: &str) -> Option<&str> {
        self.get(field)?.as_str()
    }

    /// A number, or a string holding one.
    fn number(&self, field: &str) -> Option<f64> {
        match self.get(field)? {
            Value::Number(number) => number.as_f64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// `email`.
    pub fn email(&self) -> Option<&str> {
        self.text("email")
    }

    /// `name`.
    pub fn name(&self) -> Option<&str> {
        self.text("name")
    }

    /// `userId`: your user id, for those who came in through an embed URL.
    pub fn user_id(&self) -> Option<&str> {
        self.text("userId")
    }

    /// `attended`.
    pub fn attended(&self) -> Option<bool> {
        self.get("attended")?.as_bool()
    }

    /// `liveTime`: time spent in the live event (unit undocumented).
    pub fn live_time(&self) -> Option<f64> {
        self.number("liveTime")
    }

    /// `onDemandTime`: time spent watching the recording (unit undocumented).
    pub fn on_demand_time(&self) -> Option<f64> {
        self.number("onDemandTime")
    }

    /// `engagementScore`.
    pub fn engagement_score(&self) -> Option<f64> {
        self.number("engagementScore")
    }

    /// `leadScore`.
    pub fn lead_score(&self) -> Option<f64> {
        self.number("leadScore")
    }

    /// `questionsNumber`: questions asked.
    pub fn questions_asked(&self) -> Option<f64> {
        self.number("questionsNumber")
    }

    /// `pollsNumber`: polls answered.
    pub fn polls_answered(&self) -> Option<f64> {
        self.number("pollsNumber")
    }

    /// `metadata`: what was sent with the registration, which Sequel's guide says the
    /// analytics return.
    pub fn metadata(&self) -> Option<&Value> {
        self.get("metadata")
    }
}

impl fmt::Debug for UserActivity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserActivity")
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Which engagement [`TopParticipantsQuery`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngagementType {
    /// Live and on demand (Sequel's default).
    All,
    /// The live event only.
    Live,
    /// The recording only.
    OnDemand,
}

impl EngagementType {
    /// The query value: `all`, `live` or `onDemand`.
    pub fn as_str(self) -> &'static str {
        match self {
            EngagementType::All => "all",
            EngagementType::Live => "live",
            EngagementType::OnDemand => "onDemand",
        }
    }
}

/// What to ask the top-participants report for; every part is optional (Sequel's defaults:
/// 10 participants, all engagement, the whole event).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct TopParticipantsQuery {
    pub(crate) limit: Option<u32>,
    pub(crate) start_date: Option<Date>,
    pub(crate) end_date: Option<Date>,
    pub(crate) engagement: Option<EngagementType>,
}

impl TopParticipantsQuery {
    /// Sequel's defaults.
    pub fn new() -> TopParticipantsQuery {
        TopParticipantsQuery::default()
    }

    /// At most this many participants (`limit`).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only engagement from this day on (`startDate`).
    pub fn start_date(mut self, day: Date) -> Self {
        self.start_date = Some(day);
        self
    }

    /// Only engagement up to this day (`endDate`).
    pub fn end_date(mut self, day: Date) -> Self {
        self.end_date = Some(day);
        self
    }

    /// Only this kind of engagement (`engagementType`).
    pub fn engagement(mut self, engagement: EngagementType) -> Self {
        self.engagement = Some(engagement);
        self
    }
}

/// The event's most engaged participants, with their engaged minutes. Every field is optional:
/// Sequel marks none required, and its example has `startDate: null`. `Debug` hides the
/// participants' names and e-mails.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TopParticipants {
    /// `eventName`.
    pub event_name: Option<String>,
    /// `eventId`.
    pub event_id: Option<EventId>,
    /// `eventType`, such as `virtualStageEvent`.
    pub event_type: Option<String>,
    /// `company`: the company's name.
    pub company: Option<String>,
    /// `companyId`.
    pub company_id: Option<CompanyId>,
    /// `startDate`: untyped in Sequel's schema, so kept as JSON; its example has `null`,
    /// which reads as `None`.
    pub start_date: Option<Value>,
    /// `endDate`, as Sequel wrote it (its example: `2022-08-23T09:56:13.937Z`).
    pub end_date: Option<String>,
    /// `limit`: how many were asked for. Sequel's schema says `integer`, so a negative one
    /// reads too.
    pub limit: Option<i64>,
    /// `numberOfUsers`, an `integer` in Sequel's schema.
    pub number_of_users: Option<i64>,
    /// `totalEngagedMinutes`.
    pub total_engaged_minutes: Option<f64>,
    /// `averageEngagedMinutesByUser`.
    pub average_engaged_minutes_by_user: Option<f64>,
    /// `topParticipants`, most engaged first.
    #[serde(default)]
    pub top_participants: Vec<Participant>,
}

/// One of [`TopParticipants`]. `Debug` hides the name and e-mail.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Participant {
    /// `name`.
    pub name: Option<String>,
    /// `userEmail`.
    pub user_email: Option<String>,
    /// `engagedMinutes`.
    pub engaged_minutes: Option<f64>,
}

impl fmt::Debug for TopParticipants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TopParticipants")
            .field("event_id", &self.event_id)
            .field("number_of_users", &self.number_of_users)
            .field("total_engaged_minutes", &self.total_engaged_minutes)
            .field("top_participants", &self.top_participants)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Participant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Participant")
            .field("engaged_minutes", &self.engaged_minutes)
            .finish_non_exhaustive()
    }
}

/// The live video's viewers, minute by minute: Sequel's `VideoViews`, which its schema types
/// as "an array of arrays of integers". Each inner array is usually the pair
/// `[minute, peak concurrent viewers]` (the order within a pair is inferred from Sequel's
/// description); [`per_minute`](Self::per_minute) reads that shape, and [`rows`](Self::rows)
/// keeps every array as it came, shorter or longer ones included.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct VideoViews {
    /// Sequel's arrays, as they came.
    #[serde(rename = "VideoViews", default)]
    pub rows: Vec<Vec<i64>>,
}

impl VideoViews {
    /// `(minute from the start, peak concurrent viewers in it)` for every array of the usual
    /// shape (two or more integers: the first two are read), in Sequel's order.
    pub fn per_minute(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.rows.iter().filter_map(|row| match row.as_slice() {
            [minute, viewers, ..] => Some((*minute, *viewers)),
            _ => None,
        })
    }

    /// The most viewers in any minute, and the first minute it happened in.
    pub fn peak(&self) -> Option<(i64, i64)> {
        self.per_minute()
            .reduce(|best, next| if next.1 > best.1 { next } else { best })
    }
}
