//! The larger areas through both clients' handlers, against the fake: networking hubs,
//! companies, customizations and themes, simulive and media, and removals retried after an
//! answer was lost. Each scenario compares what the client reported with what the fake
//! stored, and every exchange is checked against Sequel's contract when the bed goes.

mod common;

use common::clients::{Bed, Kind, call, on_both_transports};
use event_sso::sequel::fake::{FakeSequel, Fault, Requests};
use event_sso::sequel::{
    ChatClearing, CompanyFont, CompanyUpdate, EventId, HubId, HubRoom, Invitation, Metadata, NewCompany,
    NewHub, Registration, Theme, Toggle, Viewer, Whitelabel,
};
use serde_json::json;

on_both_transports!(
    a_hub_embeds_and_registers_like_an_event,
    a_hub_is_created_read_and_changed,
    a_hubs_people_invite_set_profiles_and_chat,
    companies_form_a_tree_with_metadata_and_recordings,
    customizations_layer_and_the_public_themes_merge_them,
    simulive_is_set_on_the_event_and_media_answers,
    a_removal_retried_after_a_lost_answer_is_done,
    bad_input_is_refused_before_anything_is_sent,
);

const CIRCLE: &str = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

fn a_hub_embeds_and_registers_like_an_event(kind: Kind) {
    let bed = Bed::new(kind);
    let hub = bed.fake.add_hub("Lounge");
    let viewer = Viewer::new("user-42", "Ada \"Countess\" Lovelace").email("ada@example.com");
    let embed = call!(bed, networking().embed_url(&hub, &viewer)).unwrap();
    assert!(
        embed
            .as_str()
            .starts_with(&format!("https://embed.sequel.io/networking/{hub}?")),
        "{}",
        embed.as_str()
    );
    let claims = bed
        .fake
        .decode_token(embed.as_str())
        .expect("a token the fake signed");
    assert_eq!(claims.subject, "user-42");
    assert_eq!(claims.hub, Some(hub.clone()));
    assert_eq!(claims.event, None);
    assert_eq!(
        format!("{embed:?}"),
        "EmbedUrl(https://embed.sequel.io/<redacted>)"
    );

    let ada = Registration::new("Ada Lovelace", "ada@example.com").metadata(json!({"team": "engines"}));
    let registered = call!(bed, networking().register(&hub, &ada)).unwrap();
    let stored = bed.fake.hub_registrants(&hub);
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].join_url.as_ref(),
        Some(&registered.join_url),
        "what the client got is what the fake holds"
    );
    assert_eq!(stored[0].metadata, Some(json!({"team": "engines"})));
    let claims = bed.fake.decode_token(registered.join_url.as_str()).unwrap();
    assert_eq!(
        (claims.subject.as_str(), claims.hub.as_ref()),
        ("ada@example.com", Some(&hub))
    );
    assert!(!format!("{registered:?}").contains("ada@example.com"));

    // Once per e-mail, whatever its case, as for events.
    let again = call!(
        bed,
        networking().register(&hub, &Registration::new("Ada", "ADA@example.com"))
    )
    .unwrap_err();
    assert_eq!(again.status(), Some(http::StatusCode::BAD_REQUEST));
    assert_eq!(bed.fake.hub_registrants(&hub).len(), 1);

    call!(bed, networking().unregister(&hub, "ada@example.com")).unwrap();
    assert!(bed.fake.hub_registrants(&hub).is_empty());
    // An event's registrants are its own: the hub's registration did not touch them.
    let event = bed.fake.add_event("Launch");
    assert!(call!(bed, registrants(&event)).unwrap().is_empty());
}

