//! `examples/ureq_transport.rs`, a second HTTP client on the sans-IO core, against the fake:
//! the core's token renewal, retries and registration rule hold through it too.

#[path = "../examples/ureq_transport.rs"]
#[allow(dead_code)]
mod example;

use std::time::Duration;

use event_sso::sequel::fake::{FakeSequel, Fault, Requests};
use event_sso::sequel::request::Api;
use event_sso::sequel::{Registration, Viewer};
use example::Sequel;
use http::StatusCode;

fn bed() -> (FakeSequel, Sequel) {
    let fake = FakeSequel::start().unwrap();
    let api = Api::new(fake.base_url())
        .unwrap()
        .with_analytics_url(fake.base_url())
        .unwrap();
    let sequel = Sequel::new(api, fake.credentials());
    (fake, sequel)
}

/// How many requests went to a path ending so.
fn sent(fake: &FakeSequel, ending: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.ends_with(ending))
        .count()
}

#[test]
fn embed_and_register_once_per_email() {
    let (fake, sequel) = bed();
    let event = fake.add_event("Launch");
    let embed = sequel.embed_url(&event, &Viewer::new("user-42", "Ada")).unwrap();
    assert_eq!(
        fake.decode_token(embed.as_url().as_str()).unwrap().subject,
        "user-42"
    );
    let ada = Registration::new("Ada", "ada@example.com");
    let first = sequel.register_or_get(&event, &ada).unwrap();
    let again = sequel
        .register_or_get(&event, &Registration::new("Ada", " ADA@example.com "))
        .unwrap();
    assert_eq!(
        first.join_url, again.join_url,
        "a repeat finds the first registration"
    );
    assert_eq!(fake.registrants(&event).len(), 1);
    assert_eq!(
        fake.count_requests("/api/oauth/token"),
        1,
        "one token serves every call"
    );
}

#[test]
fn a_refused_token_is_renewed_once() {
    let (fake, sequel) = bed();
    let event = fake.add_event("Launch");
    sequel.embed_url(&event, &Viewer::new("u", "U")).unwrap();
    fake.expire_tokens();
    sequel.embed_url(&event, &Viewer::new("u", "U")).unwrap();
    assert_eq!(fake.count_requests("/api/oauth/token"), 2);
    assert_eq!(
        sent(&fake, "/embedCode"),
        3,
        "the refused call was sent once more"
    );
}

#[test]
fn a_lost_registration_answer_is_resolved_through_the_list() {
    let (fake, sequel) = bed();
    let event = fake.add_event("Launch");
    sequel.embed_url(&event, &Viewer::new("u", "U")).unwrap(); // the token first
    fake.inject_on(
        Requests::PathEndingWith("/registrant".into()),
        [Fault::DropAfterHandling],
    );
    let registered = sequel
        .register_or_get(&event, &Registration::new("Ada", "ada@example.com"))
        .unwrap();
    let stored = fake.registrants(&event);
    assert_eq!(stored.len(), 1, "registered once");
    assert_eq!(Some(registered.join_url), stored[0].join_url);
    assert_eq!(sent(&fake, "/registrant"), 2, "retried, then refused as a repeat");
    assert_eq!(sent(&fake, "/registrants"), 1, "then looked up");
}

#[test]
fn rate_limits_are_waited_out_and_errors_are_the_cores() {
    let (fake, sequel) = bed();
    let event = fake.add_event("Launch");
    fake.inject_on(Requests::ApiCalls, [Fault::RateLimit(Duration::from_secs(1))]);
    sequel.embed_url(&event, &Viewer::new("u", "U")).unwrap();
    assert_eq!(sent(&fake, "/embedCode"), 2);
    fake.inject_on(Requests::ApiCalls, [Fault::Status(StatusCode::BAD_REQUEST)]);
    let refused = sequel.embed_url(&event, &Viewer::new("u", "U")).unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::BAD_REQUEST));
    let unknown = sequel
        .embed_url(&"no-such-event".into(), &Viewer::new("u", "U"))
        .unwrap_err();
    assert!(unknown.is_not_found(), "{unknown}");
}

#[test]
fn every_page_of_user_activity_is_read() {
    let (fake, sequel) = bed();
    let event = fake.add_event("Launch");
    for i in 0..150 {
        fake.record_live(&event, &format!("v{i:03}@example.com"), "Viewer", 0..i);
    }
    let pages = sequel.user_activity(&event).unwrap();
    let sizes: Vec<usize> = pages.iter().map(|page| page.items.len()).collect();
    assert_eq!(sizes, [100, 50]);
}

#[test]
fn an_unreachable_sequel_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let sequel = Sequel::new(
        Api::new(&url).unwrap(),
        event_sso::sequel::Credentials::new("c", "s"),
    );
    let error = sequel.embed_url(&"e".into(), &Viewer::new("u", "U")).unwrap_err();
    assert!(error.is_connect(), "{error:?}");
}
