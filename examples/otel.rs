//! The crate's traces and metrics, exported over OTLP as an app wires them: `tracing` spans
//! through `tracing-opentelemetry`, and the crate's instruments on the global meter provider.
//!
//! ```sh
//! cargo run --example otel --features tracing,metrics
//! ```
//!
//! It needs an OpenTelemetry collector listening for OTLP over HTTP, on `localhost:4318` unless
//! `OTEL_EXPORTER_OTLP_ENDPOINT` says otherwise (`docker run -p 4318:4318
//! otel/opentelemetry-collector`). With `SEQUEL_CLIENT_ID`, `SEQUEL_CLIENT_SECRET` and
//! `SEQUEL_EVENT_ID` set it calls Sequel; otherwise the in-process fake.

mod common;

use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::{Client, EventId, Viewer};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Spans: tracing, into OpenTelemetry, out over OTLP, in batches.
    let spans = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
    let tracing = SdkTracerProvider::builder().with_batch_exporter(spans).build();
    let layer = tracing_opentelemetry::layer().with_tracer(tracing.tracer("my-app"));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))?;

    // Metrics: the global provider, which the crate's instruments use; set before the calls.
    let metrics = opentelemetry_otlp::MetricExporter::builder()
        .with_http()
        .build()?;
    let meters = SdkMeterProvider::builder()
        .with_periodic_exporter(metrics)
        .build();
    opentelemetry::global::set_meter_provider(meters.clone());

    // The app's calls, each a span with its requests inside and a point per request in
    // `http.client.request.duration`.
    let fake;
    let (client, event) = match (Client::builder_from_env(), std::env::var("SEQUEL_EVENT_ID")) {
        (Ok(builder), Ok(event)) => (builder.build()?, EventId::new(event)),
        _ => {
            fake = tokio::task::spawn_blocking(FakeSequel::start).await??;
            let event = fake.add_event("Launch party");
            (
                Client::builder(fake.credentials())
                    .base_url(fake.base_url())
                    .build()?,
                event,
            )
        }
    };
    let embed = client
        .embed_url(&event, &Viewer::new("user-42", "Ada Lovelace"))
        .await?;
    println!("embed URL for {}", embed.as_url().host_str().unwrap_or("Sequel"));
    let missing = client
        .embed_url(&EventId::new("no-such-event"), &Viewer::new("user-42", "Ada"))
        .await;
    println!(
        "an unknown event, traced as a failure: {}",
        missing.map_or_else(|e| e.to_string(), |_| "found".into())
    );

    // Export what is left before the process ends.
    tracing.shutdown()?;
    meters.shutdown()?;
    Ok(())
}
