//! Simulive and media: playing a recorded video as an event's live stream, and Sequel's
//! media assets.
//!
//! Evidence: Sequel's API reference lists these as `/api/client/...` and `/api/media/...`
//! under its v1 server, which joined literally gives `/api/v1/api/...`, a path nothing else
//! suggests. They are sent to `{platform}/api/client/...` and `{platform}/api/media/...`,
//! the platform root being the API host unless the builder's `platform_url` says otherwise:
//! **inferred**, as Sequel's analytics paths (`/api/analytics/...`) turned out to live at a
//! host root. The media operations are documented with no parameters and no answer, so their
//! answer is kept as JSON.

use std::time::SystemTime;

use http::Method;
use serde::Serialize;
use serde_json::Value;

use super::call::{Api, Call, Route, decode_json, event_id, no_answer, removal, route};
use crate::sequel::error::Error;
use crate::sequel::models::EventId;

static SET_SIMULIVE: Route = route("PUT /client/setEventSimuliveUrl", Method::PUT, true);
static REMOVE_SIMULIVE: Route = removal("PUT /client/removeEventSimulive", Method::PUT);
// Named for making something, so not repeated on `5xx` although they are GETs.
static CREATE_ASSET: Route = route("GET /media/create-asset", Method::GET, false);
static UPLOAD_ASSET: Route = route("GET /media/upload-asset", Method::GET, false);

impl Api {
    /// `PUT {platform}/api/client/setEventSimuliveUrl`: plays the video at `video_url` as the
    /// event's stream; the event goes live by itself at its start. Sequel must reach the URL
    /// without a login, so it must be a public `https://` (or `http://`) URL.
    pub fn set_simulive(&self, event: &EventId, video_url: &str) -> Result<Call<()>, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            event_id: &'a str,
            url: &'a str,
        }
        let url = url::Url::parse(video_url.trim())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
            .ok_or(Error::invalid(
                "simulive video url",
                "must be an absolute http(s) URL",
            ))?;
        let body = Body {
            event_id: event_id(event)?,
            url: url.as_str(),
        };
        Ok(self
            .platform(&SET_SIMULIVE, &["client", "setEventSimuliveUrl"], no_answer)
            .json(&body))
    }

    /// `PUT {platform}/api/client/removeEventSimulive`: stops playing a video as the event's
    /// stream.
    pub fn remove_simulive(&self, event: &EventId) -> Result<Call<()>, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            event_id: &'a str,
        }
        let body = Body {
            event_id: event_id(event)?,
        };
        Ok(self
            .platform(&REMOVE_SIMULIVE, &["client", "removeEventSimulive"], no_answer)
            .json(&body))
    }

    /// `GET {platform}/api/media/create-asset`: undocumented beyond its path; the answer is
    /// kept as JSON (`null` for none). Not repeated on `5xx`.
    pub fn create_media_asset(&self) -> Result<Call<Value>, Error> {
        Ok(self.platform(&CREATE_ASSET, &["media", "create-asset"], decode_any))
    }

    /// `GET {platform}/api/media/upload-asset`: undocumented beyond its path; the answer is
    /// kept as JSON (`null` for none). Not repeated on `5xx`.
    pub fn upload_media_asset(&self) -> Result<Call<Value>, Error> {
        Ok(self.platform(&UPLOAD_ASSET, &["media", "upload-asset"], decode_any))
    }
}

/// An answer Sequel does not document: any JSON, or nothing.
fn decode_any(call: &'static str, body: &[u8], at: SystemTime) -> Result<Value, Error> {
    match body.iter().all(u8::is_ascii_whitespace) {
        true => Ok(Value::Null),
        false => decode_json(call, body, at),
    }
}
