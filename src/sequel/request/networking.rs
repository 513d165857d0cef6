//! The networking hub endpoints: creating, reading and changing a hub, its embed URL, its
//! registrants, its participants, invitations, profiles, chat and circle recordings.
//!
//! Evidence: every path, body and answer here is in Sequel's API reference (its OpenAPI
//! document, tag `networking`). The embed call takes the same `User` body as an event's, and
//! registering takes and answers the same shapes as an event's (**evidenced**). That Sequel
//! registers an e-mail once per hub, as it does per event, is **inferred**: the reference
//! does not say. Unlike an event, a hub has no registrants list in the reference, so a hub
//! registration whose answer is lost cannot be looked up: it is sent once, and an
//! [`Error::is_outcome_unknown`] tells the caller so.

use http::Method;
use serde::Serialize;
use serde_json::{Map, Value};

use super::call::{Api, Call, Route, decode_json, no_answer, non_blank, removal, route, segment};
use super::events::{EmbedBody, decode_embed_url};
use super::registrants::{EmailBody, checked, decode_registered};
use crate::sequel::error::Error;
use crate::sequel::models::{EmbedUrl, Registered, Registration, Viewer};
use crate::sequel::networking::{
    ChannelCleared, ChatClearing, CircleRecording, HubId, HubParticipant, Invitation, NetworkingHub, NewHub,
};

// Creating twice makes two hubs, and inviting twice sends two invitations; the rest read, or
// set what they set again.
static CREATE: Route = route("POST /networking", Method::POST, false);
static GET: Route = route("GET /networking/{id}", Method::GET, true);
static UPDATE: Route = route("POST /networking/{id}", Method::POST, true);
static EMBED_CODE: Route = route("POST /networking/{id}/embedCode", Method::POST, true);
static REGISTER: Route = route("POST /networking/{id}/registrant", Method::POST, false);
static UNREGISTER: Route = removal("DELETE /networking/{id}/registrant", Method::DELETE);
static PARTICIPANTS: Route = route("GET /networking/{id}/participantsList", Method::GET, true);
static INVITE: Route = route("POST /networking/{id}/inviteUser", Method::POST, false);
static SET_PROFILE: Route = route("POST /networking/{id}/setUserProfile", Method::POST, true);
static CLEAR_CHAT: Route = route("POST /networking/{id}/clearChat", Method::POST, true);
static RECORDING: Route = route(
    "GET /networking/{id}/circle/{circleId}/recording/{recordingId}",
    Method::GET,
    true,
);

impl Api {
    /// `POST /networking`: creates a hub; returns it as Sequel does (`NetworkingHubCreate`,
    /// which may lack the `uid`). Not repeated on `5xx`: the first attempt may have made it.
    pub fn create_hub(&self, hub: &NewHub) -> Result<Call<NetworkingHub>, Error> {
        non_blank("hub friendly_name", &hub.friendly_name)?;
        Ok(self.v1(&CREATE, &["networking"], decode_json).json(hub))
    }

    /// `GET /networking/{id}`: the hub.
    pub fn hub(&self, hub: &HubId) -> Result<Call<NetworkingHub>, Error> {
        Ok(self.v1(&GET, &["networking", hub_id(hub)?], decode_json))
    }

    /// `POST /networking/{id}`: replaces the hub with `update`, sent whole (Sequel's update
    /// takes a whole `NetworkingHub`: read it, change it, send it back); its `uid` is `hub`'s.
    /// Returns the hub.
    pub fn update_hub(&self, hub: &HubId, update: &NetworkingHub) -> Result<Call<NetworkingHub>, Error> {
        let id = hub_id(hub)?;
        match &update.friendly_name {
            Some(name) => non_blank("hub friendly_name", name)?,
            None => {
                return Err(Error::invalid(
                    "hub friendly_name",
                    "must be set: Sequel requires it",
                ));
            }
        };
        if update.uid.as_ref().is_some_and(|uid| uid != hub) {
            return Err(Error::invalid(
                "hub uid",
                "names another hub than the one updated",
            ));
        }
        let mut body = update.clone();
        body.uid = Some(hub.clone());
        body.organizers.get_or_insert_with(Vec::new);
        Ok(self.v1(&UPDATE, &["networking", id], decode_json).json(&body))
    }

