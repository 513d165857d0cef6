//! The event endpoints: the embed URL, the event's details, creating, changing, cloning and
//! deleting events, and their replays.

use std::time::{Duration, SystemTime};

use http::Method;
use serde::Serialize;
use url::Url;

use super::call::{
    Api, Call, Route, decode_json, decode_json_fast, event_id, no_answer, non_blank, removal, route, segment,
};
use crate::sequel::error::Error;
use crate::sequel::event::{Event, EventClone, EventFields, EventUpdate, NewEvent, Replay};
use crate::sequel::models::{CompanyId, EmbedUrl, EventId, Viewer};

static EMBED_CODE: Route = route("POST /event/{eventId}/embedCode", Method::POST, true);
static EVENT: Route = route("GET /event/{eventId}", Method::GET, true);
static COMPANY_EVENTS: Route = route("GET /company/{companyId}/events", Method::GET, true);
// Creating or cloning twice makes two events; updating to the same values, or deleting
// again, changes nothing more.
static CREATE_EVENT: Route = route("POST /event/create", Method::POST, false);
static UPDATE_EVENT: Route = route("POST /event/{eventId}", Method::POST, true);
static DELETE_EVENT: Route = removal("DELETE /event/{eventId}", Method::DELETE);
static CLONE_EVENT: Route = route("POST /event/{eventId}/clone", Method::POST, false);
static REPLAYS: Route = route("GET /event/{eventId}/availableReplays", Method::GET, true);

impl Api {
    /// `POST /event/{eventId}/embedCode`: the iframe URL for one viewer. The display name is
    /// sent as both `userDisplayName` (Sequel's API reference) and `userName` (its integration
    /// guide), since the two disagree.
    pub fn embed_url(&self, event: &EventId, viewer: &Viewer) -> Result<Call<EmbedUrl>, Error> {
        let body = EmbedBody::new(viewer)?;
        Ok(self
            .v1(
                &EMBED_CODE,
                &["event", event_id(event)?, "embedCode"],
                decode_embed_url,
            )
            .json(&body))
    }

    /// `GET /event/{eventId}`: the event's details.
    pub fn event(&self, event: &EventId) -> Result<Call<Event>, Error> {
        Ok(self.v1(&EVENT, &["event", event_id(event)?], decode_json))
    }

    /// `GET /company/{companyId}/events`: every event of the company.
    pub fn company_events(&self, company: &CompanyId) -> Result<Call<Vec<Event>>, Error> {
        let company = segment("company id", company.as_str())?;
        Ok(self.v1(&COMPANY_EVENTS, &["company", company, "events"], decode_json_fast))
    }

    /// `POST /event/create`: creates an event; returns it. Not repeated on `5xx`: the first
    /// attempt may have created it.
    pub fn create_event(&self, event: &NewEvent) -> Result<Call<Event>, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            company_id: &'a str,
            #[serde(flatten)]
            fields: &'a EventFields,
        }
        let company_id = segment("company id", event.company.as_str())?;
        checked(&event.fields)?;
        let body = Body {
            company_id,
            fields: &event.fields,
        };
        Ok(self
            .v1(&CREATE_EVENT, &["event", "create"], decode_json)
            .json(&body))
    }

    /// `POST /event/{eventId}`: changes the fields `update` sets, and only those; returns the
    /// event.
    pub fn update_event(&self, event: &EventId, update: &EventUpdate) -> Result<Call<Event>, Error> {
        if update.is_empty() {
            return Err(Error::invalid("event update", "sets nothing to change"));
        }
        checked(&update.fields)?;
        Ok(self
            .v1(&UPDATE_EVENT, &["event", event_id(event)?], decode_json)
            .json(&update.fields))
    }

    /// `DELETE /event/{eventId}`: deletes the event.
    pub fn delete_event(&self, event: &EventId) -> Result<Call<()>, Error> {
        Ok(self.v1(&DELETE_EVENT, &["event", event_id(event)?], no_answer))
    }

    /// `POST /event/{eventId}/clone`: a copy of the event, with what `clone` sets; returns the
    /// copy. Not repeated on `5xx`: the first attempt may have made it.
    pub fn clone_event(&self, event: &EventId, clone: &EventClone) -> Result<Call<Event>, Error> {
        checked(&clone.fields)?;
        Ok(self
            .v1(&CLONE_EVENT, &["event", event_id(event)?, "clone"], decode_json)
            .json(&clone.fields))
    }

    /// `GET /event/{eventId}/availableReplays`: the event's recordings, with URLs signed for
    /// `valid_for` (whole seconds; Sequel's default, an hour, when `None`).
    pub fn available_replays(
        &self,
        event: &EventId,
        valid_for: Option<Duration>,
    ) -> Result<Call<Vec<Replay>>, Error> {
        let mut call = self.v1(
            &REPLAYS,
            &["event", event_id(event)?, "availableReplays"],
            decode_json,
        );
        if let Some(valid_for) = valid_for {
            call.url
                .query_pairs_mut()
                .append_pair("secondsValidFor", &valid_for.as_secs().to_string());
        }
        Ok(call)
    }
}

/// Sequel's `User`: who an embed URL is for, an event's or a networking hub's.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EmbedBody<'a> {
    user_id: &'a str,
    user_display_name: &'a str,
    user_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_avatar: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_specific: Option<bool>,
}

impl<'a> EmbedBody<'a> {
    /// The viewer's body; the display name is sent as both `userDisplayName` (Sequel's API
    /// reference) and `userName` (its integration guide), since the two disagree.
    pub(super) fn new(viewer: &'a Viewer) -> Result<EmbedBody<'a>, Error> {
        Ok(EmbedBody {
            user_id: non_blank("viewer user id", &viewer.user_id)?,
            user_display_name: non_blank("viewer display name", &viewer.display_name)?,
            user_name: &viewer.display_name,
            user_email: viewer.email.as_deref(),
            user_avatar: viewer.avatar_url.as_deref(),
            event_specific: viewer.event_specific,
        })
    }
}

fn checked(fields: &EventFields) -> Result<(), Error> {
    match fields.problem() {
        Some((field, reason)) => Err(Error::invalid(field, reason)),
        None => Ok(()),
    }
}

/// Sequel documents a JSON string; plain text is accepted too.
pub(super) fn decode_embed_url(call: &'static str, body: &[u8], _: SystemTime) -> Result<EmbedUrl, Error> {
    let text = serde_json::from_slice::<String>(body)
        .ok()
        .or_else(|| std::str::from_utf8(body).ok().map(|text| text.trim().to_owned()));
    text.and_then(|text| Url::parse(&text).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .map(EmbedUrl::new)
        .ok_or(Error::UnexpectedBody {
            call,
            reason: "the body is not an http(s) URL",
        })
}
