//! Exactly-once effects on PostgreSQL: a handler's writes commit with the occurrence's
//! done-mark, or not at all. Three receivers, each with its own pool, share one database
//! through repeats, failures, a handler that outlives its lease, a replica killed between its
//! write and the commit, a paused server and a server crashed and restarted; the effects table
//! is compared with what each answer reported.
//!
//! They need `DATABASE_URL` (and, for the pause and the restart, `PGDATA` and `PG_BIN`);
//! `bash .ci/run` provides them. Without them they fail, saying so.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::postgres::{Server, fresh_schema, options, url};
use event_sso::http::{HeaderMap, StatusCode};
use event_sso::sequel::webhook::{
    AUTH_HEADER, AnyStore, DEFAULT_LEASE, Handled, PostgresOptions, PostgresStore, Receiver, Transaction,
    Verifier, WebhookEvent, Work,
};
use event_sso::sqlx;
use serde_json::json;

const SECRET: &str = "whsec-pg";

/// Held shared by every test, and alone by those that pause or restart the server, so that
/// they do not cut the others off.
static SERVER: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

fn headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(AUTH_HEADER, SECRET.parse().unwrap());
    headers
}

fn registration(invocation: &str, email: &str) -> Vec<u8> {
    json!({"eventType": "new-attendee-pre-registration", "webHookInvocationId": invocation,
           "correlationId": format!("reg-{email}"), "timestamp": "2025-01-07T10:05:24.000Z",
           "details": {"eventId": "e-1", "attendee": {"name": "A", "email": email, "registrationInfo": []}}})
    .to_string()
    .into_bytes()
}

fn batch(correlation: &str, page: u64, size: u64, total: u64) -> Vec<u8> {
    let users: Vec<_> = (0..size)
        .map(|i| (page - 1) * size + i)
        .filter(|i| *i < total)
        .map(|i| json!({"name": format!("P{i}"), "email": format!("p{i}@example.com")}))
        .collect();
    json!({"eventType": "virtual-stage-event-ended", "webHookInvocationId": format!("{correlation}-{page}"),
           "correlationId": correlation, "timestamp": "2025-01-07T10:05:24.000Z",
           "details": {"eventId": "e-1", "eventName": "Launch", "users": users, "page": page,
                       "size": size, "totalCount": total}})
    .to_string()
    .into_bytes()
}

/// A schema of its own, with the effects table the handlers write to.
struct Bed {
    schema: String,
    pool: sqlx::PgPool,
}

impl Bed {
    async fn new() -> Bed {
        let schema = fresh_schema();
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect(&url())
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {schema}.effects (email text NOT NULL, by_replica int NOT NULL)"
        )))
        .execute(&pool)
        .await
        .unwrap();
        Bed { schema, pool }
    }

    /// A receiver with a pool of its own.
    async fn replica(&self, lease: Duration) -> Receiver<PostgresStore> {
        let store = PostgresStore::connect_with(&url(), options(&self.schema))
            .await
            .unwrap();
        Receiver::with_store(Verifier::new(SECRET), store).lease(lease)
    }

    /// What the handlers committed, by e-mail.
    async fn effects(&self, email: &str) -> Vec<i32> {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT by_replica FROM {}.effects WHERE email = $1 ORDER BY by_replica",
            self.schema
        )))
        .bind(email)
        .fetch_all(&self.pool)
        .await
        .unwrap()
    }

    /// The insert a handler makes, in its transaction.
    async fn write(&self, tx: &mut Transaction, email: &str, replica: i32) -> Result<(), sqlx::Error> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {}.effects (email, by_replica) VALUES ($1, $2)",
            self.schema
        )))
        .bind(email)
        .bind(replica)
        .execute(&mut **tx)
        .await
        .map(drop)
    }
}

fn email_of(work: &Work) -> String {
    match work {
        Work::Delivery(delivery) => match delivery.event() {
            WebhookEvent::AttendeePreRegistered(registration) => registration.attendee.email.clone().unwrap(),
            other => panic!("not a registration: {other:?}"),
        },
        Work::EndedEvent(event) => format!("ended:{}", event.users.len()),
        _ => unreachable!(),
    }
}

