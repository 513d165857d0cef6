//! `register_all` and `register_or_get` under a seeded mix of the faults a network brings,
//! before and after Sequel stores a registration, on both clients: what the report says is
//! compared with what the fake holds.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::clients::{Client, Kind, Settings, call, on_both_transports};
use event_sso::sequel::fake::{FakeSequel, Fault};
use event_sso::sequel::{BulkOptions, BulkOutcome, Registrant, Registration, RetryPolicy};
use http::StatusCode;

const PEOPLE: usize = 600;
const CONCURRENCY: usize = 8;
const TIMEOUT: Duration = Duration::from_millis(300);

/// xorshift64*: a fixed seed gives the same plan on every run.
struct Seeded(u64);

impl Seeded {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// One fault per request, about one request in six faulted.
fn plan(seed: u64, requests: usize) -> Vec<Fault> {
    let mut random = Seeded(seed);
    (0..requests)
        .map(|_| match random.below(100) {
            0..=2 => Fault::Drop,
            3..=5 => Fault::DropAfterHandling,
            6..=7 => Fault::DelayAfterHandling(TIMEOUT * 2), // answered after the client gave up
            8..=9 => Fault::DelayAfterHandling(Duration::from_millis(30)), // slow, in time
            10..=11 => Fault::Status(StatusCode::SERVICE_UNAVAILABLE),
            12 => Fault::Status(StatusCode::INTERNAL_SERVER_ERROR),
            13 => Fault::Status(StatusCode::BAD_GATEWAY),
            14..=15 => Fault::RateLimit(Duration::ZERO),
            _ => Fault::None,
        })
        .collect()
}

fn person(i: usize) -> Registration {
    Registration::new(format!("Person {i}"), format!("person{i}@example.com"))
}

fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn register_all_loses_nothing_under_faults(kind: Kind) {
    let (fake, event, bed) = Bed::new(kind);

    // Ten people registered before, ten given twice, one with no e-mail.
    let mut known = std::collections::HashSet::new();
    for i in (0..PEOPLE).step_by(PEOPLE / 10) {
        call!(bed, register(&event, &person(i))).unwrap();
        known.insert(key(&person(i).email));
    }
    let mut inputs: Vec<Registration> = (0..PEOPLE).map(person).collect();
    for i in 0..10 {
        inputs.insert(i * 50 + 7, person(i * 37 + 1));
        known.insert(key(&person(i * 37 + 1).email));
    }
    inputs.insert(123, Registration::new("No e-mail", " "));

    fake.inject(plan(0x5EED_2026, PEOPLE));
    fake.take_max_in_flight();
    let fake_ref = &fake;
    let options = BulkOptions::new()
        .concurrency(CONCURRENCY)
        .on_progress(move |progress| {
            if progress.done == PEOPLE / 2 {
                fake_ref.expire_tokens(); // a token revoked mid-run
            }
        });
    let report = call!(bed, register_all(&event, inputs.clone(), options));
    let most_in_flight = fake.take_max_in_flight();

    // Every input has one outcome, in order, and the counts add up.
    assert_eq!(report.len(), inputs.len());
    assert_eq!(
        report.registered() + report.already_registered() + report.recovered() + report.failed(),
        inputs.len()
    );
    let held: HashMap<String, Registrant> = fake
        .registrants(&event)
        .into_iter()
        .map(|registrant| (key(registrant.email.as_deref().unwrap()), registrant))
        .collect();
    let mut held_but_failed = Vec::new();
    for (outcome, input) in report.outcomes().iter().zip(&inputs) {
        match outcome {
            BulkOutcome::Failed { registration, error } => {
                assert_eq!(registration, input, "handed back as given");
                if held.contains_key(&key(&input.email)) {
                    held_but_failed.push(format!("{}: {error}", input.name));
                }
            }
            other => {
                let registrant = other.registered().expect("not failed, so registered");
                assert_eq!(key(registrant.email.as_deref().unwrap()), key(&input.email));
                let stored = held
                    .get(&key(&input.email))
                    .expect("the fake holds every registrant reported");
                assert_eq!(
                    Some(&registrant.join_url),
                    stored.join_url.as_ref(),
                    "the join URL the fake holds"
                );
            }
        }
    }
    assert_eq!(
        held_but_failed,
        Vec::<String>::new(),
        "held by the fake but reported failed"
    );
    // Everyone the fake holds is someone the report gives a join URL for.
    let reported: std::collections::HashSet<String> = report
        .outcomes()
        .iter()
        .filter_map(BulkOutcome::registered)
        .map(|registrant| key(registrant.email.as_deref().unwrap()))
        .collect();
    assert_eq!(reported.len(), held.len());

    // The faults did strike: answers were lost after storing, and recovered.
    let dropped = fake.requests().iter().filter(|r| r.status.is_none()).count();
    println!(
        "{kind:?}: {} inputs: {} registered, {} recovered, {} already registered, {} failed; \
         the fake holds {}, {} requests ({dropped} dropped), at most {most_in_flight} in flight",
        inputs.len(),
        report.registered(),
        report.recovered(),
        report.already_registered(),
        report.failed(),
        held.len(),
        fake.requests().len(),
    );
    assert!(dropped > 10, "{dropped} dropped");
    assert!(report.recovered() > 5, "{} recovered", report.recovered());
    // "Already registered" only for those who were; one whose earlier attempt may have
    // registered them is reported recovered instead.
    for outcome in report.outcomes() {
        if let BulkOutcome::AlreadyRegistered(registrant) = outcome {
            assert!(
                known.contains(&key(registrant.email.as_deref().unwrap())),
                "{registrant:?}"
            );
        }
    }
    assert!(
        report.already_registered() >= 10,
        "{}",
        report.already_registered()
    );
    assert!(report.lookup_error().is_none());
    assert!(
        most_in_flight > 1 && most_in_flight <= CONCURRENCY,
        "{most_in_flight} in flight with a limit of {CONCURRENCY}"
    );
    common::contract::check_fake_exchanges(&fake.requests()).unwrap();
}

fn register_or_get_recovers_a_lost_answer(kind: Kind) {
    let (fake, event, bed) = Bed::new(kind);
    call!(bed, registrants(&event)).unwrap(); // the token, fetched before the faults

    // Stored, answer lost, then the retry is refused as already registered.
    fake.inject([Fault::DropAfterHandling]);
    let ada = call!(bed, register_or_get(&event, &person(1))).unwrap();
    assert_eq!(Some(ada.join_url), fake.registrants(&event)[0].join_url);

    // Stored, answered too late, three times: the lookup finds it.
    fake.inject([Fault::DelayAfterHandling(TIMEOUT * 2); 3]);
    let bob = call!(bed, register_or_get(&event, &person(2))).unwrap();
    assert_eq!(Some(bob.join_url), fake.registrants(&event)[1].join_url);

    // Never stored, three times: the error, and nothing held.
    fake.inject([Fault::Drop; 3]);
    let error = call!(bed, register_or_get(&event, &person(3))).unwrap_err();
    assert!(error.is_outcome_unknown() && error.is_transport(), "{error:?}");
    assert_eq!(fake.registrants(&event).len(), 2);

    // A plain `register` is sent once: its caller asked for exactly one registration.
    fake.inject([Fault::Status(StatusCode::SERVICE_UNAVAILABLE)]);
    let error = call!(bed, register(&event, &person(4))).unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");
    let sent = fake
        .requests()
        .iter()
        .filter(|r| r.json().is_some_and(|b| b["email"] == "person4@example.com"))
        .count();
    assert_eq!(sent, 1);
    common::contract::check_fake_exchanges(&fake.requests()).unwrap();
}

/// A client of one kind, with a short timeout and quick retries.
struct Bed {
    client: Client,
    runtime: std::sync::Arc<tokio::runtime::Runtime>,
}

impl Bed {
    /// A fake with one event, and a client of `kind` pointed at it.
    fn new(kind: Kind) -> (FakeSequel, event_sso::sequel::EventId, Bed) {
        let fake = FakeSequel::start().unwrap();
        let event = fake.add_event("Launch");
        let client = Client::build(kind, fake.credentials(), |settings| Settings {
            base_url: Some(fake.base_url().to_owned()),
            timeout: Some(TIMEOUT),
            retry: Some(RetryPolicy::default().initial_backoff(Duration::from_millis(5))),
            ..settings
        });
        let runtime = common::clients::runtime();
        (fake, event, Bed { client, runtime })
    }
}

on_both_transports!(
    register_all_loses_nothing_under_faults,
    register_or_get_recovers_a_lost_answer
);
