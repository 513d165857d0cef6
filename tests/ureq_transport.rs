//! `examples/ureq_transport.rs`, a second HTTP client under the core's blocking `Driver`,
//! against the fake: the core's token renewal, retries, deadline and registration rule hold
//! through it too.

#[path = "../examples/ureq_transport.rs"]
#[allow(dead_code)]
mod example;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_sso::sequel::fake::{FakeSequel, Fault, Requests};
use event_sso::sequel::request::{Api, Driver};
use event_sso::sequel::{EmbedUrl, Error, EventId, Registration, Viewer};
use http::StatusCode;

type Transport =
    Box<dyn Fn(http::Request<Vec<u8>>, Duration) -> Result<http::Response<Vec<u8>>, Error> + Send + Sync>;

/// The example's transport, as the example builds it.
struct Sequel(Driver<Transport>);

impl Sequel {
    fn new(api: Api, credentials: event_sso::sequel::Credentials) -> Sequel {
        let agent = example::agent();
        Sequel(Driver::new(
            api,
            credentials,
            Box::new(move |request, timeout| example::send(&agent, request, timeout)),
        ))
    }

    fn embed_url(&self, event: &EventId, viewer: &Viewer) -> Result<EmbedUrl, Error> {
        self.0.execute(self.0.api().embed_url(event, viewer)?)
    }

    fn register_or_get(
        &self,
        event: &EventId,
        registration: &Registration,
    ) -> Result<event_sso::sequel::Registered, Error> {
        self.0.register_or_get(event, registration)
    }
}

fn api(fake: &FakeSequel) -> Api {
    Api::new(fake.base_url())
        .unwrap()
        .with_analytics_url(fake.base_url())
        .unwrap()
}

fn bed() -> (FakeSequel, Sequel) {
    let fake = FakeSequel::start().unwrap();
    let sequel = Sequel::new(api(&fake), fake.credentials());
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
    let sizes: Vec<usize> = sequel
        .0
        .user_activity_pages(&event)
        .map(|page| page.unwrap().items.len())
        .collect();
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

/// Every request is given at most what is left of its call's deadline, the token's included.
#[test]
fn each_request_is_given_what_is_left_of_the_deadline() {
    let fake = FakeSequel::start().unwrap();
    let event = fake.add_event("Launch");
    let given = Arc::new(Mutex::new(Vec::new()));
    let agent = example::agent();
    let recorded = given.clone();
    let sequel = Driver::new(
        api(&fake),
        fake.credentials(),
        move |request: http::Request<Vec<u8>>, timeout| {
            recorded
                .lock()
                .unwrap()
                .push((request.uri().path().to_owned(), timeout));
            example::send(&agent, request, timeout)
        },
    )
    .deadline(Duration::from_secs(2));
    fake.inject_on(
        Requests::ApiCalls,
        [Fault::Status(StatusCode::SERVICE_UNAVAILABLE)],
    );
    sequel
        .execute(sequel.api().embed_url(&event, &Viewer::new("u", "U")).unwrap())
        .unwrap();
    let given = given.lock().unwrap();
    let paths: Vec<&str> = given.iter().map(|(path, _)| path.as_str()).collect();
    let embed = format!("/api/v1/event/{}/embedCode", event.as_str());
    assert_eq!(paths, ["/api/oauth/token", embed.as_str(), embed.as_str()]);
    for (path, timeout) in given.iter() {
        assert!(
            *timeout <= Duration::from_secs(2),
            "{path} was given {timeout:?}, past the deadline"
        );
    }
    // The retry came after a backoff, so it was given less than the first attempt.
    assert!(given[2].1 < given[1].1, "{given:?}");
}

/// Threads that find the token stale together wait for one token request.
#[test]
fn one_token_request_serves_every_thread() {
    let (fake, sequel) = bed();
    let event = fake.add_event("Launch");
    fake.set_latency(Duration::from_millis(50));
    let sequel = Arc::new(sequel);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let (sequel, event) = (sequel.clone(), event.clone());
            std::thread::spawn(move || sequel.embed_url(&event, &Viewer::new(format!("u{i}"), "U")))
        })
        .collect();
    for thread in threads {
        thread.join().unwrap().unwrap();
    }
    assert_eq!(fake.count_requests("/api/oauth/token"), 1);
    assert_eq!(sent(&fake, "/embedCode"), 8);
}

/// An answer larger than the transport reads is reported as such: not retried, and not taken
/// as a lost answer.
#[test]
fn an_oversized_answer_is_neither_retried_nor_unknown() {
    let fake = FakeSequel::start().unwrap();
    let event = fake.add_event("Launch");
    let agent = example::agent();
    let sends = Arc::new(Mutex::new(0));
    let counted = sends.clone();
    let sequel = Driver::new(
        api(&fake),
        fake.credentials(),
        move |request: http::Request<Vec<u8>>, timeout| {
            let registering = request.uri().path().ends_with("/registrant");
            let response = example::send(&agent, request, timeout)?;
            if registering {
                *counted.lock().unwrap() += 1;
                return Err(Error::body_too_large(16));
            }
            Ok(response)
        },
    );
    let error = sequel
        .register_or_get(&event, &Registration::new("Ada", "ada@example.com"))
        .unwrap_err();
    assert!(
        error.is_body_too_large() && !error.is_outcome_unknown(),
        "{error:?}"
    );
    assert_eq!(*sends.lock().unwrap(), 1, "sent once");
    assert_eq!(sent(&fake, "/registrants"), 0, "not looked up as a lost answer");
}
