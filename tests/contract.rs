//! The crate against Sequel's published contract (`tests/contract/sequel-v1.json`), not
//! against itself: every request it builds, every documented answer, schema-valid variety of
//! answers, and the fake's refusals.

mod common;

use std::time::{Duration, SystemTime};

use common::contract::contract;
use event_sso::sequel::request::{Api, Call};
use event_sso::sequel::{
    AccessToken, ChatClearing, CompanyFont, CompanyId, CompanyUpdate, Credentials, EngagementType,
    EventClone, EventId, EventType, EventUpdate, HubId, HubRoom, Invitation, Metadata, NetworkingHub,
    NewCompany, NewEvent, NewHub, Registration, Theme, ThemeFont, Toggle, TopParticipantsQuery, Viewer,
    Whitelabel,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use time::macros::datetime;

const EVENT: &str = "0b5a4c2e-6a8f-4d36-9a3c-1f2e3d4c5b6a";

fn api() -> Api {
    Api::new("https://api.introvoke.com").unwrap()
}

/// How a call reads an answer, its result dropped.
type Reader = Box<dyn Fn(http::Response<Vec<u8>>) -> Result<(), event_sso::sequel::Error>>;

/// One call of the crate, ready to be checked: its name, the request it makes, and how it
/// reads an answer.
struct Probe {
    name: &'static str,
    request: http::Request<Vec<u8>>,
    read: Reader,
}

fn probe<T: 'static>(call: Result<Call<T>, event_sso::sequel::Error>) -> Probe {
    let call = call.unwrap();
    let request = call.to_request(Some(&AccessToken::new("t"))).unwrap();
    Probe {
        name: call.name(),
        request,
        read: Box::new(move |answer| call.parse(answer, SystemTime::now()).map(drop)),
    }
}

const COMPANY: &str = "3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b";
const HUB: &str = "9d1e7c2a-3b4f-4e5d-8a6b-7c8d9e0f1a2b";
const CIRCLE: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const RECORDING: &str = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a";

