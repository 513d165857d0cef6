//! The look of events: the event customization theme at the platform's, a company's and an
//! event's level, a company's fonts, the suggested palettes, and the public themes.
//!
//! Evidence: the `/customizations/...` paths are in Sequel's API reference under its v1
//! server, like the event and company paths, so they are sent to `{base}/api/v1/...`
//! (**evidenced**, read literally). The two themes are listed as `/v3/...` under that same
//! server, which would give `/api/v1/v3/...`; Sequel's own code calls its public v3 API at
//! `{base}/api/v3/...`, so they are sent there, without the access token, as the reference
//! marks them public (`security: []`): that root is **inferred**, and is the builder's
//! `platform_url`.

use http::Method;
use serde::Deserialize;

use super::call::{Api, Call, Route, decode_json, event_id, no_answer, non_blank, removal, route, segment};
use super::companies::company_id;
use crate::sequel::customization::{CompanyFont, Palette, Theme};
use crate::sequel::error::Error;
use crate::sequel::models::{CompanyId, EventId};

static COMPANY_GET: Route = route(
    "GET /customizations/events/company/{companyId}/all-events",
    Method::GET,
    true,
);
static COMPANY_SET: Route = route(
    "POST /customizations/events/company/{companyId}/all-events",
    Method::POST,
    true,
);
static COMPANY_DELETE: Route = removal(
    "DELETE /customizations/events/company/{companyId}/all-events",
    Method::DELETE,
);
static FONTS: Route = route(
    "GET /customizations/events/company/{companyId}/fonts",
    Method::GET,
    true,
);
// Adding a font of a name the company has replaces its URL, so a repeat changes nothing more.
static ADD_FONT: Route = route(
    "POST /customizations/events/company/{companyId}/fonts",
    Method::POST,
    true,
);
static DELETE_FONT: Route = removal(
    "DELETE /customizations/events/company/{companyId}/fonts/font/{fontId}",
    Method::DELETE,
);
static DEFAULT: Route = route("GET /customizations/events/default", Method::GET, true);
static EVENT_GET: Route = route("GET /customizations/events/event/{eventId}", Method::GET, true);
static EVENT_SET: Route = route("POST /customizations/events/event/{eventId}", Method::POST, true);
static EVENT_DELETE: Route = removal("DELETE /customizations/events/event/{eventId}", Method::DELETE);
static PALETTES: Route = route(
    "GET /customizations/events/suggested-color-pallets",
    Method::GET,
    true,
);
static COMPANY_THEME: Route = route("GET /v3/companies/{companyId}/theme", Method::GET, true);
static EVENT_THEME: Route = route("GET /v3/events/{eventId}/theme", Method::GET, true);

impl Api {
    /// `GET /customizations/events/company/{companyId}/all-events?fullTheme=`: the company's
    /// overrides of the platform's theme, or (`full`) the whole theme its events get.
    pub fn company_customization(&self, company: &CompanyId, full: bool) -> Result<Call<Theme>, Error> {
        Ok(self.overrides(&COMPANY_GET, &company_segments(company)?, full))
    }

    /// `POST /customizations/events/company/{companyId}/all-events`: sets the company's
    /// overrides, for every event without its own.
    pub fn set_company_customization(&self, company: &CompanyId, theme: &Theme) -> Result<Call<()>, Error> {
        self.set_overrides(&COMPANY_SET, &company_segments(company)?, theme)
    }

    /// `DELETE /customizations/events/company/{companyId}/all-events`: drops the company's
    /// overrides; its events fall back to the platform's theme.
    pub fn delete_company_customization(&self, company: &CompanyId) -> Result<Call<()>, Error> {
        Ok(self.v1(&COMPANY_DELETE, &company_segments(company)?, no_answer))
    }

    /// `GET /customizations/events/company/{companyId}/fonts`: the company's fonts.
    pub fn company_fonts(&self, company: &CompanyId) -> Result<Call<Vec<CompanyFont>>, Error> {
        let segments = [
            "customizations",
            "events",
            "company",
            company_id(company)?,
            "fonts",
        ];
        Ok(self.v1(&FONTS, &segments, decode_json))
    }

    /// `POST /customizations/events/company/{companyId}/fonts`: adds a font, or replaces the
    /// URL of the company's font of that name; answers the font's id when Sequel gives it.
    pub fn add_company_font(
        &self,
        company: &CompanyId,
        font: &CompanyFont,
    ) -> Result<Call<Option<String>>, Error> {
        #[derive(Deserialize)]
        struct Added {
            uid: Option<String>,
        }
        non_blank("font font_name", &font.font_name)?;
        non_blank("font font_url", &font.font_url)?;
        let segments = [
            "customizations",
            "events",
            "company",
            company_id(company)?,
            "fonts",
        ];
        let decode = |call, body: &[u8], at| match body.iter().all(u8::is_ascii_whitespace) {
            true => Ok(None),
            false => decode_json::<Added>(call, body, at).map(|added| added.uid),
        };
        // The uid is Sequel's; a client's own copy of the font would not have one to send.
        let mut font = font.clone();
        font.uid = None;
        Ok(self.v1(&ADD_FONT, &segments, decode).json(&font))
    }

