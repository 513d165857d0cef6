//! The fake's simulive and media: `/api/client/...` and `/api/media/...`, the operations
//! Sequel's reference lists outside its v1 prefix, served at the fake's root as the crate's
//! platform root expects them.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::reply::Reply;
use super::state::{State, only_keys};

impl State {
    pub(super) fn platform(&mut self, method: &Method, area: &str, route: &[&str], body: &[u8]) -> Reply {
        let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        // Sequel documents `{}` for both the `200` and the `400` of the simulive calls.
        let refused = || Reply::json(StatusCode::BAD_REQUEST, &json!({}));
        match (method, area, route) {
            (&Method::PUT, "client", ["setEventSimuliveUrl"]) => {
                let event = body.get("eventId").and_then(Value::as_str);
                let url = body
                    .get("url")
                    .and_then(Value::as_str)
                    .and_then(|url| url::Url::parse(url).ok())
                    .filter(|url| matches!(url.scheme(), "http" | "https"));
                let (Some(event), Some(url), true) = (event, url, only_keys(&body, &["eventId", "url"]))
                else {
                    return refused();
                };
                let Some(found) = self.events.get_mut(event) else {
                    return refused();
                };
                found.fields.insert("isSimuliveEnabled".to_owned(), true.into());
                self.simulive.insert(event.to_owned(), url.into());
                Reply::json(StatusCode::OK, &json!({}))
            }
            (&Method::PUT, "client", ["removeEventSimulive"]) => {
                let event = body.get("eventId").and_then(Value::as_str);
                let (Some(event), true) = (event, only_keys(&body, &["eventId"])) else {
                    return refused();
                };
                let Some(found) = self.events.get_mut(event) else {
                    return refused();
                };
                found.fields.insert("isSimuliveEnabled".to_owned(), false.into());
                self.simulive.remove(event);
                Reply::json(StatusCode::OK, &json!({}))
            }
            // Documented as a `200` with no body, and nothing more.
            (&Method::GET, "media", ["create-asset" | "upload-asset"]) => Reply::empty(StatusCode::OK),
            _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
        }
    }
}
