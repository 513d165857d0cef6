//! The blocking Sequel client (feature `blocking`): the async client's methods, without
//! `.await`.
//!
//! Like `reqwest::blocking`, it runs its own small runtime, so call it from plain threads,
//! not from inside an async runtime (use [`sequel::Client`](super::Client) there).

use std::io::Read;
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::time::Instant;

use super::auth::{AccessToken, Credentials, TokenCache};
use super::bulk::{BulkOptions, BulkReport, Tally};
use super::error::{Error, TransportKind};
use super::lock;
use super::models::{CompanyId, EmbedUrl, Event, EventId, Registrant, Registration, Viewer};
use super::request::Call;
use super::transport::{self, Attempts, BodyRead, ClientBuilder, Config, Next};

/// The blocking Sequel client: same builder, same methods and same behaviour as the async
/// [`Client`](super::Client), without `.await`.
///
/// Cheap to clone; clones share one connection pool and one access-token cache, so threads
/// that find the token missing together wait for one token request.
///
/// ```no_run
/// use event_sso::sequel::blocking::Client;
/// use event_sso::sequel::{Credentials, EventId, Registration};
///
/// let client = Client::builder(Credentials::from_env()?).build()?;
/// let registrant = client.register(&EventId::new("6f1c..."), &Registration::new("Ada Lovelace", "ada@example.com"))?;
/// // Store registrant.join_url: Sequel registers an e-mail once per event.
/// # Ok::<(), event_sso::sequel::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::blocking::Client,
    config: Config,
    tokens: Mutex<TokenCache>,
}

