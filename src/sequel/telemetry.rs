//! Traces and metrics, in OpenTelemetry's names. Spans come with the `tracing` feature and
//! metrics with `metrics`; without them every function here does nothing and costs nothing.
//! What each span, attribute and instrument is, is listed in the `sequel` module's docs
//! ("Traces and metrics").

use std::future::Future;
use std::time::{Duration, Instant};

use http::Method;
use url::Url;

use super::error::{Error, TransportKind};

/// Where a request goes: what its span and its measurement say of it.
#[derive(Clone, Copy)]
#[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
pub(crate) struct Target<'a> {
    /// The call's name: method and Sequel's path template.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) name: &'static str,
    pub(crate) method: &'a Method,
    pub(crate) url: &'a Url,
    /// The path before the template: `/api/v1` or `/api`.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) prefix: &'static str,
}

impl Target<'_> {
    /// The method as the conventions name it: one of the known methods, or `_OTHER`.
    #[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
    fn method(&self) -> &'static str {
        match *self.method {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
            Method::HEAD => "HEAD",
            Method::OPTIONS => "OPTIONS",
            _ => "_OTHER",
        }
    }

    /// The port, as an integer attribute.
    #[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
    fn port(&self) -> i64 {
        self.url.port_or_known_default().map_or(0, i64::from)
    }
}

/// A low-cardinality name for what went wrong, as OpenTelemetry's `error.type`: the status
/// for an answer, else the kind of failure.
#[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
fn error_type(error: &Error) -> std::borrow::Cow<'static, str> {
    if let Some(status) = error.status() {
        return std::borrow::Cow::Owned(status.as_str().to_owned());
    }
    std::borrow::Cow::Borrowed(match error {
        Error::Transport {
            kind: TransportKind::Connect,
            ..
        } => "connect",
        Error::Transport {
            kind: TransportKind::Timeout,
            ..
        } => "timeout",
        Error::Transport { .. } => "transport",
        error if error.is_decode() => "decode",
        error if error.is_body_too_large() => "body_too_large",
        error if error.is_invalid_input() => "invalid_input",
        _ => "_OTHER",
    })
}

/// One HTTP request under way: its span, where it went, and (with `metrics`) when it left,
/// for its measurement; without `metrics` the clock is not read.
pub(crate) struct Exchange<'a> {
    pub(crate) span: Span,
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    target: Target<'a>,
    #[cfg(feature = "metrics")]
    started: Instant,
}

