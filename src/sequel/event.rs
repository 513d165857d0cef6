//! Events: what Sequel returns (`Event`), and what creating, updating and cloning one sends.
//!
//! Every field is taken from Sequel's published schema (the `Event`, `EventCreate`,
//! `EventUpdate` and `EventClone` schemas of its API reference); fields it sends that the
//! schema does not name are kept in [`Event::extra`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::models::{CompanyId, EventId};

/// What kind of event: `Virtual` or `LiveStreamInPerson`, or a kind Sequel adds later.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventType {
    /// An online event.
    Virtual,
    /// An in-person event streamed live.
    LiveStreamInPerson,
    /// A kind this crate does not name yet, as Sequel spelled it.
    Other(String),
}

impl EventType {
    /// The name Sequel uses.
    pub fn as_str(&self) -> &str {
        match self {
            EventType::Virtual => "Virtual",
            EventType::LiveStreamInPerson => "LiveStreamInPerson",
            EventType::Other(name) => name,
        }
    }
}

impl Serialize for EventType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match String::deserialize(deserializer)?.as_str() {
            "Virtual" => EventType::Virtual,
            "LiveStreamInPerson" => EventType::LiveStreamInPerson,
            other => EventType::Other(other.to_owned()),
        })
    }
}

crate::secret::secret_type!(
    /// A value that lets someone into an event or its stream: a passcode, an RTMP key or URL.
    EventSecret
);

/// An event's access codes and stream ingest (`privateEventInfo`). Whoever holds them gets in,
/// so each is an [`EventSecret`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PrivateEventInfo {
    /// The attendees' passcode.
    pub attendee_passcode: Option<EventSecret>,
    /// The presenters' passcode.
    pub presenter_passcode: Option<EventSecret>,
    /// The hosts' passcode.
    pub host_passcode: Option<EventSecret>,
    /// The RTMP stream key.
    pub rtmp_key: Option<EventSecret>,
    /// The RTMP ingest URL.
    pub rtmp_url: Option<EventSecret>,
}

/// Live captions (`closeCaptioningSettings`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CloseCaptioningSettings {
    /// Live transcription.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcription: Option<Transcription>,
}

impl CloseCaptioningSettings {
    /// Transcription on or off.
    pub fn transcription(enabled: bool) -> CloseCaptioningSettings {
        CloseCaptioningSettings {
            transcription: Some(Transcription {
                enabled: Some(enabled),
            }),
        }
    }
}

/// Whether live transcription is on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transcription {
    /// On or off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// A Sequel event, as `GET /event/{eventId}`, the company's events list and the event
/// endpoints return it.
///
/// Every field is optional, as in Sequel's schema; fields this crate does not name are kept in
/// [`extra`](Event::extra). Dates are kept as Sequel sends them (ISO 8601);
/// [`starts_at`](Event::starts_at) and [`ends_at`](Event::ends_at) parse them. `Debug` shows
/// the id, name, kind and dates, counts the presenters and organizers (often e-mail
/// addresses), and never shows [`private_event_info`](Event::private_event_info).
#[derive(Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Event {
    /// The event's id.
    pub uid: Option<EventId>,
    /// The owning company's id.
    pub company_uid: Option<CompanyId>,
    /// The id of the user who created the event.
    pub creator_uid: Option<String>,
    /// The event's name.
    pub name: Option<String>,
    /// The event's description (sent, though not in the schema).
    pub description: Option<String>,
    /// The cover picture URL.
    pub picture: Option<String>,
    /// Start, as an ISO 8601 date-time string.
    pub start_date: Option<String>,
    /// End, as an ISO 8601 date-time string.
    pub end_date: Option<String>,
    /// The IANA time zone name, for example `Europe/Paris`.
    pub timezone: Option<String>,
    /// Online, or in person and streamed.
    #[serde(rename = "type")]
    pub event_type: Option<EventType>,
    /// Free-form metadata, any JSON value.
    pub metadata: Option<Value>,
    /// The linked networking hub's id.
    pub networking_hub: Option<String>,
    /// Who joins as a presenter: user ids or e-mail addresses.
    pub presenters: Option<Vec<String>>,
    /// Who joins as a host: user ids or e-mail addresses.
    pub organizers: Option<Vec<String>>,
    /// Whether registration mode is on.
    pub is_registration_mode_enabled: Option<bool>,
    /// Whether attendees need an access code to enter.
    pub is_attendee_registration_mode_enabled: Option<bool>,
    /// The passcodes and RTMP ingest, each an [`EventSecret`].
    pub private_event_info: Option<PrivateEventInfo>,
    /// Live captions.
    pub close_captioning_settings: Option<CloseCaptioningSettings>,
    /// Every other field Sequel sent, as it came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Event {
    /// [`start_date`](Event::start_date), parsed; `None` when absent or not RFC 3339.
    pub fn starts_at(&self) -> Option<OffsetDateTime> {
        parse_date(self.start_date.as_deref())
    }

    /// [`end_date`](Event::end_date), parsed; `None` when absent or not RFC 3339.
    pub fn ends_at(&self) -> Option<OffsetDateTime> {
        parse_date(self.end_date.as_deref())
    }
}

