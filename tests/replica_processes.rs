//! Replicas as real processes, on Redis and on PostgreSQL: three receivers, each a process with
//! its own connection, one killed with `SIGKILL` after its handler's effect and before its
//! commit, one frozen with `SIGSTOP` there, and a restart. Sequel's retries are simulated every
//! 250 ms; the time from the kill or the freeze to the first retry answered `200` is measured
//! and bounded, and the effects are compared with what each answer reported.
//!
//! This file has its own `main`: run with `EVENT_SSO_REPLICA` set, it is one replica (an axum
//! app whose store is `AnyStore::connect(STORE_URL)`); run by `cargo test`, it starts replicas
//! of itself. It needs `REDIS_URL` and `DATABASE_URL`; `bash .ci/run` provides both, and
//! without them it fails, saying so.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use event_sso::sequel::webhook::{
    AUTH_HEADER, AnyStore, DEFAULT_LEASE, Receiver, Verifier, WebhookEvent, Work,
};
use serde_json::json;

const SECRET: &str = "whsec-replicas";
const HOW: &str = "Run `bash .ci/run`, or start a Redis and a PostgreSQL and run \
    `REDIS_URL=redis://127.0.0.1:6379/ DATABASE_URL=postgres://postgres:password@127.0.0.1:5432/postgres \
    cargo test --features blocking,tracing,fake,redis,postgres --test replica_processes`";
/// How long a handler waits after its effect on the first delivery (invocation 0) of an
/// occurrence whose name starts with `hang`: the moment the test kills or freezes it.
const HANG: Duration = Duration::from_secs(3);

fn main() -> ExitCode {
    if std::env::var_os("EVENT_SSO_REPLICA").is_some() {
        return replica::main();
    }
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| panic!("REDIS_URL is not set. {HOW}"));
    let postgres = std::env::var("DATABASE_URL").unwrap_or_else(|_| panic!("DATABASE_URL is not set. {HOW}"));
    let mut figures = Vec::new();
    for store in [Store::Postgres(postgres), Store::Redis(redis)] {
        figures.extend(scenarios(&store));
    }
    println!("\n| store | what happened to the holder | first retry answered 200 after |");
    println!("|---|---|---|");
    for (store, what, after) in &figures {
        println!("| {store} | {what} | {:.1} s |", after.as_secs_f64());
    }
    println!("\nreplica_processes: ok");
    ExitCode::SUCCESS
}

/// Where the replicas keep their state, and where their handlers' effects go.
enum Store {
    /// Effects in a table, written in the claim's transaction (`handle_in_transaction`).
    Postgres(String),
    /// Effects appended to a file, outside the store (`handle`).
    Redis(String),
}

impl Store {
    fn name(&self) -> &'static str {
        match self {
            Store::Postgres(_) => "PostgreSQL",
            Store::Redis(_) => "Redis",
        }
    }
}

/// A replica process, and the lines it prints after its address.
struct Replica {
    child: Child,
    url: String,
    lines: mpsc::Receiver<String>,
}

impl Replica {
    fn start(store_url: &str, place: &str, number: u32) -> Replica {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env("EVENT_SSO_REPLICA", number.to_string())
            .env("STORE_URL", store_url)
            .env("EFFECTS", place)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let (sender, lines) = mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let first = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the replica printed its address");
        let url = first.strip_prefix("listening ").expect(&first).to_owned();
        Replica { child, url, lines }
    }

    /// Waits until its handler has made the effect of `occurrence`.
    fn wrote(&self, occurrence: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .expect("the handler wrote its effect");
            if line == format!("wrote {occurrence}") {
                return;
            }
        }
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args([signal, &pid])
                .status()
                .unwrap()
                .success()
        );
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn delivery(occurrence: &str, invocation: u32) -> String {
    json!({"eventType": "new-attendee-pre-registration", "webHookInvocationId": format!("{occurrence}-{invocation}"),
           "correlationId": occurrence, "timestamp": "2025-01-07T10:05:24.000Z",
           "details": {"eventId": "e-1", "attendee": {"name": "Ada", "email": "ada@example.com", "registrationInfo": []}}})
    .to_string()
}

/// Posts one delivery of `occurrence` to `replica`: the status it answered.
fn post(url: &str, occurrence: &str, invocation: u32) -> u16 {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let answer = client
        .post(url)
        .header(AUTH_HEADER, SECRET)
        .body(delivery(occurrence, invocation))
        .send();
    answer.map_or(0, |answer| answer.status().as_u16())
}

