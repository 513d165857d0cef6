//! Sequel through another HTTP client: `ureq`, under the crate's blocking
//! [`Driver`](event_sso::sequel::request::Driver). The driver runs the loop (the token, the
//! retries, the deadline, the body's limits, the registration rule, the lists read element by
//! element, the pages); the `Ureq` transport here is only the I/O, some 30 lines.
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

use event_sso::sequel::request::{Api, Driver, Transport};
use event_sso::sequel::{Credentials, Error, EventId, Registration, TransportKind, Viewer};

/// Sequel's transport over ureq: the agent, kept here. The driver reads the bodies it hands
/// back, within its limits, and a list element by element.
#[derive(Debug)]
pub struct Ureq {
    agent: ureq::Agent,
}

impl Default for Ureq {
    /// An agent that reads error statuses as answers, follows no redirect, and does TLS on
    /// the aws-lc-rs provider the crate already uses.
    fn default() -> Ureq {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .build();
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .tls_config(tls)
            .build();
        Ureq { agent: config.into() }
    }
}

impl Transport for Ureq {
    type Body = ureq::BodyReader<'static>;

    /// Sends one request; `timeout` bounds it whole, its body included.
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Self::Body>, Error> {
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(timeout))
            .build();
        let response = self.agent.run(request).map_err(transport)?;
        Ok(response.map(ureq::Body::into_reader))
    }
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
    let sequel = Driver::new(api, credentials, Ureq::default());

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
    let mut registered = 0;
    for registrant in sequel.stream_registrants(&event) {
        registered += usize::from(registrant?.join_url.is_some());
    }
    println!("{registered} registered with a join URL, read one at a time");
    for page in sequel.user_activity_pages(&event) {
        for attendee in page?.items {
            let live = attendee.live_time().unwrap_or(0.0);
            println!("{}: {live} live", attendee.email().unwrap_or("(no e-mail)"));
        }
    }
    Ok(())
}
