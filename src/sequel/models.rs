use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

pub use crate::secret_url::{EmbedUrl, JoinUrl};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id as Sequel gives it (an opaque string, usually a UUID).
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The id as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_owned())
            }
        }
    };
}

id_type!(
    /// A Sequel event's id (`uid`), as shown in the Sequel dashboard.
    EventId
);
id_type!(
    /// A Sequel company's id. It may equal your API client id, but need not.
    CompanyId
);

/// The user an embed URL is made for: your own, already logged-in user.
///
/// `Debug` hides the personal fields.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Viewer {
    /// Your stable id for this person. Two people must never share one: Sequel allows one live
    /// session per identity, so they would knock each other out.
    pub user_id: String,
    /// The name shown in the event.
    pub display_name: String,
    /// The e-mail address, used by Sequel for analytics.
    pub email: Option<String>,
    /// An avatar image URL; without one Sequel falls back to Gravatar.
    pub avatar_url: Option<String>,
    /// Whether the token works for this event only; sent only when set. Sequel's guide says
    /// `true` keeps the user from entering the company's other events with it (for example
    /// paid sessions); the public API reference does not list the field.
    pub event_specific: Option<bool>,
}

impl Viewer {
    /// A viewer with your id for them and their display name.
    pub fn new(user_id: impl Into<String>, display_name: impl Into<String>) -> Viewer {
        Viewer {
            user_id: user_id.into(),
            display_name: display_name.into(),
            email: None,
            avatar_url: None,
            event_specific: None,
        }
    }

    /// Sets the e-mail address.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Viewer {
        self.email = Some(email.into());
        self
    }

    /// Sets the avatar image URL.
    #[must_use]
    pub fn avatar_url(mut self, url: impl Into<String>) -> Viewer {
        self.avatar_url = Some(url.into());
        self
    }

    /// Sets `eventSpecific`: `true` to make the token valid for this event only.
    #[must_use]
    pub fn event_specific(mut self, only_this_event: bool) -> Viewer {
        self.event_specific = Some(only_this_event);
        self
    }
}

impl fmt::Debug for Viewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Viewer")
            .field("user_id", &"<redacted>")
            .field("display_name", &"<redacted>")
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("avatar_url", &self.avatar_url.as_ref().map(|_| "<redacted>"))
            .field("event_specific", &self.event_specific)
            .finish()
    }
}

/// A registration to send: who to register for an event.
///
/// `Debug` hides the personal fields.
#[derive(Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Registration {
    /// The registrant's name.
    pub name: String,
    /// The registrant's e-mail address; Sequel allows each one once per event.
    pub email: String,
    /// Anything you want back in Sequel's analytics, such as a job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl Registration {
    /// A registration for `name` at `email`.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Registration {
        Registration {
            name: name.into(),
            email: email.into(),
            metadata: None,
        }
    }

    /// Attaches metadata, returned by Sequel's analytics.
    #[must_use]
    pub fn metadata(mut self, metadata: Value) -> Registration {
        self.metadata = Some(metadata);
        self
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("name", &"<redacted>")
            .field("email", &"<redacted>")
            .field("metadata", &self.metadata.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A person registered for an event, with the URL that lets them in.
///
/// Store `join_url`: Sequel registers an e-mail only once per event. `Debug` hides the
/// personal fields and the URL.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Registrant {
    /// The registrant's name.
    pub name: String,
    /// The registrant's e-mail address.
    pub email: String,
    /// The registrant's own join URL. Anyone holding it enters as them, so it is a
    /// [`JoinUrl`]: no `Display`, a redacted `Debug`, and a [`redirect`](JoinUrl::redirect).
    pub join_url: JoinUrl,
    /// The metadata sent at registration.
    pub metadata: Option<Value>,
    /// Fields Sequel sent that this crate does not know, kept as they came.
    pub extra: Map<String, Value>,
}

/// Read field by field in one pass: `#[serde(flatten)]` would buffer each registrant whole
/// and read it twice, and lists of registrants can be long.
impl<'de> Deserialize<'de> for Registrant {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, Visitor};

        struct Fields;

        impl<'de> Visitor<'de> for Fields {
            type Value = Registrant;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a registrant object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Registrant, A::Error> {
                let (mut name, mut email, mut join_url, mut metadata) = (None, None, None, None);
                let mut extra = Map::new();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "name" => name = Some(map.next_value::<String>()?),
                        "email" => email = Some(map.next_value::<String>()?),
                        "join_url" => join_url = Some(map.next_value::<JoinUrl>()?),
                        "metadata" => metadata = map.next_value::<Option<Value>>()?,
                        _ => {
                            extra.insert(key.into_owned(), map.next_value()?);
                        }
                    }
                }
                Ok(Registrant {
                    name: name.ok_or_else(|| A::Error::missing_field("name"))?,
                    email: email.ok_or_else(|| A::Error::missing_field("email"))?,
                    join_url: join_url.ok_or_else(|| A::Error::missing_field("join_url"))?,
                    metadata,
                    extra,
                })
            }
        }

        deserializer.deserialize_struct("Registrant", &["name", "email", "join_url", "metadata"], Fields)
    }
}

