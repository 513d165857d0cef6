//! Webhooks end to end: the fake Sequel delivers to a small axum receiver built on
//! `webhook::Receiver`, as a user's handler would be.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::clients::{Client, Kind, Settings, call, on_both_transports};
use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::webhook::{
    AUTH_HEADER, Delivery, EndedEvent, Receiver, Verifier, WebhookEvent, WebhookSecret, WebhookType, Work,
};
use event_sso::sequel::{
    KEEP_ALIVE_EXTENSION_DAYS, KeptAlive, NewSubscription, Registration, RetryPolicy, SubscriptionUpdate,
};
use serde_json::json;
use tokio::runtime::Runtime;

const WAIT: Duration = Duration::from_secs(5);

/// What the receiving app saw.
#[derive(Default)]
struct Inbox {
    handled: Mutex<Vec<Delivery>>,
    complete: Mutex<Vec<EndedEvent>>,
    /// Fail this many handler runs first, as a handler whose database is down would.
    fail_first: AtomicUsize,
}

struct App {
    receiver: Mutex<Arc<Receiver>>,
    inbox: Inbox,
}

/// The handler: the receiver does the rest.
async fn hook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let receiver = app.receiver.lock().unwrap().clone();
    let inbox = &app.inbox;
    receiver
        .handle(&headers, &body, |work| async move {
            if inbox
                .fail_first
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return Err("the database is down");
            }
            match work {
                Work::Delivery(delivery) => inbox.handled.lock().unwrap().push(delivery),
                Work::EndedEvent(event) => inbox.complete.lock().unwrap().push(event),
                _ => {}
            }
            Ok(())
        })
        .await
        .status()
}

/// A fake Sequel, an async client for it, and a receiving app on loopback.
struct Bed {
    fake: FakeSequel,
    client: event_sso::sequel::Client,
    runtime: Runtime,
    app: Arc<App>,
    endpoint: url::Url,
}

impl Bed {
    fn new() -> Bed {
        let fake = FakeSequel::start().unwrap();
        let runtime = Runtime::new().unwrap();
        let client = event_sso::sequel::Client::builder(fake.credentials())
            .base_url(fake.base_url())
            .build()
            .unwrap();
        let app = Arc::new(App {
            receiver: Mutex::new(Arc::new(Receiver::new(Verifier::new("not yet subscribed")))),
            inbox: Inbox::default(),
        });
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let endpoint = url::Url::parse(&format!(
            "http://{}/sequel/webhooks",
            listener.local_addr().unwrap()
        ))
        .unwrap();
        let router = axum::Router::new()
            .route("/sequel/webhooks", axum::routing::post(hook))
            .with_state(app.clone());
        runtime.spawn(async move { axum::serve(listener, router).await });
        Bed {
            fake,
            client,
            runtime,
            app,
            endpoint,
        }
    }

    /// Subscribes the app to `kind` and has it accept that subscription's secret.
    fn subscribe(&self, kind: WebhookType) -> (event_sso::sequel::Subscribed, Verifier) {
        let subscription = NewSubscription::new(kind, self.fake.company_id(), self.endpoint.clone());
        let subscribed = self
            .runtime
            .block_on(self.client.subscribe_webhook(&subscription))
            .unwrap();
        let verifier = Verifier::new(subscribed.secret.clone());
        *self.app.receiver.lock().unwrap() = Arc::new(Receiver::new(verifier.clone()));
        (subscribed, verifier)
    }

    fn handled(&self) -> Vec<Delivery> {
        self.app.inbox.handled.lock().unwrap().clone()
    }

    fn post(&self, key: Option<&str>, body: &str) -> u16 {
        let http = reqwest::blocking::Client::new();
        let mut request = http.post(self.endpoint.as_str()).body(body.to_owned());
        if let Some(key) = key {
            request = request.header(AUTH_HEADER, key);
        }
        request.send().unwrap().status().as_u16()
    }
}

