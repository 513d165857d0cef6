//! The fake's event customizations: the platform's default theme, each company's and each
//! event's overrides, each company's fonts, the suggested palettes, and the public themes
//! that merge them, answering as Sequel's reference documents.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::reply::Reply;
use super::state::{Query, State, only_keys, text};

/// The top-level parts of Sequel's `IntrovokeEventTheme`; it allows nothing else.
const THEME_PARTS: &[&str] = &[
    "name",
    "defaultTheme",
    "brandColors",
    "fonts",
    "virtualStage",
    "networkingHub",
    "warningNotices",
    "chat",
    "participantList",
    "qna",
    "polls",
    "privateMessages",
    "poweredByIntrovokeLabel",
    "chatReactions",
    "liveReactions",
    "emailSettings",
];

/// The platform's theme, the bottom layer of every event's.
pub(super) fn default_theme() -> Value {
    json!({
        "name": "Sequel",
        "defaultTheme": true,
        "brandColors": ["#1b1b1f", "#5a5ae6", "#f5f5f7"],
        "fonts": [{"fontName": "Inter", "fontUrl": "https://fonts.sequel.io/inter.woff2", "isPrimary": true}],
        "virtualStage": {
            "background": {"backgroundColor": "#1b1b1f", "imageUrl": null, "textColor": "#ffffff"},
            "watermark": {"backgroundColor": null, "imageUrl": null, "textColor": null},
            "countdown": {"textColor": "#ffffff"},
            "presenter": {"glowColor": "#5a5ae6"}
        },
        "networkingHub": {
            "circleGraphics": {"backgroundColor": "#5a5ae6", "imageUrl": null, "textColor": "#ffffff"},
            "returnToStage": {"backgroundColor": "#1b1b1f", "imageUrl": null, "textColor": "#ffffff"}
        },
        "warningNotices": {"buttonColor": "#e65a5a"},
        "chat": {"enabled": true, "colors": ["#5a5ae6", null], "badge": {"backgroundColor": "#5a5ae6", "imageUrl": null, "textColor": "#ffffff"}},
        "participantList": {"showTabFor": 2, "showCountFor": 2},
        "qna": {"enabled": true},
        "polls": {"enabled": true},
        "privateMessages": {"enabled": true},
        "poweredByIntrovokeLabel": {"enabled": true},
        "chatReactions": {"enabled": true, "reactions": [{"reaction": "clap", "image": "https://cdn.sequel.io/clap.png", "label": null}]},
        "liveReactions": {"enabled": false, "reactions": null}
    })
}

impl State {
    /// `/api/v1/customizations/...`.
    pub(super) fn customizations(
        &mut self,
        method: &Method,
        route: &[&str],
        query: Option<&str>,
        body: &Value,
    ) -> Reply {
        let full = Query::parse(query).get("fullTheme") == Some("true");
        match (method, route) {
            (&Method::GET, ["events", "default"]) => Reply::json(StatusCode::OK, &default_theme()),
            (&Method::GET, ["events", "suggested-color-pallets"]) => Reply::json(
                StatusCode::OK,
                &json!([
                    ["#1b1b1f", "#5a5ae6", "#f5f5f7"],
                    ["#101820", "#f2aa4c"],
                    ["#00539c", "#eea47f", null]
                ]),
            ),
            (_, ["events", "company", company, rest @ ..]) => {
                if !self.companies.contains_key(*company) {
                    return Reply::empty(StatusCode::NOT_FOUND);
                }
                let company = (*company).to_owned();
                match (method, rest) {
                    (&Method::GET, ["all-events"]) => {
                        let theme = match full {
                            true => self.theme_of(Some(&company), None),
                            false => self
                                .overrides(self.company_themes.get(&company), &self.companies[&company].name),
                        };
                        Reply::json(StatusCode::OK, &theme)
                    }
                    (&Method::POST, ["all-events"]) => match theme(body) {
                        Some(theme) => {
                            self.company_themes.insert(company, theme);
                            Reply::empty(StatusCode::ACCEPTED)
                        }
                        None => Reply::empty(StatusCode::BAD_REQUEST),
                    },
                    (&Method::DELETE, ["all-events"]) => {
                        self.company_themes.remove(&company);
                        Reply::empty(StatusCode::OK)
                    }
                    (&Method::GET, ["fonts"]) => Reply::json(
                        StatusCode::OK,
                        &Value::Array(self.company_fonts.get(&company).cloned().unwrap_or_default()),
                    ),
                    (&Method::POST, ["fonts"]) => self.add_font(&company, body),
                    (&Method::DELETE, ["fonts", "font", font]) => {
                        let fonts = self.company_fonts.entry(company).or_default();
                        let before = fonts.len();
                        fonts.retain(|f| f["uid"].as_str() != Some(*font));
                        match fonts.len() < before {
                            true => Reply::empty(StatusCode::OK),
                            false => Reply::empty(StatusCode::NOT_FOUND),
                        }
                    }
                    _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
                }
            }
            (_, ["events", "event", event]) => {
                if !self.events.contains_key(*event) {
                    return Reply::empty(StatusCode::NOT_FOUND);
                }
                let event = (*event).to_owned();
                match *method {
                    Method::GET => {
                        let theme = match full {
                            true => {
                                let company = self.events[&event].company_id.clone();
                                self.theme_of(Some(&company), Some(&event))
                            }
                            false => {
                                let name = self.events[&event].fields["name"].as_str().unwrap_or_default();
                                self.overrides(self.event_themes.get(&event), name)
                            }
                        };
                        Reply::json(StatusCode::OK, &theme)
                    }
                    Method::POST => match theme(body) {
                        Some(theme) => {
                            self.event_themes.insert(event, theme);
                            Reply::empty(StatusCode::ACCEPTED)
                        }
                        None => Reply::empty(StatusCode::BAD_REQUEST),
                    },
                    Method::DELETE => {
                        self.event_themes.remove(&event);
                        Reply::empty(StatusCode::OK)
                    }
                    _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
                }
            }
            _ => Reply::text(StatusCode::NOT_FOUND, "Not found"),
        }
    }

