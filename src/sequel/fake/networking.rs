//! The fake's networking hubs: each with its fields, registrants, participants, the
//! invitations sent between them, their profiles, its chat channels and its circle
//! recordings, answering as Sequel's reference documents (tag `networking`).

use std::collections::HashMap;
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::records::{Hub, Roster};
use super::reply::Reply;
use super::state::{Place, State, only_keys, text};

impl Hub {
    fn new(id: &str, fields: Map<String, Value>) -> Hub {
        let chat = [format!("{id}-chat"), format!("{id}-presenters-chat")]
            .into_iter()
            .map(|channel| (channel, Vec::new()))
            .collect();
        Hub {
            fields,
            roster: Roster::default(),
            participants: Vec::new(),
            invitations: Vec::new(),
            profiles: HashMap::new(),
            chat,
            recordings: HashMap::new(),
        }
    }

    fn json(&self, id: &str) -> Value {
        let mut json = self.fields.clone();
        json.insert("uid".to_owned(), id.into());
        Value::Object(json)
    }

    pub(super) fn company(&self) -> Option<&str> {
        self.fields.get("company").and_then(Value::as_str)
    }

    fn is_participant(&self, user_id: &str) -> bool {
        self.participants
            .iter()
            .any(|p| p["meta"]["userId"].as_str() == Some(user_id))
    }
}

impl State {
    /// Adds a hub of `company` with one room, and returns its id.
    pub(super) fn add_hub(&mut self, name: &str, company: &str) -> String {
        let id = self.uuid();
        let fields = json!({
            "friendlyName": name,
            "company": company,
            "organizers": [],
            "networkingHubRooms": [{"name": "Lounge", "maxSlots": 8}],
        });
        let hub = Hub::new(&id, fields.as_object().cloned().unwrap_or_default());
        self.hubs.insert(id.clone(), hub);
        id
    }

    /// Someone enters the hub, as its page would report them.
    pub(super) fn join_hub(&mut self, hub: &str, user_id: &str, name: &str, email: &str) -> bool {
        let when = super::records::unix_now();
        let Some(hub) = self.hubs.get_mut(hub) else {
            return false;
        };
        hub.participants
            .retain(|p| p["meta"]["userId"].as_str() != Some(user_id));
        hub.participants.push(json!({
            "meta": {"userId": user_id, "username": name, "email": email, "avatar": format!("https://www.gravatar.com/avatar/{}", email.len())},
            "when": when,
        }));
        true
    }

    /// A message in one of the hub's channels; a circle's channel is made by its first one.
    pub(super) fn say_in_hub(&mut self, hub: &str, channel: &str, text: &str) -> bool {
        let Some(hub) = self.hubs.get_mut(hub) else {
            return false;
        };
        hub.chat
            .entry(channel.to_owned())
            .or_default()
            .push((text.to_owned(), false));
        true
    }

    /// A recording of one of the hub's circles; its id.
    pub(super) fn record_circle(&mut self, hub: &str, circle: &str, name: &str) -> Option<String> {
        let id = self.uuid();
        let hub = self.hubs.get_mut(hub)?;
        hub.recordings
            .insert((circle.to_owned(), id.clone()), name.to_owned());
        Some(id)
    }

    /// `/api/v1/networking/...`.
    pub(super) fn networking(&mut self, method: &Method, route: &[&str], body: &Value) -> Reply {
        match (method, route) {
            (&Method::POST, []) => self.create_hub(body),
            (_, [id, rest @ ..]) => {
                if !self.hubs.contains_key(*id) {
                    // Sequel's reference words it per operation; none has a body.
                    return Reply::empty(StatusCode::NOT_FOUND);
                }
                self.hub_route(method, id, rest, body)
            }
            _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
        }
    }

    /// `NetworkingHubCreate`: `friendlyName`, `organizers` and `networkingHubRooms` required.
    fn create_hub(&mut self, body: &Value) -> Reply {
        let Some(fields) = hub_fields(body, &["friendlyName", "organizers", "networkingHubRooms"]) else {
            return Reply::empty(StatusCode::BAD_REQUEST);
        };
        let company = fields
            .get("company")
            .and_then(Value::as_str)
            .unwrap_or(&self.company_id)
            .to_owned();
        if !self.companies.contains_key(&company) {
            return Reply::empty(StatusCode::NOT_FOUND);
        }
        let id = self.uuid();
        let mut fields = fields;
        fields.insert("company".to_owned(), company.into());
        self.hubs.insert(id.clone(), Hub::new(&id, fields.clone()));
        // Sequel answers the `NetworkingHubCreate` it stored, which has no `uid`; the fake
        // adds it, as the schema leaves room for.
        fields.insert("uid".to_owned(), id.into());
        Reply::json(StatusCode::OK, &Value::Object(fields))
    }

