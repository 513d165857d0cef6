//! Traces and metrics as an app exports them: `tracing-opentelemetry` into the SDK's
//! in-memory span exporter, and the SDK's meter provider, set globally, into its in-memory
//! metric exporter. Both clients against the fake: a success with its token fetch, a `429`
//! then a resend, a `404`, `5xx` until the retries are spent, and webhook deliveries. What is
//! checked is what a dashboard reads: names, kinds, statuses and their descriptions, parent
//! links, integers kept integers, one histogram point per HTTP request with the conventions'
//! unit and buckets, and no private value anywhere.

mod common;

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use event_sso::http::StatusCode;
use event_sso::sequel::fake::{FakeSequel, Fault, Requests};
use event_sso::sequel::webhook::{AUTH_HEADER, Receiver, Verifier};
use event_sso::sequel::{self, EventId, RetryPolicy, Viewer};
use opentelemetry::trace::{SpanKind, Status, TracerProvider};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing_subscriber::layer::SubscriberExt;

/// The pipeline, made once per process: spans and metrics go to memory.
struct Pipeline {
    spans: InMemorySpanExporter,
    metrics: InMemoryMetricExporter,
    meters: SdkMeterProvider,
}

fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        let spans = InMemorySpanExporter::default();
        let tracer = SdkTracerProvider::builder()
            .with_simple_exporter(spans.clone())
            .build()
            .tracer("tests");
        let subscriber =
            tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer));
        tracing::subscriber::set_global_default(subscriber).unwrap();
        // Delta: each export holds what was measured since the last, so a test counts its
        // own requests only, whichever ran before it.
        let metrics = opentelemetry_sdk::metrics::InMemoryMetricExporterBuilder::new()
            .with_temporality(opentelemetry_sdk::metrics::Temporality::Delta)
            .build();
        let meters = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(metrics.clone()).build())
            .build();
        opentelemetry::global::set_meter_provider(meters.clone());
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        Pipeline {
            spans,
            metrics,
            meters,
        }
    })
}

/// The tests share one global pipeline, so they take turns.
static TURN: Mutex<()> = Mutex::new(());

/// What was exported since the last call.
fn exported() -> (Vec<SpanData>, Vec<ResourceMetrics>) {
    let pipeline = pipeline();
    pipeline.meters.force_flush().unwrap();
    let spans = pipeline.spans.get_finished_spans().unwrap();
    let metrics = pipeline.metrics.get_finished_metrics().unwrap();
    pipeline.spans.reset();
    pipeline.metrics.reset();
    (spans, metrics)
}

fn attribute<'a>(attributes: impl IntoIterator<Item = &'a KeyValue>, key: &str) -> Option<&'a Value> {
    attributes
        .into_iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

/// Every value a dashboard could see: span names, attributes, status descriptions, event
/// names and attributes, and metric labels.
fn everything(spans: &[SpanData], metrics: &[ResourceMetrics]) -> Vec<String> {
    let mut seen = Vec::new();
    for span in spans {
        seen.push(span.name.to_string());
        seen.extend(
            span.attributes
                .iter()
                .map(|kv| format!("{}={}", kv.key, kv.value)),
        );
        if let Status::Error { description } = &span.status {
            seen.push(description.to_string());
        }
        for event in span.events.iter() {
            seen.push(event.name.to_string());
            seen.extend(
                event
                    .attributes
                    .iter()
                    .map(|kv| format!("{}={}", kv.key, kv.value)),
            );
        }
    }
    for resource in metrics {
        for scope in resource.scope_metrics() {
            for metric in scope.metrics() {
                seen.push(metric.name().to_owned());
                for labels in points(metric.data()) {
                    seen.extend(labels.iter().map(|kv| format!("{}={}", kv.key, kv.value)));
                }
            }
        }
    }
    seen
}

/// The attributes of every data point of a metric.
fn points(data: &AggregatedMetrics) -> Vec<Vec<KeyValue>> {
    fn of<T: Copy>(data: &MetricData<T>) -> Vec<Vec<KeyValue>> {
        match data {
            MetricData::Histogram(histogram) => histogram
                .data_points()
                .map(|point| point.attributes().cloned().collect())
                .collect(),
            MetricData::Sum(sum) => sum
                .data_points()
                .map(|point| point.attributes().cloned().collect())
                .collect(),
            MetricData::Gauge(gauge) => gauge
                .data_points()
                .map(|point| point.attributes().cloned().collect())
                .collect(),
            MetricData::ExponentialHistogram(histogram) => histogram
                .data_points()
                .map(|point| point.attributes().cloned().collect())
                .collect(),
        }
    }
    match data {
        AggregatedMetrics::F64(data) => of(data),
        AggregatedMetrics::U64(data) => of(data),
        AggregatedMetrics::I64(data) => of(data),
    }
}

