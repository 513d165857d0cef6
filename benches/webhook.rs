//! Receiving a webhook: verify the key and read a typical pre-registration delivery, on one
//! core, against what a handler without the crate would do (compare the key with `==`, which
//! is not constant-time, and parse into an untyped `serde_json::Value`).
//!
//! `cargo bench --bench webhook`

mod common;

use std::time::Duration;

use common::{Contender, print_group, run_rounds};
use event_sso::sequel::webhook::{AUTH_HEADER, Receiver, Verifier, WebhookEvent};
use serde_json::json;

fn main() {
    let secret = "whsec-3f2b8c1e5d4a4b6f9e0d7a1c2b3d4e5f";
    let body = json!({
        "eventType": "new-attendee-pre-registration",
        "webHookInvocationId": "0d566281-387b-4571-8492-f8a589fe81d5",
        "correlationId": "f92b1ec5-f9a2-48fb-b25d-3a8aabac4f42",
        "timestamp": "2025-01-07T10:05:24.000Z",
        "details": {
            "companyId": "8d6e1e40-9deb-430d-8c17-33bd26fe70a1",
            "companyName": "Acme",
            "eventId": "d5907d53-e996-4db5-9575-6b9c17b0df1e",
            "eventName": "Launch party",
            "attendee": {
                "name": "Ada Lovelace",
                "email": "ada@example.com",
                "registrationInfo": [
                    {"question": "Company", "response": "Analytical Engines"},
                    {"question": "Job title", "response": "Countess"},
                    {"question": "How did you hear about us?", "response": "A friend"}
                ]
            }
        }
    })
    .to_string()
    .into_bytes();
    let mut headers = http::HeaderMap::new();
    headers.insert(AUTH_HEADER, secret.parse().unwrap());
    headers.insert(http::header::CONTENT_TYPE, "application/json".parse().unwrap());

    let verifier = Verifier::new(secret);
    // A receiver remembers what it handled, so each call gets a fresh one: its cost is
    // measured with verify, below, and its own bookkeeping separately.
    let receiver = Receiver::new(Verifier::new(secret));
    let mut group = [
        Contender::new("Verifier::verify (typed)", || {
            let delivery = verifier.verify(&headers, &body).unwrap();
            assert!(matches!(delivery.event(), WebhookEvent::AttendeePreRegistered(_)));
        }),
        Contender::new("Receiver::receive (+ repeat check)", || {
            // Every call after the first is a repeat: the cost of verify plus the lookup.
            assert_eq!(receiver.receive(&headers, &body).status(), 200);
        }),
        Contender::new("baseline: == and serde_json::Value", || {
            let key = headers.get(AUTH_HEADER).unwrap().as_bytes();
            assert!(key == secret.as_bytes());
            let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(value["eventType"], "new-attendee-pre-registration");
        }),
    ];
    run_rounds(&mut [&mut group], 9, Duration::from_millis(300), 64);
    println!(
        "\none core, a {}-byte pre-registration delivery; medians of 9 interleaved rounds",
        body.len()
    );
    print_group("webhook receiving", "deliveries/s", &group);
    println!(
        "\nverify (typed) runs at {:.2} of the untyped, non-constant-time baseline",
        group[0].median() / group[2].median()
    );
}