    fn hub_route(&mut self, method: &Method, id: &str, route: &[&str], body: &Value) -> Reply {
        match (method, route) {
            (&Method::GET, []) => Reply::json(StatusCode::OK, &self.hubs[id].json(id)),
            (&Method::POST, []) => {
                // A whole `NetworkingHub`, whose `uid` must be this hub's.
                let fields = hub_fields(body, &["uid", "friendlyName", "organizers", "networkingHubRooms"]);
                let (Some(mut fields), true) = (fields, text(body, "uid") == Some(id)) else {
                    return Reply::empty(StatusCode::NOT_FOUND); // "Invalid input", sic
                };
                fields.remove("uid");
                let hub = self.hubs.get_mut(id).expect("checked by the caller");
                hub.fields = fields;
                Reply::json(StatusCode::OK, &hub.json(id))
            }
            (&Method::POST, ["embedCode"]) => self.embed(Place::Hub, id, body),
            (&Method::POST, ["registrant"]) => self.register(Place::Hub, id, body),
            (&Method::DELETE, ["registrant"]) => self.unregister(Place::Hub, id, body),
            (&Method::GET, ["participantsList"]) => {
                Reply::json(StatusCode::OK, &Value::Array(self.hubs[id].participants.clone()))
            }
            (&Method::POST, ["inviteUser"]) => {
                let (Some(from), Some(to), true) = (
                    text(body, "userId"),
                    text(body, "invitedUserId"),
                    only_keys(body, &["userId", "invitedUserId"]),
                ) else {
                    return Reply::json(StatusCode::BAD_REQUEST, &json!({"error": "Invalid parameters"}));
                };
                let hub = self.hubs.get_mut(id).expect("checked by the caller");
                if from == to || !hub.is_participant(from) || !hub.is_participant(to) {
                    return Reply::json(
                        StatusCode::BAD_REQUEST,
                        &json!({"error": "Both users must be in the networking hub"}),
                    );
                }
                hub.invitations.push((from.to_owned(), to.to_owned()));
                Reply::json(StatusCode::OK, &json!(true))
            }
            (&Method::POST, ["setUserProfile"]) => {
                let profile = body.get("userProfile").filter(|p| p.is_object());
                let (Some(user), Some(profile), true) = (
                    text(body, "userId"),
                    profile,
                    only_keys(body, &["userId", "userProfile"]),
                ) else {
                    return Reply::empty(StatusCode::BAD_REQUEST);
                };
                let hub = self.hubs.get_mut(id).expect("checked by the caller");
                let known = hub.is_participant(user);
                if known {
                    hub.profiles.insert(user.to_owned(), profile.clone());
                }
                Reply::json(StatusCode::OK, &json!(known))
            }
            (&Method::POST, ["clearChat"]) => self.clear_chat(id, body),
            (&Method::GET, ["circle", circle, "recording", recording]) => {
                let key = ((*circle).to_owned(), (*recording).to_owned());
                if !self.hubs[id].recordings.contains_key(&key) {
                    return Reply::empty(StatusCode::NOT_FOUND);
                }
                let lifetime = Duration::from_secs(3600);
                let token = self.sign(
                    json!({"sub": "recording", "hubId": id, "recording": recording}),
                    lifetime,
                );
                let expires = time::OffsetDateTime::now_utc() + lifetime;
                let expires = expires
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                Reply::json(
                    StatusCode::OK,
                    &json!({
                        "downloadUrl": format!("https://recordings.sequel.io/{id}/{circle}/{recording}.mp4?authKey={token}"),
                        "expiresOn": expires,
                    }),
                )
            }
            _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
        }
    }

    /// `clearChat`: the channels named, or all; hidden, or (`hard`) deleted.
    fn clear_chat(&mut self, id: &str, body: &Value) -> Reply {
        let body = if body.is_null() { &json!({}) } else { body };
        let channels = match body.get("channels") {
            None => None,
            Some(Value::Array(names)) if names.iter().all(Value::is_string) => Some(
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
            ),
            Some(_) => return Reply::empty(StatusCode::BAD_REQUEST),
        };
        let hard = match body.get("hard") {
            None => false,
            Some(Value::Bool(hard)) => *hard,
            Some(_) => return Reply::empty(StatusCode::BAD_REQUEST),
        };
        if !only_keys(body, &["channels", "hard"]) {
            return Reply::empty(StatusCode::BAD_REQUEST);
        }
        let hub = self.hubs.get_mut(id).expect("checked by the caller");
        let mut names = channels.unwrap_or_else(|| hub.chat.keys().cloned().collect());
        names.sort();
        let results: Vec<Value> = names
            .into_iter()
            .map(|channel| {
                let success = match hub.chat.get_mut(&channel) {
                    Some(messages) if hard => {
                        messages.clear();
                        true
                    }
                    Some(messages) => {
                        messages.iter_mut().for_each(|(_, hidden)| *hidden = true);
                        true
                    }
                    None => false,
                };
                json!({"channel": channel, "success": success})
            })
            .collect();
        Reply::json(StatusCode::OK, &Value::Array(results))
    }
}

/// A `NetworkingHub` or `NetworkingHubCreate` body, checked as Sequel's schema types it:
/// `required` there, nothing outside the schema.
fn hub_fields(body: &Value, required: &[&str]) -> Option<Map<String, Value>> {
    let body = body.as_object()?;
    if required.iter().any(|field| !body.contains_key(*field)) {
        return None;
    }
    let room = |room: &Value| {
        room.as_object().is_some_and(|room| {
            room.iter().all(|(key, value)| match key.as_str() {
                "name" => value.is_string(),
                "maxSlots" => value.is_number(),
                _ => false,
            })
        })
    };
    let valid = body.iter().all(|(key, value)| match key.as_str() {
        "uid" | "company" => value.is_string(),
        "friendlyName" => value.as_str().is_some_and(|name| !name.trim().is_empty()),
        "organizers" => {
            value.is_null()
                || value
                    .as_array()
                    .is_some_and(|ids| ids.iter().all(Value::is_string))
        }
        "networkingHubRooms" => value.as_array().is_some_and(|rooms| rooms.iter().all(room)),
        "whitelabel" => value.as_object().is_some_and(|options| {
            options.iter().all(|(key, value)| {
                matches!(
                    key.as_str(),
                    "hidePagination" | "hideChat" | "hideRandomUserMingle"
                ) && value.is_boolean()
            })
        }),
        _ => false,
    });
    valid.then(|| body.clone())
}
