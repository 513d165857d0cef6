//! The fake's analytics: answers computed from the attendance a test records, in the shapes
//! Sequel's API reference and real use show (`items`/`totalCount`/`page`/`size`; the
//! top-participants object; `VideoViews` pairs; `404` in plain text for an unknown event).
//! Sequel does not document the unit of `liveTime` and `onDemandTime`; the fake uses minutes.

use http::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;

use super::records::Watch;
use super::reply::Reply;
use super::state::{Query, State};

/// One of the three reports, for an event known to exist.
type Report = fn(&State, &str, &Query) -> Reply;

/// One person's totals, and what they registered with.
#[derive(Default)]
struct Totals {
    name: String,
    live: u32,
    on_demand: u32,
    metadata: Value,
}

impl State {
    /// Records `watch` for an event; false when the event is unknown.
    pub(super) fn record_watch(&mut self, event: &str, watch: Watch) -> bool {
        let known = self.events.contains_key(event);
        if known {
            self.watched.entry(event.to_owned()).or_default().push(watch);
        }
        known
    }

    pub(super) fn analytics(&mut self, method: &Method, route: &[&str], query: Option<&str>) -> Reply {
        let (id, answer): (&str, Report) = match (method, route) {
            (&Method::POST, ["events", id, "user-activity"]) => (id, State::user_activity),
            (&Method::GET, ["user-engagement", "events", id, "top-participants"]) => {
                (id, State::top_participants)
            }
            (&Method::GET, ["getVideoWatchOverTime", id]) => (id, State::video_views),
            _ => return Reply::text(StatusCode::NOT_FOUND, "Not found"),
        };
        if !self.events.contains_key(id) {
            return Reply::text(StatusCode::NOT_FOUND, "Event not found");
        }
        answer(self, id, &Query::parse(query))
    }

    /// Every registrant and everyone recorded, by lower-cased e-mail, with their totals.
    fn totals(&self, event: &str) -> BTreeMap<String, Totals> {
        let mut totals: BTreeMap<String, Totals> = BTreeMap::new();
        for registrant in &self.events[event].roster.registrants {
            let email = registrant["email"].as_str().unwrap_or_default();
            let entry = totals.entry(email.to_lowercase()).or_default();
            entry.name = registrant["name"].as_str().unwrap_or_default().to_owned();
            entry.metadata = registrant["metadata"].clone();
        }
        for watch in self.watched.get(event).into_iter().flatten() {
            let entry = totals.entry(watch.email.to_lowercase()).or_default();
            entry.name.clone_from(&watch.name);
            entry.live += watch.live.as_ref().map_or(0, |minutes| minutes.len() as u32);
            entry.on_demand += watch.on_demand;
        }
        totals
    }

    fn user_activity(&self, event: &str, query: &Query) -> Reply {
        let (Some(count), Some(page)) = (query.number("count"), query.number("page")) else {
            return Reply::json(StatusCode::BAD_REQUEST, &json!({}));
        };
        if count == 0 || page == 0 {
            return Reply::json(StatusCode::BAD_REQUEST, &json!({}));
        }
        let totals = self.totals(event);
        let items: Vec<Value> = totals
            .iter()
            .skip((page - 1).saturating_mul(count) as usize)
            .take(count as usize)
            .map(|(email, person)| {
                json!({
                    "eventId": event,
                    "email": email,
                    "name": person.name,
                    "attended": person.live + person.on_demand > 0,
                    "liveTime": person.live,
                    "onDemandTime": person.on_demand,
                    "viewedReplay": person.on_demand > 0,
                    "metadata": person.metadata,
                })
            })
            .collect();
        Reply::json(
            StatusCode::OK,
            &json!({"items": items, "totalCount": totals.len(), "page": page, "size": count}),
        )
    }

    fn top_participants(&self, event: &str, query: &Query) -> Reply {
        let limit = match query.get("limit") {
            None => 10,
            Some(limit) => match limit.parse::<u64>() {
                Ok(limit) => limit,
                Err(_) => return Reply::json(StatusCode::BAD_REQUEST, &json!({})),
            },
        };
        let counts: fn(&Totals) -> u32 = match query.get("engagementType").unwrap_or("all") {
            "all" => |t| t.live + t.on_demand,
            "live" => |t| t.live,
            "onDemand" => |t| t.on_demand,
            _ => return Reply::json(StatusCode::BAD_REQUEST, &json!({})),
        };
        let date = |key| {
            query
                .get(key)
                .map(|day| time::Date::parse(day, &time::format_description::well_known::Iso8601::DATE))
        };
        if matches!(date("startDate"), Some(Err(_))) || matches!(date("endDate"), Some(Err(_))) {
            return Reply::json(StatusCode::BAD_REQUEST, &json!({}));
        }
        let mut engaged = Vec::new();
        for (email, person) in self.totals(event) {
            match counts(&person) {
                0 => {}
                minutes => engaged.push((minutes, email, person.name)),
            }
        }
        engaged.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let total: u64 = engaged.iter().map(|(minutes, ..)| u64::from(*minutes)).sum();
        let average = match engaged.len() {
            0 => 0.0,
            users => total as f64 / users as f64,
        };
        let stored = &self.events[event];
        let top: Vec<Value> = engaged
            .iter()
            .take(limit as usize)
            .map(
                |(minutes, email, name)| json!({"name": name, "userEmail": email, "engagedMinutes": minutes}),
            )
            .collect();
        Reply::json(
            StatusCode::OK,
            &json!({
                "eventName": stored.fields.get("name"),
                "eventId": event,
                "eventType": "virtualStageEvent",
                "company": stored.company_id,
                "companyId": stored.company_id,
                "startDate": query.get("startDate"),
                "endDate": query.get("endDate").map(str::to_owned).or_else(|| stored.fields.get("endDate").and_then(Value::as_str).map(str::to_owned)),
                "limit": limit,
                "numberOfUsers": engaged.len(),
                "totalEngagedMinutes": total,
                "averageEngagedMinutesByUser": average,
                "topParticipants": top,
            }),
        )
    }

    fn video_views(&self, event: &str, _: &Query) -> Reply {
        let watches = self.watched.get(event).map(Vec::as_slice).unwrap_or_default();
        let end = watches
            .iter()
            .filter_map(|w| w.live.as_ref().map(|m| m.end))
            .max()
            .unwrap_or(0);
        let views: Vec<Value> = (0..end)
            .map(|minute| {
                let viewers = watches
                    .iter()
                    .filter(|w| w.live.as_ref().is_some_and(|m| m.contains(&minute)))
                    .map(|w| w.email.to_lowercase())
                    .collect::<std::collections::HashSet<_>>()
                    .len();
                json!([minute, viewers])
            })
            .collect();
        Reply::json(StatusCode::OK, &json!({"VideoViews": views}))
    }
}
