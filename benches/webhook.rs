//! Receiving a webhook.
//!
//! In memory, on one core: verify the key and read a typical pre-registration delivery, and
//! handle it whole (claim, handler, commit), against what a handler without the crate would do
//! (compare the key with `==`, which is not constant-time, and parse into an untyped
//! `serde_json::Value`).
//!
//! On Redis, when `REDIS_URL` is set (with the `redis` feature): new deliveries per second
//! through `Receiver::handle` at 16 concurrent requests, against `redis-benchmark -t set -c 16`
//! on the same server, interleaved in the same run. Each new delivery takes two round trips
//! (claim, commit) where a SET takes one, so 0.5 is the ceiling.
//!
//! On PostgreSQL, when `DATABASE_URL` is set (with the `postgres` feature): new deliveries per
//! second through `Receiver::handle_in_transaction`, each handler inserting one row, at 16
//! concurrent requests, against `pgbench -n -c 16 -j 2 -N` on the same server, interleaved.
//! A delivery is a statement that makes its occurrence's row, then one transaction (the claim's
//! row lock, the writes, the done-mark) where a pgbench transaction is one.
//!
//! `cargo bench --bench webhook`,
//! `REDIS_URL=redis://127.0.0.1:6390/ cargo bench --features redis --bench webhook`, and
//! `DATABASE_URL=postgres://... cargo bench --features postgres --bench webhook`

mod common;

use std::time::Duration;

use common::{Contender, print_group, run_rounds};
use event_sso::sequel::webhook::{AUTH_HEADER, Receiver, Verifier, WebhookEvent, Work};
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
    // Done occurrences kept for no time: each call is a new occurrence, claimed and committed.
    let receiver = Receiver::new(Verifier::new(secret)).keep(Duration::ZERO);
    // Done occurrences kept: after the first call, each is a repeat, answered without the handler.
    let repeats = Receiver::new(Verifier::new(secret));
    let handled = std::cell::Cell::new(0u64);
    let mut group = [
        Contender::new("Verifier::verify (typed)", || {
            let delivery = verifier.verify(&headers, &body).unwrap();
            assert!(matches!(delivery.event(), WebhookEvent::AttendeePreRegistered(_)));
        }),
        Contender::new("Receiver::handle (memory, new)", || {
            let handled = &handled;
            let handling = receiver.handle(&headers, &body, |work| async move {
                assert!(matches!(work, Work::Delivery(_)));
                handled.set(handled.get() + 1);
                Ok::<(), ()>(())
            });
            assert_eq!(ready(handling).status(), 200);
        }),
        Contender::new("Receiver::handle (memory, repeat)", || {
            let handling = repeats.handle(&headers, &body, |_| async { Ok::<(), ()>(()) });
            assert_eq!(ready(handling).status(), 200);
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
        "\nverify (typed) runs at {:.2}, and handle (memory, new) at {:.2}, of the untyped, non-constant-time baseline",
        group[0].median() / group[3].median(),
        group[1].median() / group[3].median()
    );
    assert!(handled.get() > 0);
    #[cfg(feature = "redis")]
    redis::compare();
    #[cfg(feature = "postgres")]
    postgres::compare();
}

/// The in-memory store never waits, so its futures are ready at the first poll.
fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(future).poll(&mut context) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => unreachable!("the in-memory store does not wait"),
    }
}

/// What the benches against a server share: new deliveries from `CONCURRENCY` tasks at once.
#[cfg(any(feature = "redis", feature = "postgres"))]
mod concurrent {
    use std::future::Future;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    use event_sso::http::HeaderMap;
    use event_sso::sequel::webhook::AUTH_HEADER;

    pub const CONCURRENCY: usize = 16;
    pub const ROUNDS: usize = 3;