    /// `CompanyFontInfo`: a font of the name already there replaces its URL.
    fn add_font(&mut self, company: &str, body: &Value) -> Reply {
        let (Some(name), Some(url), Some(managed), true) = (
            text(body, "fontName"),
            text(body, "fontUrl"),
            body.get("isIntrovokeManaged").and_then(Value::as_bool),
            only_keys(body, &["uid", "fontName", "fontUrl", "isIntrovokeManaged"]),
        ) else {
            return Reply::empty(StatusCode::BAD_REQUEST);
        };
        let uid = self.uuid();
        let fonts = self.company_fonts.entry(company.to_owned()).or_default();
        let uid = match fonts.iter_mut().find(|f| f["fontName"].as_str() == Some(name)) {
            Some(font) => {
                font["fontUrl"] = url.into();
                font["uid"].as_str().unwrap_or_default().to_owned()
            }
            None => {
                fonts.push(
                    json!({"uid": uid, "fontName": name, "fontUrl": url, "isIntrovokeManaged": managed}),
                );
                uid
            }
        };
        Reply::json(StatusCode::ACCEPTED, &json!({"uid": uid}))
    }

    /// A level's overrides; with none set, an empty theme named for the company or event
    /// (the schema requires `name` and `defaultTheme`, and Sequel does not say what it answers).
    fn overrides(&self, set: Option<&Value>, name: &str) -> Value {
        set.cloned()
            .unwrap_or_else(|| json!({"name": name, "defaultTheme": false}))
    }

    /// The theme an event (or, without one, every event of a company) gets: the platform's,
    /// then the company's overrides, then the event's.
    pub(super) fn theme_of(&self, company: Option<&str>, event: Option<&str>) -> Value {
        let mut theme = default_theme();
        let layers = [
            company.and_then(|company| self.company_themes.get(company)),
            event.and_then(|event| self.event_themes.get(event)),
        ];
        for layer in layers.into_iter().flatten() {
            merge(&mut theme, layer);
        }
        theme
    }

    /// `/api/v3/...`: Sequel's public API, here its two themes.
    pub(super) fn public(&self, route: &[&str]) -> Reply {
        match route {
            ["companies", company, "theme"] if self.companies.contains_key(*company) => {
                Reply::json(StatusCode::OK, &self.theme_of(Some(company), None))
            }
            ["events", event, "theme"] => match self.events.get(*event) {
                Some(found) => Reply::json(
                    StatusCode::OK,
                    &self.theme_of(Some(&found.company_id), Some(event)),
                ),
                None => Reply::empty(StatusCode::NOT_FOUND),
            },
            _ => Reply::empty(StatusCode::NOT_FOUND),
        }
    }
}

/// An `IntrovokeEventTheme` as Sequel's schema types its top level: `name` and `defaultTheme`
/// required, two or three brand colours, each part an object (or `null` where allowed), and
/// nothing else.
fn theme(body: &Value) -> Option<Value> {
    let fields = body.as_object()?;
    let valid = fields.get("name").is_some_and(Value::is_string)
        && fields.get("defaultTheme").is_some_and(Value::is_boolean)
        && only_keys(body, THEME_PARTS)
        && fields.iter().all(|(key, value)| match key.as_str() {
            "name" => value.is_string(),
            "defaultTheme" => value.is_boolean(),
            "brandColors" => value
                .as_array()
                .is_some_and(|colors| (2..=3).contains(&colors.len()) && colors.iter().all(Value::is_string)),
            "fonts" => value.is_null() || value.is_array(),
            _ => value.is_object() || value.is_null(),
        });
    valid.then(|| body.clone())
}

/// `layer` over `base`: objects merge key by key, anything else replaces.
fn merge(base: &mut Value, layer: &Value) {
    match (base, layer) {
        (Value::Object(base), Value::Object(layer)) => {
            for (key, value) in layer {
                merge(base.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (base, layer) => *base = layer.clone(),
    }
}
