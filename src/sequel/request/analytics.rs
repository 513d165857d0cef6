//! The analytics endpoints, on Sequel's analytics host rather than its API host.
//!
//! Evidence: `POST /api/analytics/events/{eventId}/user-activity` on
//! `https://analytics.introvoke.com` is evidenced by real use, with `count` and `page`.
//! The top-participants and video-views paths are from Sequel's API reference, which gives no
//! host for them: that they live on the same analytics host is **inferred**. The root is
//! [`Api::with_analytics_url`] (the builder's `analytics_url`), so a correction is a setting.

use http::Method;
use time::format_description::well_known::Iso8601;

use super::call::{Api, Call, CallKind, Decoder, Route, decode_json, event_id, join, route};
use crate::sequel::analytics::{ActivityPage, TopParticipants, TopParticipantsQuery, VideoViews};
use crate::sequel::error::Error;
use crate::sequel::models::EventId;

/// The page size [`ActivityPages`] asks for unless told otherwise: the one Sequel's own
/// integration uses.
const DEFAULT_PAGE_SIZE: u32 = 100;

// All three only read, so a repeat is harmless, POST and all.
static USER_ACTIVITY: Route = route(
    "POST /analytics/events/{eventId}/user-activity",
    Method::POST,
    true,
);
static TOP_PARTICIPANTS: Route = route(
    "GET /analytics/user-engagement/events/{eventId}/top-participants",
    Method::GET,
    true,
);
static VIDEO_VIEWS: Route = route(
    "GET /analytics/getVideoWatchOverTime/{eventId}",
    Method::GET,
    true,
);

impl Api {
    /// `POST {analytics}/api/analytics/events/{eventId}/user-activity?count=&page=`: page
    /// `page` (from 1) of each attendee's activity, `count` to a page. No body is sent. To read
    /// every page, see [`ActivityPages`].
    pub fn user_activity(&self, event: &EventId, page: u32, count: u32) -> Result<Call<ActivityPage>, Error> {
        if page == 0 {
            return Err(Error::invalid("page", "counts from 1"));
        }
        if count == 0 {
            return Err(Error::invalid("count", "must be at least 1"));
        }
        let mut call = self.analytics(
            &USER_ACTIVITY,
            &["events", event_id(event)?, "user-activity"],
            decode_json,
        );
        call.url
            .query_pairs_mut()
            .append_pair("count", &count.to_string())
            .append_pair("page", &page.to_string());
        Ok(call)
    }

    /// `GET {analytics}/api/analytics/user-engagement/events/{eventId}/top-participants`: the
    /// most engaged participants and their engaged minutes.
    pub fn top_participants(
        &self,
        event: &EventId,
        query: &TopParticipantsQuery,
    ) -> Result<Call<TopParticipants>, Error> {
        let mut call = self.analytics(
            &TOP_PARTICIPANTS,
            &["user-engagement", "events", event_id(event)?, "top-participants"],
            decode_json,
        );
        let day = |date: time::Date| date.format(&Iso8601::DATE).unwrap_or_default();
        let mut pairs = call.url.query_pairs_mut();
        if let Some(limit) = query.limit {
            pairs.append_pair("limit", &limit.to_string());
        }
        if let Some(start) = query.start_date {
            pairs.append_pair("startDate", &day(start));
        }
        if let Some(end) = query.end_date {
            pairs.append_pair("endDate", &day(end));
        }
        if let Some(engagement) = query.engagement {
            pairs.append_pair("engagementType", engagement.as_str());
        }
        drop(pairs);
        if call.url.query() == Some("") {
            call.url.set_query(None);
        }
        Ok(call)
    }

    /// `GET {analytics}/api/analytics/getVideoWatchOverTime/{eventId}`: the live video's peak
    /// viewers per minute. An unknown event is a `404` in plain text ([`Error::is_not_found`]).
    pub fn video_views(&self, event: &EventId) -> Result<Call<VideoViews>, Error> {
        Ok(self.analytics(
            &VIDEO_VIEWS,
            &["getVideoWatchOverTime", event_id(event)?],
            decode_json,
        ))
    }

    /// A call to `{analytics}/api/analytics/{segments}`, with the access token.
    fn analytics<T>(&self, route: &Route, segments: &[&str], decode: Decoder<T>) -> Call<T> {
        let url = join(&self.analytics_root, ["api", "analytics"].iter().chain(segments));
        Call::new(route, url, CallKind::V1, decode)
    }
}