/// Every call the crate makes, each operation of the contract at least once.
fn probes() -> Vec<Probe> {
    let api = api();
    let event = EventId::new(EVENT);
    let company = CompanyId::new(COMPANY);
    let hub = HubId::new(HUB);
    let (start, end) = (datetime!(2026-12-01 17:00 UTC), datetime!(2026-12-01 18:00 UTC));
    let viewer = Viewer::new("user-42", "Ada Lovelace")
        .email("ada@example.com")
        .avatar_url("https://cdn.example.com/ada.png")
        .event_specific(true);
    let full_update = EventUpdate::new()
        .name("Renamed")
        .dates(start, end)
        .timezone("Europe/Paris")
        .event_type(EventType::LiveStreamInPerson)
        .picture("https://cdn.example.com/p.png")
        .networking_hub("hub-1")
        .presenters(["p@example.com"])
        .organizers(["o@example.com"])
        .auto_select_latest_replay(true)
        .disable_event_recording(false)
        .registration_mode(true)
        .attendee_registration_mode(false)
        .close_captioning(event_sso::sequel::CloseCaptioningSettings::transcription(true));
    let registration = Registration::new("Ada", "ada@example.com").metadata(json!({"title": "Countess"}));
    let new_hub = NewHub::new("Lounge")
        .company(company.clone())
        .organizer("user-1")
        .room(HubRoom::new("Table 1", 8))
        .whitelabel(Whitelabel::new().hide_chat(true));
    let mut whole_hub = NetworkingHub::default();
    whole_hub.friendly_name = Some("Lounge".into());
    whole_hub.rooms = vec![HubRoom::new("Table 1", 8)];
    let mut theme = Theme::new("Launch");
    theme.brand_colors = Some(vec!["#101820".into(), "#f2aa4c".into()]);
    theme.fonts = Some(vec![ThemeFont::new(
        "Inter",
        "https://fonts.example/inter.woff2",
        true,
    )]);
    theme.polls = Some(Toggle::on(false));
    let mut profile = serde_json::Map::new();
    profile.insert("type".into(), json!("Buffer"));
    profile.insert("data".into(), json!([137, 80, 78, 71]));
    vec![
        probe(api.token(&Credentials::new("client-1", "secret"))),
        probe(api.embed_url(&event, &viewer)),
        probe(api.register(&event, &registration)),
        probe(api.registrants(&event)),
        probe(api.unregister(&event, "ada@example.com")),
        probe(api.event(&event)),
        probe(api.company_events(&company)),
        probe(api.add_presenter(&event, "ada@example.com")),
        probe(api.remove_presenter(&event, "a/b@example.com")),
        probe(api.add_organizer(&event, "user-42")),
        probe(api.remove_organizer(&event, "user-42")),
        probe(
            api.create_event(
                &NewEvent::new(
                    company.clone(),
                    "Launch",
                    start,
                    end,
                    "Etc/UTC",
                    EventType::Virtual,
                )
                .organizers(["host@example.com"]),
            ),
        ),
        probe(api.update_event(&event, &full_update)),
        probe(api.update_event(&event, &EventUpdate::new().name("Only the name"))),
        probe(api.delete_event(&event)),
        probe(api.clone_event(
            &event,
            &EventClone::new("Copy", start, end, "Europe/Paris").presenters(["p@example.com"]),
        )),
        probe(api.available_replays(&event, Some(Duration::from_secs(600)))),
        probe(api.available_replays(&event, None)),
        probe(api.user_activity(&event, 1, 100)),
        probe(api.top_participants(&event, &TopParticipantsQuery::new())),
        probe(
            api.top_participants(
                &event,
                &TopParticipantsQuery::new()
                    .limit(5)
                    .start_date(time::macros::date!(2026 - 12 - 01))
                    .end_date(time::macros::date!(2026 - 12 - 31))
                    .engagement(EngagementType::Live),
            ),
        ),
        probe(api.video_views(&event)),
        // Networking hubs.
        probe(api.create_hub(&new_hub)),
        probe(api.create_hub(&NewHub::new("Bare"))),
        probe(api.hub(&hub)),
        probe(api.update_hub(&hub, &whole_hub)),
        probe(api.hub_embed_url(&hub, &viewer)),
        probe(api.register_for_hub(&hub, &registration)),
        probe(api.unregister_from_hub(&hub, "ada@example.com")),
        probe(api.hub_participants(&hub)),
        probe(api.invite_to_hub(&hub, &Invitation::new("user-1", "user-2"))),
        probe(api.set_hub_user_profile(&hub, "user-1", &profile)),
        probe(api.clear_hub_chat(&hub, &ChatClearing::all())),
        probe(
            api.clear_hub_chat(
                &hub,
                &ChatClearing::all()
                    .channels([
                        ChatClearing::hub_chat(&hub),
                        ChatClearing::circle_chat(&hub, CIRCLE),
                    ])
                    .hard(true),
            ),
        ),
        probe(api.circle_recording(&hub, CIRCLE, RECORDING)),
        // Companies.
        probe(api.company(&company)),
        probe(
            api.update_company(
                &company,
                &CompanyUpdate::new()
                    .name("Acme")
                    .logo("https://cdn.example.com/a.png"),
            ),
        ),
        probe(
            api.create_child_company(
                &company,
                &NewCompany::new("Acme EMEA", "https://cdn.example.com/a.png")
                    .metadata(Metadata::new().with("region", ["emea"])),
            ),
        ),
        probe(api.child_companies(&company)),
        probe(api.update_company_metadata(&company, &Metadata::new().with("tier", ["gold", "vip"]))),
        probe(api.company_circle_recordings(&company)),
        // Customizations and themes.
        probe(api.company_customization(&company, false)),
        probe(api.company_customization(&company, true)),
        probe(api.set_company_customization(&company, &theme)),
        probe(api.delete_company_customization(&company)),
        probe(api.company_fonts(&company)),
        probe(api.add_company_font(
            &company,
            &CompanyFont::new("Inter", "https://fonts.example/inter.woff2"),
        )),
        probe(api.delete_company_font(&company, "font-1")),
        probe(api.default_customization()),
        probe(api.event_customization(&event, true)),
        probe(api.set_event_customization(&event, &Theme::new("Only a name"))),
        probe(api.delete_event_customization(&event)),
        probe(api.suggested_palettes()),
        probe(api.company_theme(&company)),
        probe(api.event_theme(&event)),
        // Simulive and media.
        probe(api.set_simulive(&event, "https://cdn.example.com/keynote.mp4")),
        probe(api.remove_simulive(&event)),
        probe(api.create_media_asset()),
        probe(api.upload_media_asset()),
    ]
}

