//! With the `tracing` feature, traces in OpenTelemetry's names: a span per call, a span per
//! request inside it with the HTTP client conventions' fields, and a span per webhook
//! delivery. A layer records every span's and event's fields, on both clients, and none holds
//! a secret, a token, an id, a name or an e-mail.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_sso::sequel::fake::{FakeSequel, Fault, Requests};
use event_sso::sequel::webhook::{AUTH_HEADER, Receiver, Verifier};
use event_sso::sequel::{Registration, RetryPolicy, Viewer, blocking};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A span as recorded: its name, its parent, and every field it was given.
#[derive(Debug, Clone)]
struct Span {
    id: u64,
    name: &'static str,
    parent: Option<u64>,
    fields: BTreeMap<String, String>,
}

impl Span {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Debug, Default)]
struct Recorded {
    spans: Vec<Span>,
    events: Vec<BTreeMap<String, String>>,
}

impl Recorded {
    /// Every value recorded, span and event fields alike.
    fn values(&self) -> impl Iterator<Item = &String> {
        let spans = self.spans.iter().flat_map(|span| span.fields.values());
        spans.chain(self.events.iter().flat_map(BTreeMap::values))
    }

    fn named(&self, name: &str) -> Vec<&Span> {
        self.spans.iter().filter(|span| span.name == name).collect()
    }