/// Reads every page of an event's user activity, by Sequel's rule: from page 1 until a page
/// is empty or shorter than asked for (or the pages read reach `totalCount`). No I/O: each
/// client's stream of pages follows it, and so can another transport.
///
/// ```
/// use event_sso::sequel::request::{ActivityPages, Api};
/// use event_sso::sequel::{ActivityPage, EventId};
///
/// let api = Api::new("https://api.introvoke.com")?;
/// let mut pages = ActivityPages::new(EventId::new("6f1c"));
/// while let Some(call) = pages.next_call(&api) {
///     let call = call?;
///     # let page: ActivityPage = serde_json::from_str(r#"{"items": [], "totalCount": 0}"#)?;
///     // let page = send(call)?;
///     pages.advance(&page);
///     # let _ = call;
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ActivityPages {
    event: EventId,
    count: u32,
    next: Option<u32>,
    read: u64,
}

impl ActivityPages {
    /// Every page of `event`'s user activity, 100 to a page.
    pub fn new(event: EventId) -> ActivityPages {
        ActivityPages {
            event,
            count: DEFAULT_PAGE_SIZE,
            next: Some(1),
            read: 0,
        }
    }

    /// `count` to a page instead (at least 1).
    #[must_use]
    pub fn page_size(mut self, count: u32) -> ActivityPages {
        self.count = count;
        self
    }

    /// The call for the next page, or `None` when every page has been read.
    pub fn next_call(&self, api: &Api) -> Option<Result<Call<ActivityPage>, Error>> {
        let page = self.next?;
        Some(api.user_activity(&self.event, page, self.count))
    }

    /// Takes in the page the last call gave, and decides whether another follows.
    pub fn advance(&mut self, page: &ActivityPage) {
        let Some(number) = self.next else { return };
        self.read += page.items.len() as u64;
        let short = page.items.len() < self.count as usize;
        let all_read = page.total_count.is_some_and(|total| self.read >= total);
        self.next = match short || all_read {
            true => None,
            false => number.checked_add(1),
        };
    }

    /// Stops: no more calls. For a transport whose call failed.
    pub fn stop(&mut self) {
        self.next = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: usize, total: Option<u64>) -> ActivityPage {
        let items: Vec<serde_json::Value> = (0..items)
            .map(|i| serde_json::json!({"email": i.to_string()}))
            .collect();
        serde_json::from_value(serde_json::json!({"items": items, "totalCount": total})).unwrap()
    }

    fn next_page(pages: &ActivityPages, api: &Api) -> Option<String> {
        let call = pages.next_call(api)?.unwrap();
        let request = call
            .to_request(Some(&crate::sequel::credentials::AccessToken::new("t")))
            .unwrap();
        Some(request.uri().query().unwrap().to_owned())
    }

    #[test]
    fn pages_stop_at_an_empty_or_short_page_or_the_total() {
        let api = Api::new("https://api.introvoke.com").unwrap();
        let mut pages = ActivityPages::new(EventId::new("e")).page_size(2);
        assert_eq!(next_page(&pages, &api).as_deref(), Some("count=2&page=1"));
        pages.advance(&page(2, None));
        assert_eq!(next_page(&pages, &api).as_deref(), Some("count=2&page=2"));
        pages.advance(&page(1, None));
        assert_eq!(next_page(&pages, &api), None, "a short page is the last");

        let mut pages = ActivityPages::new(EventId::new("e")).page_size(2);
        pages.advance(&page(2, None));
        pages.advance(&page(0, None));
        assert_eq!(next_page(&pages, &api), None, "an empty page is the last");

        let mut pages = ActivityPages::new(EventId::new("e")).page_size(2);
        pages.advance(&page(2, Some(2)));
        assert_eq!(next_page(&pages, &api), None, "all of totalCount read");
    }

    #[test]
    fn analytics_go_to_the_analytics_root() {
        let api = Api::new("https://api.introvoke.com").unwrap();
        let call = api.video_views(&EventId::new("e")).unwrap();
        let request = call
            .to_request(Some(&crate::sequel::credentials::AccessToken::new("t")))
            .unwrap();
        assert_eq!(
            request.uri(),
            "https://analytics.introvoke.com/api/analytics/getVideoWatchOverTime/e"
        );
        let api = api.with_analytics_url("http://127.0.0.1:9/prefix").unwrap();
        let call = api
            .top_participants(&EventId::new("e"), &TopParticipantsQuery::new())
            .unwrap();
        let request = call
            .to_request(Some(&crate::sequel::credentials::AccessToken::new("t")))
            .unwrap();
        assert_eq!(
            request.uri(),
            "http://127.0.0.1:9/prefix/api/analytics/user-engagement/events/e/top-participants"
        );
        let refused = Api::new("https://api.introvoke.com")
            .unwrap()
            .with_analytics_url("http://analytics.example.com")
            .unwrap_err();
        assert!(refused.to_string().contains("analytics_url"), "{refused}");
        assert!(
            api.user_activity(&EventId::new("e"), 0, 10)
                .unwrap_err()
                .is_invalid_input()
        );
        assert!(
            api.user_activity(&EventId::new("e"), 1, 0)
                .unwrap_err()
                .is_invalid_input()
        );
    }
}
