//! `examples/ureq_transport.rs`, a second HTTP client under the core's blocking `Driver`,
//! against the fake: the core's token renewal, retries, deadline and registration rule hold
//! through it too.

#[path = "../examples/ureq_transport.rs"]
#[allow(dead_code)]
mod example;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_sso::sequel::fake::{FakeSequel, Fault, Requests};
use event_sso::sequel::request::{Api, Driver, Transport};
use event_sso::sequel::{EmbedUrl, Error, EventId, Registration, Viewer};
use http::StatusCode;

/// The example's transport, as the example builds it.
struct Sequel(Driver<example::Ureq>);

impl Sequel {
    fn new(api: Api, credentials: event_sso::sequel::Credentials) -> Sequel {
        Sequel(Driver::new(api, credentials, example::Ureq::default()))
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

/// The example's transport, with `watch` shown every request first: it may fail it after it
/// was sent.
struct Watched<W> {
    ureq: example::Ureq,
    watch: W,
}

impl<W: Fn(&http::Request<Vec<u8>>, Duration) -> Option<Error>> Watched<W> {
    fn new(watch: W) -> Watched<W> {
        Watched {
            ureq: example::Ureq::default(),
            watch,
        }
    }
}

impl<W: Fn(&http::Request<Vec<u8>>, Duration) -> Option<Error>> Transport for Watched<W> {
    type Body = <example::Ureq as Transport>::Body;

    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Self::Body>, Error> {
        let failure = (self.watch)(&request, timeout);
        let response = self.ureq.send(request, timeout)?;
        match failure {
            Some(error) => Err(error),
            None => Ok(response),
        }
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
    let recorded = given.clone();
    let transport = Watched::new(move |request: &http::Request<Vec<u8>>, timeout| {
        recorded
            .lock()
            .unwrap()
            .push((request.uri().path().to_owned(), timeout));
        None
    });
    let sequel = Driver::new(api(&fake), fake.credentials(), transport).deadline(Duration::from_secs(2));
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
    let sends = Arc::new(Mutex::new(0));
    let counted = sends.clone();
    let transport = Watched::new(move |request: &http::Request<Vec<u8>>, _| {
        let registering = request.uri().path().ends_with("/registrant");
        registering.then(|| {
            *counted.lock().unwrap() += 1;
            Error::body_too_large(16)
        })
    });
    let sequel = Driver::new(api(&fake), fake.credentials(), transport);
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

/// A 100,000-person event over ureq with default settings: a repeated registration of the
/// last person finds their join URL in the list, read element by element (the list is some
/// 50 MB, past the 16 MiB held whole), and the stream yields everyone, in order.
#[test]
fn the_list_is_read_element_by_element_at_100000() {
    const PEOPLE: usize = 100_000;
    let (fake, sequel) = bed();
    let event = fake.add_event("Webinar");
    assert!(fake.seed_registrants(&event, 0, PEOPLE));
    let last = PEOPLE - 1;
    let again = Registration::new(format!("Attendee {last}"), format!("attendee{last}@example.com"));
    let registered = sequel.register_or_get(&event, &again).unwrap();
    let held = fake.registrants(&event);
    assert_eq!(Some(registered.join_url), held[last].join_url.clone());
    let whole = sequel
        .0
        .execute(sequel.0.api().registrants(&event).unwrap())
        .unwrap_err();
    assert!(
        whole.is_body_too_large(),
        "the list held whole is refused: {whole:?}"
    );

    let mut read = 0;
    for (n, registrant) in sequel.0.stream_registrants(&event).enumerate() {
        let registrant = registrant.unwrap();
        assert_eq!(registrant.email.as_deref(), held[n].email.as_deref());
        read += 1;
    }
    assert_eq!(read, PEOPLE);
    assert_eq!(
        sequel.0.join_url(&event, "ATTENDEE5@example.com").unwrap(),
        held[5].join_url
    );
    assert_eq!(sequel.0.join_url(&event, "nobody@example.com").unwrap(), None);
}

/// A stream is retried before its first registrant (a `503` here), with the cached token;
/// an unknown event is its one error.
#[test]
fn a_stream_is_retried_before_its_first_registrant() {
    let (fake, sequel) = bed();
    let event = fake.add_event("Launch");
    for n in 0..3 {
        sequel
            .register_or_get(&event, &Registration::new("P", format!("p{n}@example.com")))
            .unwrap();
    }
    fake.inject_on(
        Requests::PathEndingWith("/registrants".into()),
        [Fault::Status(StatusCode::SERVICE_UNAVAILABLE)],
    );
    let emails: Vec<String> = sequel
        .0
        .stream_registrants(&event)
        .map(|registrant| registrant.unwrap().email.unwrap())
        .collect();
    assert_eq!(emails, ["p0@example.com", "p1@example.com", "p2@example.com"]);
    assert_eq!(sent(&fake, "/registrants"), 2, "retried once");
    assert_eq!(
        fake.count_requests("/api/oauth/token"),
        1,
        "the driver's cached token"
    );
    let unknown: Vec<_> = sequel.0.stream_registrants(&"no-such-event".into()).collect();
    assert_eq!(unknown.len(), 1);
    assert!(unknown[0].as_ref().unwrap_err().is_not_found());
}

/// `register_all` on the driver: every registration accounted for, a repeat found in the
/// list, four at a time.
#[test]
fn register_all_accounts_for_every_registration() {
    use event_sso::sequel::{BulkOptions, BulkOutcome};

    let (fake, sequel) = bed();
    let event = fake.add_event("Launch");
    let before = sequel
        .register_or_get(&event, &Registration::new("Ada", "ada@example.com"))
        .unwrap();
    fake.set_latency(Duration::from_millis(20));
    fake.take_max_in_flight();
    let people: Vec<_> = (0..20)
        .map(|n| Registration::new(format!("P{n}"), format!("p{n}@example.com")))
        .chain([Registration::new("Ada", "ada@example.com")])
        .collect();
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = progress.clone();
    let options = BulkOptions::new()
        .concurrency(4)
        .on_progress(move |p| seen.lock().unwrap().push(p.done));
    let report = sequel.0.register_all(&event, people, options);
    assert_eq!(report.len(), 21);
    assert_eq!(report.registered(), 20);
    assert_eq!(report.already_registered(), 1);
    match &report.outcomes()[20] {
        BulkOutcome::AlreadyRegistered(found) => assert_eq!(found.join_url, before.join_url),
        other => panic!("{other:?}"),
    }
    assert_eq!(*progress.lock().unwrap(), (1..=21).collect::<Vec<_>>());
    assert_eq!(fake.registrants(&event).len(), 21);
    // Four at a time, and the lookup after them.
    assert_eq!(
        fake.take_max_in_flight(),
        4,
        "four registrations at once, and no more"
    );
}
