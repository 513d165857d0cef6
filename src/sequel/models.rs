use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

pub(crate) use id_type;

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
/// Sequel's schema marks every field optional, so each is an `Option`: one odd entry in a
/// registrants list does not hide the others. [`gaps`](Registrant::gaps) names the documented
/// fields an entry lacks (or that could not be read; their raw value is then kept in
/// [`extra`](Registrant::extra)). `register` gives a [`Registered`], whose `join_url` is
/// always there; keep it: Sequel registers an e-mail only once per event. `Debug` hides the
/// personal fields and the URL.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Registrant {
    /// The registrant's name.
    pub name: Option<String>,
    /// The registrant's e-mail address.
    pub email: Option<String>,
    /// The registrant's own join URL. Anyone holding it enters as them, so it is a
    /// [`JoinUrl`]: no `Display`, a redacted `Debug`, and a [`redirect`](JoinUrl::redirect).
    pub join_url: Option<JoinUrl>,
    /// The metadata sent at registration (any JSON value).
    pub metadata: Option<Value>,
    /// Fields Sequel sent that this crate does not know, and the raw value of a documented
    /// field that could not be read, kept as they came.
    pub extra: Map<String, Value>,
}

impl Registrant {
    /// The documented fields (`name`, `email`, `join_url`) this entry lacks or that could not
    /// be read; empty for a whole entry.
    pub fn gaps(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_none()),
            ("email", self.email.is_none()),
            ("join_url", self.join_url.is_none()),
        ]
        .into_iter()
        .filter_map(|(field, missing)| missing.then_some(field))
        .collect()
    }
}

/// A registration Sequel confirmed, with the join URL that registering guarantees: what
/// `register` and `register_or_get` return. `Debug` hides the personal fields and the URL.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Registered {
    /// The registrant's own join URL. Anyone holding it enters as them, so it is a
    /// [`JoinUrl`]: no `Display`, a redacted `Debug`, and a [`redirect`](JoinUrl::redirect).
    pub join_url: JoinUrl,
    /// The registrant's name.
    pub name: Option<String>,
    /// The registrant's e-mail address.
    pub email: Option<String>,
    /// The metadata sent at registration (any JSON value).
    pub metadata: Option<Value>,
    /// Fields Sequel sent that this crate does not know, kept as they came.
    pub extra: Map<String, Value>,
}

impl Registered {
    /// The registrant, when it has a join URL.
    pub(crate) fn from_registrant(registrant: Registrant) -> Option<Registered> {
        Some(Registered {
            join_url: registrant.join_url?,
            name: registrant.name,
            email: registrant.email,
            metadata: registrant.metadata,
            extra: registrant.extra,
        })
    }
}

impl From<Registered> for Registrant {
    fn from(registered: Registered) -> Registrant {
        Registrant {
            name: registered.name,
            email: registered.email,
            join_url: Some(registered.join_url),
            metadata: registered.metadata,
            extra: registered.extra,
        }
    }
}

impl fmt::Debug for Registered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registered")
            .field("join_url", &self.join_url)
            .field("name", &self.name.as_ref().map(|_| "<redacted>"))
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("extra", &self.extra.len())
            .finish_non_exhaustive()
    }
}

/// Read field by field in one pass (`#[serde(flatten)]` would buffer each registrant whole and
/// read it twice, and lists can be long). A documented field of the wrong type or an
/// unreadable URL is left `None`, its raw value kept in `extra`.
impl<'de> Deserialize<'de> for Registrant {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{MapAccess, Visitor};

        struct Fields;

        impl<'de> Visitor<'de> for Fields {
            type Value = Registrant;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a registrant object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Registrant, A::Error> {
                let mut registrant = Registrant {
                    name: None,
                    email: None,
                    join_url: None,
                    metadata: None,
                    extra: Map::new(),
                };
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let value: Value = map.next_value()?;
                    match (key.as_ref(), value) {
                        ("name", Value::String(name)) => registrant.name = Some(name),
                        ("email", Value::String(email)) => registrant.email = Some(email),
                        ("join_url", Value::String(url)) => match url::Url::parse(&url) {
                            Ok(url) => registrant.join_url = Some(JoinUrl::new(url)),
                            Err(_) => {
                                registrant.extra.insert(key.into_owned(), Value::String(url));
                            }
                        },
                        ("metadata", metadata) => {
                            registrant.metadata = Some(metadata).filter(|v| !v.is_null())
                        }
                        (_, Value::Null) => {}
                        (_, unread) => {
                            registrant.extra.insert(key.into_owned(), unread);
                        }
                    }
                }
                Ok(registrant)
            }
        }

        deserializer.deserialize_map(Fields)
    }
}

impl fmt::Debug for Registrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |set: bool| if set { "<redacted>" } else { "<missing>" };
        f.debug_struct("Registrant")
            .field("name", &format_args!("{}", hidden(self.name.is_some())))
            .field("email", &format_args!("{}", hidden(self.email.is_some())))
            .field("join_url", &format_args!("{}", hidden(self.join_url.is_some())))
            .field("metadata", &self.metadata.as_ref().map(|_| "<redacted>"))
            .field("extra_fields", &self.extra.len())
            .finish()
    }
}