fn a_hub_is_created_read_and_changed(kind: Kind) {
    let bed = Bed::new(kind);
    let new = NewHub::new("Lounge")
        .organizer("host-1")
        .room(HubRoom::new("Table 1", 8))
        .room(HubRoom::new("Table 2", 4))
        .whitelabel(Whitelabel::new().hide_chat(true));
    let created = call!(bed, networking().create(&new)).unwrap();
    let id = created.uid.clone().expect("the fake gives the id");
    assert_eq!(created.company, Some(bed.fake.company_id()));

    let mut hub = call!(bed, networking().get(&id)).unwrap();
    assert_eq!(hub.friendly_name.as_deref(), Some("Lounge"));
    assert_eq!(hub.organizers, Some(vec!["host-1".to_owned()]));
    assert_eq!(
        hub.rooms,
        vec![HubRoom::new("Table 1", 8), HubRoom::new("Table 2", 4)]
    );
    assert_eq!(hub.whitelabel.and_then(|w| w.hide_chat), Some(true));

    hub.friendly_name = Some("Garden".into());
    hub.rooms.truncate(1);
    let updated = call!(bed, networking().update(&id, &hub)).unwrap();
    assert_eq!(updated.friendly_name.as_deref(), Some("Garden"));
    let read = call!(bed, networking().get(&id)).unwrap();
    assert_eq!(read.rooms.len(), 1, "the update replaced the rooms");
    assert_eq!(read.organizers, Some(vec!["host-1".to_owned()]));

    let missing = HubId::new("0b5a4c2e-6a8f-4d36-9a3c-1f2e3d4c5b6a");
    assert!(call!(bed, networking().get(&missing)).unwrap_err().is_not_found());
}

fn a_hubs_people_invite_set_profiles_and_chat(kind: Kind) {
    let bed = Bed::new(kind);
    let hub = bed.fake.add_hub("Lounge");
    assert!(
        bed.fake
            .join_hub(&hub, "user-1", "Ada Lovelace", "ada@example.com")
    );
    assert!(
        bed.fake
            .join_hub(&hub, "user-2", "Charles Babbage", "charles@example.com")
    );

    let participants = call!(bed, networking().participants(&hub)).unwrap();
    let ids: Vec<Option<&str>> = participants.iter().map(|p| p.meta.user_id.as_deref()).collect();
    assert_eq!(ids, [Some("user-1"), Some("user-2")]);
    assert_eq!(participants[0].meta.email.as_deref(), Some("ada@example.com"));
    let shown = format!("{participants:?}");
    assert!(
        !shown.contains("ada@example.com") && !shown.contains("Lovelace") && !shown.contains("gravatar"),
        "{shown}"
    );

    assert!(
        call!(
            bed,
            networking().invite(&hub, &Invitation::new("user-1", "user-2"))
        )
        .unwrap()
    );
    assert_eq!(
        bed.fake.hub_invitations(&hub),
        [("user-1".to_owned(), "user-2".to_owned())]
    );
    let stranger = call!(
        bed,
        networking().invite(&hub, &Invitation::new("user-1", "user-9"))
    )
    .unwrap_err();
    assert_eq!(stranger.status(), Some(http::StatusCode::BAD_REQUEST));
    assert_eq!(
        stranger.api_message(),
        Some("Both users must be in the networking hub")
    );
    assert_eq!(
        bed.fake.hub_invitations(&hub).len(),
        1,
        "the refused one is not stored"
    );
    assert!(!format!("{:?}", Invitation::new("ada@example.com", "b")).contains("ada@"));

    let mut photo = serde_json::Map::new();
    photo.insert("type".into(), json!("Buffer"));
    photo.insert("data".into(), json!([137, 80, 78, 71]));
    assert!(call!(bed, networking().set_user_profile(&hub, "user-2", &photo)).unwrap());
    assert_eq!(bed.fake.hub_profile(&hub, "user-2"), Some(json!(photo)));
    assert!(!call!(bed, networking().set_user_profile(&hub, "user-9", &photo)).unwrap());

    let (main, presenters) = (ChatClearing::hub_chat(&hub), ChatClearing::presenters_chat(&hub));
    let circle = ChatClearing::circle_chat(&hub, CIRCLE);
    for channel in [&main, &presenters, &circle] {
        assert!(bed.fake.say_in_hub(&hub, channel, "hello"));
    }
    let cleared = call!(
        bed,
        networking().clear_chat(&hub, &ChatClearing::all().channels([&circle, "nope"]).hard(true))
    )
    .unwrap();
    let outcome: Vec<(Option<&str>, Option<bool>)> = cleared
        .iter()
        .map(|c| (c.channel.as_deref(), c.success))
        .collect();
    assert_eq!(
        outcome,
        [(Some(circle.as_str()), Some(true)), (Some("nope"), Some(false))]
    );
    assert!(bed.fake.hub_chat(&hub, &circle).is_empty());
    assert_eq!(
        bed.fake.hub_chat(&hub, &main),
        ["hello"],
        "only the channel named"
    );
    let cleared = call!(bed, networking().clear_chat(&hub, &ChatClearing::all())).unwrap();
    assert_eq!(cleared.len(), 3);
    assert!(cleared.iter().all(|c| c.success == Some(true)));
    assert!(bed.fake.hub_chat(&hub, &main).is_empty() && bed.fake.hub_chat(&hub, &presenters).is_empty());

    let recording = bed.fake.record_circle(&hub, CIRCLE, "Table talk").unwrap();
    let download = call!(bed, networking().circle_recording(&hub, CIRCLE, &recording)).unwrap();
    let url = download.download_url.expect("a download URL");
    assert!(url.as_str().starts_with("https://recordings.sequel.io/"));
    assert_eq!(format!("{url:?}"), "DownloadUrl(<redacted>)");
    assert!(download.expires_on.is_some());
    let unknown = call!(bed, networking().circle_recording(&hub, CIRCLE, CIRCLE)).unwrap_err();
    assert!(unknown.is_not_found());
}

