//! The webhook receiver's state: one conformance suite run on the in-memory store and on a
//! real Redis, then replicas (three receivers, each with its own connection) sharing Redis
//! through retries, failures, a receiver dropped mid-handler, a restart, a paused Redis and a
//! Redis restarted from its append-only file.
//!
//! The Redis tests need `REDIS_URL` (and, for the pause and restart, `REDIS_SERVER`, the
//! `redis-server` binary); `bash .ci/run` provides both. Without them they fail, saying so.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use event_sso::http::{HeaderMap, StatusCode};
use event_sso::sequel::webhook::{
    AUTH_HEADER, EndedEvent, Handled, MemoryStore, Receiver, Verifier, WebhookEvent, WebhookStore, Work,
};
use serde_json::json;

const SECRET: &str = "whsec-\"quoted\"\\escaped-ada@example.com";

fn headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(AUTH_HEADER, SECRET.parse().unwrap());
    headers
}

/// A pre-registration: `invocation` for this delivery, `correlation` for the occurrence.
fn registration(invocation: &str, correlation: &str) -> Vec<u8> {
    json!({"eventType": "new-attendee-pre-registration", "webHookInvocationId": invocation,
           "correlationId": correlation, "timestamp": "2025-01-07T10:05:24.000Z",
           "details": {"eventId": "e-1", "attendee": {"name": "Ada", "email": correlation, "registrationInfo": []}}})
    .to_string()
    .into_bytes()
}

/// Page `page` of an ended event of `total` users in pages of `size`.
fn batch(correlation: &str, page: u64, size: u64, total: u64) -> Vec<u8> {
    let first = (page - 1) * size;
    let users: Vec<_> = (first..(first + size).min(total))
        .map(|i| json!({"name": format!("P{i}"), "email": format!("p{i}@example.com")}))
        .collect();
    json!({"eventType": "virtual-stage-event-ended", "webHookInvocationId": format!("{correlation}-{page}-{}", common_nonce()),
           "correlationId": correlation, "timestamp": "2025-01-07T10:05:24.000Z",
           "details": {"eventId": "e-1", "eventName": "Launch", "totalCount": total, "page": page, "size": size, "users": users}})
    .to_string()
    .into_bytes()
}

/// Each retry of a batch gets a new invocation id, as Sequel's may.
fn common_nonce() -> usize {
    static NONCE: AtomicUsize = AtomicUsize::new(0);
    NONCE.fetch_add(1, Ordering::SeqCst)
}