/// How registrations are matched to registrants by e-mail, everywhere: trimmed, without
/// regard to case.
#[cfg(any(feature = "async", feature = "blocking"))]
pub(crate) fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The registrant in `registrants` with `email`, matched by [`email_key`].
#[cfg(any(feature = "async", feature = "blocking"))]
pub(crate) fn find_registrant(registrants: Vec<Registrant>, email: &str) -> Option<Registrant> {
    let wanted = email_key(email);
    registrants
        .into_iter()
        .find(|registrant| email_key(&registrant.email) == wanted)
}

impl fmt::Debug for Registrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registrant")
            .field("name", &"<redacted>")
            .field("email", &"<redacted>")
            .field("join_url", &"<redacted>")
            .field("metadata", &self.metadata.as_ref().map(|_| "<redacted>"))
            .field("extra_fields", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A Sequel event, as `GET /event/{eventId}` and the company events list return it.
///
/// Every field is optional because Sequel documents fewer than it sends; fields this crate does
/// not name are kept in [`extra`](Event::extra). Dates are kept as Sequel sends them (ISO 8601);
/// [`starts_at`](Event::starts_at) and [`ends_at`](Event::ends_at) parse them. `Debug` shows
/// the id, name and dates, and counts the presenters and organizers (whose entries are often
/// e-mail addresses).
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
    /// The event's description.
    pub description: Option<String>,
    /// The cover picture URL.
    pub picture: Option<String>,
    /// Start, as an ISO 8601 date-time string.
    pub start_date: Option<String>,
    /// End, as an ISO 8601 date-time string.
    pub end_date: Option<String>,
    /// The IANA time zone name, for example `Europe/Paris`.
    pub timezone: Option<String>,
    /// `Virtual` or `LiveStreamInPerson`.
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// Free-form metadata.
    pub metadata: Option<Value>,
    /// The linked networking hub's id.
    pub networking_hub: Option<String>,
    /// Who joins as a presenter: user ids or e-mail addresses.
    pub presenters: Option<Vec<String>>,
    /// Who joins as a host: user ids or e-mail addresses.
    pub organizers: Option<Vec<String>>,
    /// Whether registration mode is on.
    pub is_registration_mode_enabled: Option<bool>,
    /// Whether attendee registration mode is on.
    pub is_attendee_registration_mode_enabled: Option<bool>,
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
            .field("start_date", &self.start_date)
            .field("end_date", &self.end_date)
            .field("presenters", &self.presenters.as_ref().map(Vec::len))
            .field("organizers", &self.organizers.as_ref().map(Vec::len))
            .field("extra_fields", &self.extra.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}