/// Delivers `body` to `receiver`, whose handler writes one effect row as `replica` after
/// `hold`, or fails after writing when `fail`.
async fn deliver(
    bed: &Bed,
    receiver: &Receiver<PostgresStore>,
    replica: i32,
    body: &[u8],
    hold: Duration,
    fail: bool,
) -> Handled<sqlx::Error> {
    receiver
        .handle_in_transaction(&headers(), body, |work, mut tx| async move {
            bed.write(&mut tx, &email_of(&work), replica).await?;
            tokio::time::sleep(hold).await;
            match fail {
                true => Err(sqlx::Error::RowNotFound),
                false => Ok(tx),
            }
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn effects_commit_once_with_the_done_mark() {
    let _server = SERVER.read().await;
    let bed = Bed::new().await;
    let receiver = bed.replica(Duration::from_secs(30)).await;
    let body = registration("inv-1", "ada@example.com");
    // A failing handler's write is rolled back, and the retry runs it again.
    let failed = deliver(&bed, &receiver, 1, &body, Duration::ZERO, true).await;
    assert!(matches!(failed, Handled::Failed { .. }), "{failed:?}");
    assert_eq!(failed.status(), 500);
    assert!(bed.effects("ada@example.com").await.is_empty(), "rolled back");
    for _ in 0..3 {
        let handled = deliver(&bed, &receiver, 1, &body, Duration::ZERO, false).await;
        assert_eq!(handled.status(), 200, "{handled:?}");
    }
    assert_eq!(
        bed.effects("ada@example.com").await,
        [1],
        "written once, by the first success"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_events_writes_commit_with_its_done_mark() {
    let _server = SERVER.read().await;
    let bed = Bed::new().await;
    let receiver = bed.replica(Duration::from_secs(30)).await;
    let stored = deliver(
        &bed,
        &receiver,
        1,
        &batch("end-1", 2, 3, 5),
        Duration::ZERO,
        false,
    )
    .await;
    assert!(matches!(stored, Handled::Stored), "{stored:?}");
    assert!(
        bed.effects("ended:5").await.is_empty(),
        "not before the last batch"
    );
    let done = deliver(
        &bed,
        &receiver,
        1,
        &batch("end-1", 1, 3, 5),
        Duration::ZERO,
        false,
    )
    .await;
    assert!(matches!(done, Handled::Done { unrecorded: None }), "{done:?}");
    let again = deliver(
        &bed,
        &receiver,
        1,
        &batch("end-1", 1, 3, 5),
        Duration::ZERO,
        false,
    )
    .await;
    assert!(matches!(again, Handled::Repeat), "{again:?}");
    assert_eq!(bed.effects("ended:5").await, [1]);
}

/// A handler whose transaction sits idle past the lease (a frozen replica, as PostgreSQL sees
/// it): PostgreSQL ends its session and the claim with it, another replica handles the retry,
/// and the late commit is fenced out. One effect row, the other's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_idle_past_its_lease_is_ended_and_fenced_out() {
    let _server = SERVER.read().await;
    let bed = Bed::new().await;
    let lease = Duration::from_millis(400);
    let (slow, fast) = (bed.replica(lease).await, bed.replica(lease).await);
    let body = registration("inv-1", "slow@example.com");
    let late = deliver(&bed, &slow, 1, &body, Duration::from_millis(1200), false);
    let retry = async {
        tokio::time::sleep(Duration::from_millis(600)).await; // the first's session ended
        deliver(&bed, &fast, 2, &body, Duration::ZERO, false).await
    };
    let (late, retry) = tokio::join!(late, retry);
    assert_eq!(retry.status(), 200, "{retry:?}");
    assert!(matches!(late, Handled::FencedOut), "{late:?}");
    assert_eq!(late.status(), 429);
    assert_eq!(bed.effects("slow@example.com").await, [2]);
}

/// A long handler that keeps its transaction busy keeps its claim, however long it runs: each
/// statement restarts the idle clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_handler_that_keeps_writing_keeps_its_claim() {
    let _server = SERVER.read().await;
    let bed = Bed::new().await;
    let lease = Duration::from_millis(400);
    let (slow, other) = (bed.replica(lease).await, bed.replica(lease).await);
    let body = registration("inv-1", "long@example.com");
    let headers = headers();
    let bed = &bed;
    let long = slow.handle_in_transaction(&headers, &body, |work, mut tx| async move {
        bed.write(&mut tx, &email_of(&work), 1).await?;
        for _ in 0..6 {
            tokio::time::sleep(Duration::from_millis(250)).await;
            sqlx::query("SELECT 1").execute(&mut *tx).await?;
        }
        Ok::<_, sqlx::Error>(tx)
    });
    let retries = async {
        let mut answers = Vec::new();
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_millis(250)).await;
            answers.push(
                deliver(bed, &other, 2, &body, Duration::ZERO, false)
                    .await
                    .status()
                    .as_u16(),
            );
        }
        answers
    };
    let (long, answers) = tokio::join!(long, retries);
    assert_eq!(long.status(), 200, "{long:?}");
    assert_eq!(answers, [429, 429, 429, 429]);
    assert_eq!(bed.effects("long@example.com").await, [1]);
}

/// The plain `handle` on PostgreSQL: a handler that runs for many leases keeps its claim (the
/// receiver keeps its transaction busy), and one dropped mid-handler frees it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plain_route_renews_its_claim_and_a_dropped_one_frees_it() {
    let _server = SERVER.read().await;
    let bed = Bed::new().await;
    let lease = Duration::from_millis(300);
    let (slow, other) = (bed.replica(lease).await, bed.replica(lease).await);
    let body = registration("inv-1", "plain@example.com");
    let headers = headers();
    let runs = AtomicUsize::new(0);
    let long = slow.handle(&headers, &body, |_| async {
        runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        Ok::<_, std::io::Error>(())
    });
    let retries = async {
        let mut answers = Vec::new();
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let handled = other
                .handle(&headers, &body, |_| async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, std::io::Error>(())
                })
                .await;
            answers.push(handled.status().as_u16());
        }
        answers
    };
    let (long, answers) = tokio::join!(long, retries);
    assert!(matches!(long, Handled::Done { unrecorded: None }), "{long:?}");
    assert_eq!(answers, [429, 429, 429, 429], "renewed for five leases");
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // Dropped mid-handler (the request cut off): the next delivery is handled, at once.
    let body = registration("inv-2", "dropped@example.com");
    let started = AtomicUsize::new(0);
    let cut = slow.handle(&headers, &body, |_| async {
        started.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<Result<(), std::io::Error>>().await
    });
    tokio::select! {
        handled = cut => panic!("answered {handled:?}"),
        () = async { while started.load(Ordering::SeqCst) == 0 { tokio::time::sleep(Duration::from_millis(5)).await } } => {}
    }
    let mut answers = Vec::new();
    while answers.last() != Some(&200) {
        let handled = other
            .handle(&headers, &body, |_| async { Ok::<_, std::io::Error>(()) })
            .await;
        answers.push(handled.status().as_u16());
        assert!(answers.len() < 20, "{answers:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        answers.len() <= 3,
        "freed when its transaction went back to the pool: {answers:?}"
    );
}