    /// Deliveries per second: `CONCURRENCY` tasks for `time`, each delivering pre-registrations
    /// numbered from `counter` through `deliver(headers, n, body)` (a receiver keyed `s`),
    /// which checks the answer.
    pub async fn rate<F, Fut>(counter: &Arc<AtomicU64>, time: Duration, deliver: F) -> f64
    where
        F: Fn(Arc<HeaderMap>, u64, String) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let mut headers = HeaderMap::new();
        headers.insert(AUTH_HEADER, "s".parse().unwrap());
        let headers = Arc::new(headers);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..CONCURRENCY {
            let (counter, deliver, headers) = (counter.clone(), deliver.clone(), headers.clone());
            tasks.push(tokio::spawn(async move {
                let mut done = 0u64;
                while started.elapsed() < time {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let body = format!(
                        r#"{{"eventType":"new-attendee-pre-registration","webHookInvocationId":"i-{n}","correlationId":"c-{n}","timestamp":"2025-01-07T10:05:24.000Z","details":{{"attendee":{{"name":"Ada","email":"ada{n}@example.com"}}}}}}"#
                    );
                    deliver(headers.clone(), n, body).await;
                    done += 1;
                }
                done
            }));
        }
        let mut total = 0;
        for task in tasks {
            total += task.await.unwrap();
        }
        total as f64 / started.elapsed().as_secs_f64()
    }

    /// The median of `rates`.
    pub fn median(rates: &mut [f64]) -> f64 {
        rates.sort_by(f64::total_cmp);
        rates[rates.len() / 2]
    }
}

#[cfg(feature = "redis")]
mod redis {
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;
    use std::time::Duration;

    use event_sso::sequel::webhook::{Receiver, RedisOptions, RedisStore, Verifier};

    use super::concurrent::{self, CONCURRENCY, ROUNDS, median};

    const ROUND: Duration = Duration::from_secs(3);

    pub fn compare() {
        let Ok(url) = std::env::var("REDIS_URL") else {
            println!(
                "\nRedis: set REDIS_URL (and build with --features redis) to compare with redis-benchmark"
            );
            return;
        };
        let address = url::Url::parse(&url).expect("REDIS_URL is a URL");
        let (host, port) = (
            address.host_str().unwrap_or("127.0.0.1").to_owned(),
            address.port().unwrap_or(6379),
        );
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let prefix = format!("bench:{}", std::process::id());
        let store = runtime
            .block_on(RedisStore::connect_with(&url, RedisOptions::new().prefix(prefix)))
            .expect("Redis at REDIS_URL");
        let receiver =
            Arc::new(Receiver::with_store(Verifier::new("s"), store).keep(Duration::from_secs(60)));
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let counter = Arc::new(AtomicU64::new(0));
        for _ in 0..ROUNDS {
            ours.push(runtime.block_on(handle_for(&receiver, &counter, ROUND)));
            theirs.push(redis_benchmark(&host, port));
        }
        let (ours, theirs) = (median(&mut ours), median(&mut theirs));
        println!(
            "\nRedis at {host}:{port}, {CONCURRENCY} concurrent; medians of {ROUNDS} interleaved rounds"
        );
        println!("{:<34} {:>12.0}", "Receiver::handle (Redis, new)", ours);
        println!("{:<34} {:>12.0}", "redis-benchmark -t set -c 16", theirs);
        println!(
            "\nhandle on Redis runs at {:.2} of redis-benchmark's SETs (two round trips each: 0.5 is the ceiling)",
            ours / theirs
        );
    }

    /// New deliveries per second through `handle`, at `CONCURRENCY`, for `time`.
    async fn handle_for(
        receiver: &Arc<Receiver<RedisStore>>,
        counter: &Arc<AtomicU64>,
        time: Duration,
    ) -> f64 {
        let receiver = receiver.clone();
        concurrent::rate(counter, time, move |headers, _, body| {
            let receiver = receiver.clone();
            async move {
                let handled = receiver
                    .handle(&headers, body.as_bytes(), |_| async { Ok::<(), ()>(()) })
                    .await;
                assert_eq!(handled.status(), 200);
            }
        })
        .await
    }