/// A request to `target`, resent `resends` times before, leaving now.
pub(crate) fn request(target: Target<'_>, resends: u32) -> Exchange<'_> {
    Exchange {
        span: spans::request(target, resends),
        target,
        #[cfg(feature = "metrics")]
        started: Instant::now(),
    }
}

/// The answer's status, when one came, and the failure, if it was one: on the span, and in
/// `http.client.request.duration`.
pub(crate) fn answered(exchange: &Exchange<'_>, status: Option<u16>, error: Option<&Error>) {
    spans::answered(&exchange.span, status, error);
    #[cfg(feature = "metrics")]
    meters::answered(exchange.target, exchange.started.elapsed(), status, error);
}

/// The time a webhook delivery spent in the store, and its type once verified.
pub(crate) struct StoreClock {
    spent: Duration,
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    kind: &'static str,
}

impl StoreClock {
    pub(crate) fn new() -> StoreClock {
        StoreClock {
            spent: Duration::ZERO,
            kind: "",
        }
    }

    /// Runs `step`, counting its time.
    pub(crate) async fn time<T>(&mut self, step: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let result = step.await;
        self.spent += started.elapsed();
        result
    }
}

/// The delivery's type and occurrence, once verified; `known` is its type among those the
/// crate names, or `_OTHER`, for the metrics.
pub(crate) fn delivery(
    span: &Span,
    clock: &mut StoreClock,
    event_type: &str,
    known: &'static str,
    occurrence: &str,
) {
    clock.kind = known;
    spans::delivery(span, event_type, occurrence);
}

/// What the receiver did: the status it answers, its outcome and the kind of failure when it
/// failed (from `names`), and the time spent in the store: on the span, and in the webhook
/// instruments.
pub(crate) fn handled(
    span: &Span,
    status: u16,
    names: impl FnOnce() -> (&'static str, Option<&'static str>),
    clock: StoreClock,
) {
    let (outcome, error) = names();
    spans::handled(span, status, outcome, error, clock.spent);
    #[cfg(feature = "metrics")]
    meters::handled(clock.kind, status, outcome, clock.spent);
}

pub(crate) use spans::{Span, call, failed, in_scope, within};

#[cfg(feature = "tracing")]
mod spans {
    use std::future::Future;
    use std::time::Duration;

    use tracing::Instrument;
    use tracing::field::Empty;

    use super::{Error, Target, error_type};

    pub(crate) type Span = tracing::Span;

    /// The span of one call.
    pub(crate) fn call(name: &'static str) -> Span {
        tracing::info_span!(
            "sequel",
            otel.name = name,
            error.type = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
        )
    }

    /// The span of one request, resent `resends` times before.
    pub(super) fn request(target: Target<'_>, resends: u32) -> Span {
        let template = target.name.split_once(' ').map_or(target.name, |(_, path)| path);
        let host = target.url.host_str().unwrap_or_default();
        let span = tracing::info_span!(
            "sequel.request",
            otel.name = %format_args!("{} {}{template}", target.method(), target.prefix),
            otel.kind = "client",
            http.request.method = target.method(),
            url.template = %format_args!("{}{template}", target.prefix),
            url.full = %format_args!("{}://{host}:{}{}{template}", target.url.scheme(), target.port(), target.prefix),
            server.address = host,
            server.port = target.port(),
            http.request.resend_count = Empty,
            http.response.status_code = Empty,
            error.type = Empty,
            otel.status_code = Empty,
            otel.status_description = Empty,
        );
        if resends > 0 {
            span.record("http.request.resend_count", i64::from(resends));
        }
        span
    }

    /// The answer's status, when one came, and the failure, if it was one.
    pub(super) fn answered(span: &Span, status: Option<u16>, error: Option<&Error>) {
        if let Some(status) = status {
            span.record("http.response.status_code", i64::from(status));
        }
        if let Some(error) = error {
            failed(span, error);
        }
    }

    /// Marks the span failed with `error`: its kind, and its message as the status's
    /// description and an `exception` event.
    pub(crate) fn failed(span: &Span, error: &Error) {
        span.record("error.type", error_type(error).as_ref());
        span.record("otel.status_code", "ERROR");
        span.record("otel.status_description", tracing::field::display(Chain(error)));
        tracing::info!(parent: span, exception.message = %Chain(error), "exception");
    }

    /// `future`, run inside `span`.
    pub(crate) fn within<F: Future>(span: &Span, future: F) -> impl Future<Output = F::Output> {
        future.instrument(span.clone())
    }

    /// `work`, run inside `span`.
    pub(crate) fn in_scope<R>(span: &Span, work: impl FnOnce() -> R) -> R {
        span.in_scope(work)
    }

    /// An error and its causes, each built from the crate's parts or the HTTP library's
    /// message without its URL.
    struct Chain<'a>(&'a Error);

    impl std::fmt::Display for Chain<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{}", self.0)?;
            let mut source = std::error::Error::source(self.0);
            while let Some(cause) = source {
                write!(f, ": {cause}")?;
                source = cause.source();
            }
            Ok(())
        }
    }

    /// The span of one webhook delivery.
    pub(crate) fn webhook() -> Span {
        tracing::info_span!(
            "sequel.webhook",
            sequel.webhook.type = Empty,
            sequel.webhook.occurrence = Empty,
            sequel.webhook.outcome = Empty,
            sequel.webhook.store.duration = Empty,
            http.response.status_code = Empty,
            error.type = Empty,
            otel.status_code = Empty,
        )
    }

    pub(super) fn delivery(span: &Span, event_type: &str, occurrence: &str) {
        span.record("sequel.webhook.type", event_type);
        span.record("sequel.webhook.occurrence", occurrence);
    }

    pub(super) fn handled(span: &Span, status: u16, outcome: &str, error: Option<&str>, store: Duration) {
        span.record("sequel.webhook.outcome", outcome);
        span.record("http.response.status_code", i64::from(status));
        span.record("sequel.webhook.store.duration", store.as_secs_f64());
        if let Some(error) = error {
            span.record("error.type", error);
            span.record("otel.status_code", "ERROR");
        }
    }
}

#[cfg(not(feature = "tracing"))]
mod spans {
    use std::future::Future;
    use std::time::Duration;

    use super::{Error, Target};