    fn parent_of(&self, span: &Span) -> Option<&Span> {
        self.spans.iter().find(|parent| Some(parent.id) == span.parent)
    }
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Recorded>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attributes.record(&mut Fields(&mut fields));
        let parent = context
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.id().into_u64());
        self.0.lock().unwrap().spans.push(Span {
            id: id.into_u64(),
            name: attributes.metadata().name(),
            parent,
            fields,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut recorded = self.0.lock().unwrap();
        if let Some(span) = recorded
            .spans
            .iter_mut()
            .rev()
            .find(|span| span.id == id.into_u64())
        {
            values.record(&mut Fields(&mut span.fields));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().events.push(fields);
    }
}

/// Runs `work` with every span and event recorded, at every level.
fn recorded<T>(work: impl FnOnce() -> T) -> (T, Recorded) {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let result = tracing::subscriber::with_default(subscriber, work);
    let recorded = std::mem::take(&mut *recorder.0.lock().unwrap());
    (result, recorded)
}

/// What must never be in a trace: the event's id, the user's id, name and e-mail, the
/// client's secret, and the login parts of embed and join URLs.
const PRIVATE: [&str; 7] = [
    "user-PRIVATE",
    "Lovelace",
    "ada",
    "example.com",
    "authKey",
    "joinCode",
    "token=",
];

fn assert_nothing_private(recorded: &Recorded, secrets: &[&str]) {
    for value in recorded.values() {
        for private in PRIVATE.iter().chain(secrets) {
            assert!(
                !value.contains(private),
                "{private:?} is in a trace: {value:?}\n{recorded:#?}"
            );
        }
    }
}

/// The calls of each client, with a rate limit on the first: a resent request.
fn each_call_and_request_is_a_span_with_the_conventions_names(blocking_client: bool) {
    let fake = FakeSequel::start().unwrap();
    let event = fake.add_event("Launch");
    let credentials = fake.credentials();
    let secret = credentials.client_secret().as_str().to_owned();
    let retry = RetryPolicy::default().initial_backoff(Duration::from_millis(5));
    fake.inject_on(Requests::ApiCalls, [Fault::RateLimit(Duration::ZERO)]);
    let viewer = Viewer::new("user-PRIVATE", "Ada Lovelace").email("ada@example.com");
    let ada = Registration::new("Ada Lovelace", "ada@example.com");
    let (_, recorded) = recorded(|| match blocking_client {
        true => {
            let client = blocking::Client::builder(credentials)
                .base_url(fake.base_url())
                .retry(retry)
                .build()
                .unwrap();
            client.embed_url(&event, &viewer).unwrap();
            client.register_or_get(&event, &ada).unwrap();
            let missing = client.event(&"no-such-PRIVATE-event".into()).unwrap_err();
            assert!(missing.is_not_found());
        }
        false => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let client = event_sso::sequel::Client::builder(credentials)
                .base_url(fake.base_url())
                .retry(retry)
                .build()
                .unwrap();
            runtime.block_on(async {
                client.embed_url(&event, &viewer).await.unwrap();
                client.register_or_get(&event, &ada).await.unwrap();
                let missing = client.event(&"no-such-PRIVATE-event".into()).await.unwrap_err();
                assert!(missing.is_not_found());
            });
        }
    });
    let port = event_sso::url::Url::parse(fake.base_url())
        .unwrap()
        .port()
        .unwrap()
        .to_string();

    let calls: Vec<&str> = recorded
        .named("sequel")
        .iter()
        .map(|span| span.field("otel.name").unwrap())
        .collect();
    assert_eq!(
        calls,
        [
            "POST /event/{eventId}/embedCode",
            "POST /oauth/token",
            "POST /event/{eventId}/registrant",
            "GET /event/{eventId}",
        ],
        "{recorded:#?}"
    );
    let requests = recorded.named("sequel.request");
    let names: Vec<&str> = requests
        .iter()
        .map(|span| span.field("otel.name").unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "POST /api/oauth/token",
            "POST /api/v1/event/{eventId}/embedCode",
            "POST /api/v1/event/{eventId}/embedCode",
            "POST /api/v1/event/{eventId}/registrant",
            "GET /api/v1/event/{eventId}",
        ]
    );
    for request in &requests {
        let (method, template) = request.field("otel.name").unwrap().split_once(' ').unwrap();
        assert_eq!(request.field("otel.kind"), Some("client"));
        assert_eq!(request.field("http.request.method"), Some(method));
        assert_eq!(request.field("url.template"), Some(template));
        assert_eq!(request.field("server.address"), Some("127.0.0.1"));
        assert_eq!(request.field("server.port"), Some(port.as_str()));
        // Each request is inside the call that sent it.
        let call = recorded.parent_of(request).expect("a request has its call");
        assert_eq!(call.name, "sequel");
        assert!(
            call.field("otel.name")
                .unwrap()
                .ends_with(template.trim_start_matches("/api/v1").trim_start_matches("/api"))
        );
    }
    // The token request is a call inside the call that needed it.
    let token_call = recorded.parent_of(requests[0]).unwrap();
    assert_eq!(
        recorded.parent_of(token_call).unwrap().field("otel.name"),
        Some("POST /event/{eventId}/embedCode")
    );

    let statuses: Vec<Option<&str>> = requests
        .iter()
        .map(|r| r.field("http.response.status_code"))
        .collect();
    assert_eq!(
        statuses,
        [Some("200"), Some("429"), Some("200"), Some("200"), Some("404")]
    );
    let resends: Vec<Option<&str>> = requests
        .iter()
        .map(|r| r.field("http.request.resend_count"))
        .collect();
    assert_eq!(resends, [None, None, Some("1"), None, None]);
    let errors: Vec<Option<&str>> = requests.iter().map(|r| r.field("error.type")).collect();
    assert_eq!(errors, [None, Some("429"), None, None, Some("404")]);
    assert_eq!(requests[1].field("otel.status_code"), Some("ERROR"));
    // The call that failed says so too, with the message the crate built.
    let failed = recorded.named("sequel")[3];
    assert_eq!(
        (failed.field("error.type"), failed.field("otel.status_code")),
        (Some("404"), Some("ERROR"))
    );
    assert!(
        recorded
            .events
            .iter()
            .any(|event| event.get("exception.message").is_some_and(|m| m.contains("404")))
    );

    assert_nothing_private(&recorded, &[event.as_str(), &secret, "no-such-PRIVATE-event"]);
}

#[test]
fn async_client_calls_and_requests_are_spans_in_opentelemetrys_names() {
    each_call_and_request_is_a_span_with_the_conventions_names(false);
}

#[test]
fn blocking_client_calls_and_requests_are_spans_in_opentelemetrys_names() {
    each_call_and_request_is_a_span_with_the_conventions_names(true);
}

#[test]
fn a_decode_failure_is_traced_without_what_sequel_sent() {
    let marker = "x\\\"`ada@example.com`\u{202e}";
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(wiremock::MockServer::start());
    runtime.block_on(async {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, ResponseTemplate};
        Mock::given(method("POST"))
            .and(path("/api/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"access_token": "t"})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v1/event/ev-1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"name": marker, "uid": [marker], "description": marker, marker: marker}),
            ))
            .mount(&server)
            .await;
    });
    let client =
        event_sso::sequel::Client::builder(event_sso::sequel::Credentials::new("client-1", "s3cret"))
            .base_url(server.uri())
            .build()
            .unwrap();
    let (error, recorded) = recorded(|| runtime.block_on(client.event(&"ev-1".into())).unwrap_err());
    assert!(error.is_decode(), "{error:?}");
    let call = recorded.named("sequel")[0];
    assert_eq!(call.field("otel.name"), Some("GET /event/{eventId}"));
    assert_eq!(call.field("error.type"), Some("decode"));
    let message = recorded
        .events
        .iter()
        .find_map(|event| event.get("exception.message"))
        .unwrap();
    assert!(
        message.contains("cannot decode Sequel's response") && message.contains("at uid"),
        "{message}"
    );
    assert_nothing_private(&recorded, &[marker, "s3cret"]);
}