/// A metric's points: each one's count (or sum) and attributes.
type Points = Vec<(u64, Vec<KeyValue>)>;

/// The metric `name`, from the crate's scope.
fn metric<'a>(metrics: &'a [ResourceMetrics], name: &str) -> &'a opentelemetry_sdk::metrics::data::Metric {
    metrics
        .iter()
        .flat_map(|resource| resource.scope_metrics())
        .filter(|scope| scope.scope().name() == "event-sso")
        .flat_map(|scope| scope.metrics())
        .find(|metric| metric.name() == name)
        .unwrap_or_else(|| panic!("no {name} in {metrics:?}"))
}

/// The histogram `name`: its unit, its bounds, and each point's count and attributes.
fn histogram(metrics: &[ResourceMetrics], name: &str) -> (String, Vec<f64>, Points) {
    let metric = metric(metrics, name);
    let AggregatedMetrics::F64(MetricData::Histogram(histogram)) = metric.data() else {
        panic!("{name} is an f64 histogram: {:?}", metric.data());
    };
    let points = histogram
        .data_points()
        .map(|point| (point.count(), point.attributes().cloned().collect()))
        .collect();
    let bounds = histogram
        .data_points()
        .next()
        .map(|p| p.bounds().collect())
        .unwrap_or_default();
    (metric.unit().to_owned(), bounds, points)
}

const EMAIL: &str = "ada.\"q\"+otel@example.com";
const USER: &str = "user-PRIVATE-42";
const NAME: &str = "Ada \"Q\" O'Neil";

fn viewer() -> Viewer {
    Viewer::new(USER, NAME).email(EMAIL)
}

