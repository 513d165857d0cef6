//! The Sequel clients against raw reqwest, measured by the client's own CPU time.
//!
//! `cargo bench --features blocking --bench client`; with
//! `EVENT_SSO_BENCH_TELEMETRY=1 cargo bench --features blocking,tracing,metrics --bench client`,
//! our clients' calls are traced and measured into OpenTelemetry's SDK and the raw calls are not:
//! - **CPU per call.** A lean server answers in a child process (this bench, started again
//!   with `EVENT_SSO_BENCH_SERVE` set, pinned to the other core with `taskset` when there is
//!   one): canned answers, written at once, as fast as Sequel's edge could be. The fake is
//!   not used here: it does far more per request, and a slow answer changes how often the
//!   client's threads park and wake, which is part of what is measured. For `embed_url` and
//!   `register`, async and blocking, our client and a raw reqwest call (same timeouts, same
//!   request, same decoding: the answer read whole and the embed or join URL parsed) alternate
//!   in chunks of 10 calls; each chunk's process CPU time (every thread of this process: the
//!   caller, the runtimes' workers) gives a per-call cost. Async chunks run in a task on the
//!   runtime, as a request handler makes its calls; blocking ones on the main thread. Medians
//!   and the 10th–90th percentile spread are printed, and the ratio of medians (target: at
//!   most 1.03).
//! - **Throughput**, with the fake in this process: the async client with 1, 8 and 64 calls
//!   in flight (and how many token requests, which must be 1), and `register_all` of 10,000.
//! - **Bulk under faults**: 10,000 registrations with 5 % of requests faulted (a seeded mix of
//!   drops and late answers before and after storing, 5xx and 429), `register_all` against a
//!   raw reqwest loop at the same concurrency that neither retries nor reconciles: time, and
//!   how many registrations the fake holds that each did not report with a join URL (lost).

use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cpu_time::ProcessTime;
use event_sso::sequel::fake::{FakeSequel, Fault};
use event_sso::sequel::request::Api;
use event_sso::sequel::{
    BulkOptions, BulkOutcome, Client, Credentials, EventId, Registration, Viewer, blocking,
};
use serde_json::json;

const SERVE: &str = "EVENT_SSO_BENCH_SERVE";
/// Set, with the `tracing` and `metrics` features, the clients' calls are traced and measured
/// into OpenTelemetry's SDK, as an app that exports them runs; the raw baseline is not.
const TELEMETRY: &str = "EVENT_SSO_BENCH_TELEMETRY";
const CREDENTIALS: (&str, &str) = ("bench-client", "bench-secret");
const ROUNDS: usize = 300;
const CHUNK: u32 = 10;
const WARM_UP: u32 = 200;
const TARGET: f64 = 1.03;
const BULK: usize = 10_000;

fn main() {
    if std::env::var_os(SERVE).is_some() {
        return serve();
    }
    if std::env::var_os(TELEMETRY).is_some() {
        telemetry_on();
    }
    cpu_per_call();
    throughput();
    bulk_under_faults();
}

/// Traces through `tracing-opentelemetry` into the SDK's batch span processor, and metrics
/// into the SDK's meter provider, both exporting to memory: everything an exporting app pays
/// in this process but the network. `EVENT_SSO_BENCH_TELEMETRY=traces` or `=metrics` turns on
/// one of the two, to tell their costs apart.
fn telemetry_on() {
    #[cfg(all(feature = "tracing", feature = "metrics"))]
    {
        use opentelemetry::trace::TracerProvider as _;
        use tracing_subscriber::layer::SubscriberExt;

        let which = std::env::var(TELEMETRY).unwrap_or_default();
        if which != "metrics" {
            let spans = opentelemetry_sdk::trace::InMemorySpanExporter::default();
            let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder()
                .with_batch_exporter(spans)
                .build()
                .tracer("bench");
            let layer = tracing_opentelemetry::layer().with_tracer(tracer);
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
                .expect("the only subscriber");
        }
        if which != "traces" {
            let metrics = opentelemetry_sdk::metrics::InMemoryMetricExporter::default();
            let meters = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
                .with_periodic_exporter(metrics)
                .build();
            opentelemetry::global::set_meter_provider(meters);
        }
        println!(
            "telemetry on ({}): into OpenTelemetry's SDK",
            if which.is_empty() { "1" } else { &which }
        );
    }
    #[cfg(not(all(feature = "tracing", feature = "metrics")))]
    panic!("{TELEMETRY} needs the tracing and metrics features");
}