    /// SETs per second, as redis-benchmark measures them.
    fn redis_benchmark(host: &str, port: u16) -> f64 {
        let output = std::process::Command::new("redis-benchmark")
            .args([
                "-h",
                host,
                "-p",
                &port.to_string(),
                "-t",
                "set",
                "-c",
                "16",
                "-n",
                "200000",
                "-q",
                "--csv",
            ])
            .output()
            .expect("redis-benchmark (Debian: apt-get install -y redis-server)");
        let text = String::from_utf8_lossy(&output.stdout);
        let line = text
            .lines()
            .find(|line| line.starts_with("\"SET\""))
            .expect("redis-benchmark's SET line");
        line.split(',')
            .nth(1)
            .and_then(|rps| rps.trim_matches('"').parse().ok())
            .expect("a rate")
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    use event_sso::sequel::webhook::{PostgresOptions, PostgresStore, Receiver, Verifier};
    use event_sso::sqlx;

    use super::concurrent::{self, CONCURRENCY, ROUNDS, median};

    const ROUND: Duration = Duration::from_secs(5);

    pub fn compare() {
        let Ok(url) = std::env::var("DATABASE_URL") else {
            println!(
                "\nPostgreSQL: set DATABASE_URL (and build with --features postgres) to compare with pgbench"
            );
            return;
        };
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let schema = format!("bench_{}", std::process::id());
        // One connection per concurrent request, as pgbench -c 16 has, and one more.
        let options = PostgresOptions::new()
            .schema(&schema)
            .max_connections(CONCURRENCY as u32 + 1);
        let store = runtime
            .block_on(PostgresStore::connect_with(&url, options))
            .expect("PostgreSQL at DATABASE_URL");
        let effects = format!("{schema}.effects");
        runtime
            .block_on(
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "CREATE TABLE {effects} (email text NOT NULL, at timestamptz NOT NULL DEFAULT now())"
                )))
                .execute(store.pool()),
            )
            .unwrap();
        let insert: Arc<str> = format!("INSERT INTO {effects} (email) VALUES ($1)").into();
        let receiver =
            Arc::new(Receiver::with_store(Verifier::new("s"), store).keep(Duration::from_secs(600)));
        pgbench(&url, &["-i", "-q", "-s", "1"]);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let counter = Arc::new(AtomicU64::new(0));
        for _ in 0..ROUNDS {
            ours.push(runtime.block_on(handle_for(&receiver, &insert, &counter, ROUND)));
            theirs.push(pgbench_tps(&url, ROUND));
        }
        let (ours, theirs) = (median(&mut ours), median(&mut theirs));
        let written: i64 = runtime
            .block_on(
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {effects}")))
                    .fetch_one(receiver.store().pool()),
            )
            .unwrap();
        assert_eq!(
            written as u64,
            counter.load(Ordering::Relaxed),
            "one effect row per delivery"
        );
        runtime
            .block_on(
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                    .execute(receiver.store().pool()),
            )
            .unwrap();
        println!(
            "\nPostgreSQL, {CONCURRENCY} concurrent; medians of {ROUNDS} interleaved rounds of {ROUND:?}"
        );
        println!("{:<44} {:>10.0}", "handle_in_transaction (one insert), new", ours);
        println!("{:<44} {:>10.0}", "pgbench -n -c 16 -j 2 -N, same server", theirs);
        println!(
            "\nhandle_in_transaction runs at {:.2} of pgbench's transactions (a statement, then a transaction with the claim, the writes and the done-mark)",
            ours / theirs
        );
    }

    /// New deliveries per second through `handle_in_transaction`, each handler inserting one
    /// row, at `CONCURRENCY`, for `time`.
    async fn handle_for(
        receiver: &Arc<Receiver<PostgresStore>>,
        insert: &Arc<str>,
        counter: &Arc<AtomicU64>,
        time: Duration,
    ) -> f64 {
        let (receiver, insert) = (receiver.clone(), insert.clone());
        concurrent::rate(counter, time, move |headers, n, body| {
            let (receiver, insert) = (receiver.clone(), insert.clone());
            async move {
                let handled = receiver
                    .handle_in_transaction(&headers, body.as_bytes(), |_, mut tx| async move {
                        sqlx::query(sqlx::AssertSqlSafe(insert))
                            .bind(format!("ada{n}@example.com"))
                            .execute(&mut *tx)
                            .await?;
                        Ok::<_, sqlx::Error>(tx)
                    })
                    .await;
                assert_eq!(handled.status(), 200, "{handled}");
            }
        })
        .await
    }

    /// Runs pgbench against `url` with `args`; its output.
    fn pgbench(url: &str, args: &[&str]) -> String {
        let output = std::process::Command::new("pgbench")
            .args(args)
            .arg(url)
            .output()
            .expect("pgbench (Debian: apt-get install -y postgresql-contrib, or postgresql)");
        assert!(
            output.status.success(),
            "pgbench {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// pgbench's simple-update transactions per second, 16 clients, for `time`.
    fn pgbench_tps(url: &str, time: Duration) -> f64 {
        let seconds = time.as_secs().to_string();
        let text = pgbench(url, &["-n", "-c", "16", "-j", "2", "-N", "-T", &seconds]);
        text.lines()
            .find_map(|line| line.strip_prefix("tps = "))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|tps| tps.parse().ok())
            .expect("pgbench's tps line")
    }
}