fn parse_date(text: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text?, &time::format_description::well_known::Rfc3339).ok()
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("uid", &self.uid)
            .field("name", &self.name)
            .field("event_type", &self.event_type)
            .field("start_date", &self.start_date)
            .field("end_date", &self.end_date)
            .field("presenters", &self.presenters.as_ref().map(Vec::len))
            .field("organizers", &self.organizers.as_ref().map(Vec::len))
            .field(
                "private_event_info",
                &self.private_event_info.as_ref().map(|_| "<redacted>"),
            )
            .field("extra_fields", &self.extra.len())
            .finish_non_exhaustive()
    }
}

/// The settings an event can be created, updated or cloned with; each is sent only when set.
#[derive(Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", with = "rfc3339")]
    pub(crate) start_date: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none", with = "rfc3339")]
    pub(crate) end_date: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) timezone: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub(crate) event_type: Option<EventType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) picture: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) networking_hub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) presenters: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) organizers: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) auto_select_latest_replay: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) disable_event_recording: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) is_registration_mode_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) is_attendee_registration_mode_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) close_captioning_settings: Option<CloseCaptioningSettings>,
}

/// Dates as RFC 3339 on the wire, as Sequel's `date-time` fields are.
mod rfc3339 {
    use serde::Serializer;
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub(super) fn serialize<S: Serializer>(
        date: &Option<OffsetDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match date.map(|date| date.format(&Rfc3339)) {
            Some(Ok(text)) => serializer.serialize_str(&text),
            Some(Err(_)) => Err(serde::ser::Error::custom("a date RFC 3339 cannot write")),
            None => serializer.serialize_none(),
        }
    }
}

impl EventFields {
    /// What Sequel would refuse, checked before sending: the first problem found.
    pub(crate) fn problem(&self) -> Option<(&'static str, &'static str)> {
        let blank = |text: &Option<String>| text.as_deref().is_some_and(|t| t.trim().is_empty());
        if blank(&self.name) {
            return Some(("event name", "must not be blank"));
        }
        if blank(&self.timezone) {
            return Some((
                "event timezone",
                "must not be blank (an IANA name such as `Europe/Paris`)",
            ));
        }
        if let (Some(start), Some(end)) = (self.start_date, self.end_date)
            && end < start
        {
            return Some(("event end", "must not be before its start"));
        }
        let year_ok = |date: &Option<OffsetDateTime>| date.is_none_or(|d| (0..=9999).contains(&d.year()));
        if !year_ok(&self.start_date) || !year_ok(&self.end_date) {
            return Some(("event dates", "must be in the years 0 to 9999"));
        }
        if let (Some(presenters), Some(organizers)) = (&self.presenters, &self.organizers)
            && presenters
                .iter()
                .any(|p| organizers.iter().any(|o| o.eq_ignore_ascii_case(p)))
        {
            return Some((
                "event presenters",
                "must not name an organizer too: Sequel refuses hosts who are also presenters",
            ));
        }
        None
    }
}

impl fmt::Debug for EventFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventFields")
            .field("name", &self.name)
            .field("start_date", &self.start_date)
            .field("end_date", &self.end_date)
            .field("event_type", &self.event_type)
            .field("presenters", &self.presenters.as_ref().map(Vec::len))
            .field("organizers", &self.organizers.as_ref().map(Vec::len))
            .finish_non_exhaustive()
    }
}

/// The setters every event request has, each sending one optional field.
macro_rules! event_setters {
    ($type:ident) => {
        impl $type {
            /// The cover picture URL (`picture`).
            pub fn picture(mut self, url: impl Into<String>) -> Self {
                self.fields.picture = Some(url.into());
                self
            }

            /// The networking hub to link (`networkingHub`).
            pub fn networking_hub(mut self, hub: impl Into<String>) -> Self {
                self.fields.networking_hub = Some(hub.into());
                self
            }

            /// Who joins as a presenter, user ids or e-mails (`presenters`); replaces the list.
            pub fn presenters(mut self, users: impl IntoIterator<Item = impl Into<String>>) -> Self {
                self.fields.presenters = Some(users.into_iter().map(Into::into).collect());
                self
            }

            /// Who joins as a host, user ids or e-mails (`organizers`); replaces the list.
            pub fn organizers(mut self, users: impl IntoIterator<Item = impl Into<String>>) -> Self {
                self.fields.organizers = Some(users.into_iter().map(Into::into).collect());
                self
            }

            /// Whether the latest recording becomes the replay (`autoSelectLatestReplay`).
            pub fn auto_select_latest_replay(mut self, on: bool) -> Self {
                self.fields.auto_select_latest_replay = Some(on);
                self
            }

            /// Whether the event is not recorded (`disableEventRecording`).
            pub fn disable_event_recording(mut self, on: bool) -> Self {
                self.fields.disable_event_recording = Some(on);
                self
            }

            /// Whether registration mode is on (`isRegistrationModeEnabled`).
            pub fn registration_mode(mut self, on: bool) -> Self {
                self.fields.is_registration_mode_enabled = Some(on);
                self
            }

            /// Whether attendees need an access code (`isAttendeeRegistrationModeEnabled`).
            pub fn attendee_registration_mode(mut self, on: bool) -> Self {
                self.fields.is_attendee_registration_mode_enabled = Some(on);
                self
            }
        }
    };
}