/// One request in twenty faulted, from a fixed seed.
fn fault_plan(requests: usize, late: Duration) -> Vec<Fault> {
    let mut state = 0x5EED_2026_u64;
    let mut below = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    (0..requests)
        .map(|_| match below(100) {
            0 => Fault::Drop,
            1 => Fault::DropAfterHandling,
            2 => Fault::DelayAfterHandling(late),
            3 => Fault::Status(http::StatusCode::SERVICE_UNAVAILABLE),
            4 => Fault::RateLimit(Duration::ZERO),
            _ => Fault::None,
        })
        .collect()
}

fn bulk_under_faults() {
    const TIMEOUT: Duration = Duration::from_millis(500);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let people =
        || (0..BULK).map(|i| Registration::new(format!("Bulk {i}"), format!("bulk-{i}@example.com")));
    println!(
        "\nbulk registration of {BULK} with 5 % of requests faulted, concurrency {}, timeout {TIMEOUT:?}",
        event_sso::sequel::DEFAULT_CONCURRENCY
    );
    println!(
        "{:<26} {:>8} {:>10} {:>12} {:>10} {:>6}",
        "", "seconds", "per second", "join URLs", "held", "lost"
    );
    for contender in ["event-sso register_all", "raw reqwest loop"] {
        let fake = FakeSequel::start().expect("start the fake");
        let event = fake.add_event("Bulk");
        let client = Client::builder(fake.credentials())
            .base_url(fake.base_url())
            .timeout(TIMEOUT)
            .build()
            .unwrap();
        runtime.block_on(client.registrants(&event)).unwrap(); // the token, before the faults
        fake.inject(fault_plan(BULK, TIMEOUT * 2));
        let started = Instant::now();
        let reported: std::collections::HashSet<String> = match contender {
            "event-sso register_all" => {
                let report = runtime.block_on(client.register_all(&event, people(), BulkOptions::new()));
                report
                    .outcomes()
                    .iter()
                    .filter_map(BulkOutcome::registered)
                    .filter_map(|r| r.email.as_deref().map(str::to_lowercase))
                    .collect()
            }
            _ => runtime.block_on(raw_bulk(&fake, &event, people(), TIMEOUT)),
        };
        let elapsed = started.elapsed();
        let held: std::collections::HashSet<String> = fake
            .registrants(&event)
            .into_iter()
            .filter_map(|r| r.email.as_deref().map(str::to_lowercase))
            .collect();
        let lost = held.difference(&reported).count();
        println!(
            "{contender:<26} {:>8.2} {:>10.0} {:>12} {:>10} {lost:>6}",
            elapsed.as_secs_f64(),
            BULK as f64 / elapsed.as_secs_f64(),
            reported.len(),
            held.len(),
        );
    }
}

/// What a user writes without the crate: the same concurrency and timeout, one attempt each,
/// a join URL when the answer is a 2xx.
async fn raw_bulk(
    fake: &FakeSequel,
    event: &EventId,
    people: impl Iterator<Item = Registration>,
    timeout: Duration,
) -> std::collections::HashSet<String> {
    use futures_util::StreamExt;
    let raw = reqwest::Client::builder().timeout(timeout).build().unwrap();
    let token = fake.access_token().as_str().to_owned();
    let url = format!("{}/api/v1/event/{event}/registrant", fake.base_url());
    futures_util::stream::iter(people)
        .map(|registration| {
            let request = raw
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&registration).unwrap());
            async move {
                let response = request.send().await.ok()?;
                if !response.status().is_success() {
                    return None;
                }
                let registrant =
                    serde_json::from_slice::<serde_json::Value>(&response.bytes().await.ok()?).ok()?;
                url::Url::parse(registrant["join_url"].as_str()?).ok()?;
                Some(registration.email.to_lowercase())
            }
        })
        .buffer_unordered(event_sso::sequel::DEFAULT_CONCURRENCY)
        .filter_map(|email| async move { email })
        .collect()
        .await
}

