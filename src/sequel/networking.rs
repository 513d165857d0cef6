//! Networking hubs: Sequel's second embeddable product, a space of rooms ("circles") where
//! attendees meet, with its own embed URL and its own registrants. The values here are typed
//! from Sequel's schemas `NetworkingHub`, `NetworkingHubCreate`, `NetworkingHubRooms`,
//! `Participant` and `CircleRecording`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::models::{CompanyId, id_type};

id_type!(
    /// A Sequel networking hub's id (`uid`).
    HubId
);

crate::secret::secret_type!(
    /// A URL that hands over a recording to whoever holds it: a circle recording's download
    /// URL. No `Display`, and a `Debug` that says only its name.
    DownloadUrl
);

/// A networking hub, as Sequel returns it (`NetworkingHub`; creating one answers
/// `NetworkingHubCreate`, the same without `uid`).
///
/// Every field is an `Option`, so that a hub with a field missing still reads; fields Sequel
/// sends beyond its schema are kept in [`extra`](Self::extra). To change a hub, read it, change
/// what you want, and send it back whole with `update`: Sequel's update takes the whole hub.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NetworkingHub {
    /// `uid`: the hub's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<HubId>,
    /// `friendlyName`: the name that identifies the hub.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// `company`: the company that owns the hub.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<CompanyId>,
    /// `organizers`: the ids of the users with organizer permission.
    #[serde(default)]
    pub organizers: Option<Vec<String>>,
    /// `networkingHubRooms`: the hub's rooms.
    #[serde(default, rename = "networkingHubRooms")]
    pub rooms: Vec<HubRoom>,
    /// `whitelabel`: what the hub's page hides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whitelabel: Option<Whitelabel>,
    /// Fields Sequel sent that this crate does not know, kept as they came; not sent back.
    #[serde(flatten, skip_serializing)]
    pub extra: Map<String, Value>,
}

/// A hub to create (`NetworkingHubCreate`): its name, its rooms and its organizers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[must_use]
pub struct NewHub {
    /// `friendlyName`.
    pub friendly_name: String,
    /// `company`: the owner, when not the caller's own company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<CompanyId>,
    /// `organizers`: user ids with organizer permission.
    pub organizers: Vec<String>,
    /// `networkingHubRooms`.
    #[serde(rename = "networkingHubRooms")]
    pub rooms: Vec<HubRoom>,
    /// `whitelabel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whitelabel: Option<Whitelabel>,
}

impl NewHub {
    /// A hub named `friendly_name`, with no rooms or organizers yet.
    pub fn new(friendly_name: impl Into<String>) -> NewHub {
        NewHub {
            friendly_name: friendly_name.into(),
            company: None,
            organizers: Vec::new(),
            rooms: Vec::new(),
            whitelabel: None,
        }
    }

    /// The company that owns the hub.
    pub fn company(mut self, company: CompanyId) -> NewHub {
        self.company = Some(company);
        self
    }

    /// Adds an organizer (a user id).
    pub fn organizer(mut self, user: impl Into<String>) -> NewHub {
        self.organizers.push(user.into());
        self
    }

    /// Adds a room.
    pub fn room(mut self, room: HubRoom) -> NewHub {
        self.rooms.push(room);
        self
    }

    /// What the hub's page hides.
    pub fn whitelabel(mut self, whitelabel: Whitelabel) -> NewHub {
        self.whitelabel = Some(whitelabel);
        self
    }
}

/// One of a hub's rooms (`NetworkingHubRooms`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HubRoom {
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `maxSlots`: how many people fit (a `number` in Sequel's schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_slots: Option<f64>,
}

impl HubRoom {
    /// A room named `name` for up to `max_slots` people.
    pub fn new(name: impl Into<String>, max_slots: u32) -> HubRoom {
        HubRoom {
            name: Some(name.into()),
            max_slots: Some(f64::from(max_slots)),
        }
    }
}

/// What a hub's page hides (`whitelabel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Whitelabel {
    /// `hidePagination`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_pagination: Option<bool>,
    /// `hideChat`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_chat: Option<bool>,
    /// `hideRandomUserMingle`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_random_user_mingle: Option<bool>,
}

impl Whitelabel {
    /// Nothing hidden beyond Sequel's defaults.
    pub fn new() -> Whitelabel {
        Whitelabel::default()
    }

    /// Hides the pagination.
    #[must_use]
    pub fn hide_pagination(mut self, hide: bool) -> Whitelabel {
        self.hide_pagination = Some(hide);
        self
    }