/// Sequel's retries, every 250 ms over `replicas` in turn, until one answers 200: how long that
/// took, and every answer.
fn until_handled(replicas: &[&Replica], occurrence: &str) -> (Duration, Vec<u16>) {
    let started = Instant::now();
    let mut answers = Vec::new();
    for attempt in 1.. {
        let status = post(
            &replicas[attempt as usize % replicas.len()].url,
            occurrence,
            attempt,
        );
        answers.push(status);
        if status == 200 {
            return (started.elapsed(), answers);
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "never handled: {answers:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    unreachable!()
}

/// Delivers `occurrence` to `holder`, sends it `signal` once its handler made its effect,
/// then has Sequel retry on `others` until one answers 200: the first delivery's answer (still
/// to come), how long the retries took, and their answers.
fn stall(
    holder: &Replica,
    signal: &str,
    others: &[&Replica],
    occurrence: &str,
) -> (std::thread::JoinHandle<u16>, Duration, Vec<u16>) {
    let first = std::thread::spawn({
        let (url, occurrence) = (holder.url.clone(), occurrence.to_owned());
        move || post(&url, &occurrence, 0)
    });
    holder.wrote(occurrence);
    holder.signal(signal);
    let (after, answers) = until_handled(others, occurrence);
    (first, after, answers)
}

/// The replicas' effects: which replica made each effect of `occurrence`.
fn effects(store: &Store, place: &str, occurrence: &str) -> Vec<String> {
    match store {
        Store::Redis(_) => std::fs::read_to_string(place)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.strip_prefix(&format!("{occurrence} ")).map(str::to_owned))
            .collect(),
        Store::Postgres(url) => on_postgres(url, |pool| async move {
            let rows: Vec<i32> = event_sso::sqlx::query_scalar(event_sso::sqlx::AssertSqlSafe(format!(
                "SELECT replica FROM {place}.effects WHERE occurrence = $1 ORDER BY replica"
            )))
            .bind(occurrence)
            .fetch_all(&pool)
            .await
            .unwrap();
            rows.iter().map(i32::to_string).collect()
        }),
    }
}

/// Runs `work` with a pool on the PostgreSQL at `url`, on a runtime of its own.
fn on_postgres<T, Fut: std::future::Future<Output = T>>(
    url: &str,
    work: impl FnOnce(event_sso::sqlx::PgPool) -> Fut,
) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async { work(event_sso::sqlx::PgPool::connect(url).await.unwrap()).await })
}

