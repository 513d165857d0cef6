//! Sequel through another HTTP client: `ureq`, under the crate's blocking
//! [`Driver`](event_sso::sequel::request::Driver). The driver runs the loop (the token, the
//! retries, the deadline, the registration rule, the pages); this file is only the I/O.
//!
//! ```text
//! cargo run --example ureq_transport
//! ```
//!
//! With no credentials it runs against the in-process fake Sequel; with `SEQUEL_CLIENT_ID`,
//! `SEQUEL_CLIENT_SECRET` and `SEQUEL_EVENT_ID` set it talks to Sequel.

mod common;

use std::sync::Arc;
use std::time::Duration;

use event_sso::sequel::request::{Api, DEFAULT_MAX_RESPONSE_BYTES, Driver};
use event_sso::sequel::{Credentials, Error, EventId, Registration, TransportKind, Viewer};

/// An agent that reads error statuses as answers, follows no redirect, and does TLS on the
/// aws-lc-rs provider the crate already uses.
pub fn agent() -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .build();
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .tls_config(tls)
        .build();
    config.into()
}

/// Sends one request within `timeout` and reads the answer, up to the crate's limit.
pub fn send(
    agent: &ureq::Agent,
    request: http::Request<Vec<u8>>,
    timeout: Duration,
) -> Result<http::Response<Vec<u8>>, Error> {
    let request = agent
        .configure_request(request)
        .timeout_global(Some(timeout))
        .build();
    let (parts, mut body) = agent.run(request).map_err(transport)?.into_parts();
    let limit = DEFAULT_MAX_RESPONSE_BYTES as u64;
    let body = match body.with_config().limit(limit).read_to_vec() {
        Err(ureq::Error::BodyExceedsLimit(_)) => return Err(Error::body_too_large(limit as usize)),
        read => read.map_err(transport)?,
    };
    Ok(http::Response::from_parts(parts, body))
}

/// ureq's error as the crate's, by kind; its text holds no URL.
fn transport(error: ureq::Error) -> Error {
    let kind = match &error {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => TransportKind::Connect,
        ureq::Error::Timeout(_) => TransportKind::Timeout,
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => TransportKind::Connect,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => TransportKind::Connect,
        _ => TransportKind::Other,
    };
    Error::transport(kind, error)
}

fn main() -> std::process::ExitCode {
    common::report(run())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (_fake, api, credentials, event) = match (Credentials::from_env(), std::env::var("SEQUEL_EVENT_ID")) {
        (Ok(credentials), Ok(event)) => (
            None,
            Api::new(event_sso::sequel::DEFAULT_BASE_URL)?,
            credentials,
            EventId::new(event),
        ),
        _ => {
            let fake = event_sso::sequel::fake::FakeSequel::start()?;
            let event = fake.add_event("Launch party");
            fake.record_live(&event, "ada@example.com", "Ada Lovelace", 0..42);
            let api = Api::new(fake.base_url())?.with_analytics_url(fake.base_url())?;
            println!("No SEQUEL_CLIENT_ID/SEQUEL_CLIENT_SECRET/SEQUEL_EVENT_ID: using the fake Sequel.");
            let credentials = fake.credentials();
            (Some(fake), api, credentials, event)
        }
    };
    let agent = agent();
    let sequel = Driver::new(api, credentials, |request, timeout| {
        send(&agent, request, timeout)
    });

    let embed = sequel.execute(
        sequel
            .api()
            .embed_url(&event, &Viewer::new("user-42", "Ada Lovelace"))?,
    )?;
    println!("embed URL host: {}", embed.as_url().host_str().unwrap_or("?"));
    let ada = Registration::new("Ada Lovelace", "ada@example.com");
    let first = sequel.register_or_get(&event, &ada)?;
    let again = sequel.register_or_get(&event, &ada)?;
    println!(
        "registered; a second registration gives the same join URL: {}",
        first.join_url == again.join_url
    );
    for page in sequel.user_activity_pages(&event) {
        for attendee in page?.items {
            let live = attendee.live_time().unwrap_or(0.0);
            println!("{}: {live} live", attendee.email().unwrap_or("(no e-mail)"));
        }
    }
    Ok(())
}