#[test]
fn every_request_the_crate_builds_is_one_sequel_documents() {
    let mut called: Vec<String> = Vec::new();
    for probe in probes() {
        let path = probe.request.uri().path_and_query().unwrap().as_str().to_owned();
        let operation = contract()
            .check_request(probe.request.method().as_str(), &path, probe.request.body())
            .unwrap_or_else(|problem| panic!("{}: {problem}", probe.name));
        assert_eq!(
            operation.name, probe.name,
            "the crate's name for the call is the contract's"
        );
        called.push(operation.name.clone());
    }
    called.sort();
    called.dedup();
    assert_eq!(
        called,
        contract().operation_names(),
        "the crate calls every operation of the contract"
    );
    assert_eq!(
        called.len(),
        53,
        "Sequel's 51 operations, the token request and user activity"
    );
}

#[test]
fn every_answer_made_from_each_operations_schema_is_read() {
    for probe in probes() {
        let (status, schema) = contract().success(probe.name).expect("a documented success");
        // `{}`: Sequel documents no body for this success.
        let bodies: Vec<Vec<u8>> = match schema.as_object().is_some_and(|s| s.is_empty()) {
            true => vec![Vec::new()],
            false => contract()
                .examples(schema)
                .iter()
                .map(|example| example.to_string().into_bytes())
                .collect(),
        };
        for body in bodies {
            let answer = http::Response::builder()
                .status(status)
                .body(body.clone())
                .unwrap();
            let text = String::from_utf8_lossy(&body);
            match (probe.read)(answer) {
                Ok(()) => {}
                // The one refusal by design: registering is for the join URL, and an answer
                // without one is reported (`register_or_get` then looks in the list).
                Err(error) if probe.name.ends_with("/registrant") && !text.contains("join_url") => {
                    assert!(error.is_decode(), "{}: {error}", probe.name);
                }
                Err(error) => panic!("{}: {error}: {text}", probe.name),
            }
        }
    }
}

#[test]
fn the_public_calls_carry_no_token_and_the_rest_need_one() {
    for probe in probes() {
        let public = probe.name.starts_with("GET /v3/") || probe.name == "POST /oauth/token";
        assert_eq!(
            probe.request.headers().contains_key(http::header::AUTHORIZATION),
            !public,
            "{}",
            probe.name
        );
    }
}

#[test]
fn every_documented_error_message_is_accepted_and_shown() {
    let now = SystemTime::now();
    let event = EventId::new(EVENT);
    let cases: Vec<(Call<()>, u16, &str)> = vec![
        (api().delete_event(&event).unwrap(), 404, "event not found"),
        (api().delete_event(&event).unwrap(), 400, "Invalid ID supplied"),
        (
            api().unregister(&event, "a@example.com").unwrap(),
            400,
            "Invalid parameter was sent",
        ),
    ];
    for (call, status, message) in cases {
        let body = json!({"hasError": true, "errorMessage": message}).to_string();
        contract()
            .check_response(call.name(), status, body.as_bytes())
            .unwrap();
        let error = call.parse(response(status, &body), now).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("Sequel answered {}: {message}", error.status().unwrap())
        );
    }
    let register = api()
        .register(&event, &Registration::new("A", "a@example.com"))
        .unwrap();
    for (status, message) in [
        (400, "An invalid parameter was sent"),
        (404, "Invalid auth token"),
    ] {
        let body = json!({"hasError": true, "errorMessage": message}).to_string();
        contract()
            .check_response(register.name(), status, body.as_bytes())
            .unwrap();
        let error = register.parse(response(status, &body), now).unwrap_err();
        assert!(error.to_string().ends_with(message), "{error}");
    }
    let organizer = api().add_organizer(&event, "a@example.com").unwrap();
    for message in [
        "Missing organizer field in request",
        "Users cannot be hosts and presenters at the same time: test@email.com",
    ] {
        let body = json!({"hasError": true, "errorMessage": message}).to_string();
        contract()
            .check_response(organizer.name(), 400, body.as_bytes())
            .unwrap();
        let shown = organizer
            .parse(response(400, &body), now)
            .unwrap_err()
            .to_string();
        assert!(!shown.contains("test@email.com"), "{shown}");
    }
    let create = api()
        .create_event(&NewEvent::new(
            CompanyId::new("co"),
            "X",
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2026-01-01 1:00 UTC),
            "Etc/UTC",
            EventType::Virtual,
        ))
        .unwrap();
    let body = json!({"hasError": true, "errorMessage": "Company not found"}).to_string();
    contract()
        .check_response(create.name(), 404, body.as_bytes())
        .unwrap();
    assert!(
        create
            .parse(response(404, &body), now)
            .unwrap_err()
            .is_not_found()
    );
    let events = api().company_events(&CompanyId::new("co")).unwrap();
    let body = json!({"hasError": true, "errorMessage": "Parent company has an invalid license"}).to_string();
    contract()
        .check_response(events.name(), 403, body.as_bytes())
        .unwrap();
    assert_eq!(
        events
            .parse(response(403, &body), now)
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(403)
    );
    // And the contract does refuse what it does not document.
    let invented =
        json!({"hasError": true, "errorMessage": "ada@example.com is already registered"}).to_string();
    assert!(
        contract()
            .check_response(register.name(), 400, invented.as_bytes())
            .is_err()
    );
}

fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// A field of a documented object: absent, `null` where the schema allows it, or a value.
fn optional(value: impl Strategy<Value = Value>, nullable: bool) -> impl Strategy<Value = Option<Value>> {
    let null = if nullable {
        Just(Some(Value::Null)).boxed()
    } else {
        Just(None).boxed()
    };
    prop_oneof![1 => Just(None), 1 => null, 3 => value.prop_map(Some)]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9 @.]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn text() -> impl Strategy<Value = Value> {
    "[a-zA-Z0-9 éü@.'-]{0,20}".prop_map(Value::from)
}

fn date() -> impl Strategy<Value = Value> {
    (2020i32..2030, 1u8..=12, 1u8..=28, 0u8..24, 0u8..60)
        .prop_map(|(y, mo, d, h, mi)| Value::from(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00.000Z")))
}

fn object(fields: Vec<(&'static str, Option<Value>)>, unknown: Option<(String, Value)>) -> Value {
    let mut object: serde_json::Map<String, Value> = fields
        .into_iter()
        .filter_map(|(key, value)| Some((key.to_owned(), value?)))
        .collect();
    if let Some((key, value)) = unknown {
        object.insert(key, value);
    }
    Value::Object(object)
}

/// An `Event` as Sequel's schema allows it: any field absent, the nullable ones `null`,
/// `metadata` any JSON value, and a field the schema does not name.
fn event() -> impl Strategy<Value = Value> {
    let strings =
        proptest::collection::vec("[a-z0-9@.]{1,12}".prop_map(Value::from), 0..3).prop_map(Value::from);
    let private = proptest::collection::vec("[0-9]{6}", 5).prop_map(|codes| {
        json!({"attendeePasscode": codes[0], "presenterPasscode": codes[1], "hostPasscode": codes[2],
               "rtmpKey": codes[3], "rtmpUrl": format!("rtmp://ingest.example/{}", codes[4])})
    });
    (
        (
            optional(Just(Value::from(EVENT)), false),
            optional(text(), false),
            optional(text(), false),
        ),
        (
            optional(date(), false),
            optional(date(), false),
            optional(Just(json!("Europe/Paris")), false),
        ),
        (
            optional(
                prop_oneof![Just(json!("Virtual")), Just(json!("LiveStreamInPerson"))],
                false,
            ),
            optional(any_json(), true),
            optional(text(), true),
        ),
        (
            optional(strings.clone(), true),
            optional(strings, true),
            optional(any::<bool>().prop_map(Value::from), true),
        ),
        (
            optional(private, true),
            optional(
                any::<Option<bool>>().prop_map(|on| json!({"transcription": {"enabled": on}})),
                true,
            ),
            proptest::option::of(("x[A-Za-z]{1,8}", any_json())),
        ),
    )
        .prop_map(
            |(
                (uid, name, company),
                (start, end, zone),
                (kind, metadata, hub),
                (p, o, reg),
                (private, captions, unknown),
            )| {
                object(
                    vec![
                        ("uid", uid),
                        ("name", name),
                        ("companyUid", company),
                        ("startDate", start),
                        ("endDate", end),
                        ("timezone", zone),
                        ("type", kind),
                        ("metadata", metadata),
                        ("networkingHub", hub),
                        ("presenters", p),
                        ("organizers", o),
                        ("isRegistrationModeEnabled", reg),
                        ("privateEventInfo", private),
                        ("closeCaptioningSettings", captions),
                    ],
                    unknown,
                )
            },
        )
}

/// A registrant as Sequel's schema allows it: every field optional, `metadata` an object.
fn registrant() -> impl Strategy<Value = Value> {
    let url = "[a-zA-Z0-9]{12}"
        .prop_map(|code| Value::from(format!("https://embed.sequel.io/event/{EVENT}?joinCode={code}")));
    let metadata = proptest::collection::btree_map("[a-z]{1,6}", any_json(), 0..3)
        .prop_map(|map| Value::Object(map.into_iter().collect()));
    (
        optional(text(), false),
        optional("[a-z]{1,8}@example\\.com".prop_map(Value::from), false),
        optional(url, false),
        optional(metadata, false),
    )
        .prop_map(|(name, email, join_url, metadata)| {
            object(
                vec![
                    ("name", name),
                    ("email", email),
                    ("join_url", join_url),
                    ("metadata", metadata),
                ],
                None,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_event_the_schema_allows_is_read_and_nothing_is_lost(event in event()) {
        let body = event.to_string();
        let call = api().company_events(&CompanyId::new("co")).unwrap();
        let list = json!([event]).to_string();
        prop_assert!(contract().check_response(call.name(), 200, list.as_bytes()).is_ok(), "the generator left the schema: {list}");
        let read = api().event(&EventId::new(EVENT)).unwrap().parse(response(200, &body), SystemTime::now());
        let read = read.map_err(|e| TestCaseError::fail(format!("{e}: {body}")))?;
        prop_assert_eq!(read.name.as_deref(), event["name"].as_str());
        prop_assert_eq!(read.start_date.as_deref(), event["startDate"].as_str());
        prop_assert_eq!(read.metadata.as_ref(), event.get("metadata").filter(|m| !m.is_null()));
        prop_assert_eq!(read.presenters.is_some(), event["presenters"].is_array());
        let host = read.private_event_info.as_ref().and_then(|p| p.host_passcode.as_ref()).map(|p| p.as_str());
        prop_assert_eq!(host, event["privateEventInfo"]["hostPasscode"].as_str());
        for (key, value) in event.as_object().unwrap().iter().filter(|(k, _)| k.starts_with('x')) {
            prop_assert_eq!(read.extra.get(key), Some(value), "unknown fields are kept");
        }
        let debug = format!("{read:?}");
        prop_assert!(!debug.contains("rtmp://"), "{}", debug);
    }

    #[test]
    fn every_registrant_list_the_schema_allows_is_read_whole(list in proptest::collection::vec(registrant(), 0..5)) {
        let call = api().registrants(&EventId::new(EVENT)).unwrap();
        let body = Value::from(list.clone()).to_string();
        prop_assert!(contract().check_response(call.name(), 200, body.as_bytes()).is_ok(), "the generator left the schema: {body}");
        let read = call.parse(response(200, &body), SystemTime::now()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(read.len(), list.len(), "one odd entry never hides the others");
        for (registrant, entry) in read.iter().zip(&list) {
            prop_assert_eq!(registrant.email.as_deref(), entry["email"].as_str());
            prop_assert_eq!(registrant.join_url.as_ref().map(|u| u.as_str()), entry["join_url"].as_str());
            prop_assert_eq!(registrant.gaps().contains(&"join_url"), entry.get("join_url").is_none());
            prop_assert_eq!(registrant.metadata.as_ref(), entry.get("metadata"));
        }
    }
}

#[test]
fn the_fake_refuses_what_the_contract_refuses_with_sequels_messages() {
    use event_sso::sequel::fake::FakeSequel;

    let fake = FakeSequel::start().unwrap();
    let event = fake.add_event("Launch");
    let http = reqwest::blocking::Client::new();
    let access_token = fake.access_token();
    let token = access_token.as_str();
    let base = format!("{}/api/v1", fake.base_url());
    let cases = [
        (
            "POST",
            format!("/event/{event}/registrant"),
            json!({"name": "Ada"}),
            400,
            "An invalid parameter was sent",
        ),
        (
            "POST",
            format!("/event/{event}/registrant"),
            json!({"name": "Ada", "email": "a@x.co", "metadata": 1}),
            400,
            "An invalid parameter was sent",
        ),
        (
            "POST",
            format!("/event/{event}/embedCode"),
            json!({"userId": "u", "userDisplayName": "n", "role": "host"}),
            400,
            "Invalid parameters supplied",
        ),
        (
            "DELETE",
            format!("/event/{event}/registrant"),
            json!({"email": "a@x.co", "extra": 1}),
            400,
            "Invalid parameter was sent",
        ),
        (
            "POST",
            "/event/create".to_owned(),
            json!({"companyId": fake.company_id(), "name": "X", "startDate": "2026-01-01T00:00:00Z", "endDate": "2026-01-01T01:00:00Z", "timezone": "Etc/UTC", "type": "Hybrid"}),
            400,
            "Invalid input",
        ),
        (
            "POST",
            format!("/event/{event}"),
            json!({"nmae": "typo"}),
            400,
            "Invalid input",
        ),
        (
            "POST",
            format!("/event/{event}/clone"),
            json!({"name": "copy"}),
            400,
            "Invalid input",
        ),
    ];
    for (method, path, body, status, message) in cases {
        let bytes = body.to_string();
        assert!(
            contract()
                .check_request(method, &format!("/api/v1{path}"), bytes.as_bytes())
                .is_err(),
            "the contract should refuse {method} {path} {body}"
        );
        let answer = http
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .unwrap();
        assert_eq!(answer.status().as_u16(), status, "{method} {path}");
        let answer: Value = serde_json::from_slice(&answer.bytes().unwrap()).unwrap();
        assert_eq!(
            answer,
            json!({"hasError": true, "errorMessage": message}),
            "{method} {path}"
        );
    }
    // The schema does not mark `presenter` required; Sequel documents refusing its absence.
    let answer = http
        .put(format!("{base}/event/{event}/presenter"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    let body = answer.bytes().unwrap();
    contract()
        .check_response("PUT /event/{eventId}/presenter", 400, &body)
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["errorMessage"],
        "Missing presenter field in request"
    );
}

#[test]
fn the_analytics_reports_read_every_shape_their_schema_allows() {
    let event = EventId::new(EVENT);
    let call = api().video_views(&event).unwrap();
    for (body, per_minute, peak) in [
        (r#"{"VideoViews":[[27855034]]}"#, vec![], None),
        (
            r#"{"VideoViews":[[0,5],[1,9,4],[],[2,7]]}"#,
            vec![(0, 5), (1, 9), (2, 7)],
            Some((1, 9)),
        ),
        (r#"{"VideoViews":[[0,-1]]}"#, vec![(0, -1)], Some((0, -1))),
    ] {
        contract()
            .check_response(call.name(), 200, body.as_bytes())
            .unwrap();
        let views = call.parse(response(200, body), SystemTime::now()).unwrap();
        assert_eq!(views.per_minute().collect::<Vec<_>>(), per_minute, "{body}");
        assert_eq!(views.peak(), peak, "{body}");
    }
    let views = call
        .parse(response(200, r#"{"VideoViews":[[27855034]]}"#), SystemTime::now())
        .unwrap();
    assert_eq!(
        views.rows,
        vec![vec![27855034]],
        "an array of another length is kept"
    );

    let call = api()
        .top_participants(&event, &TopParticipantsQuery::new())
        .unwrap();
    let body = r#"{"numberOfUsers":-1,"limit":-5,"totalEngagedMinutes":3,"topParticipants":[]}"#;
    contract()
        .check_response(call.name(), 200, body.as_bytes())
        .unwrap();
    let top = call.parse(response(200, body), SystemTime::now()).unwrap();
    assert_eq!((top.number_of_users, top.limit), (Some(-1), Some(-5)));
}