fn envelope(kind: &str) -> String {
    json!({"eventType": kind, "webHookInvocationId": "inv-1", "correlationId": "cor-1",
           "timestamp": "2025-01-07T10:05:24.000Z", "details": {"eventId": "e-1", "future": {"field": 1}}})
    .to_string()
}

#[test]
fn a_registration_is_delivered_verified_and_handled() {
    let bed = Bed::new();
    let event = bed.fake.add_event("Launch");
    let (subscribed, _) = bed.subscribe(WebhookType::AttendeePreRegistered);
    assert!(!format!("{subscribed:?}").contains(subscribed.secret.as_str()));
    let ada = Registration::new("Ada Lovelace", "ada@example.com")
        .metadata(json!({"Company": "Analytical Engines"}));
    bed.runtime.block_on(bed.client.register(&event, &ada)).unwrap();

    let delivered = bed.fake.wait_for_deliveries(1, WAIT);
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].answers, [Some(http::StatusCode::OK)]);
    let handled = bed.handled();
    let WebhookEvent::AttendeePreRegistered(registration) = handled[0].event() else {
        panic!("{:?}", handled[0]);
    };
    assert_eq!(registration.attendee.email.as_deref(), Some("ada@example.com"));
    assert_eq!(registration.details.event_id.as_ref(), Some(&event));
    assert_eq!(
        registration.attendee.registration_info[0].question.as_deref(),
        Some("Company")
    );
    assert_eq!(handled[0].event_type(), "new-attendee-pre-registration");
    assert!(
        !format!("{handled:?}").contains("ada@"),
        "no personal data in Debug"
    );
}