/// A handler that gives back a transaction that failed, or one it ended: not committed, 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_the_handler_broke_is_not_committed() {
    let _server = SERVER.read().await;
    let bed = Bed::new().await;
    let receiver = bed.replica(Duration::from_secs(30)).await;
    let body = registration("inv-1", "broken@example.com");
    let bed = &bed;
    let failed = receiver
        .handle_in_transaction(&headers(), &body, |work, mut tx| async move {
            bed.write(&mut tx, &email_of(&work), 1).await?;
            // An error the handler ignores: the transaction is aborted.
            let _ = sqlx::query("SELECT 1/0").execute(&mut *tx).await;
            Ok::<_, sqlx::Error>(tx)
        })
        .await;
    assert!(matches!(&failed, Handled::NotCommitted(_)), "{failed:?}");
    assert_eq!(failed.status(), 500);
    assert!(format!("{failed:?}").contains("had failed"), "{failed:?}");
    assert!(bed.effects("broken@example.com").await.is_empty());

    let ended = receiver
        .handle_in_transaction(&headers(), &body, |_, mut tx| async {
            sqlx::query("ROLLBACK").execute(&mut *tx).await?;
            Ok::<_, sqlx::Error>(tx)
        })
        .await;
    assert!(matches!(&ended, Handled::NotCommitted(_)), "{ended:?}");
    assert!(format!("{ended:?}").contains("ended"), "{ended:?}");
    // The claim was released: the retry is handled.
    let retry = deliver(bed, &receiver, 1, &body, Duration::ZERO, false).await;
    assert_eq!(retry.status(), 200, "{retry:?}");
    assert_eq!(bed.effects("broken@example.com").await, [1]);
}