/// A new event for `create_event` (`POST /event/create`): the fields Sequel requires are the
/// arguments of [`new`](NewEvent::new); the rest are sent only when set.
///
/// ```
/// use event_sso::sequel::{CompanyId, EventType, NewEvent};
/// use time::macros::datetime;
///
/// let launch = NewEvent::new(
///     CompanyId::new("co-1"),
///     "Launch party",
///     datetime!(2026-12-01 17:00 UTC),
///     datetime!(2026-12-01 18:30 UTC),
///     "Europe/Paris",
///     EventType::Virtual,
/// )
/// .organizers(["host@example.com"]);
/// # let _ = launch;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
#[non_exhaustive]
pub struct NewEvent {
    pub(crate) company: CompanyId,
    pub(crate) fields: EventFields,
}

impl NewEvent {
    /// An event of `company`, called `name`, from `start` to `end` in `timezone` (an IANA name
    /// such as `Europe/Paris`), of `kind`.
    pub fn new(
        company: CompanyId,
        name: impl Into<String>,
        start: OffsetDateTime,
        end: OffsetDateTime,
        timezone: impl Into<String>,
        kind: EventType,
    ) -> NewEvent {
        NewEvent {
            company,
            fields: EventFields {
                name: Some(name.into()),
                start_date: Some(start),
                end_date: Some(end),
                timezone: Some(timezone.into()),
                event_type: Some(kind),
                ..EventFields::default()
            },
        }
    }

    /// Live captions (`closeCaptioningSettings`).
    pub fn close_captioning(mut self, settings: CloseCaptioningSettings) -> Self {
        self.fields.close_captioning_settings = Some(settings);
        self
    }
}

event_setters!(NewEvent);

/// The changes `update_event` sends (`POST /event/{eventId}`): only the fields set here, so
/// nothing else is touched.
#[derive(Debug, Clone, PartialEq, Default)]
#[must_use]
#[non_exhaustive]
pub struct EventUpdate {
    pub(crate) fields: EventFields,
}

impl EventUpdate {
    /// No change yet.
    pub fn new() -> EventUpdate {
        EventUpdate::default()
    }

    /// A new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.fields.name = Some(name.into());
        self
    }

    /// New start and end.
    pub fn dates(mut self, start: OffsetDateTime, end: OffsetDateTime) -> Self {
        self.fields.start_date = Some(start);
        self.fields.end_date = Some(end);
        self
    }

    /// A new time zone (an IANA name such as `Europe/Paris`).
    pub fn timezone(mut self, timezone: impl Into<String>) -> Self {
        self.fields.timezone = Some(timezone.into());
        self
    }

    /// A new kind.
    pub fn event_type(mut self, kind: EventType) -> Self {
        self.fields.event_type = Some(kind);
        self
    }

    /// Live captions (`closeCaptioningSettings`).
    pub fn close_captioning(mut self, settings: CloseCaptioningSettings) -> Self {
        self.fields.close_captioning_settings = Some(settings);
        self
    }

    /// Whether nothing is set, so there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.fields == EventFields::default()
    }
}

event_setters!(EventUpdate);

/// The copy `clone_event` makes (`POST /event/{eventId}/clone`): the fields Sequel requires are
/// the arguments of [`new`](EventClone::new); what is not set is copied from the source event.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
#[non_exhaustive]
pub struct EventClone {
    pub(crate) fields: EventFields,
}

impl EventClone {
    /// A copy called `name`, from `start` to `end` in `timezone`.
    pub fn new(
        name: impl Into<String>,
        start: OffsetDateTime,
        end: OffsetDateTime,
        timezone: impl Into<String>,
    ) -> Self {
        EventClone {
            fields: EventFields {
                name: Some(name.into()),
                start_date: Some(start),
                end_date: Some(end),
                timezone: Some(timezone.into()),
                ..EventFields::default()
            },
        }
    }

    /// Another kind than the source's.
    pub fn event_type(mut self, kind: EventType) -> Self {
        self.fields.event_type = Some(kind);
        self
    }
}

event_setters!(EventClone);

/// A recording of an event, as `available_replays` lists it. Its URLs are signed for the time
/// asked for, so `Debug` does not show them.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Replay {
    /// Where to download the video (signed).
    pub download_video_url: Option<String>,
    /// Whether the download is ready.
    pub download_status: Option<String>,
    /// Whether it was uploaded rather than recorded.
    pub is_custom_replay: Option<bool>,
    /// Where to watch it (signed).
    pub url: Option<String>,
    /// Every other field Sequel sent, as it came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for Replay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Replay")
            .field("download_status", &self.download_status)
            .field("is_custom_replay", &self.is_custom_replay)
            .field(
                "download_video_url",
                &self.download_video_url.as_ref().map(|_| "<redacted>"),
            )
            .field("url", &self.url.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}