/// What the handlers saw, across every receiver.
#[derive(Default)]
struct Ledger {
    handled: Mutex<BTreeMap<String, usize>>,
    ended: Mutex<Vec<EndedEvent>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl Ledger {
    fn times(&self, email: &str) -> usize {
        self.handled.lock().unwrap().get(email).copied().unwrap_or(0)
    }

    /// Returns once a handler is running: its claim is in the store.
    async fn handler_running(&self) {
        while self.in_flight.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// Runs `delivery` until its handler is running, then drops it there, as a request cut off or
/// a replica that died mid-handler would.
async fn cut_off_mid_handler(ledger: &Ledger, delivery: impl std::future::Future<Output = StatusCode>) {
    tokio::select! {
        status = delivery => panic!("answered {status} before it was cut off"),
        () = ledger.handler_running() => {}
    }
}

/// Receives `body` at `receiver`, the handler recording into `ledger`, failing when `fail`,
/// and waiting `hold` first.
async fn deliver<S: WebhookStore>(
    receiver: &Receiver<S>,
    ledger: &Ledger,
    body: &[u8],
    fail: bool,
    hold: Duration,
) -> StatusCode {
    let handled = receiver
        .handle(&headers(), body, |work| async move {
            let now = ledger.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            ledger.most_in_flight.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(hold).await;
            ledger.in_flight.fetch_sub(1, Ordering::SeqCst);
            if fail {
                return Err("the handler failed");
            }
            match work {
                Work::Delivery(delivery) => {
                    let WebhookEvent::AttendeePreRegistered(registration) = delivery.event() else {
                        panic!("only registrations are sent one by one here")
                    };
                    let email = registration.attendee.email.clone().unwrap();
                    *ledger.handled.lock().unwrap().entry(email).or_default() += 1;
                }
                Work::EndedEvent(event) => ledger.ended.lock().unwrap().push(event),
                _ => unreachable!(),
            }
            Ok(())
        })
        .await;
    assert_ne!(handled.status(), StatusCode::NOT_FOUND, "never 404");
    if let Handled::Failed { error, unreleased } = &handled {
        assert_eq!(*error, "the handler failed");
        assert!(unreleased.is_none(), "{unreleased:?}");
    }
    handled.status()
}

const NO_WAIT: Duration = Duration::ZERO;

/// A delivery whose handler succeeds at once.
async fn post<S: WebhookStore>(receiver: &Receiver<S>, ledger: &Ledger, body: &[u8]) -> StatusCode {
    deliver(receiver, ledger, body, false, NO_WAIT).await
}

fn users(event: &EndedEvent) -> Vec<String> {
    event.users.iter().map(|u| u.email.clone().unwrap()).collect()
}

fn all_users(total: u64) -> Vec<String> {
    (0..total).map(|i| format!("p{i}@example.com")).collect()
}

// ---- the conformance suite: every store keeps the same contract ----------------------------

/// Handled once: a repeat (same or new invocation id) is 200 without the handler.
async fn once_and_repeats<S: WebhookStore>(receiver: Receiver<S>) {
    let ledger = Ledger::default();
    let first = registration("inv-1", "ada@example.com");
    let retry = registration("inv-2", "ada@example.com");
    assert_eq!(post(&receiver, &ledger, &first).await, 200);
    assert_eq!(post(&receiver, &ledger, &first).await, 200);
    assert_eq!(post(&receiver, &ledger, &retry).await, 200);
    assert_eq!(ledger.times("ada@example.com"), 1);
}

/// A failing handler is answered 500 and its claim released: the retry runs it again.
async fn a_failure_is_retried<S: WebhookStore>(receiver: Receiver<S>) {
    let ledger = Ledger::default();
    let body = registration("inv-1", "bob@example.com");
    assert_eq!(deliver(&receiver, &ledger, &body, true, NO_WAIT).await, 500);
    assert_eq!(ledger.times("bob@example.com"), 0);
    assert_eq!(post(&receiver, &ledger, &body).await, 200);
    assert_eq!(ledger.times("bob@example.com"), 1);
}

/// A repeat while the first is being handled is 429, and the handler runs once at a time.
async fn a_repeat_while_handling_is_429<S: WebhookStore>(receiver: Receiver<S>) {
    let ledger = Ledger::default();
    let body = registration("inv-1", "cy@example.com");
    let slow = deliver(&receiver, &ledger, &body, false, Duration::from_millis(500));
    let repeat = async {
        ledger.handler_running().await;
        post(&receiver, &ledger, &body).await
    };
    let (slow, repeat) = tokio::join!(slow, repeat);
    assert_eq!((slow, repeat), (StatusCode::OK, StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(ledger.most_in_flight.load(Ordering::SeqCst), 1);
    assert_eq!(post(&receiver, &ledger, &body).await, 200);
    assert_eq!(ledger.times("cy@example.com"), 1);
}

/// A handler that never finishes (its request dropped, its replica gone) stops renewing its
/// claim, which is gone within a lease (at once on PostgreSQL, where the claim is the
/// transaction its dropped request rolls back): then the retry is handled, once.
async fn a_cut_off_handler_frees_its_occurrence_within_a_lease<S: WebhookStore>(receiver: Receiver<S>) {
    let lease = Duration::from_millis(300);
    let receiver = receiver.lease(lease);
    let ledger = Ledger::default();
    let body = registration("inv-1", "dee@example.com");
    let first = deliver(&receiver, &ledger, &body, false, Duration::from_secs(60));
    cut_off_mid_handler(&ledger, first).await;
    let cut_at = Instant::now();
    let answers = until_ok(&receiver, &ledger, &body).await;
    let freed = cut_at.elapsed();
    assert!(
        freed < lease + Duration::from_millis(400),
        "freed after {freed:?}"
    );
    assert!(
        answers[..answers.len() - 1].iter().all(|status| *status == 429),
        "{answers:?}"
    );
    assert_eq!(ledger.times("dee@example.com"), 1);
}

/// A handler that runs for many leases keeps its claim: the receiver renews it while it runs.
async fn a_long_handler_keeps_its_claim<S: WebhookStore>(receiver: Receiver<S>) {
    let receiver = receiver.lease(Duration::from_millis(300));
    let ledger = Ledger::default();
    let body = registration("inv-1", "long@example.com");
    let long = deliver(&receiver, &ledger, &body, false, Duration::from_millis(1500));
    let repeats = async {
        ledger.handler_running().await;
        let mut answers = Vec::new();
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            answers.push(post(&receiver, &ledger, &body).await.as_u16());
        }
        answers
    };
    let (long, answers) = tokio::join!(long, repeats);
    assert_eq!(long, 200);
    assert_eq!(answers, [429, 429, 429, 429], "held for five leases");
    assert_eq!(ledger.times("long@example.com"), 1);
}

/// A replica that freezes mid-handler (its thread stopped: no renewal, no progress) loses its
/// claim after a lease; another request handles the retry, and the frozen one, once it wakes,
/// cannot record the occurrence done after it: fenced out, `429`.
async fn a_frozen_holder_is_fenced_out<S: WebhookStore + 'static>(receiver: Receiver<S>) {
    let lease = Duration::from_millis(300);
    let receiver = Arc::new(receiver.lease(lease));
    let ledger = Arc::new(Ledger::default());
    let body = registration("inv-1", "fen@example.com");
    // On a thread and a runtime of its own, as another process would be.
    let frozen = std::thread::spawn({
        let (receiver, ledger, body) = (receiver.clone(), ledger.clone(), body.clone());
        move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let handled = runtime.block_on(receiver.handle(&headers(), &body, |_| async {
                ledger.in_flight.fetch_add(1, Ordering::SeqCst);
                // Frozen: the thread stops, and the renewals with it.
                std::thread::sleep(Duration::from_millis(1200));
                *ledger
                    .handled
                    .lock()
                    .unwrap()
                    .entry("fen@example.com".to_owned())
                    .or_default() += 1;
                Ok::<(), &str>(())
            }));
            handled.status()
        }
    });
    ledger.handler_running().await;
    let frozen_at = Instant::now();
    until_ok(&receiver, &ledger, &body).await;
    let taken_over = frozen_at.elapsed();
    assert!(
        taken_over < lease + Duration::from_millis(400),
        "taken over after {taken_over:?}"
    );
    let frozen = tokio::task::spawn_blocking(|| frozen.join().unwrap())
        .await
        .unwrap();
    assert_eq!(
        frozen,
        StatusCode::TOO_MANY_REQUESTS,
        "the frozen one is fenced out"
    );
    assert_eq!(post(&receiver, &ledger, &body).await, 200, "done, by the retry");
    // Both handlers ran (a plain handler's effects cannot be undone); only one recorded it.
    assert_eq!(ledger.times("fen@example.com"), 2);
}

/// Batches in any order, one repeated: stored (200) until the last, which gives the whole
/// event once, in page order. A failure there releases it; the last batch's retry completes
/// it; a later repeat is 200 with nothing given.
async fn an_ended_event_is_given_once_and_whole<S: WebhookStore>(receiver: Receiver<S>) {
    let ledger = Ledger::default();
    let (size, total) = (3, 8);
    for page in [3, 1, 1] {
        let status = post(&receiver, &ledger, &batch("end-1", page, size, total)).await;
        assert_eq!(status, 200);
    }
    assert!(
        ledger.ended.lock().unwrap().is_empty(),
        "not before the last batch"
    );
    let last = batch("end-1", 2, size, total);
    assert_eq!(deliver(&receiver, &ledger, &last, true, NO_WAIT).await, 500);
    assert_eq!(post(&receiver, &ledger, &last).await, 200);
    assert_eq!(
        post(&receiver, &ledger, &batch("end-1", 1, size, total)).await,
        200
    );
    let ended = ledger.ended.lock().unwrap();
    assert_eq!(ended.len(), 1);
    assert_eq!(users(&ended[0]), all_users(total));
    assert_eq!(ended[0].correlation_id.as_deref(), Some("end-1"));
    assert_eq!(ended[0].details.event_name.as_deref(), Some("Launch"));
}

/// A done occurrence is kept `keep`, then forgotten (every entry has a lifetime).
async fn done_is_kept_for_keep<S: WebhookStore>(receiver: Receiver<S>) {
    let receiver = receiver.keep(Duration::from_millis(300));
    let ledger = Ledger::default();
    let body = registration("inv-1", "eve@example.com");
    assert_eq!(post(&receiver, &ledger, &body).await, 200);
    assert_eq!(post(&receiver, &ledger, &body).await, 200);
    assert_eq!(ledger.times("eve@example.com"), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(post(&receiver, &ledger, &body).await, 200);
    assert_eq!(ledger.times("eve@example.com"), 2, "forgotten after keep");
}

/// A refused delivery never reaches the store or the handler.
async fn refusals_touch_nothing<S: WebhookStore>(receiver: Receiver<S>) {
    let ledger = Ledger::default();
    let body = registration("inv-1", "fay@example.com");
    let mut wrong = HeaderMap::new();
    wrong.insert(AUTH_HEADER, "wrong".parse().unwrap());
    let refused = receiver
        .handle(&wrong, &body, |_| async { Ok::<(), ()>(()) })
        .await;
    assert_eq!(refused.status(), 401);
    let malformed = receiver
        .handle(&headers(), b"{", |_| async { Ok::<(), ()>(()) })
        .await;
    assert_eq!(malformed.status(), 400);
    assert_eq!(post(&receiver, &ledger, &body).await, 200);
    assert_eq!(ledger.times("fay@example.com"), 1);
}

/// Sequel's retries after 429 and 5xx, 20 ms apart, until one is answered 200: every answer.
async fn until_ok<S: WebhookStore>(receiver: &Receiver<S>, ledger: &Ledger, body: &[u8]) -> Vec<u16> {
    let mut answers = Vec::new();
    while answers.last() != Some(&200) {
        answers.push(post(receiver, ledger, body).await.as_u16());
        assert!(answers.len() < 200, "never 200: {answers:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    answers
}

/// Three replicas, each with its own connection (`replica` makes one on the shared state):
/// retries spread over them, a repeat while the first is handled, a failing handler, one
/// dropped mid-handler, and an ended event's batches spread over them with a repeat and a
/// replica restarted between batches. Each occurrence once, the ended event once and whole.
#[cfg(any(feature = "redis", feature = "postgres"))]
async fn three_replicas_handle_each_occurrence_once<S, F, Fut>(replica: F)
where
    S: WebhookStore,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Receiver<S>>,
{
    let mut replicas = vec![replica().await, replica().await, replica().await];
    let ledger = Ledger::default();
    let mut statuses = Vec::new();

    // Five registrations, each delivered to one replica and retried on the other two.
    for i in 0..5 {
        for retry in 0..3 {
            let body = registration(&format!("inv-{i}-{retry}"), &format!("r{i}@example.com"));
            statuses.push(post(&replicas[(i + retry) % 3], &ledger, &body).await);
        }
    }
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    // A repeat on another replica while the first is still handled: 429.
    let body = registration("slow", "slow@example.com");
    let (first, repeat) = tokio::join!(
        deliver(&replicas[0], &ledger, &body, false, Duration::from_millis(500)),
        async {
            ledger.handler_running().await;
            post(&replicas[1], &ledger, &body).await
        }
    );
    assert_eq!((first.as_u16(), repeat.as_u16()), (200, 429));
    assert_eq!(post(&replicas[2], &ledger, &body).await, 200);

    // A failing handler on one replica; the retry on another handles it.
    let body = registration("fails", "fails@example.com");
    assert_eq!(deliver(&replicas[1], &ledger, &body, true, NO_WAIT).await, 500);
    assert_eq!(post(&replicas[2], &ledger, &body).await, 200);

    // A replica dropped mid-handler: 429 until its claim is gone (within its lease), then
    // handled elsewhere.
    let body = registration("dropped", "dropped@example.com");
    let dying = deliver(&replicas[2], &ledger, &body, false, Duration::from_secs(60));
    cut_off_mid_handler(&ledger, dying).await;
    let answers = until_ok(&replicas[0], &ledger, &body).await;
    assert!(
        answers[..answers.len() - 1].iter().all(|status| *status == 429),
        "{answers:?}"
    );

    // An ended event's batches spread over them, one repeated, a replica restarted between.
    let (size, total) = (3, 8);
    assert_eq!(
        post(&replicas[0], &ledger, &batch("ended", 1, size, total)).await,
        200
    );
    assert_eq!(
        post(&replicas[1], &ledger, &batch("ended", 1, size, total)).await,
        200
    );
    replicas.remove(2); // a deploy: its connection closes
    replicas.push(replica().await);
    assert_eq!(
        post(&replicas[2], &ledger, &batch("ended", 3, size, total)).await,
        200
    );
    assert!(ledger.ended.lock().unwrap().is_empty());
    assert_eq!(
        post(&replicas[1], &ledger, &batch("ended", 2, size, total)).await,
        200
    );
    assert_eq!(
        post(&replicas[0], &ledger, &batch("ended", 2, size, total)).await,
        200
    );

    // The count: each occurrence once, the ended event once and whole.
    let handled = ledger.handled.lock().unwrap().clone();
    assert_eq!(handled.len(), 8, "{handled:?}");
    assert!(handled.values().all(|times| *times == 1), "{handled:?}");
    let ended = ledger.ended.lock().unwrap();
    assert_eq!(ended.len(), 1);
    assert_eq!(users(&ended[0]), all_users(total));
}

macro_rules! conformance {
    ($store:expr) => {
        conformance!(@each $store;
            once_and_repeats, a_failure_is_retried, a_repeat_while_handling_is_429,
            a_cut_off_handler_frees_its_occurrence_within_a_lease, a_long_handler_keeps_its_claim,
            a_frozen_holder_is_fenced_out,
            an_ended_event_is_given_once_and_whole, done_is_kept_for_keep, refusals_touch_nothing);
    };
    (@each $store:expr; $($scenario:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                let store = $store;
                super::$scenario(event_sso::sequel::webhook::Receiver::with_store(super::verifier(), store)).await;
            }
        )*
    };
}

fn verifier() -> Verifier {
    Verifier::new(SECRET)
}

mod memory {
    conformance!(super::MemoryStore::new());
}

/// The run-time choice keeps the contract of the store it wraps.
mod any_memory {
    conformance!(event_sso::sequel::webhook::AnyStore::memory());
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::time::Duration;

    use event_sso::sequel::webhook::{PostgresStore, Receiver};

    use super::common::postgres::{fresh_schema, options, url};

    conformance!(super::common::postgres::store().await);

    /// The Redis replicas' scenario, on PostgreSQL: each replica with its own pool.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn three_replicas_handle_each_occurrence_once() {
        let schema = fresh_schema();
        super::three_replicas_handle_each_occurrence_once(|| async {
            let store = PostgresStore::connect_with(&url(), options(&schema))
                .await
                .unwrap();
            Receiver::with_store(super::verifier(), store).lease(Duration::from_millis(400))
        })
        .await;
    }
}

#[cfg(feature = "redis")]
mod redis {
    use super::*;

    conformance!(super::redis::store(&super::redis::fresh_prefix()).await);

    /// `REDIS_URL`, or a failure that says how to get one.
    pub fn url() -> String {
        std::env::var("REDIS_URL").unwrap_or_else(|_| {
            panic!(
                "REDIS_URL is not set: these tests need a Redis. Run `bash .ci/run`, or start one \
                 (`redis-server --port 6390 --save '' --appendonly no &`) and run \
                 `REDIS_URL=redis://127.0.0.1:6390/ REDIS_SERVER=$(command -v redis-server) \
                 cargo test --features blocking,tracing,fake,redis --test webhook_store`"
            )
        })
    }

    /// A prefix no other test uses, so tests share one Redis without meeting.
    pub fn fresh_prefix() -> String {
        format!("test:{}:{}", std::process::id(), super::common_nonce())
    }

    pub async fn store(prefix: &str) -> RedisStore {
        RedisStore::connect_with(
            &url(),
            RedisOptions::new().prefix(prefix).timeout(Duration::from_secs(1)),
        )
        .await
        .unwrap()
    }

    use event_sso::sequel::webhook::{RedisOptions, RedisStore};

    /// Every key the store made has a lifetime, under the prefix.
    #[tokio::test]
    async fn every_key_has_a_ttl_and_the_prefix() {
        let prefix = fresh_prefix();
        let receiver = Receiver::with_store(verifier(), store(&prefix).await);
        let ledger = Ledger::default();
        post(&receiver, &ledger, &registration("i", "a@example.com")).await;
        deliver(
            &receiver,
            &ledger,
            &registration("j", "b@example.com"),
            true,
            NO_WAIT,
        )
        .await;
        post(&receiver, &ledger, &batch("ttl", 1, 2, 4)).await;
        let body = registration("k", "c@example.com");
        let held = deliver(&receiver, &ledger, &body, false, Duration::from_secs(60));
        cut_off_mid_handler(&ledger, held).await;
        let mut raw = ::redis::Client::open(url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let keys: Vec<String> = ::redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut raw)
            .await
            .unwrap();
        assert_eq!(keys.len(), 3, "done, held and gathering: {keys:?}");
        for key in keys {
            let ttl: i64 = ::redis::cmd("PTTL")
                .arg(&key)
                .query_async(&mut raw)
                .await
                .unwrap();
            assert!(ttl > 0, "{key} has no TTL ({ttl})");
            assert!(key.contains('{') && key.contains('}'), "{key}: hash-tagged");
        }
    }

    /// The longest and shortest timeouts and leases neither panic nor break a step.
    #[tokio::test]
    async fn the_longest_and_shortest_spans_neither_panic_nor_break_a_step() {
        let longest = RedisOptions::new()
            .prefix(fresh_prefix())
            .timeout(Duration::MAX)
            .connect_timeout(Duration::MAX);
        let store = RedisStore::connect_with(&url(), longest).await.unwrap();
        let receiver = Receiver::with_store(verifier(), store)
            .lease(Duration::MAX)
            .keep(Duration::MAX);
        let ledger = Ledger::default();
        let body = registration("i", "spans@example.com");
        assert_eq!(post(&receiver, &ledger, &body).await, 200);
        assert_eq!(post(&receiver, &ledger, &body).await, 200);
        assert_eq!(ledger.times("spans@example.com"), 1, "kept for ever: a repeat");
        let shortest = RedisOptions::new().prefix(fresh_prefix()).timeout(Duration::ZERO);
        // No time at all: connecting fails, or a step is answered 503, or 200 when Redis
        // answered within the timer's first tick; never a panic, and never a delivery handled
        // without being recorded.
        match RedisStore::connect_with(&url(), shortest).await {
            Err(refused) => assert_eq!(refused.to_string(), "the webhook store did not answer in time"),
            Ok(store) => {
                let receiver = Receiver::with_store(verifier(), store).lease(Duration::ZERO);
                let status = post(&receiver, &ledger, &registration("j", "zero@example.com")).await;
                assert!([200, 503].contains(&status.as_u16()), "{status}");
                assert_eq!(ledger.times("zero@example.com"), usize::from(status == 200));
            }
        }
    }

    /// The password never prints: not in the store's Debug, not in an error.
    #[tokio::test]
    async fn the_password_never_prints() {
        let marker = "pa\"ss\\word-ada@example.com";
        let encoded = marker
            .replace('"', "%22")
            .replace('\\', "%5C")
            .replace('@', "%40");
        let address = url().trim_start_matches("redis://").to_owned();
        let refused = RedisStore::connect(&format!("redis://nobody:{encoded}@{address}"))
            .await
            .unwrap_err();
        let shown = format!("{refused} {refused:?} {:?}", std::error::Error::source(&refused));
        assert!(!shown.contains("pa\"ss") && !shown.contains(&encoded), "{shown}");
        assert!(shown.contains("webhook store"), "{shown}");
        let store = store(&fresh_prefix()).await;
        assert!(!format!("{store:?}").contains(&url()));
    }

    /// An ACL user with a password full of markers: the store connects as them and works,
    /// and a wrong password is refused with an error that holds no part of it.
    #[tokio::test]
    async fn an_acl_user_with_a_password_connects() {
        let (user, password) = (
            format!("hooks-{}", common_nonce()),
            "p\"a's\\s`w{d}-ada@example.com",
        );
        let mut admin = ::redis::Client::open(url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let _: () = ::redis::cmd("ACL")
            .arg("SETUSER")
            .arg(&user)
            .arg("on")
            .arg(format!(">{password}"))
            .arg("~*")
            .arg("+@all")
            .query_async(&mut admin)
            .await
            .unwrap();
        let address = url().trim_start_matches("redis://").to_owned();
        let encode = |text: &str| -> String {
            text.bytes()
                .map(|byte| match byte {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' => (byte as char).to_string(),
                    _ => format!("%{byte:02X}"),
                })
                .collect()
        };
        let as_user = format!("redis://{user}:{}@{address}", encode(password));
        let options = || RedisOptions::new().prefix(fresh_prefix());
        let store = RedisStore::connect_with(&as_user, options()).await.unwrap();
        super::once_and_repeats(Receiver::with_store(verifier(), store)).await;

        let wrong = format!("redis://{user}:{}@{address}", encode("not-the-password"));
        let refused = RedisStore::connect_with(&wrong, options()).await.unwrap_err();
        let shown = format!("{refused} {refused:?}");
        assert!(shown.contains("refused the credentials"), "{shown}");
        assert!(
            !shown.contains("not-the-password") && !shown.contains(&user),
            "{shown}"
        );
        let _: i64 = ::redis::cmd("ACL")
            .arg("DELUSER")
            .arg(&user)
            .query_async(&mut admin)
            .await
            .unwrap();
    }

    /// A Redis that may evict keys when full is refused, unless the options accept it; the
    /// message says what to set.
    #[tokio::test]
    async fn a_redis_that_may_evict_is_refused() {
        let redis = OwnRedis::start_with(|port, _| {
            ["--port", &port.to_string(), "--maxmemory-policy", "allkeys-lru"]
                .map(str::to_owned)
                .to_vec()
        });
        let refused = RedisStore::connect(&redis.url()).await.unwrap_err().to_string();
        assert!(
            refused.contains("maxmemory-policy") && refused.contains("noeviction"),
            "{refused}"
        );
        let options = RedisOptions::new().allow_eviction();
        RedisStore::connect_with(&redis.url(), options).await.unwrap();
        // The shared Redis is noeviction, and is taken.
        RedisStore::connect(&url()).await.unwrap();
    }

    /// `AnyStore` picks the store by the URL's scheme.
    #[tokio::test]
    async fn any_store_is_chosen_by_the_url() {
        use event_sso::sequel::webhook::AnyStore;
        assert!(matches!(
            AnyStore::connect(&url()).await.unwrap(),
            AnyStore::Redis(_)
        ));
        assert!(matches!(
            AnyStore::connect("memory:").await.unwrap(),
            AnyStore::Memory(_)
        ));
        let unknown = AnyStore::connect("ftp://127.0.0.1/")
            .await
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("names no store"), "{unknown}");
    }

    /// A Redis of the test's own, on a free loopback port with its own directory, so it can
    /// be paused, killed and restarted without touching the shared one.
    /// A free loopback port below 55000, so that a cluster node's bus (the port + 10000) fits.
    fn free_port() -> u16 {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let start = 20_000 + (std::process::id() as usize * 7919) % 30_000;
        loop {
            let port = (start + NEXT.fetch_add(1, Ordering::SeqCst) * 13) % 35_000 + 20_000;
            let port = u16::try_from(port).unwrap();
            let free = |p: u16| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok();
            if free(port) && free(port + 10_000) {
                return port;
            }
        }
    }

    struct OwnRedis {
        port: u16,
        dir: std::path::PathBuf,
        /// How it listens: plain `--port`, or TLS.
        listen: Vec<String>,
        process: std::process::Child,
    }

    impl OwnRedis {
        fn start() -> OwnRedis {
            OwnRedis::start_with(|port, _| vec!["--port".to_owned(), port.to_string()])
        }

        /// A Redis that speaks TLS only, with a certificate for `127.0.0.1` from a CA of its
        /// own, made with `openssl`; gives the CA's PEM too.
        fn start_tls() -> (OwnRedis, Vec<u8>) {
            let redis = OwnRedis::start_with(|port, dir| {
                let openssl = |args: &[&str]| {
                    let made = std::process::Command::new("openssl")
                        .args(args)
                        .current_dir(dir)
                        .stderr(std::process::Stdio::null())
                        .status()
                        .expect("openssl (Debian: apt-get install -y openssl)");
                    assert!(made.success(), "openssl {args:?}");
                };
                std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
                openssl(&[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.crt",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=event-sso test CA",
                ]);
                openssl(&[
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=127.0.0.1",
                ]);
                openssl(&[
                    "x509",
                    "-req",
                    "-in",
                    "server.csr",
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    "server.crt",
                    "-days",
                    "1",
                    "-extfile",
                    "san.ext",
                ]);
                let file = |name: &str| dir.join(name).to_string_lossy().into_owned();
                vec![
                    "--port".to_owned(),
                    "0".to_owned(),
                    "--tls-port".to_owned(),
                    port.to_string(),
                    "--tls-cert-file".to_owned(),
                    file("server.crt"),
                    "--tls-key-file".to_owned(),
                    file("server.key"),
                    "--tls-ca-cert-file".to_owned(),
                    file("ca.crt"),
                    "--tls-auth-clients".to_owned(),
                    "no".to_owned(),
                ]
            });
            let ca = std::fs::read(redis.dir.join("ca.crt")).unwrap();
            (redis, ca)
        }

        fn start_with(listen: impl FnOnce(u16, &std::path::Path) -> Vec<String>) -> OwnRedis {
            let port = free_port();
            let dir = std::env::temp_dir().join(format!("event-sso-redis-{}-{port}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let listen = listen(port, &dir);
            let process = OwnRedis::spawn(port, &dir, &listen);
            OwnRedis {
                port,
                dir,
                listen,
                process,
            }
        }

        fn spawn(port: u16, dir: &std::path::Path, listen: &[String]) -> std::process::Child {
            let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| {
                panic!("REDIS_SERVER is not set: this test starts its own Redis. Run `bash .ci/run`, or set REDIS_SERVER=$(command -v redis-server) (Debian: `apt-get install -y redis-server`)")
            });
            let mut child = std::process::Command::new(binary)
                .args(listen)
                .args(["--bind", "127.0.0.1", "--save", ""])
                .args(["--appendonly", "yes", "--appendfsync", "always"])
                .arg("--dir")
                .arg(dir)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap();
            for _ in 0..100 {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return child;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            child.kill().ok();
            child.wait().ok();
            panic!("redis-server did not start on port {port}");
        }

        fn url(&self) -> String {
            format!("redis://127.0.0.1:{}/", self.port)
        }

        fn signal(&self, name: &str) {
            let pid = self.process.id().to_string();
            let status = std::process::Command::new("kill")
                .arg(format!("-{name}"))
                .arg(pid)
                .status()
                .unwrap();
            assert!(status.success());
        }

        /// Killed (no goodbye, as a crash), then started again on its append-only file.
        fn crash_and_restart(&mut self) {
            self.process.kill().unwrap();
            self.process.wait().unwrap();
            self.process = OwnRedis::spawn(self.port, &self.dir, &self.listen);
        }
    }

    impl Drop for OwnRedis {
        fn drop(&mut self) {
            self.signal("CONT");
            self.process.kill().ok();
            self.process.wait().ok();
            std::fs::remove_dir_all(&self.dir).ok();
        }
    }

    /// `rediss://`: the store speaks TLS to a Redis whose certificate a private CA signed, and
    /// refuses one it cannot trust.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rediss_with_a_private_ca() {
        let (redis, ca) = OwnRedis::start_tls();
        let url = format!("rediss://127.0.0.1:{}/", redis.port);
        let options = RedisOptions::new()
            .prefix(fresh_prefix())
            .root_certificate_pem(ca);
        let store = RedisStore::connect_with(&url, options).await.unwrap();
        super::once_and_repeats(Receiver::with_store(verifier(), store)).await;
        let untrusted =
            RedisStore::connect_with(&url, RedisOptions::new().connect_timeout(Duration::from_secs(2)))
                .await
                .unwrap_err();
        assert!(
            untrusted.to_string().starts_with("the webhook store "),
            "{untrusted}"
        );
        let plain = RedisStore::connect_with(
            &format!("redis://127.0.0.1:{}/", redis.port),
            RedisOptions::new().connect_timeout(Duration::from_secs(2)),
        )
        .await;
        assert!(plain.is_err(), "a TLS-only Redis does not speak plain text");
    }

    /// Redis Cluster: three masters of the test's own. An occurrence's keys share a hash tag,
    /// so each step's script runs on one node; occurrences spread over the nodes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_redis_cluster() {
        let nodes: Vec<OwnRedis> = (0..3)
            .map(|_| {
                OwnRedis::start_with(|port, _| {
                    [
                        "--port",
                        &port.to_string(),
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                    ]
                    .map(str::to_owned)
                    .to_vec()
                })
            })
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect();
        let cli = std::path::Path::new(&std::env::var("REDIS_SERVER").unwrap()).with_file_name("redis-cli");
        let created = std::process::Command::new(&cli)
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("redis-cli beside redis-server");
        assert!(created.success(), "redis-cli --cluster create");
        let urls: Vec<String> = addresses
            .iter()
            .map(|address| format!("redis://{address}/"))
            .collect();
        let mut ready = false;
        for _ in 0..100 {
            let info = std::process::Command::new(&cli)
                .args(["-p", &nodes[0].port.to_string(), "cluster", "info"])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok") {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "the cluster came up");
        let connect = || RedisStore::connect_cluster(&urls, RedisOptions::new().prefix(fresh_prefix()));
        super::once_and_repeats(Receiver::with_store(verifier(), connect().await.unwrap())).await;
        super::an_ended_event_is_given_once_and_whole(Receiver::with_store(
            verifier(),
            connect().await.unwrap(),
        ))
        .await;
        super::a_failure_is_retried(Receiver::with_store(verifier(), connect().await.unwrap())).await;
        // Occurrences landed on more than one node.
        let mut holding = 0;
        for node in &nodes {
            let keys = std::process::Command::new(&cli)
                .args(["-p", &node.port.to_string(), "dbsize"])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&keys.stdout).trim() != "0" {
                holding += 1;
            }
        }
        assert!(holding >= 2, "keys on {holding} node(s)");
    }

    async fn receivers(url: &str, prefix: &str, lease: Duration) -> Vec<Receiver<RedisStore>> {
        let mut receivers = Vec::new();
        for _ in 0..3 {
            let options = RedisOptions::new()
                .prefix(prefix)
                .timeout(Duration::from_millis(500));
            let store = RedisStore::connect_with(url, options).await.unwrap();
            receivers.push(Receiver::with_store(verifier(), store).lease(lease));
        }
        receivers
    }

    /// Three replicas, each with its own connection: retries spread over them, a repeat while
    /// the first is handled, a failing handler, one dropped mid-handler, and an ended event's
    /// batches spread over them with a repeat and a replica restarted between batches.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn three_replicas_handle_each_occurrence_once() {
        let prefix = fresh_prefix();
        super::three_replicas_handle_each_occurrence_once(|| async {
            receivers(&url(), &prefix, Duration::from_millis(400))
                .await
                .remove(0)
        })
        .await;
    }

    /// End to end: the fake Sequel's deliveries (each sent twice, retried after 429 and 5xx)
    /// reach three replicas on Redis in turn; the first handler run fails. Each registration
    /// is handled once, the ended event given once and whole, and every delivery ends in 200.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_fakes_deliveries_through_three_replicas_on_redis() {
        use event_sso::sequel::NewSubscription;
        use event_sso::sequel::fake::FakeSequel;
        use event_sso::sequel::webhook::WebhookType;

        let fake = tokio::task::spawn_blocking(|| FakeSequel::start().unwrap())
            .await
            .unwrap();
        let client = event_sso::sequel::Client::builder(fake.credentials())
            .base_url(fake.base_url())
            .build()
            .unwrap();
        let prefix = fresh_prefix();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = url::Url::parse(&format!("http://{}/hooks", listener.local_addr().unwrap())).unwrap();
        let mut secrets = Vec::new();
        for kind in [WebhookType::AttendeePreRegistered, WebhookType::EventEnded] {
            let subscription = NewSubscription::new(kind, fake.company_id(), endpoint.clone());
            secrets.push(client.subscribe_webhook(&subscription).await.unwrap().secret);
        }
        let mut replicas = Vec::new();
        for _ in 0..3 {
            let store = RedisStore::connect_with(&url(), RedisOptions::new().prefix(&prefix))
                .await
                .unwrap();
            replicas.push(Receiver::with_store(Verifier::any_of(secrets.clone()), store));
        }
        struct App {
            replicas: Vec<Receiver<RedisStore>>,
            turn: AtomicUsize,
            fail_first: AtomicUsize,
            ledger: Ledger,
        }
        let app = Arc::new(App {
            replicas,
            turn: AtomicUsize::new(0),
            fail_first: AtomicUsize::new(1),
            ledger: Ledger::default(),
        });
        async fn hook(
            axum::extract::State(app): axum::extract::State<Arc<App>>,
            headers: HeaderMap,
            body: axum::body::Bytes,
        ) -> StatusCode {
            let replica = &app.replicas[app.turn.fetch_add(1, Ordering::SeqCst) % 3];
            let app = &app;
            let handled = replica
                .handle(&headers, &body, |work| async move {
                    if app
                        .fail_first
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok()
                    {
                        return Err("failed once");
                    }
                    match work {
                        Work::Delivery(delivery) => {
                            if let WebhookEvent::AttendeePreRegistered(registration) = delivery.event() {
                                let email = registration.attendee.email.clone().unwrap();
                                *app.ledger.handled.lock().unwrap().entry(email).or_default() += 1;
                            }
                        }
                        Work::EndedEvent(event) => app.ledger.ended.lock().unwrap().push(event),
                        _ => {}
                    }
                    Ok(())
                })
                .await;
            handled.status()
        }
        let router = axum::Router::new()
            .route("/hooks", axum::routing::post(hook))
            .with_state(app.clone());
        tokio::spawn(axum::serve(listener, router).into_future());

        fake.deliver_twice(true);
        let event = fake.add_event("Launch");
        for i in 0..3 {
            let person = event_sso::sequel::Registration::new(format!("P{i}"), format!("p{i}@example.com"));
            client.register(&event, &person).await.unwrap();
        }
        assert!(fake.end_event(&event, 2));
        let delivered =
            tokio::task::spawn_blocking(move || fake.wait_for_deliveries(10, Duration::from_secs(20)))
                .await
                .unwrap();
        assert_eq!(
            delivered.len(),
            10,
            "3 registrations and 2 batches, each sent twice"
        );
        for delivery in &delivered {
            assert_eq!(
                delivery.answers.last(),
                Some(&Some(StatusCode::OK)),
                "{:?}",
                delivery.answers
            );
            assert!(!delivery.answers.contains(&Some(StatusCode::NOT_FOUND)));
        }
        assert!(
            delivered
                .iter()
                .any(|d| d.answers.contains(&Some(StatusCode::INTERNAL_SERVER_ERROR))),
            "the failed run was answered 500 and retried"
        );
        let handled = app.ledger.handled.lock().unwrap().clone();
        assert_eq!(handled.len(), 3, "{handled:?}");
        assert!(handled.values().all(|times| *times == 1), "{handled:?}");
        let ended = app.ledger.ended.lock().unwrap();
        assert_eq!(ended.len(), 1);
        assert_eq!(users(&ended[0]).len(), 3);
    }

    /// Redis paused (SIGSTOP): every replica answers 503 within its bound, runs nothing, and
    /// records nothing. Then Redis crashes and restarts on its append-only file: the replicas
    /// reconnect by themselves, and what was recorded before (done occurrences, stored
    /// batches) holds.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_paused_then_restarted_redis_loses_nothing() {
        let mut redis = OwnRedis::start();
        let replicas = receivers(&redis.url(), "own", Duration::from_secs(5)).await;
        let ledger = Ledger::default();
        let (size, total) = (2, 5);
        for (i, replica) in replicas.iter().enumerate() {
            let body = registration(&format!("inv-{i}"), &format!("p{i}@example.com"));
            assert_eq!(post(replica, &ledger, &body).await, 200);
        }
        assert_eq!(
            post(&replicas[0], &ledger, &batch("aof", 1, size, total)).await,
            200
        );
        assert_eq!(
            post(&replicas[1], &ledger, &batch("aof", 3, size, total)).await,
            200
        );

        redis.signal("STOP");
        let body = registration("inv-paused", "paused@example.com");
        for replica in &replicas {
            let started = std::time::Instant::now();
            assert_eq!(post(replica, &ledger, &body).await, 503);
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{:?}",
                started.elapsed()
            );
        }
        assert_eq!(ledger.times("paused@example.com"), 0, "nothing ran while paused");
        redis.signal("CONT");

