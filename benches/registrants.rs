//! A 100,000-person event's registrant list (51 MB of JSON, in Sequel's shape), through the
//! blocking client and the `Driver`: the time and the growth of the process's peak resident memory (`VmHWM`)
//! of three reads, each in a fresh process so that no read's peak hides another's:
//!
//! - `full decode`: `registrants()`, with `max_response_bytes` raised to hold the list (the
//!   baseline: what a 100,000-person event needed before the list was read element by element);
//! - `register_or_get`: the last person's registration, refused as a repeat and found in the
//!   list, with default settings;
//! - `stream`: every registrant through `stream_registrants`, counted;
//! - `driver register_or_get` and `driver stream`: the same two over ureq, through the sans-IO
//!   `Driver` and `examples/ureq_transport.rs`'s transport.
//!
//! The list is served from another process, so its 51 MB are not counted as the client's.
//!
//! ```sh
//! cargo bench --features blocking --bench registrants
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use event_sso::sequel::blocking::Client;
use event_sso::sequel::request::{Api, Driver};
use event_sso::sequel::{Credentials, EventId, Registration};

#[path = "../examples/ureq_transport.rs"]
#[allow(dead_code)]
mod example;

const PEOPLE: usize = 100_000;
const ROUNDS: usize = 3;
const SCENARIOS: [&str; 5] = [
    "full decode",
    "register_or_get",
    "stream",
    "driver register_or_get",
    "driver stream",
];

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    match (args.next().as_deref(), args.next()) {
        (Some("serve"), _) => serve(),
        (Some(scenario), Some(base)) if SCENARIOS.contains(&scenario) => measure(scenario, &base),
        _ => orchestrate(),
    }
}

/// Starts the server, runs each scenario `ROUNDS` times in its own process, interleaved,
/// and prints the medians.
fn orchestrate() {
    let me = std::env::current_exe().expect("the bench's own path");
    let mut server = Command::new(&me)
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server process");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("its stdout"))
        .read_line(&mut line)
        .expect("its address");
    let (base, bytes) = line.trim().split_once(' ').expect("address and size");
    let mut results: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); SCENARIOS.len()];
    for _ in 0..ROUNDS {
        for (scenario, (times, peaks)) in SCENARIOS.iter().zip(&mut results) {
            let output = Command::new(&me)
                .args([scenario, base])
                .output()
                .expect("a measuring process");
            let text = String::from_utf8_lossy(&output.stdout);
            let mut numbers = text
                .split_whitespace()
                .map(|n| n.parse::<f64>().expect("a number"));
            times.push(numbers.next().expect("the time"));
            peaks.push(numbers.next().expect("the peak"));
        }
    }
    drop(server.stdin.take()); // the server stops when its stdin closes
    let _ = server.wait();
    let bytes: f64 = bytes.parse().expect("the body's size");
    println!(
        "\n{PEOPLE} registrants, {:.1} MB of JSON, blocking client; medians of {ROUNDS} runs, each in its own process",
        bytes / 1e6
    );
    println!("{:<24} {:>10} {:>22}", "read", "time", "peak memory growth");
    let medians: Vec<(f64, f64)> = results.iter().map(|(t, p)| (median(t), median(p))).collect();
    for (scenario, (time, peak)) in SCENARIOS.iter().zip(&medians) {
        println!("{scenario:<24} {:>7.0} ms {:>19.1} MB", time * 1e3, peak / 1e6);
    }
    let (full_time, full_peak) = medians[0];
    for (scenario, (time, peak)) in SCENARIOS.iter().zip(&medians).skip(1) {
        println!(
            "{scenario}: {:.2}x the full decode's time, {:.2}x its memory",
            time / full_time,
            peak / full_peak
        );
    }
}