/// Three replicas, each with its own pool, through Sequel's retries: one killed after its
/// handler's write but before the commit (its task dropped and its connections closed, as a
/// process that dies; `tests/replica_processes.rs` kills real processes), repeats spread over
/// the others. The first retry is handled, and the one effect row is its.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_before_its_commit_leaves_no_effect() {
    let _server = SERVER.read().await;
    let bed = Bed::new().await;
    let lease = event_sso::sequel::webhook::DEFAULT_LEASE;
    let replicas = [
        bed.replica(lease).await,
        bed.replica(lease).await,
        bed.replica(lease).await,
    ];
    let body = registration("inv-1", "killed@example.com");
    let written = Arc::new(AtomicUsize::new(0));
    let headers = headers();
    let bed = &bed;
    let dying = replicas[0].handle_in_transaction(&headers, &body, |work, mut tx| {
        let written = written.clone();
        async move {
            bed.write(&mut tx, &email_of(&work), 0).await?;
            written.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<()>().await; // dies here
            Ok::<_, sqlx::Error>(tx)
        }
    });
    tokio::select! {
        handled = dying => panic!("answered {handled:?}"),
        () = async { while written.load(Ordering::SeqCst) == 0 { tokio::time::sleep(Duration::from_millis(5)).await } } => {}
    }
    replicas[0].store().pool().close().await;
    // Sequel retries, on any replica, until one answers 200.
    let started = Instant::now();
    let mut answers = Vec::new();
    for attempt in 0.. {
        let replica = 1 + attempt % 2;
        let handled = deliver(
            bed,
            &replicas[replica],
            replica as i32,
            &body,
            Duration::ZERO,
            false,
        )
        .await;
        answers.push(handled.status().as_u16());
        if handled.status() == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{answers:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Its claim went with its connection: the first retry is handled.
    assert_eq!(answers, [200]);
    let effects = bed.effects("killed@example.com").await;
    assert_eq!(effects.len(), 1, "{effects:?}");
    assert_ne!(effects[0], 0, "the killed replica's write was rolled back");
    for replica in &replicas[1..] {
        assert_eq!(
            deliver(bed, replica, 9, &body, Duration::ZERO, false)
                .await
                .status(),
            200
        );
    }
    assert_eq!(bed.effects("killed@example.com").await, effects);
}

/// A paused server: each step fails within the store's timeout, `503`, and no handler runs;
/// once it resumes, the claim sent into the stall left no hold behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_server_is_503_within_the_timeout_and_leaves_no_hold() {
    let _server = SERVER.write().await;
    let server = Server::from_env();
    let bed = Bed::new().await;
    let receiver = bed.replica(Duration::from_secs(30)).await;
    let body = registration("inv-1", "paused@example.com");
    let ran = AtomicUsize::new(0);
    server.signal("STOP");
    let started = Instant::now();
    let handled = receiver
        .handle_in_transaction(&headers(), &body, |_, tx| async {
            ran.fetch_add(1, Ordering::SeqCst);
            Ok::<_, sqlx::Error>(tx)
        })
        .await;
    let waited = started.elapsed();
    server.signal("CONT");
    assert!(matches!(handled, Handled::Unavailable(_)), "{handled:?}");
    assert_eq!(handled.status(), 503);
    assert!(waited < Duration::from_secs(3), "answered after {waited:?}");
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    // The claim that reached the server as it resumed did nothing: the retry is handled now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut answers = Vec::new();
    while answers.last() != Some(&200) {
        let handled = deliver(&bed, &receiver, 1, &body, Duration::ZERO, false).await;
        answers.push(handled.status().as_u16());
        assert!(answers.len() < 20, "{answers:?}");
    }
    assert!(!answers.contains(&429), "a hold was left behind: {answers:?}");
    assert_eq!(bed.effects("paused@example.com").await, [1]);
}

