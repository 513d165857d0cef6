//! Traces, in OpenTelemetry's names (feature `tracing`; without it, every function here does
//! nothing and costs nothing). The spans and their fields are listed in the `sequel` module's
//! docs ("Traces").

use http::Method;
use url::Url;

use super::error::Error;

/// Where a request goes: what its span says of it (read by nothing else, so unread without
/// the feature).
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) struct Target<'a> {
    /// The call's name: method and Sequel's path template.
    pub(crate) name: &'static str,
    pub(crate) method: &'a Method,
    pub(crate) url: &'a Url,
    /// The path before the template: `/api/v1` or `/api`.
    pub(crate) prefix: &'static str,
}

#[cfg(feature = "tracing")]
mod on {
    use std::borrow::Cow;
    use std::future::Future;
    use std::time::{Duration, Instant};

    use tracing::Instrument;
    use tracing::field::Empty;

    use super::{Error, Target};
    use crate::sequel::error::TransportKind;

    pub(crate) type Span = tracing::Span;

    /// A low-cardinality name for what went wrong, as OpenTelemetry's `error.type`: the status
    /// for an answer, else the kind of failure.
    fn error_type(error: &Error) -> Cow<'static, str> {
        if let Some(status) = error.status() {
            return Cow::Owned(status.as_str().to_owned());
        }
        Cow::Borrowed(match error {
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

    /// The span of one call.
    pub(crate) fn call(name: &'static str) -> Span {
        tracing::info_span!("sequel", otel.name = name, error.type = Empty, otel.status_code = Empty)
    }

    /// The span of one request, resent `resends` times before.
    pub(crate) fn request(target: Target<'_>, resends: u32) -> Span {
        let template = target.name.split_once(' ').map_or(target.name, |(_, path)| path);
        let span = tracing::info_span!(
            "sequel.request",
            otel.name = %format_args!("{} {}{template}", target.method, target.prefix),
            otel.kind = "client",
            http.request.method = %target.method,
            url.template = %format_args!("{}{template}", target.prefix),
            server.address = target.url.host_str().unwrap_or_default(),
            server.port = target.url.port_or_known_default(),
            http.request.resend_count = Empty,
            http.response.status_code = Empty,
            error.type = Empty,
            otel.status_code = Empty,
        );
        if resends > 0 {
            span.record("http.request.resend_count", resends);
        }
        span
    }

    /// The answer's status, when one came, and the failure, if it was one.
    pub(crate) fn answered(span: &Span, status: Option<u16>, error: Option<&Error>) {
        if let Some(status) = status {
            span.record("http.response.status_code", status);
        }
        if let Some(error) = error {
            failed(span, error);
        }
    }

    /// Marks the span failed with `error`, with an event holding its message.
    pub(crate) fn failed(span: &Span, error: &Error) {
        span.record("error.type", error_type(error).as_ref());
        span.record("otel.status_code", "ERROR");
        tracing::debug!(parent: span, exception.message = %Chain(error), "sequel failed");
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

    /// The delivery's type and occurrence, once verified.
    pub(crate) fn delivery(span: &Span, event_type: &str, occurrence: &str) {
        span.record("sequel.webhook.type", event_type);
        span.record("sequel.webhook.occurrence", occurrence);
    }

    /// What the receiver did: the status it answers, its outcome and the kind of failure
    /// when it failed (from `names`), and the time spent in the store, in seconds.
    pub(crate) fn handled(
        span: &Span,
        status: u16,
        names: impl FnOnce() -> (&'static str, Option<&'static str>),
        store: StoreClock,
    ) {
        let (outcome, error) = names();
        span.record("sequel.webhook.outcome", outcome);
        span.record("http.response.status_code", status);
        span.record("sequel.webhook.store.duration", store.spent.as_secs_f64());
        if let Some(error) = error {
            span.record("error.type", error);
            span.record("otel.status_code", "ERROR");
        }
    }

    /// The time spent in the store.
    pub(crate) struct StoreClock {
        spent: Duration,
    }

    impl StoreClock {
        pub(crate) fn new() -> StoreClock {
            StoreClock {
                spent: Duration::ZERO,
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
}

#[cfg(not(feature = "tracing"))]
mod on {
    use std::future::Future;

    use super::{Error, Target};

    /// No span: the `tracing` feature is off.
    #[derive(Clone)]
    pub(crate) struct Span;

    pub(crate) fn call(_: &'static str) -> Span {
        Span
    }

    pub(crate) fn request(_: Target<'_>, _: u32) -> Span {
        Span
    }

    pub(crate) fn answered(_: &Span, _: Option<u16>, _: Option<&Error>) {}

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

    pub(crate) fn delivery(_: &Span, _: &str, _: &str) {}

    pub(crate) fn handled(
        _: &Span,
        _: u16,
        _: impl FnOnce() -> (&'static str, Option<&'static str>),
        _: StoreClock,
    ) {
    }

    /// Counts nothing: the `tracing` feature is off.
    pub(crate) struct StoreClock;

    impl StoreClock {
        pub(crate) fn new() -> StoreClock {
            StoreClock
        }

        pub(crate) async fn time<T>(&mut self, step: impl Future<Output = T>) -> T {
            step.await
        }
    }
}

pub(crate) use on::*;