/// Runs one read and prints its time (s) and the growth of the peak resident memory (bytes).
fn measure(scenario: &str, base: &str) {
    let credentials = Credentials::new("client-1", "secret");
    let event = EventId::new("0b5a4c2e-6a8f-4d36-9a3c-1f2e3d4c5b6a");
    let last = PEOPLE - 1;
    let again = Registration::new(format!("Attendee {last}"), format!("attendee{last}@example.com"));
    let found = |registered: event_sso::sequel::Registered| {
        usize::from(registered.join_url.as_str().contains("joinCode="))
    };
    if let Some(read) = scenario.strip_prefix("driver ") {
        let api = Api::new(base).expect("the server's URL");
        let driver = Driver::new(api, credentials, example::Ureq::default());
        // The token and a connection first, so that only the read is measured.
        driver
            .execute(driver.api().event(&event).expect("a call"))
            .expect("the warm-up call");
        let before = memory("VmRSS");
        let start = Instant::now();
        let count = match read {
            "register_or_get" => found(driver.register_or_get(&event, &again).expect("found in the list")),
            _ => driver
                .stream_registrants(&event)
                .try_fold(0, |read, registrant| registrant.map(|_| read + 1))
                .expect("every registrant"),
        };
        report(scenario, count, start, before);
        return;
    }
    let builder = Client::builder(credentials).base_url(base);
    let client = match scenario {
        "full decode" => builder.max_response_bytes(200 << 20),
        _ => builder,
    }
    .build()
    .expect("a client");
    // The token and a connection first, so that only the read is measured.
    client.event(&event).expect("the warm-up call");
    let before = memory("VmRSS");
    let start = Instant::now();
    let count = match scenario {
        "full decode" => client.registrants(&event).expect("the list").len(),
        "register_or_get" => found(client.register_or_get(&event, &again).expect("found in the list")),
        _ => client
            .stream_registrants(&event)
            .try_fold(0, |read, registrant| registrant.map(|_| read + 1))
            .expect("every registrant"),
    };
    report(scenario, count, start, before);
}

/// Prints a read's time (s) and the growth of the peak resident memory (bytes) since `before`.
fn report(scenario: &str, count: usize, start: Instant, before: u64) {
    let elapsed = start.elapsed().as_secs_f64();
    assert!(count == PEOPLE || (scenario.ends_with("register_or_get") && count == 1));
    println!("{elapsed} {}", memory("VmHWM").saturating_sub(before));
}

/// A line of `/proc/self/status`, in bytes.
fn memory(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches(" kB").parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Serves Sequel's answers on loopback until stdin closes: a token, a refused registration
/// (as Sequel refuses a repeat), the list of `PEOPLE`, each about 510 bytes, as Sequel
/// shapes them, and `{}` for an event. Prints its base URL and the list's size first.
fn serve() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let list = Arc::new(registrants());
    println!(
        "http://{} {}",
        listener.local_addr().expect("an address"),
        list.len()
    );
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let list = list.clone();
        std::thread::spawn(move || answer(stream, &list));
    }
}

fn answer(stream: std::net::TcpStream, list: &[u8]) {
    let Ok(read) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read);
    let (mut head, mut length) = (String::new(), 0);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
    }
    let _ = reader.read_exact(&mut vec![0; length]);
    let (status, body): (&str, &[u8]) = if head.starts_with("POST /api/oauth/token") {
        ("200 OK", br#"{"access_token":"t","expires_in":3600}"#)
    } else if head.starts_with("POST") {
        (
            "400 Bad Request",
            br#"{"hasError":true,"errorMessage":"An invalid parameter was sent"}"#,
        )
    } else if head.contains("/registrants ") {
        ("200 OK", list)
    } else {
        ("200 OK", b"{}")
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(body);
}

/// `PEOPLE` registrants as Sequel lists them: a join URL with a join code and a token.
fn registrants() -> Vec<u8> {
    let token = format!(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{}.{}",
        "x".repeat(230),
        "s".repeat(43)
    );
    let mut body = Vec::with_capacity(PEOPLE * 520);
    body.push(b'[');
    for n in 0..PEOPLE {
        if n > 0 {
            body.push(b',');
        }
        let _ = write!(
            body,
            r#"{{"name":"Attendee {n}","email":"attendee{n}@example.com","join_url":"https://embed.sequel.io/event/0b5a4c2e-6a8f-4d36-9a3c-1f2e3d4c5b6a?joinCode=J{n:011}&authKey={token}","metadata":{{}}}}"#
        );
    }
    body.push(b']');
    body
}