#[test]
fn a_wrong_or_missing_key_is_401_and_not_retried_and_a_malformed_body_400() {
    let bed = Bed::new();
    let event = bed.fake.add_event("Launch");
    bed.subscribe(WebhookType::AttendeePreRegistered);
    // A second subscription the app does not know: its deliveries carry another key.
    let other = NewSubscription::new(
        WebhookType::AttendeePreRegistered,
        bed.fake.company_id(),
        bed.endpoint.clone(),
    );
    bed.runtime
        .block_on(bed.client.subscribe_webhook(&other))
        .unwrap();
    bed.runtime
        .block_on(
            bed.client
                .register(&event, &Registration::new("Ada", "ada@example.com")),
        )
        .unwrap();
    let mut answers: Vec<_> = bed
        .fake
        .wait_for_deliveries(2, WAIT)
        .into_iter()
        .map(|d| d.answers)
        .collect();
    answers.sort();
    assert_eq!(
        answers,
        [
            vec![Some(http::StatusCode::OK)],
            vec![Some(http::StatusCode::UNAUTHORIZED)]
        ]
    );
    assert_eq!(bed.handled().len(), 1);

    assert_eq!(bed.post(None, &envelope("virtual-stage-event-started")), 401);
    assert_eq!(
        bed.post(Some("guess"), &envelope("virtual-stage-event-started")),
        401
    );
    let (subscribed, _) = bed.subscribe(WebhookType::EventStarted);
    let key = Some(subscribed.secret.as_str());
    assert_eq!(bed.post(key, "not json"), 400);
    assert_eq!(
        bed.post(key, r#"{"eventType":"virtual-stage-event-started"}"#),
        400
    );
    assert_eq!(
        bed.post(
            key,
            &envelope("virtual-stage-event-started").replace("2025-01-07", "yesterday")
        ),
        400
    );
    assert_eq!(bed.handled().len(), 1, "nothing refused was handled");
}

#[test]
fn an_unknown_type_is_accepted_and_kept() {
    let bed = Bed::new();
    let (subscribed, _) = bed.subscribe(WebhookType::EventStarted);
    assert_eq!(
        bed.post(
            Some(subscribed.secret.as_str()),
            &envelope("virtual-stage-something-new")
        ),
        200
    );
    let handled = bed.handled();
    let WebhookEvent::Other { event_type, details } = handled[0].event() else {
        panic!("{:?}", handled[0]);
    };
    assert_eq!(event_type, "virtual-stage-something-new");
    assert_eq!(details["future"]["field"], 1);
}

#[test]
fn a_repeat_is_handled_once_and_a_failed_one_again() {
    let bed = Bed::new();
    let event = bed.fake.add_event("Launch");
    bed.subscribe(WebhookType::AttendeePreRegistered);
    bed.fake.deliver_twice(true);
    bed.runtime
        .block_on(
            bed.client
                .register(&event, &Registration::new("Ada", "ada@example.com")),
        )
        .unwrap();
    let delivered = bed.fake.wait_for_deliveries(2, WAIT);
    assert_eq!(delivered.len(), 2);
    // Both copies end in 200; one that came while the other was being handled got 429 first.
    for copy in &delivered {
        assert_eq!(
            copy.answers.last(),
            Some(&Some(http::StatusCode::OK)),
            "{:?}",
            copy.answers
        );
        assert!(
            copy.answers[..copy.answers.len() - 1]
                .iter()
                .all(|answer| *answer == Some(http::StatusCode::TOO_MANY_REQUESTS))
        );
    }
    assert_eq!(bed.handled().len(), 1, "handled once");

    // A handler that fails is answered 500 and its claim released: Sequel's retry is handled.
    bed.fake.deliver_twice(false);
    bed.app.inbox.fail_first.store(1, Ordering::SeqCst);
    bed.runtime
        .block_on(
            bed.client
                .register(&event, &Registration::new("Bob", "bob@example.com")),
        )
        .unwrap();
    let delivered = bed.fake.wait_for_deliveries(3, WAIT);
    assert_eq!(
        delivered[2].answers,
        [
            Some(http::StatusCode::INTERNAL_SERVER_ERROR),
            Some(http::StatusCode::OK)
        ],
        "retried after 500"
    );
    assert_eq!(bed.handled().len(), 2);
}

#[test]
fn after_a_renewal_the_old_secret_is_refused_once_the_grace_period_is_over() {
    let bed = Bed::new();
    let event = bed.fake.add_event("Launch");
    let (first, _) = bed.subscribe(WebhookType::AttendeePreRegistered);
    let renewed = bed
        .runtime
        .block_on(bed.client.renew_webhook(&first.id, Some(30)))
        .unwrap();
    assert_ne!(renewed.secret, first.secret);
    let until = time::OffsetDateTime::now_utc() + time::Duration::milliseconds(300);
    let verifier = Verifier::new(renewed.secret.clone()).with_previous(first.secret.clone(), until);
    *bed.app.receiver.lock().unwrap() = Arc::new(Receiver::new(verifier));

    bed.runtime
        .block_on(
            bed.client
                .register(&event, &Registration::new("Ada", "ada@example.com")),
        )
        .unwrap();
    assert_eq!(
        bed.fake.wait_for_deliveries(1, WAIT)[0].answers,
        [Some(http::StatusCode::OK)],
        "the new secret"
    );
    assert_eq!(
        bed.post(
            Some(first.secret.as_str()),
            &envelope("virtual-stage-event-started")
        ),
        200
    );
    std::thread::sleep(Duration::from_millis(400));
    let late = envelope("virtual-stage-event-started").replace("inv-1", "inv-2");
    assert_eq!(bed.post(Some(first.secret.as_str()), &late), 401, "grace over");
    assert_eq!(bed.post(Some(renewed.secret.as_str()), &late), 200);
}

#[test]
fn an_ended_event_is_gathered_from_its_batches() {
    let bed = Bed::new();
    let event = bed.fake.add_event("Launch");
    for i in 0..7 {
        let person = Registration::new(format!("P{i}"), format!("p{i}@example.com"));
        bed.runtime
            .block_on(bed.client.register(&event, &person))
            .unwrap();
    }
    bed.subscribe(WebhookType::EventEnded);
    assert!(
        bed.fake.start_event(&event),
        "no subscriber for started: nothing sent"
    );
    assert!(bed.fake.end_event(&event, 3));
    let delivered = bed.fake.wait_for_deliveries(3, WAIT);
    assert_eq!(delivered.len(), 3, "7 users in batches of 3");
    let complete = bed.app.inbox.complete.lock().unwrap().clone();
    assert_eq!(
        complete.len(),
        1,
        "once, when the last batch arrived, whatever the order"
    );
    let emails: Vec<&str> = complete[0]
        .users
        .iter()
        .filter_map(|u| u.email.as_deref())
        .collect();
    assert_eq!(
        emails,
        (0..7).map(|i| format!("p{i}@example.com")).collect::<Vec<_>>(),
        "every user, in page order"
    );
    assert_eq!(complete[0].users[0].your_user_id(), Some("p0@example.com"));
    assert!(
        bed.handled().is_empty(),
        "batches are gathered, not handled one by one"
    );
}

#[test]
fn event_changes_are_delivered() {
    use event_sso::sequel::{EventType, EventUpdate, NewEvent};
    let bed = Bed::new();
    // Three subscriptions, each with its own secret: what the fake sends is read from its log.
    for kind in [
        WebhookType::EventCreated,
        WebhookType::EventUpdated,
        WebhookType::EventDeleted,
    ] {
        bed.subscribe(kind);
    }
    let start = time::OffsetDateTime::now_utc() + time::Duration::DAY;
    let new = NewEvent::new(
        bed.fake.company_id(),
        "Launch",
        start,
        start + time::Duration::HOUR,
        "Etc/UTC",
        EventType::Virtual,
    );
    let created = bed.runtime.block_on(bed.client.create_event(&new)).unwrap();
    let id = created.uid.unwrap();
    bed.runtime
        .block_on(bed.client.update_event(&id, &EventUpdate::new().name("Renamed")))
        .unwrap();
    bed.runtime.block_on(bed.client.delete_event(&id)).unwrap();
    let delivered = bed.fake.wait_for_deliveries(3, WAIT);
    let mut kinds: Vec<&str> = delivered.iter().map(|d| d.event_type.as_str()).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "virtual-stage-created",
            "virtual-stage-deleted",
            "virtual-stage-updated"
        ]
    );
    let bodies: Vec<Delivery> = delivered
        .iter()
        .map(|d| Delivery::parse(&d.body).unwrap())
        .collect();
    assert!(
        bodies
            .iter()
            .all(|d| d.event().details().and_then(|e| e.event_id.as_ref()) == Some(&id))
    );
}

