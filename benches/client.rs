//! The Sequel clients against a raw reqwest call, on the same loopback server, in one run.
//!
//! `cargo bench --bench client` measures, against the in-process fake Sequel:
//! - `embed_url` and `register` through the async and the blocking client, each beside a raw
//!   reqwest call (same timeouts) sending the same request and decoding the same answer, in
//!   interleaved rounds; the overhead ratio is raw calls/s over our calls/s (target: at most
//!   1.10);
//! - the async client with 1, 8 and 64 calls in flight: calls per second, and how many access
//!   tokens were requested (must be 1);
//! - `register_all` of 10,000 registrants, with the report's counts checked.

mod common;

use std::cell::Cell;
use std::time::{Duration, Instant};

use common::{Contender, print_group, run_rounds};
use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::request::Api;
use event_sso::sequel::{BulkOptions, Client, EventId, Registration, Viewer, blocking};
use serde_json::json;

const ROUNDS: usize = 9;
const ROUND_TIME: Duration = Duration::from_millis(250);
const TARGET_OVERHEAD: f64 = 1.10;
const BULK: usize = 10_000;

fn main() {
    let fake = FakeSequel::start().expect("start the fake");
    let event = fake.add_event("Bench");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let ours = Client::builder(fake.credentials())
        .base_url(fake.base_url())
        .build()
        .expect("client");
    let ours_blocking = blocking::Client::builder(fake.credentials())
        .base_url(fake.base_url())
        .build()
        .expect("client");
    // The baseline is configured as a careful user would configure reqwest: with the same
    // timeouts the clients use.
    let raw = reqwest::Client::builder()
        .timeout(event_sso::sequel::DEFAULT_TIMEOUT)
        .connect_timeout(event_sso::sequel::DEFAULT_CONNECT_TIMEOUT)
        .build()
        .unwrap();
    let raw_blocking = reqwest::blocking::Client::builder()
        .timeout(event_sso::sequel::DEFAULT_TIMEOUT)
        .connect_timeout(event_sso::sequel::DEFAULT_CONNECT_TIMEOUT)
        .build()
        .unwrap();

    // The raw baseline's token, from the token request exactly as the clients send it.
    let token_request = Api::new(fake.base_url())
        .unwrap()
        .token(&fake.credentials())
        .unwrap()
        .to_request(None)
        .unwrap();
    let grant = raw_blocking
        .execute(token_request.try_into().unwrap())
        .unwrap()
        .bytes()
        .unwrap();
    let token: String = serde_json::from_slice::<serde_json::Value>(&grant).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let viewer = Viewer::new("user-42", "Ada Lovelace").email("ada@example.com");
    let embed_url = format!("{}/api/v1/event/{event}/embedCode", fake.base_url());
    let embed_body = json!({"userId": "user-42", "userDisplayName": "Ada Lovelace", "userName": "Ada Lovelace", "userEmail": "ada@example.com"}).to_string();
    let register_url = format!("{}/api/v1/event/{event}/registrant", fake.base_url());
    // Each contender registers people of its own, so nobody is registered twice.
    let person = |who: &str, n: &Cell<u64>| {
        n.set(n.get() + 1);
        Registration::new(
            format!("{who} {}", n.get()),
            format!("{who}-{}@example.com", n.get()),
        )
    };
    let (n1, n2, n3, n4) = (Cell::new(0), Cell::new(0), Cell::new(0), Cell::new(0));

    let raw_embed = || async {
        let response = raw
            .post(&embed_url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(embed_body.clone())
            .send()
            .await
            .unwrap();
        let body = response.bytes().await.unwrap();
        url::Url::parse(&serde_json::from_slice::<String>(&body).unwrap()).unwrap()
    };
    let (raw_ref, register_url_ref, token_ref) = (&raw, &register_url, &token);
    let raw_register = |registration: Registration| {
        let body = serde_json::to_vec(&registration).unwrap();
        async move {
            let response = raw_ref
                .post(register_url_ref)
                .bearer_auth(token_ref)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            serde_json::from_slice::<serde_json::Value>(&response.bytes().await.unwrap()).unwrap()
        }
    };
    let raw_blocking_call = |url: &str, body: Vec<u8>| {
        let response = raw_blocking
            .post(url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap();
        assert!(response.status().is_success());
        serde_json::from_slice::<serde_json::Value>(&response.bytes().unwrap()).unwrap()
    };

    let mut embed_async = [
        Contender::new("event-sso async embed_url", || {
            runtime.block_on(ours.embed_url(&event, &viewer)).unwrap();
        }),
        Contender::new("raw reqwest async", || {
            runtime.block_on(raw_embed());
        }),
    ];
    let mut embed_blocking = [
        Contender::new("event-sso blocking embed_url", || {
            ours_blocking.embed_url(&event, &viewer).unwrap();
        }),
        Contender::new("raw reqwest blocking", || {
            let answer = raw_blocking_call(&embed_url, embed_body.clone().into_bytes());
            url::Url::parse(answer.as_str().unwrap()).unwrap();
        }),
    ];
    let mut register_async = [
        Contender::new("event-sso async register", || {
            runtime
                .block_on(ours.register(&event, &person("ours", &n1)))
                .unwrap();
        }),
        Contender::new("raw reqwest async", || {
            runtime.block_on(raw_register(person("raw", &n2)));
        }),
    ];
    let mut register_blocking = [
        Contender::new("event-sso blocking register", || {
            ours_blocking
                .register(&event, &person("ours-blocking", &n3))
                .unwrap();
        }),
        Contender::new("raw reqwest blocking", || {
            raw_blocking_call(
                &register_url,
                serde_json::to_vec(&person("raw-blocking", &n4)).unwrap(),
            );
        }),
    ];
    run_rounds(
        &mut [
            &mut embed_async,
            &mut embed_blocking,
            &mut register_async,
            &mut register_blocking,
        ],
        ROUNDS,
        ROUND_TIME,
        8,
    );

    println!(
        "\nSequel calls to the in-process fake on loopback; medians of {ROUNDS} interleaved rounds of {ROUND_TIME:?}"
    );
    let groups: [(&str, &[Contender<'_>]); 4] = [
        ("embed_url, async", &embed_async),
        ("embed_url, blocking", &embed_blocking),
        ("register, async", &register_async),
        ("register, blocking", &register_blocking),
    ];
    for (title, group) in groups {
        print_group(title, "calls/s", group);
    }
    println!("\noverhead (raw calls/s / event-sso calls/s), target <= {TARGET_OVERHEAD:.2}");
    for (title, group) in groups {
        let overhead = group[1].median() / group[0].median();
        let verdict = if overhead <= TARGET_OVERHEAD {
            "met"
        } else {
            "NOT met"
        };
        println!("{title:<34} {overhead:>6.3}   {verdict}");
    }

    println!("\nasync concurrency sweep, embed_url, 1 s per level");
    println!("{:<12} {:>12} {:>16}", "in flight", "calls/s", "token requests");
    for in_flight in [1usize, 8, 64] {
        // A fresh client each time, so its first token is requested under the full load.
        let client = Client::builder(fake.credentials())
            .base_url(fake.base_url())
            .build()
            .expect("client");
        let tokens_before = fake.count_requests("/api/oauth/token");
        let (calls, elapsed) = runtime.block_on(async {
            let deadline = Instant::now() + Duration::from_secs(1);
            let started = Instant::now();
            let mut workers = tokio::task::JoinSet::new();
            for _ in 0..in_flight {
                let (client, event, viewer) = (client.clone(), event.clone(), viewer.clone());
                workers.spawn(async move {
                    let mut calls = 0u64;
                    while Instant::now() < deadline {
                        client.embed_url(&event, &viewer).await.unwrap();
                        calls += 1;
                    }
                    calls
                });
            }
            let calls: u64 = workers.join_all().await.into_iter().sum();
            (calls, started.elapsed())
        });
        let tokens = fake.count_requests("/api/oauth/token") - tokens_before;
        let verdict = if tokens == 1 { "" } else { "   NOT 1" };
        println!(
            "{in_flight:<12} {:>12.0} {tokens:>16}{verdict}",
            calls as f64 / elapsed.as_secs_f64()
        );
    }

    let bulk_event: EventId = fake.add_event("Bulk");
    let registrations =
        (0..BULK).map(|i| Registration::new(format!("Bulk {i}"), format!("bulk-{i}@example.com")));
    let started = Instant::now();
    let report = runtime.block_on(ours.register_all(&bulk_event, registrations, BulkOptions::new()));
    let elapsed = started.elapsed();
    let stored = runtime.block_on(ours.registrants(&bulk_event)).unwrap().len();
    let counts_ok =
        report.len() == BULK && report.registered() == BULK && report.failed() == 0 && stored == BULK;
    println!(
        "\nregister_all of {BULK} (concurrency {}): {:.2} s, {:.0} registrations/s; report {} registered, {} already, {} failed; fake holds {stored}: {}",
        event_sso::sequel::DEFAULT_CONCURRENCY,
        elapsed.as_secs_f64(),
        BULK as f64 / elapsed.as_secs_f64(),
        report.registered(),
        report.already_registered(),
        report.failed(),
        if counts_ok { "counts check" } else { "COUNTS WRONG" },
    );
    assert!(counts_ok, "the bulk report must account for every registration");
}