/// The child: a lean HTTP/1.1 server with Sequel's answers, canned, until stdin closes.
fn serve() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    println!("http://{} bench-event", listener.local_addr().unwrap());
    std::io::stdout().flush().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer_all(stream));
        }
    });
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

/// Answers every request on one keep-alive connection: the token, an embed URL, or a
/// registrant, chosen by the path's end.
fn answer_all(stream: std::net::TcpStream) {
    const TOKEN: &str = r#"{"access_token":"bench-token","token_type":"Bearer","expires_in":86400}"#;
    const EMBED: &str = r#""https://embed.sequel.io/event/bench-event?authKey=bench-key""#;
    const REGISTRANT: &str = r#"{"name":"Ada Lovelace","email":"ada@example.com","join_url":"https://embed.sequel.io/event/bench-event?joinCode=J1&authKey=bench-key","metadata":{}}"#;
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().expect("clone the stream");
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let path = request_line.split(' ').nth(1).unwrap_or_default();
        let answer = match path {
            p if p.ends_with("/token") => TOKEN,
            p if p.ends_with("/embedCode") => EMBED,
            _ => REGISTRANT,
        };
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// Runs this bench again as the server, on the second core when `taskset` is there (and this
/// process on the first), so client and server do not take turns on one core.
fn start_server() -> std::process::Child {
    let pin = Command::new("taskset").arg("-V").output().is_ok() && cpu_count() > 1;
    let mut command = match pin {
        true => {
            let _ = Command::new("taskset")
                .args(["-a", "-p", "-c", "0", &std::process::id().to_string()])
                .stdout(Stdio::null())
                .status();
            let mut command = Command::new("taskset");
            command.args(["-c", "1"]).arg(std::env::current_exe().unwrap());
            command
        }
        false => Command::new(std::env::current_exe().unwrap()),
    };
    command
        .env(SERVE, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server in a child process")
}

fn cpu_count() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// One contender: what makes a number of calls, and the CPU time per call of each chunk it
/// ran.
struct Contender<'a> {
    calls: Box<dyn FnMut(u32) + 'a>,
    micros: Vec<f64>,
}

impl<'a> Contender<'a> {
    fn new(calls: impl FnMut(u32) + 'a) -> Self {
        Contender {
            calls: Box::new(calls),
            micros: Vec::new(),
        }
    }

    fn chunk(&mut self, calls: u32, record: bool) {
        let started = ProcessTime::now();
        (self.calls)(calls);
        if record {
            self.micros
                .push(started.elapsed().as_secs_f64() * 1e6 / f64::from(calls));
        }
    }

    /// The median and the 10th and 90th percentiles, in µs per call.
    fn summary(&self) -> (f64, f64, f64) {
        let mut sorted = self.micros.clone();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        (at(0.5), at(0.1), at(0.9))
    }
}

/// A count of registrations made, for names nobody has registered yet.
fn counter() -> std::sync::Arc<AtomicU64> {
    std::sync::Arc::new(AtomicU64::new(0))
}

fn person(who: &str, made: &AtomicU64) -> Registration {
    let n = made.fetch_add(1, Ordering::Relaxed) + 1;
    Registration::new(format!("{who} {n}"), format!("{who}-{n}@example.com"))
}

/// The embed request's body, made per call as the viewer changes per call (the clients
/// serialize theirs per call too).
fn embed_body() -> Vec<u8> {
    let viewer = json!({"userId": "user-42", "userDisplayName": "Ada Lovelace", "userName": "Ada Lovelace", "userEmail": "ada@example.com"});
    serde_json::to_vec(&viewer).unwrap()
}

/// A raw reqwest call, as a careful user writes it.
async fn raw_async(raw: &reqwest::Client, url: &str, token: &str, body: Vec<u8>) -> bytes::Bytes {
    let response = raw
        .post(url)
        .bearer_auth(token)
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    response.bytes().await.unwrap()
}

// The same decoding the clients do: the embed URL parsed; the registrant read whole and its
// join URL parsed (the client checks it is a URL before handing it over).
fn embed_answer(body: &[u8]) -> url::Url {
    url::Url::parse(&serde_json::from_slice::<String>(body).unwrap()).unwrap()
}

fn registrant_answer(body: &[u8]) -> (serde_json::Value, url::Url) {
    let registrant = serde_json::from_slice::<serde_json::Value>(body).unwrap();
    let join_url = url::Url::parse(registrant["join_url"].as_str().unwrap()).unwrap();
    (registrant, join_url)
}

fn cpu_per_call() {
    let mut child = start_server();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let (base_url, event) = line.trim().split_once(' ').expect("base URL and event");
    let event = EventId::new(event);
    let credentials = Credentials::new(CREDENTIALS.0, CREDENTIALS.1);

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let ours = Client::builder(credentials.clone())
        .base_url(base_url)
        .build()
        .unwrap();
    let ours_blocking = blocking::Client::builder(credentials.clone())
        .base_url(base_url)
        .build()
        .unwrap();
    // The baseline as a careful user would configure reqwest: the clients' timeouts, no
    // redirects, and a user agent of its own, so both send the same request.
    let user_agent = concat!("event-sso/", env!("CARGO_PKG_VERSION"));
    let raw = reqwest::Client::builder()
        .timeout(event_sso::sequel::DEFAULT_TIMEOUT)
        .connect_timeout(event_sso::sequel::DEFAULT_CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .build()
        .unwrap();
    let raw_blocking = reqwest::blocking::Client::builder()
        .timeout(event_sso::sequel::DEFAULT_TIMEOUT)
        .connect_timeout(event_sso::sequel::DEFAULT_CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .build()
        .unwrap();
    let token_request = Api::new(base_url)
        .unwrap()
        .token(&credentials)
        .unwrap()
        .to_request(None)
        .unwrap();
    let grant = raw_blocking
        .execute(token_request.try_into().unwrap())
        .unwrap()
        .bytes()
        .unwrap();
    let token = serde_json::from_slice::<serde_json::Value>(&grant).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let viewer = Viewer::new("user-42", "Ada Lovelace").email("ada@example.com");
    let embed_url = format!("{base_url}/api/v1/event/{event}/embedCode");
    let register_url = format!("{base_url}/api/v1/event/{event}/registrant");
    // Each contender registers people of its own, so nobody is registered twice.
    let (n1, n2, n3, n4) = (counter(), counter(), counter(), counter());
    let raw_sync = |url: &str, body: Vec<u8>| {
        let response = raw_blocking
            .post(url)
            .bearer_auth(&token)
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap();
        assert!(response.status().is_success());
        response.bytes().unwrap()
    };
    // Async calls are made from a task on the runtime, as a request handler makes them: each
    // chunk is one task, with its own handles (clones of the client and of what it sends).
    let in_task = |chunk: std::pin::Pin<Box<dyn Future<Output = ()> + Send>>| {
        runtime.block_on(runtime.spawn(chunk)).unwrap();
    };

    let mut groups: Vec<(&str, Contender<'_>, Contender<'_>)> = vec![
        (
            "embed_url, async",
            Contender::new(|calls| {
                let (ours, event, viewer) = (ours.clone(), event.clone(), viewer.clone());
                in_task(Box::pin(async move {
                    for _ in 0..calls {
                        ours.embed_url(&event, &viewer).await.unwrap();
                    }
                }));
            }),
            Contender::new(|calls| {
                let (raw, url, token) = (raw.clone(), embed_url.clone(), token.clone());
                in_task(Box::pin(async move {
                    for _ in 0..calls {
                        embed_answer(&raw_async(&raw, &url, &token, embed_body()).await);
                    }
                }));
            }),
        ),
        (
            "embed_url, blocking",
            Contender::new(|calls| {
                for _ in 0..calls {
                    ours_blocking.embed_url(&event, &viewer).unwrap();
                }
            }),
            Contender::new(|calls| {
                for _ in 0..calls {
                    embed_answer(&raw_sync(&embed_url, embed_body()));
                }
            }),
        ),
        (
            "register, async",
            Contender::new(|calls| {
                let (ours, event, n1) = (ours.clone(), event.clone(), n1.clone());
                in_task(Box::pin(async move {
                    for _ in 0..calls {
                        ours.register(&event, &person("ours", &n1)).await.unwrap();
                    }
                }));
            }),
            Contender::new(|calls| {
                let (raw, url, token, n2) = (raw.clone(), register_url.clone(), token.clone(), n2.clone());
                in_task(Box::pin(async move {
                    for _ in 0..calls {
                        let body = serde_json::to_vec(&person("raw", &n2)).unwrap();
                        registrant_answer(&raw_async(&raw, &url, &token, body).await);
                    }
                }));
            }),
        ),
        (
            "register, blocking",
            Contender::new(|calls| {
                for _ in 0..calls {
                    ours_blocking
                        .register(&event, &person("ours-blocking", &n3))
                        .unwrap();
                }
            }),
            Contender::new(|calls| {
                for _ in 0..calls {
                    let body = serde_json::to_vec(&person("raw-blocking", &n4)).unwrap();
                    registrant_answer(&raw_sync(&register_url, body));
                }
            }),
        ),
    ];

    for (_, ours, raw) in &mut groups {
        ours.chunk(WARM_UP, false);
        raw.chunk(WARM_UP, false);
    }
    for round in 0..ROUNDS {
        for (_, ours, raw) in &mut groups {
            // Alternate who goes first, so neither always follows the other's leftovers.
            if round % 2 == 0 {
                ours.chunk(CHUNK, true);
                raw.chunk(CHUNK, true);
            } else {
                raw.chunk(CHUNK, true);
                ours.chunk(CHUNK, true);
            }
        }
    }
    drop(child.stdin.take());
    let _ = child.wait();
    // The other benches share both cores again.
    let _ = Command::new("taskset")
        .args([
            "-a",
            "-p",
            "-c",
            &format!("0-{}", cpu_count() - 1),
            &std::process::id().to_string(),
        ])
        .stdout(Stdio::null())
        .status();

    println!(
        "\nCPU time per call (this process only; the lean server runs in another), µs: median [p10–p90] over {ROUNDS} chunks of {CHUNK}"
    );
    println!(
        "{:<22} {:>24} {:>24} {:>8}",
        "call", "event-sso", "raw reqwest", "ratio"
    );
    for (title, ours, raw) in &groups {
        let (o, o10, o90) = ours.summary();
        let (r, r10, r90) = raw.summary();
        let ratio = o / r;
        let verdict = if ratio <= TARGET { "met" } else { "NOT met" };
        println!(
            "{title:<22} {:>24} {:>24} {ratio:>8.3}  {verdict} (target {TARGET:.2})",
            format!("{o:.1} [{o10:.1}–{o90:.1}]"),
            format!("{r:.1} [{r10:.1}–{r90:.1}]"),
        );
    }
}

fn throughput() {
    let fake = FakeSequel::start().expect("start the fake");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let event = fake.add_event("Bench");
    let viewer = Viewer::new("user-42", "Ada Lovelace").email("ada@example.com");
    let ours = Client::builder(fake.credentials())
        .base_url(fake.base_url())
        .build()
        .unwrap();

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