        redis.crash_and_restart();
        // Sequel's retries: the first may meet a connection the crash dropped.
        for (i, replica) in replicas.iter().enumerate() {
            let body = registration(&format!("inv-{i}-again"), &format!("p{i}@example.com"));
            until_ok(replica, &ledger, &body).await;
        }
        until_ok(
            &replicas[2],
            &ledger,
            &registration("inv-paused", "paused@example.com"),
        )
        .await;
        until_ok(&replicas[2], &ledger, &batch("aof", 2, size, total)).await;

        let handled = ledger.handled.lock().unwrap().clone();
        assert_eq!(handled.len(), 4, "{handled:?}");
        assert!(
            handled.values().all(|times| *times == 1),
            "done survived the crash: {handled:?}"
        );
        let ended = ledger.ended.lock().unwrap();
        assert_eq!(ended.len(), 1, "the batches stored before the crash survived it");
        assert_eq!(users(&ended[0]), all_users(total));
    }
}

/// The example's app, as it runs: its router and body limit.
#[path = "../examples/webhook_receiver.rs"]
#[allow(dead_code)]
mod example;

/// An ended event's users sent all at once, larger than axum's 2 MB default: the example's
/// router lets it through to the receiver, which handles it (200); past the receiver's own
/// limit, it is refused before any handler runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_takes_a_large_delivery() {
    let receiver = Receiver::with_store(verifier(), event_sso::sequel::webhook::AnyStore::memory());
    let receiver = Arc::new(std::sync::RwLock::new(Arc::new(receiver)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}/hooks/sequel", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, example::app(receiver)).into_future());
    let post = |body: Vec<u8>| {
        let endpoint = endpoint.clone();
        async move {
            reqwest::Client::new()
                .post(endpoint)
                .header(AUTH_HEADER, SECRET)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let large = batch("all-at-once", 1, 80_000, 80_000);
    assert!(large.len() > 3 << 20 && large.len() < 8 << 20, "{}", large.len());
    assert_eq!(post(large).await, 200);
    let too_large = batch("too-large", 1, 200_000, 200_000);
    assert!(too_large.len() > 8 << 20);
    let refused = post(too_large).await;
    assert!(refused.is_client_error() && refused != 404, "{refused}");
}