impl ClientBuilder<Client> {
    /// Makes the client; fails on an unusable base URL or user agent.
    pub fn build(self) -> Result<Client, Error> {
        let config = self.config()?;
        let http = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(&self.user_agent)
            .build()
            .map_err(transport::transport_error)?;
        let tokens = Mutex::new(TokenCache::new(config.token_lifetime));
        Ok(Client {
            inner: Arc::new(Inner { http, config, tokens }),
        })
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder(credentials: Credentials) -> ClientBuilder<Client> {
        ClientBuilder::new(credentials)
    }

    /// A client with every default: production API, 30 s timeout, default retries.
    pub fn new(credentials: Credentials) -> Result<Client, Error> {
        Client::builder(credentials).build()
    }

    /// See [`sequel::Client::embed_url`](super::Client::embed_url).
    pub fn embed_url(&self, event: &EventId, viewer: &Viewer) -> Result<EmbedUrl, Error> {
        self.execute(self.inner.config.api.embed_url(event, viewer)?)
    }

    /// See [`sequel::Client::register`](super::Client::register).
    pub fn register(&self, event: &EventId, registration: &Registration) -> Result<Registrant, Error> {
        self.execute(self.inner.config.api.register(event, registration)?)
    }

    /// See [`sequel::Client::register_or_get`](super::Client::register_or_get).
    pub fn register_or_get(&self, event: &EventId, registration: &Registration) -> Result<Registrant, Error> {
        match self.register(event, registration) {
            Err(refused) if refused.is_already_registered() => {
                transport::existing_registrant(self.registrants(event)?, &registration.email, refused)
            }
            result => result,
        }
    }

    /// See [`sequel::Client::registrants`](super::Client::registrants).
    pub fn registrants(&self, event: &EventId) -> Result<Vec<Registrant>, Error> {
        self.execute(self.inner.config.api.registrants(event)?)
    }

    /// See [`sequel::Client::unregister`](super::Client::unregister).
    pub fn unregister(&self, event: &EventId, email: &str) -> Result<(), Error> {
        self.execute(self.inner.config.api.unregister(event, email)?)
    }

    /// See [`sequel::Client::event`](super::Client::event).
    pub fn event(&self, event: &EventId) -> Result<Event, Error> {
        self.execute(self.inner.config.api.event(event)?)
    }

    /// See [`sequel::Client::company_events`](super::Client::company_events).
    pub fn company_events(&self, company: &CompanyId) -> Result<Vec<Event>, Error> {
        self.execute(self.inner.config.api.company_events(company)?)
    }

    /// See [`sequel::Client::add_presenter`](super::Client::add_presenter).
    pub fn add_presenter(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.execute(self.inner.config.api.add_presenter(event, user)?)
    }

    /// See [`sequel::Client::remove_presenter`](super::Client::remove_presenter).
    pub fn remove_presenter(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.execute(self.inner.config.api.remove_presenter(event, user)?)
    }

    /// See [`sequel::Client::add_organizer`](super::Client::add_organizer).
    pub fn add_organizer(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.execute(self.inner.config.api.add_organizer(event, user)?)
    }

    /// See [`sequel::Client::remove_organizer`](super::Client::remove_organizer).
    pub fn remove_organizer(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.execute(self.inner.config.api.remove_organizer(event, user)?)
    }

    /// See [`sequel::Client::register_all`](super::Client::register_all). The registrations
    /// run on [`BulkOptions::concurrency`] worker threads; the progress callback runs on the
    /// calling thread.
    pub fn register_all<I>(&self, event: &EventId, registrations: I, options: BulkOptions<'_>) -> BulkReport
    where
        I: IntoIterator<Item = Registration>,
        I::IntoIter: Send,
    {
        let inputs = registrations.into_iter();
        let mut tally = Tally::new(inputs.size_hint(), options.progress);
        let inputs = Mutex::new(inputs.enumerate());
        let (results, completed) = mpsc::channel();
        std::thread::scope(|scope| {
            for _ in 0..options.concurrency {
                let results = results.clone();
                let inputs = &inputs;
                scope.spawn(move || {
                    // The lock is released before registering: `next()` runs alone, calls overlap.
                    while let Some((index, registration)) = lock(inputs).next() {
                        let result = self.register(event, &registration);
                        if results.send((index, registration, result)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(results);
            for (index, registration, result) in completed {
                tally.record(index, registration, result);
            }
        });
        let registrants = match tally.needs_registrants() {
            true => self.registrants(event),
            false => Ok(Vec::new()),
        };
        tally.finish(registrants)
    }

    fn execute<T>(&self, call: Call<T>) -> Result<T, Error> {
        let mut attempts = Attempts::new(&self.inner.config, &call);
        loop {
            let token = match call.needs_token() {
                true => Some(self.access_token()?),
                false => None,
            };
            let started = Instant::now();
            let outcome = self.send(&call, token.as_ref());
            match attempts.next(&call, outcome, started.elapsed()) {
                Next::Done(result) => return result,
                Next::RenewToken => {
                    if let Some(refused) = &token {
                        self.tokens().reject(refused);
                    }
                }
                Next::Wait(wait) => std::thread::sleep(wait),
            }
        }
    }

    /// The cached token, or a new one; the lock is held while fetching, as in the async client.
    fn access_token(&self) -> Result<AccessToken, Error> {
        let mut cache = self.tokens();
        if let Some(token) = cache.fresh(Instant::now()) {
            return Ok(token);
        }
        let grant = self.execute(self.inner.config.api.token(&self.inner.config.credentials)?)?;
        Ok(cache.store(grant, Instant::now()))
    }

    fn tokens(&self) -> MutexGuard<'_, TokenCache> {
        lock(&self.inner.tokens)
    }

    fn send<T>(&self, call: &Call<T>, token: Option<&AccessToken>) -> Result<http::Response<Vec<u8>>, Error> {
        let request = reqwest::blocking::Request::try_from(call.to_request(token)?)
            .map_err(transport::transport_error)?;
        let mut response = self
            .inner
            .http
            .execute(request)
            .map_err(transport::transport_error)?;
        let (status, headers) = (response.status(), response.headers().clone());
        let limit = self.inner.config.max_response_bytes;
        // Each `read` of a blocking body is a hand-off to reqwest's runtime thread, so a body
        // of known length is taken in one go.
        let body = match transport::body_read(response.content_length(), limit)? {
            BodyRead::Whole => response.bytes().map_err(transport::transport_error)?.to_vec(),
            BodyRead::Chunked => {
                let mut body = Vec::new();
                let mut chunk = [0u8; 16 * 1024];
                loop {
                    let read = response.read(&mut chunk).map_err(read_error)?;
                    if read == 0 {
                        break body;
                    }
                    transport::append_body(&mut body, &chunk[..read], limit)?;
                }
            }
        };
        Ok(transport::http_response(status, headers, body))
    }
}

/// reqwest's blocking body reader wraps its own errors in `io::Error`; unwrap them so a
/// timeout while reading still reports as a timeout.
fn read_error(error: std::io::Error) -> Error {
    match error.into_inner().map(|inner| inner.downcast::<reqwest::Error>()) {
        Some(Ok(error)) => transport::transport_error(*error),
        Some(Err(other)) => Error::Transport {
            kind: TransportKind::Other,
            source: other,
        },
        None => Error::Transport {
            kind: TransportKind::Other,
            source: "reading the response failed".into(),
        },
    }
}