/// A server crashed (immediate shutdown) and restarted: the replicas reconnect by themselves,
/// done stays done, and the batches stored before complete their event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_and_restarted_server_loses_nothing() {
    let _server = SERVER.write().await;
    let server = Server::from_env();
    let bed = Bed::new().await;
    let receiver = bed.replica(Duration::from_secs(30)).await;
    let done = registration("inv-1", "before@example.com");
    assert_eq!(
        deliver(&bed, &receiver, 1, &done, Duration::ZERO, false)
            .await
            .status(),
        200
    );
    assert_eq!(
        deliver(
            &bed,
            &receiver,
            1,
            &batch("end-r", 1, 2, 3),
            Duration::ZERO,
            false
        )
        .await
        .status(),
        200
    );
    server.crash_and_restart();
    let bed = Bed {
        schema: bed.schema.clone(),
        pool: sqlx::PgPool::connect(&url()).await.unwrap(),
    };
    let mut answers = Vec::new();
    loop {
        let status = deliver(&bed, &receiver, 1, &done, Duration::ZERO, false)
            .await
            .status();
        answers.push(status.as_u16());
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, 503, "{answers:?}");
        assert!(answers.len() < 50, "never reconnected: {answers:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(bed.effects("before@example.com").await, [1], "done stayed done");
    let last = deliver(
        &bed,
        &receiver,
        1,
        &batch("end-r", 2, 2, 3),
        Duration::ZERO,
        false,
    )
    .await;
    assert_eq!(last.status(), 200, "{last:?}");
    assert_eq!(
        bed.effects("ended:3").await,
        [1],
        "the stored batch completed its event"
    );
}

#[tokio::test]
async fn a_hostile_schema_is_refused_and_the_password_never_prints() {
    let _server = SERVER.read().await;
    for hostile in [
        "public; DROP TABLE x",
        "Upper",
        "1st",
        "a\"b",
        "",
        &"x".repeat(64),
    ] {
        let refused = PostgresStore::connect_with(&url(), PostgresOptions::new().schema(hostile))
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("schema name is refused"),
            "{hostile}: {refused}"
        );
    }
    let mut wrong = event_sso::url::Url::parse(&url()).unwrap();
    wrong.set_password(Some("wrong-\"pass\"word")).unwrap();
    let refused = PostgresStore::connect(wrong.as_str()).await.unwrap_err();
    assert_eq!(refused.to_string(), "the webhook store refused the credentials");
    assert!(!format!("{refused:?}").contains("pass"), "{refused:?}");
    let store = common::postgres::store().await;
    let password = event_sso::url::Url::parse(&url())
        .unwrap()
        .password()
        .unwrap()
        .to_owned();
    assert!(!format!("{store:?}").contains(&password), "{store:?}");
}

/// Replicas that start at once create the tables once, and none fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_at_once_create_the_tables_once() {
    let _server = SERVER.read().await;
    let schema = fresh_schema();
    let starting: Vec<_> = (0..6)
        .map(|_| {
            let schema = schema.clone();
            tokio::spawn(async move { PostgresStore::connect_with(&url(), options(&schema)).await })
        })
        .collect();
    for store in starting {
        store.await.unwrap().unwrap();
    }
    let pool = sqlx::PgPool::connect(&url()).await.unwrap();
    let versions: Vec<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT version FROM {schema}.schema_version"
    )))
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(versions, [1]);
}