#[test]
fn each_webhook_delivery_is_a_span_with_its_type_occurrence_outcome_and_store_time() {
    let secret = "whsec-\"PRIVATE\"";
    let receiver = Receiver::new(Verifier::new(secret));
    let body = br#"{"eventType":"new-attendee-pre-registration","webHookInvocationId":"i-1","correlationId":"c-1","timestamp":"2025-01-07T10:05:24.000Z","details":{"eventId":"ev-PRIVATE","attendee":{"name":"Ada Lovelace","email":"ada@example.com","registrationInfo":[]}}}"#;
    let headers = |key: &str| {
        let mut headers = http::HeaderMap::new();
        headers.insert(AUTH_HEADER, key.parse().unwrap());
        headers
    };
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let (statuses, recorded) = recorded(|| {
        runtime.block_on(async {
            let mut statuses = Vec::new();
            for key in [secret, secret, "wrong"] {
                let handled = receiver
                    .handle(&headers(key), body, |_| async {
                        tracing::info!("the handler runs inside the delivery's span");
                        Ok::<(), std::io::Error>(())
                    })
                    .await;
                statuses.push(handled.status().as_u16());
            }
            statuses
        })
    });
    assert_eq!(statuses, [200, 200, 401]);
    let deliveries = recorded.named("sequel.webhook");
    let seen: Vec<[Option<&str>; 5]> = deliveries
        .iter()
        .map(|span| {
            [
                span.field("sequel.webhook.type"),
                span.field("sequel.webhook.occurrence"),
                span.field("sequel.webhook.outcome"),
                span.field("http.response.status_code"),
                span.field("error.type"),
            ]
        })
        .collect();
    let registration = Some("new-attendee-pre-registration");
    let occurrence = Some("new-attendee-pre-registration:c-1:1");
    assert_eq!(
        seen,
        [
            [registration, occurrence, Some("done"), Some("200"), None],
            [registration, occurrence, Some("repeat"), Some("200"), None],
            [None, None, Some("refused"), Some("401"), Some("wrong_key")],
        ]
    );
    for span in &deliveries {
        let store: f64 = span
            .field("sequel.webhook.store.duration")
            .unwrap()
            .parse()
            .unwrap();
        assert!(store >= 0.0);
    }
    assert_eq!(recorded.events.len(), 1, "the handler ran once");
    assert_nothing_private(&recorded, &[secret, "ev-PRIVATE"]);
}

/// The core's blocking driver traces as the clients do, whatever the transport.
#[test]
fn the_driver_traces_as_the_clients_do() {
    let fake = FakeSequel::start().unwrap();
    let event = fake.add_event("Launch");
    let http = common::reqwest_blocking();
    let send =
        |request: http::Request<Vec<u8>>, timeout: Duration| common::reqwest_send(&http, request, timeout);
    let api = event_sso::sequel::request::Api::new(fake.base_url()).unwrap();
    let driver = event_sso::sequel::request::Driver::new(api, fake.credentials(), send);
    let viewer = Viewer::new("user-PRIVATE", "Ada Lovelace").email("ada@example.com");
    let (_, recorded) = recorded(|| {
        driver
            .execute(driver.api().embed_url(&event, &viewer).unwrap())
            .unwrap()
    });
    let calls: Vec<&str> = recorded
        .named("sequel")
        .iter()
        .map(|s| s.field("otel.name").unwrap())
        .collect();
    assert_eq!(calls, ["POST /event/{eventId}/embedCode", "POST /oauth/token"]);
    let requests = recorded.named("sequel.request");
    let names: Vec<&str> = requests.iter().map(|s| s.field("otel.name").unwrap()).collect();
    assert_eq!(
        names,
        ["POST /api/oauth/token", "POST /api/v1/event/{eventId}/embedCode"]
    );
    assert_eq!(requests[1].field("http.response.status_code"), Some("200"));
    assert_eq!(
        recorded.parent_of(requests[1]).unwrap().field("otel.name"),
        Some(calls[0])
    );
    assert_nothing_private(
        &recorded,
        &[event.as_str(), fake.credentials().client_secret().as_str()],
    );
}