    /// No span: the `tracing` feature is off.
    #[derive(Clone)]
    pub(crate) struct Span;

    pub(crate) fn call(_: &'static str) -> Span {
        Span
    }

    pub(super) fn request(_: Target<'_>, _: u32) -> Span {
        Span
    }

    pub(super) fn answered(_: &Span, _: Option<u16>, _: Option<&Error>) {}

    pub(crate) fn failed(_: &Span, _: &Error) {}

    pub(crate) fn within<F: Future>(_: &Span, future: F) -> F {
        future
    }

    pub(crate) fn in_scope<R>(_: &Span, work: impl FnOnce() -> R) -> R {
        work()
    }

    pub(crate) fn webhook() -> Span {
        Span
    }

    pub(super) fn delivery(_: &Span, _: &str, _: &str) {}

    pub(super) fn handled(_: &Span, _: u16, _: &str, _: Option<&str>, _: Duration) {}
}

pub(crate) use spans::webhook;

/// The instruments, on the application's global meter provider.
#[cfg(feature = "metrics")]
mod meters {
    use std::sync::{Arc, RwLock};
    use std::time::Duration;

    use opentelemetry::metrics::{Counter, Histogram, MeterProvider};
    use opentelemetry::{InstrumentationScope, KeyValue, global};

    use super::{Error, Target, error_type};

    /// The buckets the HTTP conventions advise for `http.client.request.duration`, in seconds.
    const DURATION_BUCKETS: [f64; 14] = [
        0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    ];

    struct Instruments {
        requests: Histogram<f64>,
        deliveries: Counter<u64>,
        store: Histogram<f64>,
    }

    type Provider = Arc<dyn MeterProvider + Send + Sync>;

    /// The instruments of the global provider now set: made again when the application sets
    /// another, so that instruments made before it set its own are not no-ops for ever.
    fn instruments() -> Arc<Instruments> {
        static MADE: RwLock<Option<(Provider, Arc<Instruments>)>> = RwLock::new(None);
        let provider = global::meter_provider();
        if let Some((made_for, instruments)) = &*MADE.read().unwrap_or_else(|e| e.into_inner())
            && Arc::ptr_eq(made_for, &provider)
        {
            return instruments.clone();
        }
        let scope = InstrumentationScope::builder("event-sso")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        let meter = provider.meter_with_scope(scope);
        let instruments = Arc::new(Instruments {
            requests: meter
                .f64_histogram("http.client.request.duration")
                .with_unit("s")
                .with_description("Duration of HTTP client requests.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            deliveries: meter
                .u64_counter("sequel.webhook.deliveries")
                .with_unit("{delivery}")
                .with_description("Sequel's webhook deliveries received, by type and outcome.")
                .build(),
            store: meter
                .f64_histogram("sequel.webhook.store.duration")
                .with_unit("s")
                .with_description("Time a webhook delivery spent in the receiver's store.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
        });
        *MADE.write().unwrap_or_else(|e| e.into_inner()) = Some((provider, instruments.clone()));
        instruments
    }

    pub(super) fn answered(target: Target<'_>, took: Duration, status: Option<u16>, error: Option<&Error>) {
        let mut attributes = Vec::with_capacity(5);
        attributes.push(KeyValue::new("http.request.method", target.method()));
        attributes.push(KeyValue::new(
            "server.address",
            target.url.host_str().unwrap_or_default().to_owned(),
        ));
        attributes.push(KeyValue::new("server.port", target.port()));
        if let Some(status) = status {
            attributes.push(KeyValue::new("http.response.status_code", i64::from(status)));
        }
        if let Some(error) = error {
            attributes.push(KeyValue::new("error.type", error_type(error)));
        }
        instruments().requests.record(took.as_secs_f64(), &attributes);
    }

    pub(super) fn handled(kind: &'static str, status: u16, outcome: &'static str, store: Duration) {
        let instruments = instruments();
        let outcome = KeyValue::new("sequel.webhook.outcome", outcome);
        let mut attributes = vec![
            outcome.clone(),
            KeyValue::new("http.response.status_code", i64::from(status)),
        ];
        if !kind.is_empty() {
            attributes.push(KeyValue::new("sequel.webhook.type", kind));
        }
        instruments.deliveries.add(1, &attributes);
        if !store.is_zero() {
            instruments.store.record(store.as_secs_f64(), &[outcome]);
        }
    }
}