/// `AnyStore` picks PostgreSQL by the URL's scheme.
#[tokio::test]
async fn any_store_is_chosen_by_the_url() {
    let _server = SERVER.read().await;
    let bed = Bed::new().await;
    let any = AnyStore::connect(&url()).await.unwrap();
    assert!(matches!(any, AnyStore::Postgres(_)));
    // Chosen at run time, it gives exactly-once effects as PostgresStore does.
    let postgres = PostgresStore::connect_with(&url(), options(&bed.schema))
        .await
        .unwrap();
    let store = AnyStore::from(postgres);
    let receiver = Receiver::with_store(Verifier::new(SECRET), store);
    let body = registration("inv-1", "any@example.com");
    let bed = &bed;
    for _ in 0..2 {
        let handled = receiver
            .handle_in_transaction(&headers(), &body, |work, mut tx| async move {
                bed.write(&mut tx, &email_of(&work), 7).await?;
                Ok::<_, sqlx::Error>(tx)
            })
            .await;
        assert_eq!(handled.status(), 200, "{handled}");
    }
    assert_eq!(bed.effects("any@example.com").await, [7]);
}

/// On an `AnyStore` of memory (or Redis), `handle_in_transaction` has no transaction to give:
/// `500`, naming the cause, and neither the handler nor the store is touched, so the delivery
/// is handled once the app runs on PostgreSQL.
#[tokio::test]
async fn handle_in_transaction_on_memory_is_500_naming_the_cause() {
    let receiver = Receiver::with_store(Verifier::new(SECRET), AnyStore::memory());
    let body = registration("inv-1", "mem@example.com");
    let handled = receiver
        .handle_in_transaction(&headers(), &body, |_, _tx| async {
            panic!("the handler never runs");
            #[allow(unreachable_code)]
            Ok::<_, sqlx::Error>(_tx)
        })
        .await;
    assert_eq!(handled.status(), 500);
    assert_eq!(
        handled.to_string(),
        "500: the handler's writes were not committed: the webhook store is not PostgreSQL, so a \
         handler's writes cannot commit with the done-mark: use `handle`, or a postgres:// store"
    );
    // Nothing was claimed: the plain route handles it at once.
    let plain = receiver
        .handle(&headers(), &body, |_| async { Ok::<(), std::io::Error>(()) })
        .await;
    assert!(matches!(plain, Handled::Done { unrecorded: None }), "{plain}");
}

/// The longest and shortest timeouts and leases neither panic nor break a step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_longest_and_shortest_spans_neither_panic_nor_break_a_step() {
    let _server = SERVER.read().await;
    let bed = Bed::new().await;
    let body = registration("inv-1", "spans@example.com");
    let longest = options(&bed.schema)
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX);
    let store = PostgresStore::connect_with(&url(), longest).await.unwrap();
    let receiver = Receiver::with_store(Verifier::new(SECRET), store)
        .lease(Duration::MAX)
        .keep(Duration::MAX);
    assert_eq!(
        deliver(&bed, &receiver, 1, &body, Duration::ZERO, false)
            .await
            .status(),
        200
    );
    assert_eq!(
        deliver(&bed, &receiver, 1, &body, Duration::ZERO, false)
            .await
            .status(),
        200
    );
    assert_eq!(
        bed.effects("spans@example.com").await,
        [1],
        "kept for ever: a repeat"
    );
    // No time for a step: a clear error, never a panic; on a pool of the app's own, a step
    // answered 503.
    let shortest = options(&bed.schema).timeout(Duration::ZERO);
    let refused = PostgresStore::connect_with(&url(), shortest.clone())
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "the webhook store had no free connection in time (see `max_connections`)"
    );
    let hurried = PostgresStore::from_pool_with(bed.pool.clone(), options(&bed.schema))
        .await
        .unwrap();
    let hurried = PostgresStore::from_pool_with(hurried.pool().clone(), shortest)
        .await
        .unwrap();
    let receiver = Receiver::with_store(Verifier::new(SECRET), hurried).lease(Duration::ZERO);
    let body = registration("inv-2", "zero@example.com");
    let handled = deliver(&bed, &receiver, 2, &body, Duration::ZERO, false).await;
    // A step out of time is 503; one that beat the timer's first tick gets a claim whose
    // session PostgreSQL ends after no idle time at all, so its commit is fenced out (429),
    // unless the whole exchange never sat idle (200). Never a panic, and an effect only with
    // a 200.
    let effects = bed.effects("zero@example.com").await;
    match handled.status().as_u16() {
        200 => assert_eq!(effects, [2]),
        429 | 503 => assert!(effects.is_empty(), "{handled}: {effects:?}"),
        _ => panic!("{handled}"),
    }
}

