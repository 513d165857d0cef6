//! With the `tracing` feature, each call is one span carrying the call's path template, and
//! each attempt one event with its status, number and latency; never ids, e-mails or tokens.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_sso::sequel::{Client, Credentials, EventId, RetryPolicy, Viewer};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Runs `work` with a subscriber that writes every DEBUG event, and returns what it wrote.
fn traced<T>(work: impl FnOnce() -> T) -> (T, String) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let result = tracing::subscriber::with_default(subscriber, work);
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    (result, log)
}

#[test]
fn one_span_per_call_with_status_attempt_and_latency_and_nothing_personal() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(MockServer::start());
    runtime.block_on(async {
        Mock::given(method("POST"))
            .and(path("/api/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "tok-SECRET"})))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/api/v1/event/ev-PRIVATE/embedCode"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/api/v1/event/ev-PRIVATE/embedCode"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json("https://embed.sequel.io/event/ev-PRIVATE?userEmail=ada%40example.com"),
            )
            .mount(&server)
            .await;
    });
    let client = Client::builder(Credentials::new("client-1", "s3cret"))
        .base_url(server.uri())
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap();

    let (_, log) = traced(|| {
        let viewer = Viewer::new("user-PRIVATE", "Ada Lovelace").email("ada@example.com");
        runtime
            .block_on(client.embed_url(&EventId::new("ev-PRIVATE"), &viewer))
            .unwrap();
    });
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("event_sso")).collect();
    assert_eq!(lines.len(), 3, "token, 503, 200:\n{log}");
    assert!(
        lines[0].contains(r#"sequel{call="POST /oauth/token"}"#) && lines[0].contains("status=200 attempt=1"),
        "{log}"
    );
    assert!(
        lines[1].contains(r#"sequel{call="POST /event/{eventId}/embedCode"}"#),
        "{log}"
    );
    assert!(
        lines[1].contains("status=503 error=Sequel answered 503 Service Unavailable attempt=1"),
        "{log}"
    );
    assert!(lines[2].contains("status=200 attempt=2"), "{log}");
    assert!(lines.iter().all(|l| l.contains("latency_ms=")), "{log}");
    for private in [
        "PRIVATE",
        "ada",
        "example.com",
        "tok-SECRET",
        "s3cret",
        "Lovelace",
    ] {
        assert!(!log.contains(private), "{private} leaked into the trace:\n{log}");
    }
}

#[test]
fn a_decode_failure_is_traced_without_what_sequel_sent() {
    let marker = "x\\\"`ada@example.com`\u{202e}";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(MockServer::start());
    runtime.block_on(async {
        Mock::given(method("POST"))
            .and(path("/api/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "t"})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v1/event/ev-1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"name": marker, "uid": [marker], "description": marker, marker: marker}),
            ))
            .mount(&server)
            .await;
    });
    let client = Client::builder(Credentials::new("client-1", "s3cret"))
        .base_url(server.uri())
        .build()
        .unwrap();

    let (error, log) = traced(|| runtime.block_on(client.event(&EventId::new("ev-1"))).unwrap_err());
    assert!(error.is_decode(), "{error:?}");
    assert!(
        log.contains("sequel attempt failed") && log.contains("cannot decode Sequel's response"),
        "{log}"
    );
    assert!(log.contains("at uid"), "the trace says where: {log}");
    assert!(!log.contains("ada@example.com") && !log.contains(marker), "{log}");
}