#[test]
fn both_clients_export_spans_and_metrics_a_dashboard_reads() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let _ = exported();
    let fake = FakeSequel::start().unwrap();
    let event = fake.add_event("Launch");
    let missing = EventId::new("ev-PRIVATE-missing");
    let retry = RetryPolicy::default()
        .max_retries(2)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(10));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = sequel::Client::builder(fake.credentials())
        .base_url(fake.base_url())
        .retry(retry.clone())
        .build()
        .unwrap();
    let blocking = sequel::blocking::Client::builder(fake.credentials())
        .base_url(fake.base_url())
        .retry(retry)
        .build()
        .unwrap();

    // A success, with the token fetched inside it; a 429 then a resend; a 404; 5xx spent.
    runtime.block_on(client.embed_url(&event, &viewer())).unwrap();
    fake.rate_limit_next(1, Duration::ZERO);
    runtime.block_on(client.embed_url(&event, &viewer())).unwrap();
    assert!(
        runtime
            .block_on(client.embed_url(&missing, &viewer()))
            .unwrap_err()
            .is_not_found()
    );
    // The first try and both retries; the blocking client's token request is spared.
    let unavailable = Fault::Status(StatusCode::SERVICE_UNAVAILABLE);
    fake.inject_on(Requests::ApiCalls, std::iter::repeat_n(unavailable, 3));
    let spent = blocking.embed_url(&event, &viewer()).unwrap_err();
    assert_eq!(spent.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    blocking.embed_url(&event, &viewer()).unwrap();
    // The sans-IO driver, over another transport, measures the same.
    let http = common::reqwest_blocking();
    let send = |request, timeout| common::reqwest_send(&http, request, timeout);
    let driver = sequel::request::Driver::new(
        sequel::request::Api::new(fake.base_url()).unwrap(),
        fake.credentials(),
        send,
    );
    driver
        .execute(driver.api().embed_url(&event, &viewer()).unwrap())
        .unwrap();

    let (spans, metrics) = exported();
    let requests: Vec<&SpanData> = spans.iter().filter(|s| s.span_kind == SpanKind::Client).collect();
    let calls: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Internal)
        .collect();
    let sent = fake.requests().len();
    assert_eq!(requests.len(), sent, "a client span per HTTP request");

    // Names from the templates; each request inside its call; the token call inside the first.
    let embed = "POST /api/v1/event/{eventId}/embedCode";
    assert!(calls.iter().any(|c| c.name == "POST /event/{eventId}/embedCode"));
    let tokens = calls.iter().filter(|c| c.name == "POST /oauth/token").count();
    assert_eq!(tokens, 3, "one per client and the driver: {:?}", names(&calls));
    for request in &requests {
        assert!(
            [embed, "POST /api/oauth/token"].contains(&request.name.as_ref()),
            "{}",
            request.name
        );
        let parent = calls
            .iter()
            .find(|c| c.span_context.span_id() == request.parent_span_id);
        assert!(parent.is_some(), "{} has its call as parent", request.name);
    }
    for token in calls.iter().filter(|c| c.name == "POST /oauth/token") {
        let needed_by = calls
            .iter()
            .find(|c| c.span_context.span_id() == token.parent_span_id);
        assert_eq!(
            needed_by.map(|c| c.name.as_ref()),
            Some("POST /event/{eventId}/embedCode"),
            "the token call is inside the call that needed it"
        );
    }

    // Integers stay integers.
    for request in &requests {
        assert!(matches!(
            attribute(&request.attributes, "server.port"),
            Some(Value::I64(_))
        ));
        assert!(matches!(
            attribute(&request.attributes, "http.response.status_code"),
            Some(Value::I64(_))
        ));
        assert_eq!(
            attribute(&request.attributes, "http.request.method"),
            Some(&Value::from("POST"))
        );
        let full = attribute(&request.attributes, "url.full").unwrap().to_string();
        assert!(
            full.starts_with("http://127.0.0.1:") && !full.contains(event.as_str()),
            "{full}"
        );
    }
    let resends: Vec<i64> = requests
        .iter()
        .filter_map(|r| match attribute(&r.attributes, "http.request.resend_count") {
            Some(Value::I64(n)) => Some(*n),
            _ => None,
        })
        .collect();
    assert!(resends.contains(&1) && resends.contains(&2), "{resends:?}");
    let statuses: Vec<i64> = requests
        .iter()
        .filter_map(|r| match attribute(&r.attributes, "http.response.status_code") {
            Some(Value::I64(n)) => Some(*n),
            _ => None,
        })
        .collect();
    for status in [200, 429, 404, 503] {
        assert!(statuses.contains(&status), "{status} in {statuses:?}");
    }

    // Failures: status Error with the message as its description, at INFO, and error.type.
    let failed: Vec<&&SpanData> = calls
        .iter()
        .filter(|c| matches!(c.status, Status::Error { .. }))
        .collect();
    assert_eq!(failed.len(), 2, "the 404 and the spent 503s: {:?}", names(&calls));
    for call in failed {
        let Status::Error { description } = &call.status else {
            unreachable!()
        };
        assert!(description.contains("Sequel answered"), "{description}");
        assert!(attribute(&call.attributes, "error.type").is_some());
        assert!(call.events.iter().any(|e| e.name == "exception"));
    }

    // One histogram point per request, in seconds, in the advised buckets.
    let (unit, bounds, points) = histogram(&metrics, "http.client.request.duration");
    assert_eq!(unit, "s");
    assert_eq!(
        bounds,
        [
            0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
        ]
    );
    let counted: u64 = points.iter().map(|(count, _)| count).sum();
    assert_eq!(counted as usize, sent, "one measurement per HTTP request");
    for (_, labels) in &points {
        assert!(matches!(attribute(labels, "server.port"), Some(Value::I64(_))));
        assert!(matches!(
            attribute(labels, "http.response.status_code"),
            Some(Value::I64(_))
        ));
        assert!(attribute(labels, "server.address").is_some());
    }
    assert!(
        points
            .iter()
            .any(|(_, labels)| attribute(labels, "error.type") == Some(&Value::from("503")))
    );

    assert_nothing_private(&spans, &metrics, &[event.as_str(), missing.as_str()]);
}