/// The kill, the freeze and the restart on one store: the figures.
fn scenarios(store: &Store) -> Vec<(&'static str, &'static str, Duration)> {
    let nonce = format!("{}_{}", std::process::id(), store.name().to_lowercase());
    let (url, place) = match store {
        Store::Postgres(url) => (url.clone(), format!("replicas_{nonce}")),
        Store::Redis(url) => (
            url.clone(),
            format!("{}/replica-effects-{nonce}", std::env::temp_dir().display()),
        ),
    };
    if let Store::Postgres(url) = store {
        let place = &place;
        on_postgres(url, |pool| async move {
            for statement in [
                format!("CREATE SCHEMA {place}"),
                format!("CREATE TABLE {place}.effects (occurrence text NOT NULL, replica int NOT NULL)"),
            ] {
                event_sso::sqlx::query(event_sso::sqlx::AssertSqlSafe(statement))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
        });
    }
    let name = store.name();
    let replicas: Vec<Replica> = (0..3).map(|n| Replica::start(&url, &place, n)).collect();
    let mut figures = Vec::new();

    // Killed after its effect, before its commit.
    let killed = format!("hang-killed-{nonce}");
    let (first, after, answers) = stall(&replicas[0], "-KILL", &[&replicas[1], &replicas[2]], &killed);
    assert_eq!(first.join().unwrap(), 0, "the killed replica never answered");
    assert!(
        answers[..answers.len() - 1].iter().all(|s| *s == 429),
        "{name}: {answers:?}"
    );
    let made = effects(store, &place, &killed);
    let killed_effects = made.len();
    match store {
        Store::Postgres(_) => {
            // Its claim went with its connection; its effect was rolled back.
            assert!(
                after <= Duration::from_secs(5),
                "{name}: handled {after:?} after the kill"
            );
            assert_eq!(made.len(), 1, "{name}: {made:?}");
            assert_ne!(made[0], "0", "the killed replica's effect was rolled back");
        }
        Store::Redis(_) => {
            // Its lease lapses, as it is renewed no more; its effect stays (it was outside).
            assert!(
                after <= Duration::from_secs(30),
                "{name}: handled {after:?} after the kill"
            );
            assert_eq!(made.len(), 2, "{name}: {made:?}");
            assert_eq!(made[0], "0");
        }
    }
    figures.push((name, "killed (SIGKILL) after its effect", after));

    // Frozen after its effect, its connection open; woken once another handled the retry.
    let frozen = format!("hang-frozen-{nonce}");
    let (late, after, answers) = stall(&replicas[1], "-STOP", &[&replicas[2]], &frozen);
    replicas[1].signal("-CONT");
    let late = late.join().unwrap();
    assert!(
        after <= Duration::from_secs(30),
        "{name}: handled {after:?} after the freeze"
    );
    assert!(
        after >= DEFAULT_LEASE / 2,
        "{name}: the frozen one's claim held a while: {answers:?}"
    );
    assert_eq!(late, 429, "{name}: the frozen one's late commit is fenced out");
    let made = effects(store, &place, &frozen);
    match store {
        Store::Postgres(_) => assert_eq!(made, ["2"], "{name}: the frozen one's effect was rolled back"),
        Store::Redis(_) => assert_eq!(made, ["1", "2"], "{name}: both ran; one recorded it"),
    }
    figures.push((name, "frozen (SIGSTOP) after its effect", after));

    // A restart: a new process finds both done.
    let restarted = Replica::start(&url, &place, 3);
    for occurrence in [&killed, &frozen] {
        assert_eq!(post(&restarted.url, occurrence, 99), 200);
    }
    let fresh = format!("fresh-{nonce}");
    assert_eq!(post(&restarted.url, &fresh, 0), 200);
    assert_eq!(post(&replicas[2].url, &fresh, 1), 200);
    assert_eq!(
        effects(store, &place, &fresh),
        ["3"],
        "{name}: once, by the restarted replica"
    );
    assert_eq!(
        effects(store, &place, &killed).len(),
        killed_effects,
        "{name}: no new effect"
    );
    figures
}

/// One replica: an axum app on a loopback port, receiving with the store `STORE_URL` names.
mod replica {
    use super::*;

    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use event_sso::sequel::webhook::TransactionStore;
    use std::sync::Arc;

    struct App {
        receiver: Receiver<AnyStore>,
        number: i32,
        effects: String,
    }

    pub fn main() -> ExitCode {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let number = std::env::var("EVENT_SSO_REPLICA").unwrap().parse().unwrap();
            let store = AnyStore::connect(&std::env::var("STORE_URL").unwrap())
                .await
                .unwrap();
            let app = Arc::new(App {
                receiver: Receiver::with_store(Verifier::new(SECRET), store),
                number,
                effects: std::env::var("EFFECTS").unwrap(),
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            println!("listening http://{}/hook", listener.local_addr().unwrap());
            std::io::stdout().flush().unwrap();
            let router = Router::new().route("/hook", post(hook)).with_state(app);
            axum::serve(listener, router).await.unwrap();
        });
        ExitCode::SUCCESS
    }

    /// The occurrence, and whether this delivery is the first (invocation 0).
    fn occurrence(work: &Work) -> (String, bool) {
        match work {
            Work::Delivery(delivery) => match delivery.event() {
                WebhookEvent::AttendeePreRegistered(_) => (
                    delivery.correlation_id().unwrap().to_owned(),
                    delivery.invocation_id().ends_with("-0"),
                ),
                other => panic!("not a registration: {other:?}"),
            },
            _ => panic!("only registrations here"),
        }
    }

    /// After its effect, the handler of a `hang` occurrence's first delivery says so and waits:
    /// the moment the test kills or freezes this process.
    async fn after_effect((occurrence, first): (String, bool)) {
        if first && occurrence.starts_with("hang") {
            println!("wrote {occurrence}");
            std::io::stdout().flush().unwrap();
            tokio::time::sleep(HANG).await;
        }
    }

    async fn hook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> StatusCode {
        let (receiver, number, effects) = (&app.receiver, app.number, app.effects.as_str());
        let handled = match receiver.store().has_transactions() {
            true => {
                let handled = receiver
                    .handle_in_transaction(&headers, &body, |work, mut tx| async move {
                        let (occurrence, first) = occurrence(&work);
                        let insert =
                            format!("INSERT INTO {effects}.effects (occurrence, replica) VALUES ($1, $2)");
                        event_sso::sqlx::query(event_sso::sqlx::AssertSqlSafe(insert))
                            .bind(&occurrence)
                            .bind(number)
                            .execute(&mut *tx)
                            .await?;
                        after_effect((occurrence, first)).await;
                        Ok::<_, event_sso::sqlx::Error>(tx)
                    })
                    .await;
                (handled.status(), handled.to_string())
            }
            false => {
                let handled = receiver
                    .handle(&headers, &body, |work| async move {
                        let (occurrence, first) = occurrence(&work);
                        let mut file = std::fs::OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(effects)?;
                        writeln!(file, "{occurrence} {number}")?;
                        after_effect((occurrence, first)).await;
                        Ok::<_, std::io::Error>(())
                    })
                    .await;
                (handled.status(), handled.to_string())
            }
        };
        let (status, line) = handled;
        eprintln!("replica {number}: {line}");
        status
    }
}