/// Subscription management through both clients.
fn subscriptions_are_managed(kind: Kind) {
    let fake = FakeSequel::start().unwrap();
    let client = Client::build(kind, fake.credentials(), |settings| Settings {
        base_url: Some(fake.base_url().to_owned()),
        retry: Some(RetryPolicy::none()),
        ..settings
    });
    let bed = ClientBed {
        client,
        runtime: common::clients::runtime(),
    };
    let endpoint = url::Url::parse("https://example.com/hooks").unwrap();
    let new =
        NewSubscription::new(WebhookType::EventEnded, fake.company_id(), endpoint.clone()).length_in_days(30);
    let subscribed = call!(bed, subscribe_webhook(&new)).unwrap();
    let until = subscribed.expires_on.unwrap() - time::OffsetDateTime::now_utc();
    assert!((29..=30).contains(&until.whole_days()), "{until}");

    let described = call!(bed, webhook_subscription(&subscribed.id)).unwrap();
    assert_eq!(described.kind, Some(WebhookType::EventEnded));
    assert_eq!(described.endpoint.as_deref(), Some("https://example.com/hooks"));

    let moved = url::Url::parse("https://example.com/v2/hooks").unwrap();
    let update = SubscriptionUpdate::new().endpoint(moved).extend_by_days(10);
    let updated = call!(bed, update_webhook(&subscribed.id, &update)).unwrap();
    assert_eq!(updated.endpoint.as_deref(), Some("https://example.com/v2/hooks"));
    assert_eq!(
        (updated.expires_on.unwrap() - subscribed.expires_on.unwrap()).whole_days(),
        10
    );

    // 40 days left: kept as it is; fewer than asked for: extended, with the same secret.
    let kept = call!(bed, keep_webhook_alive(&subscribed.id, 14)).unwrap();
    let KeptAlive::Unchanged(kept) = kept else {
        panic!("{kept:?}")
    };
    assert_eq!(kept.expires_on, updated.expires_on);
    let extended = call!(bed, keep_webhook_alive(&subscribed.id, 60)).unwrap();
    let KeptAlive::Extended(extended) = extended else {
        panic!("{extended:?}")
    };
    assert_eq!(
        (extended.expires_on.unwrap() - updated.expires_on.unwrap()).whole_days(),
        i64::from(KEEP_ALIVE_EXTENSION_DAYS)
    );
    let extend_calls = fake
        .requests()
        .iter()
        .filter(|r| {
            r.method == "PUT"
                && r.json()
                    .is_some_and(|b| b["subscriptionInfo"]["extendSubscriptionByDays"] == 90)
        })
        .count();
    assert_eq!(extend_calls, 1, "one extension, sent as Sequel documents it");

    let renewed = call!(bed, renew_webhook(&subscribed.id, None)).unwrap();
    assert_ne!(renewed.secret, subscribed.secret);
    call!(bed, unsubscribe_webhook(&subscribed.id)).unwrap();
    assert!(
        call!(bed, webhook_subscription(&subscribed.id))
            .unwrap_err()
            .is_not_found()
    );

    // Refused before sending.
    let sent = fake.requests().len();
    for days in [0, 1, 366] {
        let err = call!(bed, subscribe_webhook(&new.clone().length_in_days(days))).unwrap_err();
        assert!(
            err.is_invalid_input() && err.to_string().contains("2 to 365 days"),
            "{err}"
        );
    }
    let ftp = NewSubscription::new(
        WebhookType::EventEnded,
        fake.company_id(),
        url::Url::parse("ftp://x.example/").unwrap(),
    );
    assert!(
        call!(bed, subscribe_webhook(&ftp))
            .unwrap_err()
            .is_invalid_input()
    );
    assert!(
        call!(bed, update_webhook(&subscribed.id, &SubscriptionUpdate::new()))
            .unwrap_err()
            .is_invalid_input()
    );
    assert_eq!(fake.requests().len(), sent);
    let secret: WebhookSecret = renewed.secret;
    assert_eq!(format!("{secret:?}"), "WebhookSecret(<redacted>)");
}