    /// `DELETE /customizations/events/company/{companyId}/fonts/font/{fontId}`: removes a font.
    pub fn delete_company_font(&self, company: &CompanyId, font_id: &str) -> Result<Call<()>, Error> {
        let segments = [
            "customizations",
            "events",
            "company",
            company_id(company)?,
            "fonts",
            "font",
            segment("font id", font_id)?,
        ];
        Ok(self.v1(&DELETE_FONT, &segments, no_answer))
    }

    /// `GET /customizations/events/default`: the platform's theme, a starting point for new ones.
    pub fn default_customization(&self) -> Result<Call<Theme>, Error> {
        Ok(self.v1(&DEFAULT, &["customizations", "events", "default"], decode_json))
    }

    /// `GET /customizations/events/event/{eventId}?fullTheme=`: the event's overrides, or
    /// (`full`) the whole theme it gets.
    pub fn event_customization(&self, event: &EventId, full: bool) -> Result<Call<Theme>, Error> {
        Ok(self.overrides(&EVENT_GET, &event_segments(event)?, full))
    }

    /// `POST /customizations/events/event/{eventId}`: sets the event's overrides.
    pub fn set_event_customization(&self, event: &EventId, theme: &Theme) -> Result<Call<()>, Error> {
        self.set_overrides(&EVENT_SET, &event_segments(event)?, theme)
    }

    /// `DELETE /customizations/events/event/{eventId}`: drops the event's overrides; it falls
    /// back to its company's, or the platform's.
    pub fn delete_event_customization(&self, event: &EventId) -> Result<Call<()>, Error> {
        Ok(self.v1(&EVENT_DELETE, &event_segments(event)?, no_answer))
    }

    /// `GET /customizations/events/suggested-color-pallets`: palettes for an editor.
    pub fn suggested_palettes(&self) -> Result<Call<Vec<Palette>>, Error> {
        let segments = ["customizations", "events", "suggested-color-pallets"];
        let decode = |call, body: &[u8], at| {
            let palettes: Vec<Option<Palette>> = decode_json(call, body, at)?;
            Ok(palettes.into_iter().map(Option::unwrap_or_default).collect())
        };
        Ok(self.v1(&PALETTES, &segments, decode))
    }

    /// `GET {platform}/api/v3/companies/{companyId}/theme`: the theme the company's events
    /// get, public (no token is sent).
    pub fn company_theme(&self, company: &CompanyId) -> Result<Call<Theme>, Error> {
        let segments = ["companies", company_id(company)?, "theme"];
        Ok(self.public(&COMPANY_THEME, &segments, decode_json))
    }

    /// `GET {platform}/api/v3/events/{eventId}/theme`: the theme the event gets, public (no
    /// token is sent).
    pub fn event_theme(&self, event: &EventId) -> Result<Call<Theme>, Error> {
        Ok(self.public(&EVENT_THEME, &["events", event_id(event)?, "theme"], decode_json))
    }
}

fn company_segments(company: &CompanyId) -> Result<[&str; 5], Error> {
    Ok([
        "customizations",
        "events",
        "company",
        company_id(company)?,
        "all-events",
    ])
}

fn event_segments(event: &EventId) -> Result<[&str; 4], Error> {
    Ok(["customizations", "events", "event", event_id(event)?])
}

impl Api {
    /// A level's overrides, or (`full`) the whole theme merged at that level.
    fn overrides(&self, route: &Route, segments: &[&str], full: bool) -> Call<Theme> {
        let mut call = self.v1(route, segments, decode_json);
        if full {
            call.url.query_pairs_mut().append_pair("fullTheme", "true");
        }
        call
    }

    /// Sets a level's overrides to `theme`, checked as Sequel requires.
    fn set_overrides(&self, route: &Route, segments: &[&str], theme: &Theme) -> Result<Call<()>, Error> {
        checked(theme)?;
        Ok(self.v1(route, segments, no_answer).json(theme))
    }
}

/// What Sequel requires of a theme it is sent: `name` and `defaultTheme`, and two or three
/// brand colours when there are any.
fn checked(theme: &Theme) -> Result<(), Error> {
    match &theme.name {
        Some(name) => non_blank("theme name", name)?,
        None => {
            return Err(Error::invalid(
                "theme name",
                "must be set: Sequel requires it (see `Theme::new`)",
            ));
        }
    };
    if theme.default_theme.is_none() {
        return Err(Error::invalid(
            "theme default_theme",
            "must be set: Sequel requires it (see `Theme::new`)",
        ));
    }
    if let Some(colors) = &theme.brand_colors
        && !(2..=3).contains(&colors.len())
    {
        return Err(Error::invalid(
            "theme brand_colors",
            "must hold two or three colours",
        ));
    }
    Ok(())
}