/// Both routes' futures are `Send`, so they run as axum handlers on a multi-threaded runtime.
#[test]
fn both_routes_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    async fn routes(receiver: Receiver<PostgresStore>, headers: HeaderMap, body: Vec<u8>) {
        let plain = receiver.handle(&headers, &body, |_| async { Ok::<(), std::io::Error>(()) });
        send(&plain);
        let transactional = receiver.handle_in_transaction(&headers, &body, |_, mut tx| async move {
            sqlx::query("SELECT 1").execute(&mut *tx).await?;
            Ok::<_, sqlx::Error>(tx)
        });
        send(&transactional);
    }
    // Checked when compiled; nothing to run.
    let _ = routes;
}

/// The deadlock count of the database, once every backend has flushed its statistics.
async fn deadlocks(pool: &sqlx::PgPool) -> i64 {
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SELECT pg_stat_clear_snapshot()")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query_scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// An ended event's last batch arriving at one replica while a repeat of an earlier batch
/// reaches the two others, 200 times: no `5xx`, no deadlock in PostgreSQL's statistics, and
/// each event's effect exactly once. Each of the three replicas has its own pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_race_neither_deadlocks_nor_fails() {
    let _server = SERVER.read().await;
    let bed = Bed::new().await;
    let before = deadlocks(&bed.pool).await;
    let replicas = [
        bed.replica(DEFAULT_LEASE).await,
        bed.replica(DEFAULT_LEASE).await,
        bed.replica(DEFAULT_LEASE).await,
    ];
    let bed = &bed;
    let post = |replica: usize, body: Vec<u8>| {
        let receiver = &replicas[replica];
        async move {
            let handled = receiver
                .handle_in_transaction(&headers(), &body, |work, mut tx| async move {
                    let Work::EndedEvent(event) = &work else {
                        panic!("only ended events here")
                    };
                    let event = event.correlation_id.clone().unwrap();
                    bed.write(&mut tx, &event, replica as i32).await?;
                    Ok::<_, sqlx::Error>(tx)
                })
                .await;
            (handled.status().as_u16(), handled.to_string())
        }
    };
    let mut answers = std::collections::BTreeMap::<u16, usize>::new();
    let mut failures = Vec::new();
    const RACES: usize = 200;
    for race in 0..RACES {
        let event = format!("race-{race}");
        assert_eq!(post(0, batch(&event, 1, 1, 2)).await.0, 200);
        let (last, again, again_too) = tokio::join!(
            post(0, batch(&event, 2, 1, 2)),
            post(1, batch(&event, 1, 1, 2)),
            post(2, batch(&event, 1, 1, 2)),
        );
        for (status, line) in [last, again, again_too] {
            *answers.entry(status).or_default() += 1;
            if status >= 500 {
                failures.push(line);
            }
        }
        // Sequel retries the last batch until it is answered 200.
        let mut retries = 0;
        while post(1 + race % 2, batch(&event, 2, 1, 2)).await.0 != 200 {
            retries += 1;
            assert!(retries < 50, "{event} never done");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    assert!(
        failures.is_empty(),
        "{} answers of 5xx: {failures:?}",
        failures.len()
    );
    let (rows, events): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT count(*), count(DISTINCT email) FROM {}.effects",
        bed.schema
    )))
    .fetch_one(&bed.pool)
    .await
    .unwrap();
    assert_eq!(
        (rows, events),
        (RACES as i64, RACES as i64),
        "each event's effect once: {answers:?}"
    );
    // Every backend that might have met a deadlock exits, and reports it on the way out.
    for replica in &replicas {
        replica.store().pool().close().await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(deadlocks(&bed.pool).await - before, 0, "{answers:?}");
    eprintln!("the batch race, {RACES} times: answers {answers:?}");
}