/// A client of either kind, for `call!`.
struct ClientBed {
    client: Client,
    runtime: Arc<Runtime>,
}

on_both_transports!(subscriptions_are_managed);

/// Outside any tokio runtime (another executor), a handler that waits still runs to its end:
/// the lease is not renewed there, and nothing panics for want of tokio's timer.
#[test]
fn a_handler_runs_outside_tokio() {
    let receiver = Receiver::new(Verifier::new("hook-secret"));
    let mut headers = http::HeaderMap::new();
    headers.insert(AUTH_HEADER, "hook-secret".parse().unwrap());
    let body = br#"{"eventType":"virtual-stage-event-started","webHookInvocationId":"i-1","correlationId":"c-1","timestamp":"2025-01-07T10:05:24.000Z","details":{"eventId":"e-1"}}"#;
    let mut waited = false;
    // Pending once, as a handler waiting on I/O would be, then done.
    let handler = |_| {
        std::future::poll_fn(move |cx| match std::mem::replace(&mut waited, true) {
            false => {
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
            true => std::task::Poll::Ready(Ok::<(), std::io::Error>(())),
        })
    };
    let mut handling = std::pin::pin!(receiver.handle(&headers, body, handler));
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    let handled = loop {
        if let std::task::Poll::Ready(handled) = handling.as_mut().poll(&mut context) {
            break handled;
        }
    };
    assert_eq!(handled.status(), 200, "{handled}");
}