fn companies_form_a_tree_with_metadata_and_recordings(kind: Kind) {
    let bed = Bed::new(kind);
    let own = bed.fake.company_id();
    let company = call!(bed, companies().get(&own)).unwrap();
    assert_eq!(company.uid.as_ref(), Some(&own));
    assert_eq!(company.name.as_deref(), Some("Fake company"));
    let event = bed.fake.add_event("Launch");
    let company = call!(bed, companies().update(&own, &CompanyUpdate::new().name("Acme"))).unwrap();
    assert_eq!(company.name.as_deref(), Some("Acme"));
    assert_eq!(company.event_ids, Some(vec![event]));

    let child = NewCompany::new("Acme EMEA", "https://cdn.example.com/emea.png")
        .metadata(Metadata::new().with("region", ["emea"]));
    let child = call!(bed, companies().create_child(&own, &child)).unwrap();
    assert_eq!(child.parent_company_id.as_ref(), Some(&own));
    let children = call!(bed, companies().children(&own)).unwrap();
    assert_eq!(
        children.iter().map(|c| c.uid.clone()).collect::<Vec<_>>(),
        std::slice::from_ref(&child.uid)
    );
    assert_eq!(
        children[0].metadata.as_ref().and_then(|m| m.get("region")),
        Some(&["emea".to_owned()][..])
    );

    let metadata = call!(
        bed,
        companies().update_metadata(&own, &Metadata::new().with("tier", ["gold", "vip"]))
    )
    .unwrap();
    assert_eq!(
        metadata.get("tier"),
        Some(&["gold".to_owned(), "vip".to_owned()][..])
    );
    let metadata = call!(
        bed,
        companies().update_metadata(&own, &Metadata::new().with("seats", ["40"]))
    )
    .unwrap();
    assert_eq!(
        metadata.len(),
        2,
        "metadata sets the keys sent and keeps the others"
    );

    let hub = bed.fake.add_hub("Lounge");
    let recording = bed.fake.record_circle(&hub, CIRCLE, "Table talk").unwrap();
    let recordings = call!(bed, companies().circle_recordings(&own)).unwrap();
    assert_eq!(recordings.len(), 1);
    assert_eq!(recordings[0].id.as_deref(), Some(recording.as_str()));
    assert!(!format!("{recordings:?}").contains("recordings.sequel.io"));

    let missing = event_sso::sequel::CompanyId::new("0b5a4c2e-6a8f-4d36-9a3c-1f2e3d4c5b6a");
    assert!(call!(bed, companies().get(&missing)).unwrap_err().is_not_found());
}