#[test]
fn webhook_deliveries_are_counted_by_type_and_outcome() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let _ = exported();
    let secret = "whsec-\"PRIVATE\"";
    let receiver = Receiver::new(Verifier::new(secret));
    let mut headers = event_sso::http::HeaderMap::new();
    headers.insert(AUTH_HEADER, secret.parse().unwrap());
    let body = format!(
        r#"{{"eventType":"new-attendee-pre-registration","webHookInvocationId":"i-1","correlationId":"c-1","timestamp":"2025-01-07T10:05:24.000Z","details":{{"eventId":"ev-PRIVATE","attendee":{{"name":"Ada","email":"{}","registrationInfo":[]}}}}}}"#,
        EMAIL.replace('"', "\\\"")
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for _ in 0..2 {
        let handled =
            runtime.block_on(receiver.handle(&headers, body.as_bytes(), |_| async { Ok::<(), ()>(()) }));
        assert_eq!(handled.status(), 200);
    }
    let refused = runtime.block_on(receiver.handle(&Default::default(), body.as_bytes(), |_| async {
        Ok::<(), ()>(())
    }));
    assert_eq!(refused.status(), 401);

    let (spans, metrics) = exported();
    let webhooks: Vec<&SpanData> = spans.iter().filter(|s| s.name == "sequel.webhook").collect();
    assert_eq!(webhooks.len(), 3);
    assert!(matches!(
        attribute(&webhooks[0].attributes, "http.response.status_code"),
        Some(Value::I64(200))
    ));
    let counted = counter(&metrics, "sequel.webhook.deliveries");
    let by = |outcome: &str| {
        counted
            .iter()
            .filter(|(_, labels)| {
                attribute(labels, "sequel.webhook.outcome") == Some(&Value::from(outcome.to_owned()))
            })
            .map(|(n, labels)| (*n, attribute(labels, "sequel.webhook.type").map(Value::to_string)))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        by("done"),
        [(1, Some("new-attendee-pre-registration".to_owned()))]
    );
    assert_eq!(
        by("repeat"),
        [(1, Some("new-attendee-pre-registration".to_owned()))]
    );
    assert_eq!(by("refused"), [(1, None)], "refused before its type was read");
    let (unit, _, points) = histogram(&metrics, "sequel.webhook.store.duration");
    assert_eq!(unit, "s");
    assert_eq!(
        points.iter().map(|(count, _)| count).sum::<u64>(),
        2,
        "the two that reached the store"
    );
    assert_nothing_private(&spans, &metrics, &[secret, "ev-PRIVATE", "Ada"]);
}

/// No `traceparent` goes to Sequel, even with a propagator set and a span active: Sequel
/// does not read it, and a trace's ids are the app's own.
#[test]
fn no_trace_context_is_sent() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let _ = pipeline();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(wiremock::MockServer::start());
    runtime.block_on(
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(
                wiremock::ResponseTemplate::new(200)
                    .set_body_string(r#"{"access_token":"t","expires_in":3600}"#),
            )
            .mount(&server),
    );
    let client = sequel::Client::builder(sequel::Credentials::new("id", "secret"))
        .base_url(server.uri())
        .build()
        .unwrap();
    let _ = tracing::info_span!("app request")
        .in_scope(|| runtime.block_on(client.embed_url(&EventId::new("e"), &viewer())));
    let received = runtime.block_on(server.received_requests()).unwrap();
    assert!(received.len() >= 2, "the token request and the call");
    for request in &received {
        assert!(
            !request.headers.contains_key("traceparent"),
            "{:?}",
            request.headers
        );
        assert!(!request.headers.contains_key("tracestate"));
    }
}

/// The sums of the counter `name`, with each point's attributes.
fn counter(metrics: &[ResourceMetrics], name: &str) -> Points {
    let metric = metric(metrics, name);
    let AggregatedMetrics::U64(MetricData::Sum(sum)) = metric.data() else {
        panic!("{name} is a u64 sum");
    };
    assert_eq!(metric.unit(), "{delivery}");
    sum.data_points()
        .map(|point| (point.value(), point.attributes().cloned().collect()))
        .collect()
}

fn names(spans: &[&SpanData]) -> Vec<String> {
    spans.iter().map(|s| s.name.to_string()).collect()
}

/// No marker value (ids, the person's name, e-mail and id, a secret, a token, a join code)
/// appears in anything exported.
fn assert_nothing_private(spans: &[SpanData], metrics: &[ResourceMetrics], more: &[&str]) {
    let seen = everything(spans, metrics);
    assert!(!seen.is_empty());
    let markers = [
        EMAIL,
        "otel@example.com",
        USER,
        NAME,
        "authKey",
        "joinCode",
        "access_token",
        "Bearer",
    ];
    for marker in markers.iter().chain(more) {
        for value in &seen {
            assert!(!value.contains(marker), "{marker:?} in {value:?}");
        }
    }
}
