//! The role endpoints: the event's presenters and organizers, the lists that raise a user to
//! presenter or host when they join.

use http::Method;

use super::call::{Api, Call, Route, decode_json, event_id, non_blank, route, segment};
use crate::sequel::error::Error;
use crate::sequel::models::EventId;

// Adding someone already listed changes nothing, so a repeat is harmless.
static ADD_PRESENTER: Route = route("PUT /event/{eventId}/presenter", Method::PUT, true);
static REMOVE_PRESENTER: Route = route(
    "DELETE /event/{eventId}/presenter/{presenterId}",
    Method::DELETE,
    true,
);
static ADD_ORGANIZER: Route = route("PUT /event/{eventId}/organizer", Method::PUT, true);
static REMOVE_ORGANIZER: Route = route(
    "DELETE /event/{eventId}/organizer/{organizerId}",
    Method::DELETE,
    true,
);

impl Api {
    /// `PUT /event/{eventId}/presenter`: lets a user id or e-mail join as a presenter; returns
    /// the updated list.
    pub fn add_presenter(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.add_to_list(event, StageList::Presenters, user)
    }

    /// `DELETE /event/{eventId}/presenter/{presenterId}`; returns the updated list.
    pub fn remove_presenter(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.remove_from_list(event, StageList::Presenters, user)
    }

    /// `PUT /event/{eventId}/organizer`: lets a user id or e-mail join as a host; returns the
    /// updated list.
    pub fn add_organizer(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.add_to_list(event, StageList::Organizers, user)
    }

    /// `DELETE /event/{eventId}/organizer/{organizerId}`; returns the updated list.
    pub fn remove_organizer(&self, event: &EventId, user: &str) -> Result<Call<Vec<String>>, Error> {
        self.remove_from_list(event, StageList::Organizers, user)
    }

    fn add_to_list(&self, event: &EventId, list: StageList, user: &str) -> Result<Call<Vec<String>>, Error> {
        let user = non_blank(list.field(), user)?;
        let mut body = serde_json::Map::new();
        body.insert(list.field().to_owned(), user.into());
        Ok(self
            .v1(
                list.add(),
                &["event", event_id(event)?, list.field()],
                decode_json,
            )
            .json(&body))
    }

    fn remove_from_list(
        &self,
        event: &EventId,
        list: StageList,
        user: &str,
    ) -> Result<Call<Vec<String>>, Error> {
        let user = segment(list.field(), user)?;
        Ok(self.v1(
            list.remove(),
            &["event", event_id(event)?, list.field(), user],
            decode_json,
        ))
    }
}

/// The event's two lists that raise a user's role when they join.
#[derive(Clone, Copy)]
enum StageList {
    Presenters,
    Organizers,
}

impl StageList {
    /// The path segment and the body field.
    fn field(self) -> &'static str {
        match self {
            StageList::Presenters => "presenter",
            StageList::Organizers => "organizer",
        }
    }

    fn add(self) -> &'static Route {
        match self {
            StageList::Presenters => &ADD_PRESENTER,
            StageList::Organizers => &ADD_ORGANIZER,
        }
    }

    fn remove(self) -> &'static Route {
        match self {
            StageList::Presenters => &REMOVE_PRESENTER,
            StageList::Organizers => &REMOVE_ORGANIZER,
        }
    }
}