fn customizations_layer_and_the_public_themes_merge_them(kind: Kind) {
    let bed = Bed::new(kind);
    let company = bed.fake.company_id();
    let event = bed.fake.add_event("Launch");
    let platform = call!(bed, customizations().default_theme()).unwrap();
    assert_eq!(platform.default_theme, Some(true));
    let palettes = call!(bed, customizations().suggested_palettes()).unwrap();
    assert_eq!(palettes.len(), 3);
    assert_eq!(
        (palettes[2].primary(), palettes[2].tertiary()),
        (Some("#00539c"), None)
    );

    let mut company_look = Theme::new("Acme");
    company_look.brand_colors = Some(vec!["#101820".into(), "#f2aa4c".into()]);
    company_look.polls = Some(Toggle::on(false));
    call!(bed, customizations().set_company(&company, &company_look)).unwrap();
    assert_eq!(
        call!(bed, customizations().company(&company, false)).unwrap(),
        company_look
    );
    let mut event_look = Theme::new("Launch");
    event_look.qna = Some(Toggle::on(false));
    call!(bed, customizations().set_event(&event, &event_look)).unwrap();

    // Public and merged: the platform's, under the company's, under the event's.
    let applied = call!(bed, customizations().event_theme(&event)).unwrap();
    assert_eq!(applied.name.as_deref(), Some("Launch"));
    assert_eq!(applied.brand_colors, company_look.brand_colors);
    assert_eq!(applied.polls, Some(Toggle::on(false)));
    assert_eq!(applied.qna, Some(Toggle::on(false)));
    assert_eq!(
        applied.private_messages,
        Some(Toggle::on(true)),
        "from the platform"
    );
    assert_eq!(call!(bed, customizations().event(&event, true)).unwrap(), applied);
    let company_theme = call!(bed, customizations().company_theme(&company)).unwrap();
    assert_eq!(
        company_theme.qna,
        Some(Toggle::on(true)),
        "the event's override is its own"
    );

    call!(bed, customizations().delete_event(&event)).unwrap();
    assert_eq!(
        call!(bed, customizations().event_theme(&event)).unwrap().qna,
        Some(Toggle::on(true))
    );
    call!(bed, customizations().delete_company(&company)).unwrap();
    assert_eq!(
        call!(bed, customizations().event_theme(&event)).unwrap().polls,
        Some(Toggle::on(true))
    );

    let inter = CompanyFont::new("Inter", "https://fonts.example/inter-1.woff2");
    let uid = call!(bed, customizations().add_font(&company, &inter))
        .unwrap()
        .expect("an id");
    let newer = CompanyFont::new("Inter", "https://fonts.example/inter-2.woff2");
    assert_eq!(
        call!(bed, customizations().add_font(&company, &newer)).unwrap(),
        Some(uid.clone())
    );
    let fonts = call!(bed, customizations().fonts(&company)).unwrap();
    assert_eq!(fonts.len(), 1, "a font of the same name replaces the URL");
    assert_eq!(
        (fonts[0].uid.as_deref(), fonts[0].font_url.as_str()),
        (Some(uid.as_str()), newer.font_url.as_str())
    );
    call!(bed, customizations().delete_font(&company, &uid)).unwrap();
    assert!(call!(bed, customizations().fonts(&company)).unwrap().is_empty());
    let again = call!(bed, customizations().delete_font(&company, &uid)).unwrap_err();
    assert!(
        again.is_not_found(),
        "a first attempt's 404 is reported: nothing says it was there"
    );
}

fn simulive_is_set_on_the_event_and_media_answers(kind: Kind) {
    let bed = Bed::new(kind);
    let event = bed.fake.add_event("Launch");
    let video = "https://cdn.example.com/keynote.mp4";
    call!(bed, media().set_simulive(&event, video)).unwrap();
    assert_eq!(bed.fake.simulive(&event).as_deref(), Some(video));
    let details = call!(bed, event(&event)).unwrap();
    assert_eq!(details.extra.get("isSimuliveEnabled"), Some(&json!(true)));
    call!(bed, media().remove_simulive(&event)).unwrap();
    assert_eq!(bed.fake.simulive(&event), None);
    let unknown = call!(bed, media().set_simulive(&EventId::new("no-such-event"), video)).unwrap_err();
    assert_eq!(unknown.status(), Some(http::StatusCode::BAD_REQUEST));
    assert_eq!(
        call!(bed, media().create_asset()).unwrap(),
        serde_json::Value::Null
    );
    assert_eq!(
        call!(bed, media().upload_asset()).unwrap(),
        serde_json::Value::Null
    );
}

fn a_removal_retried_after_a_lost_answer_is_done(kind: Kind) {
    let bed = Bed::new(kind);
    let event = bed.fake.add_event("Launch");
    // Deleted, then the answer lost: the retry finds nothing, which is what was asked.
    bed.fake.inject_on(Requests::ApiCalls, [Fault::DropAfterHandling]);
    call!(bed, delete_event(&event)).unwrap();
    let path = format!("/api/v1/event/{event}");
    let deletes = bed
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE" && r.path == path)
        .count();
    assert_eq!(deletes, 2, "sent, lost, sent again");
    assert!(
        call!(bed, event(&event)).unwrap_err().is_not_found(),
        "the fake holds it no more"
    );
    // Without a lost answer, a 404 means the id names nothing: reported.
    assert!(call!(bed, delete_event(&event)).unwrap_err().is_not_found());

    let company = bed.fake.company_id();
    let font = CompanyFont::new("Inter", "https://fonts.example/inter.woff2");
    let uid = call!(bed, customizations().add_font(&company, &font))
        .unwrap()
        .unwrap();
    bed.fake.inject_on(Requests::ApiCalls, [Fault::DropAfterHandling]);
    call!(bed, customizations().delete_font(&company, &uid)).unwrap();
    assert!(call!(bed, customizations().fonts(&company)).unwrap().is_empty());
}