    /// Hides the chat.
    #[must_use]
    pub fn hide_chat(mut self, hide: bool) -> Whitelabel {
        self.hide_chat = Some(hide);
        self
    }

    /// Hides the random mingle.
    #[must_use]
    pub fn hide_random_user_mingle(mut self, hide: bool) -> Whitelabel {
        self.hide_random_user_mingle = Some(hide);
        self
    }
}

/// Someone in a hub (`Participant`): who they are (`meta`) and `when`. `Debug` hides the name,
/// the e-mail and the avatar.
#[derive(Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct HubParticipant {
    /// `meta`: who they are.
    #[serde(default)]
    pub meta: ParticipantMeta,
    /// `when`: a `number` in Sequel's schema, undescribed (a timestamp, it seems).
    #[serde(default)]
    pub when: Option<f64>,
    /// Fields Sequel sent that this crate does not know, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Who a [`HubParticipant`] is (`meta`).
#[derive(Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ParticipantMeta {
    /// `userId`: your id for them, as given in their embed URL.
    pub user_id: Option<String>,
    /// `username`: the name shown.
    pub username: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `avatar`: an image URL.
    pub avatar: Option<String>,
}

impl fmt::Debug for HubParticipant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubParticipant")
            .field("meta", &self.meta)
            .field("when", &self.when)
            .field("extra_fields", &self.extra.len())
            .finish()
    }
}

impl fmt::Debug for ParticipantMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |value: &Option<String>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("ParticipantMeta")
            .field("user_id", &self.user_id)
            .field("username", &hidden(&self.username))
            .field("email", &hidden(&self.email))
            .field("avatar", &hidden(&self.avatar))
            .finish()
    }
}

/// An invitation from one person in a hub to another, to join their conversation
/// (`inviteUser`). `Debug` hides both ids, which may be e-mails.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Invitation {
    /// `userId`: who invites.
    pub user_id: String,
    /// `invitedUserId`: who is invited.
    pub invited_user_id: String,
}

impl Invitation {
    /// `user_id` invites `invited_user_id` (both your ids for them, as in their embed URLs).
    pub fn new(user_id: impl Into<String>, invited_user_id: impl Into<String>) -> Invitation {
        Invitation {
            user_id: user_id.into(),
            invited_user_id: invited_user_id.into(),
        }
    }
}

impl fmt::Debug for Invitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invitation")
            .field("user_id", &"<redacted>")
            .field("invited_user_id", &"<redacted>")
            .finish()
    }
}

/// Which chats `clear_chat` clears: all of them, or the channels named, hidden (Sequel's
/// default) or deleted for good.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct ChatClearing {
    /// `channels`: when set, only these are cleared (see [`ChatClearing::hub_chat`] and its
    /// neighbours for their names).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<String>>,
    /// `hard`: delete the messages for good rather than hide them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hard: Option<bool>,
}

impl ChatClearing {
    /// Every chat of the hub, hidden.
    pub fn all() -> ChatClearing {
        ChatClearing::default()
    }

    /// Only these channels.
    pub fn channels(mut self, channels: impl IntoIterator<Item = impl Into<String>>) -> ChatClearing {
        self.channels = Some(channels.into_iter().map(Into::into).collect());
        self
    }

    /// Deletes the messages for good instead of hiding them.
    pub fn hard(mut self, hard: bool) -> ChatClearing {
        self.hard = Some(hard);
        self
    }

    /// The name of a hub's main chat channel: `{hubId}-chat`.
    pub fn hub_chat(hub: &HubId) -> String {
        format!("{hub}-chat")
    }

    /// The name of a hub's presenters' chat channel: `{hubId}-presenters-chat`.
    pub fn presenters_chat(hub: &HubId) -> String {
        format!("{hub}-presenters-chat")
    }

    /// The name of a circle's chat channel: `{hubId}-{circleId}-circle-chat`.
    pub fn circle_chat(hub: &HubId, circle: &str) -> String {
        format!("{hub}-{circle}-circle-chat")
    }
}

/// What clearing did to one channel.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ChannelCleared {
    /// `channel`.
    pub channel: Option<String>,
    /// `success`.
    pub success: Option<bool>,
}

/// A circle recording's download (`CircleRecording`): the URL, and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CircleRecording {
    /// `downloadUrl`: the MP4's download URL; whoever holds it gets the recording.
    pub download_url: Option<DownloadUrl>,
    /// `expiresOn`: when the URL stops working, as Sequel wrote it.
    pub expires_on: Option<String>,
}