    /// `POST /networking/{id}/embedCode`: the hub's iframe URL for one viewer, as for an
    /// event ([`embed_url`](Self::embed_url)).
    pub fn hub_embed_url(&self, hub: &HubId, viewer: &Viewer) -> Result<Call<EmbedUrl>, Error> {
        let body = EmbedBody::new(viewer)?;
        Ok(self
            .v1(
                &EMBED_CODE,
                &["networking", hub_id(hub)?, "embedCode"],
                decode_embed_url,
            )
            .json(&body))
    }

    /// `POST /networking/{id}/registrant`: registers a person for the hub and returns their
    /// join URL. Not repeated on `5xx`: the first attempt may have registered them, and a hub
    /// has no registrants list to look them up in.
    pub fn register_for_hub(
        &self,
        hub: &HubId,
        registration: &Registration,
    ) -> Result<Call<Registered>, Error> {
        let registration = checked(registration)?;
        Ok(self
            .v1(
                &REGISTER,
                &["networking", hub_id(hub)?, "registrant"],
                decode_registered,
            )
            .json(registration))
    }

    /// `DELETE /networking/{id}/registrant` with the e-mail in a JSON body.
    pub fn unregister_from_hub(&self, hub: &HubId, email: &str) -> Result<Call<()>, Error> {
        let body = EmailBody::new(email)?;
        Ok(self
            .v1(
                &UNREGISTER,
                &["networking", hub_id(hub)?, "registrant"],
                no_answer,
            )
            .json(&body))
    }

    /// `GET /networking/{id}/participantsList`: who is in the hub.
    pub fn hub_participants(&self, hub: &HubId) -> Result<Call<Vec<HubParticipant>>, Error> {
        Ok(self.v1(
            &PARTICIPANTS,
            &["networking", hub_id(hub)?, "participantsList"],
            decode_json,
        ))
    }

    /// `POST /networking/{id}/inviteUser`: one person invites another to their conversation;
    /// Sequel answers whether the invitation went out. Not repeated on `5xx`: a repeat would
    /// invite twice.
    pub fn invite_to_hub(&self, hub: &HubId, invitation: &Invitation) -> Result<Call<bool>, Error> {
        non_blank("invitation user_id", &invitation.user_id)?;
        non_blank("invitation invited_user_id", &invitation.invited_user_id)?;
        Ok(self
            .v1(&INVITE, &["networking", hub_id(hub)?, "inviteUser"], decode_json)
            .json(invitation))
    }

    /// `POST /networking/{id}/setUserProfile`: sets a person's profile photo, `profile` being
    /// Sequel's "binary data of the photo" object (its schema says only that it is an object).
    /// Sequel answers whether it was set.
    pub fn set_hub_user_profile(
        &self,
        hub: &HubId,
        user_id: &str,
        profile: &Map<String, Value>,
    ) -> Result<Call<bool>, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            user_id: &'a str,
            user_profile: &'a Map<String, Value>,
        }
        let body = Body {
            user_id: non_blank("profile user_id", user_id)?,
            user_profile: profile,
        };
        Ok(self
            .v1(
                &SET_PROFILE,
                &["networking", hub_id(hub)?, "setUserProfile"],
                decode_json,
            )
            .json(&body))
    }

    /// `POST /networking/{id}/clearChat`: clears the hub's chats, or the channels named;
    /// answers what happened to each channel.
    pub fn clear_hub_chat(
        &self,
        hub: &HubId,
        clearing: &ChatClearing,
    ) -> Result<Call<Vec<ChannelCleared>>, Error> {
        if let Some(channels) = &clearing.channels {
            if channels.is_empty() {
                return Err(Error::invalid(
                    "chat channels",
                    "is an empty list: use `ChatClearing::all()` to clear every chat",
                ));
            }
            for channel in channels {
                non_blank("chat channel", channel)?;
            }
        }
        Ok(self
            .v1(
                &CLEAR_CHAT,
                &["networking", hub_id(hub)?, "clearChat"],
                decode_json,
            )
            .json(clearing))
    }

    /// `GET /networking/{id}/circle/{circleId}/recording/{recordingId}`: a circle recording's
    /// download URL and when it expires.
    pub fn circle_recording(
        &self,
        hub: &HubId,
        circle: &str,
        recording: &str,
    ) -> Result<Call<CircleRecording>, Error> {
        let segments = [
            "networking",
            hub_id(hub)?,
            "circle",
            segment("circle id", circle)?,
            "recording",
            segment("recording id", recording)?,
        ];
        Ok(self.v1(&RECORDING, &segments, decode_json))
    }
}

fn hub_id(hub: &HubId) -> Result<&str, Error> {
    segment("hub id", hub.as_str())
}
