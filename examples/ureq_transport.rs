//! Sequel through another HTTP client: `ureq`, driving the crate's sans-IO core
//! (`event_sso::sequel::request`). The core decides everything (the requests, the answers,
//! the token's renewal, the retries and the deadline, the registration rule); this file is
//! only the I/O.
//!
//! ```text
//! cargo run --example ureq_transport
//! ```
//!
//! With no credentials it runs against the in-process fake Sequel; with `SEQUEL_CLIENT_ID`,
//! `SEQUEL_CLIENT_SECRET` and `SEQUEL_EVENT_ID` set it talks to Sequel.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use event_sso::sequel::request::{
    ActivityPages, Api, Attempts, Call, Next, Settled, TokenCache, find_registrant, jitter,
};
use event_sso::sequel::{
    AccessToken, ActivityPage, Credentials, DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TOKEN_LIFETIME, EmbedUrl, Error, EventId, Registered, Registration, RetryPolicy, TransportKind,
    Viewer,
};

/// Sequel's API over `ureq`.
#[derive(Debug)]
pub struct Sequel {
    agent: ureq::Agent,
    api: Api,
    credentials: Credentials,
    tokens: Mutex<TokenCache>,
    retry: RetryPolicy,
}

impl Sequel {
    /// A client of `api` with `credentials`: no redirects, 30 s per request.
    pub fn new(api: Api, credentials: Credentials) -> Sequel {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .build();
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false) // the core reads error statuses
            .max_redirects(0) // and refuses redirects: never re-send a secret elsewhere
            .timeout_global(Some(Duration::from_secs(30)))
            .tls_config(tls)
            .build();
        Sequel {
            agent: config.into(),
            api,
            credentials,
            tokens: Mutex::new(TokenCache::new(DEFAULT_TOKEN_LIFETIME)),
            retry: RetryPolicy::default(),
        }
    }

    /// Sends `call` until the core says it is done; also whether a failed attempt may have
    /// been carried out (for registering).
    fn run<T>(&self, call: Call<T>) -> (Result<T, Error>, bool) {
        let mut attempts = Attempts::new(&call, &self.retry, Instant::now() + DEFAULT_DEADLINE);
        loop {
            let token = match call.needs_token() {
                true => match self.token() {
                    Ok(token) => Some(token),
                    Err(error) => return (Err(error), attempts.maybe_applied()),
                },
                false => None,
            };
            match attempts.next(self.send(&call, token.as_ref()), Instant::now(), jitter) {
                Next::Done(result) => {
                    let maybe_applied = attempts.maybe_applied();
                    return (call.settle(result, maybe_applied), maybe_applied);
                }
                Next::RenewToken => self.tokens.lock().unwrap().reject(&token.unwrap()),
                Next::Wait(wait) => std::thread::sleep(wait),
            }
        }
    }

    fn execute<T>(&self, call: Call<T>) -> Result<T, Error> {
        self.run(call).0
    }

    /// One attempt: the request out, the answer read whole (up to a limit) and parsed.
    fn send<T>(&self, call: &Call<T>, token: Option<&AccessToken>) -> Result<T, Error> {
        let response = self.agent.run(call.to_request(token)?).map_err(transport)?;
        let (parts, mut body) = response.into_parts();
        let body = body
            .with_config()
            .limit(DEFAULT_MAX_RESPONSE_BYTES as u64)
            .read_to_vec()
            .map_err(transport)?;
        call.parse(http::Response::from_parts(parts, body), SystemTime::now())
    }

    /// The cached token, or a new one; the lock makes one token request serve every thread.
    fn token(&self) -> Result<AccessToken, Error> {
        let mut tokens = self.tokens.lock().unwrap();
        if let Some(token) = tokens.fresh(Instant::now()) {
            return Ok(token);
        }
        let grant = self.execute(self.api.token(&self.credentials)?)?;
        Ok(tokens.store(grant, Instant::now()))
    }

    /// The iframe URL for one viewer.
    pub fn embed_url(&self, event: &EventId, viewer: &Viewer) -> Result<EmbedUrl, Error> {
        self.execute(self.api.embed_url(event, viewer)?)
    }

    /// Registers, or finds the registration: the e-mail makes it safe to repeat.
    pub fn register_or_get(&self, event: &EventId, registration: &Registration) -> Result<Registered, Error> {
        let (result, maybe_applied) = self.run(self.api.register_by_email(event, registration)?);
        let settled = Settled::new(result, maybe_applied);
        let found = match settled.needs_lookup() {
            true => find_registrant(self.execute(self.api.registrants(event)?)?, &registration.email),
            false => None,
        };
        settled.into_registered(found)
    }

    /// Every page of the event's user activity.
    pub fn user_activity(&self, event: &EventId) -> Result<Vec<ActivityPage>, Error> {
        let mut pages = ActivityPages::new(event.clone());
        let mut read = Vec::new();
        while let Some(call) = pages.next_call(&self.api) {
            let page = self.execute(call?)?;
            pages.advance(&page);
            read.push(page);
        }
        Ok(read)
    }
}

/// ureq's error as the crate's, by kind; its text holds no URL.
fn transport(error: ureq::Error) -> Error {
    let kind = match &error {
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
    let (_fake, sequel, event) = match (Credentials::from_env(), std::env::var("SEQUEL_EVENT_ID")) {
        (Ok(credentials), Ok(event)) => {
            let sequel = Sequel::new(Api::new(event_sso::sequel::DEFAULT_BASE_URL)?, credentials);
            (None, sequel, EventId::new(event))
        }
        _ => {
            let fake = event_sso::sequel::fake::FakeSequel::start()?;
            let event = fake.add_event("Launch party");
            fake.record_live(&event, "ada@example.com", "Ada Lovelace", 0..42);
            let api = Api::new(fake.base_url())?.with_analytics_url(fake.base_url())?;
            let sequel = Sequel::new(api, fake.credentials());
            println!("No SEQUEL_CLIENT_ID/SEQUEL_CLIENT_SECRET/SEQUEL_EVENT_ID: using the fake Sequel.");
            (Some(fake), sequel, event)
        }
    };
    let embed = sequel.embed_url(&event, &Viewer::new("user-42", "Ada Lovelace"))?;
    println!("embed URL host: {}", embed.as_url().host_str().unwrap_or("?"));
    let ada = Registration::new("Ada Lovelace", "ada@example.com");
    let first = sequel.register_or_get(&event, &ada)?;
    let again = sequel.register_or_get(&event, &ada)?;
    println!(
        "registered; a second registration gives the same join URL: {}",
        first.join_url == again.join_url
    );
    for attendee in sequel.user_activity(&event)?.iter().flat_map(|page| &page.items) {
        let live = attendee.live_time().unwrap_or(0.0);
        println!("{}: {live} live", attendee.email().unwrap_or("(no e-mail)"));
    }
    Ok(())
}