fn bad_input_is_refused_before_anything_is_sent(kind: Kind) {
    let bed = Bed::new(kind);
    let hub = bed.fake.add_hub("Lounge");
    let before = bed.fake.requests().len();
    let viewer = Viewer::new("user-1", "Ada");
    let cases = [
        (
            call!(bed, networking().embed_url(&HubId::new(".."), &viewer)).unwrap_err(),
            "hub id",
        ),
        (
            call!(bed, networking().get(&HubId::new(" "))).unwrap_err(),
            "hub id",
        ),
        (
            call!(bed, networking().create(&NewHub::new(" "))).unwrap_err(),
            "hub friendly_name",
        ),
        (
            call!(bed, networking().register(&hub, &Registration::new("Ada", ""))).unwrap_err(),
            "registration email",
        ),
        (
            call!(bed, networking().invite(&hub, &Invitation::new("user-1", ""))).unwrap_err(),
            "invitation invited_user_id",
        ),
        (
            call!(
                bed,
                networking().clear_chat(&hub, &ChatClearing::all().channels(Vec::<String>::new()))
            )
            .unwrap_err(),
            "chat channels",
        ),
        (
            call!(bed, networking().circle_recording(&hub, ".", "r")).unwrap_err(),
            "circle id",
        ),
        (
            call!(
                bed,
                companies().update(&bed.fake.company_id(), &CompanyUpdate::new())
            )
            .unwrap_err(),
            "company update",
        ),
        (
            call!(
                bed,
                companies().create_child(&bed.fake.company_id(), &NewCompany::new("", "x"))
            )
            .unwrap_err(),
            "company name",
        ),
        (
            call!(
                bed,
                customizations().set_event(&EventId::new("e"), &Theme::default())
            )
            .unwrap_err(),
            "theme name",
        ),
        (
            call!(bed, customizations().delete_font(&bed.fake.company_id(), "..")).unwrap_err(),
            "font id",
        ),
        (
            call!(bed, media().set_simulive(&EventId::new("e"), "keynote.mp4")).unwrap_err(),
            "simulive video url",
        ),
    ];
    for (error, field) in cases {
        assert!(error.is_invalid_input(), "{error}");
        assert!(error.to_string().contains(field), "{error} should name {field}");
    }
    let mut colors = Theme::new("Acme");
    colors.brand_colors = Some(vec!["#000".into()]);
    assert!(
        call!(bed, customizations().set_company(&bed.fake.company_id(), &colors))
            .unwrap_err()
            .is_invalid_input()
    );
    assert_eq!(bed.fake.requests().len(), before, "nothing was sent");
}

#[test]
fn the_platform_calls_go_to_the_platform_root_and_the_rest_do_not() {
    let api = FakeSequel::start().unwrap();
    let platform = FakeSequel::start().unwrap();
    let bed_client = event_sso::sequel::blocking::Client::builder(api.credentials())
        .base_url(api.base_url())
        .platform_url(platform.base_url())
        .build()
        .unwrap();
    let event = api.add_event("Launch");
    // The platform host does not know the API host's token: refused there, as it should be.
    let refused = bed_client
        .media()
        .set_simulive(&event, "https://cdn.example.com/k.mp4")
        .unwrap_err();
    assert_eq!(refused.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert_eq!(
        platform.count_requests("/api/client/setEventSimuliveUrl"),
        2,
        "sent there, renewed once"
    );
    assert_eq!(api.count_requests("/api/client/setEventSimuliveUrl"), 0);
    // A public theme goes to the platform host without a token, and is answered there.
    let theme = bed_client.customizations().event_theme(&event).unwrap_err();
    assert!(
        theme.is_not_found(),
        "the platform host does not hold the API host's event"
    );
    assert_eq!(
        platform.count_requests(&format!("/api/v3/events/{event}/theme")),
        1
    );
    // The v1 customizations stay on the API host.
    bed_client.customizations().event(&event, false).unwrap();
    assert_eq!(
        api.count_requests(&format!("/api/v1/customizations/events/event/{event}")),
        1
    );
}
