//! The fake's company tree: each company's name, logo, parent and metadata, answering as
//! Sequel's reference documents (tag `company`). A company's events and circle recordings are
//! read from the events and hubs that name it.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::records::Company;
use super::reply::Reply;
use super::state::{State, only_keys, text};

impl Company {
    pub(super) fn named(name: &str, parent: Option<&str>) -> Company {
        Company {
            name: name.to_owned(),
            logo: "https://cdn.sequel.io/logo.png".to_owned(),
            parent: parent.map(str::to_owned),
            metadata: serde_json::Map::new(),
        }
    }
}

impl State {
    fn company_json(&self, id: &str) -> Value {
        let company = &self.companies[id];
        let mut events: Vec<&String> = self
            .events
            .iter()
            .filter(|(_, event)| event.company_id == id)
            .map(|(event_id, _)| event_id)
            .collect();
        events.sort();
        json!({
            "uid": id,
            "name": company.name,
            "logo": company.logo,
            "parentCompanyId": company.parent,
            "eventIds": events,
            "metadata": company.metadata,
        })
    }

    /// `/api/v1/company/{companyId}/...`, but for its events (`events.rs` of the model).
    pub(super) fn company_route(&mut self, method: &Method, id: &str, route: &[&str], body: &Value) -> Reply {
        if !self.companies.contains_key(id) {
            // Documented without a body ("company not found", "Company not found").
            return Reply::empty(StatusCode::NOT_FOUND);
        }
        match (method, route) {
            (&Method::GET, []) => Reply::json(StatusCode::OK, &self.company_json(id)),
            (&Method::POST, []) => {
                // `CompanyUpdate`: an optional name and logo.
                let valid = only_keys(body, &["name", "logo"])
                    && body
                        .as_object()
                        .is_some_and(|fields| fields.keys().all(|key| text(body, key).is_some()));
                if !valid {
                    return Reply::empty(StatusCode::NOT_FOUND); // "Invalid input", sic
                }
                let company = self.companies.get_mut(id).expect("checked above");
                if let Some(name) = text(body, "name") {
                    company.name = name.to_owned();
                }
                if let Some(logo) = text(body, "logo") {
                    company.logo = logo.to_owned();
                }
                Reply::json(StatusCode::OK, &self.company_json(id))
            }
            (&Method::POST, ["create"]) => {
                // `CompanyCreate`: name, logo and metadata, all required.
                let metadata = body.get("metadata").and_then(metadata);
                let (Some(name), Some(logo), Some(metadata), true) = (
                    text(body, "name"),
                    text(body, "logo"),
                    metadata,
                    only_keys(body, &["name", "logo", "metadata"]),
                ) else {
                    return Reply::empty(StatusCode::BAD_REQUEST);
                };
                let mut child = Company::named(name, Some(id));
                child.logo = logo.to_owned();
                child.metadata = metadata;
                let child_id = self.uuid();
                self.companies.insert(child_id.clone(), child);
                Reply::json(StatusCode::OK, &self.company_json(&child_id))
            }
            (&Method::GET, ["list"]) => {
                let mut children: Vec<&String> = self
                    .companies
                    .iter()
                    .filter(|(_, company)| company.parent.as_deref() == Some(id))
                    .map(|(child, _)| child)
                    .collect();
                children.sort();
                let list: Vec<Value> = children
                    .into_iter()
                    .map(|child| self.company_json(child))
                    .collect();
                Reply::json(StatusCode::OK, &Value::Array(list))
            }
            (&Method::POST, ["metadata"]) => {
                // Sets the keys sent; the others stay.
                let Some(update) = metadata(body) else {
                    return Reply::empty(StatusCode::BAD_REQUEST);
                };
                let company = self.companies.get_mut(id).expect("checked above");
                company.metadata.extend(update);
                Reply::json(StatusCode::OK, &Value::Object(company.metadata.clone()))
            }
            (&Method::GET, ["circleRecordings"]) => {
                let mut recordings: Vec<Value> = Vec::new();
                for (hub_id, hub) in self.hubs.iter().filter(|(_, hub)| hub.company() == Some(id)) {
                    for ((circle, recording), name) in &hub.recordings {
                        let url = format!("https://recordings.sequel.io/{hub_id}/{circle}/{recording}");
                        recordings.push(json!({
                            "id": recording,
                            "name": name,
                            "url": url,
                            "downloadVideoUrl": format!("{url}.mp4"),
                        }));
                    }
                }
                recordings.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
                Reply::json(StatusCode::OK, &Value::Array(recordings))
            }
            _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
        }
    }
}

/// Sequel's `Metadata`: every value a list of `{ "value": string }` and nothing else.
fn metadata(body: &Value) -> Option<serde_json::Map<String, Value>> {
    let fields = body.as_object()?;
    let entry = |item: &Value| item.get("value").is_some_and(Value::is_string) && only_keys(item, &["value"]);
    fields
        .values()
        .all(|values| values.as_array().is_some_and(|items| items.iter().all(entry)))
        .then(|| fields.clone())
}
