use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use tokio::sync::Mutex;

use super::auth::{AccessToken, Credentials, TokenCache};
use super::bulk::{BulkOptions, BulkReport, Tally};
use super::error::Error;
use super::models::{CompanyId, EmbedUrl, Event, EventId, Registrant, Registration, Viewer};
use super::request::Call;
use super::transport::{self, Attempts, BodyRead, ClientBuilder, Config, Next};

/// The async Sequel client (feature `async`, on by default).
///
/// Cheap to clone: clones share one connection pool and one access-token cache, so make one
/// at start-up and hand clones around. Every method gets a token first when none is cached or
/// the cached one is due for renewal; when many calls find it so at once, one token request
/// serves them all. A `401` renews the token and retries once.
///
/// ```no_run
/// use event_sso::sequel::{Client, Credentials, EventId, Viewer};
///
/// # async fn run() -> Result<(), event_sso::sequel::Error> {
/// let client = Client::builder(Credentials::from_env()?).build()?;
/// let viewer = Viewer::new("user-42", "Ada Lovelace").email("ada@example.com");
/// let embed = client.embed_url(&EventId::new("6f1c..."), &viewer).await?;
/// println!("<iframe src=\"{}\"></iframe>", embed.as_str());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    config: Config,
    tokens: Mutex<TokenCache>,
}

impl ClientBuilder<Client> {
    /// Makes the client; fails on an unusable base URL or user agent.
    pub fn build(self) -> Result<Client, Error> {
        let config = self.config()?;
        let http = reqwest::Client::builder()
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

    /// The URL to put in an `<iframe src>` for this viewer; mint one per page view.
    pub async fn embed_url(&self, event: &EventId, viewer: &Viewer) -> Result<EmbedUrl, Error> {
        self.execute(self.inner.config.api.embed_url(event, viewer)?)
            .await
    }

    /// Registers a person for the event and returns their join URL. A second registration of
    /// the same e-mail fails with an error for which
    /// [`is_already_registered`](Error::is_already_registered) is true; see
    /// [`register_or_get`](Self::register_or_get).
    pub async fn register(&self, event: &EventId, registration: &Registration) -> Result<Registrant, Error> {
        self.execute(self.inner.config.api.register(event, registration)?)
            .await
    }

    /// Registers a person, or, when the e-mail is already registered, finds their existing
    /// registration in the registrants list, so a join URL is never lost.
    pub async fn register_or_get(
        &self,
        event: &EventId,
        registration: &Registration,
    ) -> Result<Registrant, Error> {
        match self.register(event, registration).await {
            Err(refused) if refused.is_already_registered() => {
                transport::existing_registrant(self.registrants(event).await?, &registration.email, refused)
            }
            result => result,
        }
    }

    /// Everyone registered for the event.
    pub async fn registrants(&self, event: &EventId) -> Result<Vec<Registrant>, Error> {
        self.execute(self.inner.config.api.registrants(event)?).await
    }

    /// Removes the registration of `email`.
    pub async fn unregister(&self, event: &EventId, email: &str) -> Result<(), Error> {
        self.execute(self.inner.config.api.unregister(event, email)?)
            .await
    }

    /// The event's details.
    pub async fn event(&self, event: &EventId) -> Result<Event, Error> {
        self.execute(self.inner.config.api.event(event)?).await
    }

    /// Every event of the company.
    pub async fn company_events(&self, company: &CompanyId) -> Result<Vec<Event>, Error> {
        self.execute(self.inner.config.api.company_events(company)?).await
    }

    /// Lets `user` (your user id or their e-mail) join as a presenter; returns the updated
    /// presenters. Takes effect at their next join; no new embed URL is needed.
    pub async fn add_presenter(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.execute(self.inner.config.api.add_presenter(event, user)?)
            .await
    }

    /// Takes `user` off the presenters; returns the updated presenters.
    pub async fn remove_presenter(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.execute(self.inner.config.api.remove_presenter(event, user)?)
            .await
    }

    /// Lets `user` (your user id or their e-mail) join as a host; returns the updated
    /// organizers. Sequel refuses someone who is also a presenter.
    pub async fn add_organizer(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.execute(self.inner.config.api.add_organizer(event, user)?)
            .await
    }

    /// Takes `user` off the organizers; returns the updated organizers.
    pub async fn remove_organizer(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.execute(self.inner.config.api.remove_organizer(event, user)?)
            .await
    }

    /// Registers everyone in `registrations` with at most
    /// [`BulkOptions::concurrency`] in flight, each retried per the client's policy, and
    /// reports every one of them, in input order: registered, already registered (with the
    /// existing join URL, looked up once at the end), or failed (with the registration and the
    /// error). The registrations run concurrently on the calling task; nothing is spawned.
    pub async fn register_all(
        &self,
        event: &EventId,
        registrations: impl IntoIterator<Item = Registration>,
        options: BulkOptions<'_>,
    ) -> BulkReport {
        type Running<'f> =
            Pin<Box<dyn Future<Output = (usize, Registration, Result<Registrant, Error>)> + Send + 'f>>;
        let inputs = registrations.into_iter();
        let mut tally = Tally::new(inputs.size_hint(), options.progress);
        let mut inputs = inputs.enumerate();
        let mut running: Vec<Running<'_>> = Vec::with_capacity(options.concurrency);
        loop {
            while running.len() < options.concurrency {
                let Some((index, registration)) = inputs.next() else {
                    break;
                };
                running.push(Box::pin(async move {
                    let result = self.register(event, &registration).await;
                    (index, registration, result)
                }));
            }
            if running.is_empty() {
                break;
            }
            let (slot, (index, registration, result)) = poll_fn(|cx| {
                for (slot, call) in running.iter_mut().enumerate() {
                    if let Poll::Ready(done) = call.as_mut().poll(cx) {
                        return Poll::Ready((slot, done));
                    }
                }
                Poll::Pending
            })
            .await;
            drop(running.swap_remove(slot));
            tally.record(index, registration, result);
        }
        let registrants = match tally.needs_registrants() {
            true => self.registrants(event).await,
            false => Ok(Vec::new()),
        };
        tally.finish(registrants)
    }

    async fn execute<T>(&self, call: Call<T>) -> Result<T, Error> {
        let mut attempts = Attempts::new(&self.inner.config, &call);
        loop {
            let token = match call.needs_token() {
                true => Some(self.access_token().await?),
                false => None,
            };
            let started = Instant::now();
            let outcome = self.send(&call, token.as_ref()).await;
            match attempts.next(&call, outcome, started.elapsed()) {
                Next::Done(result) => return result,
                Next::RenewToken => {
                    if let Some(refused) = &token {
                        self.inner.tokens.lock().await.reject(refused);
                    }
                }
                Next::Wait(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// The cached token, or a new one. The lock is held while fetching, so calls that find
    /// the cache empty together wait for one request.
    async fn access_token(&self) -> Result<AccessToken, Error> {
        let mut cache = self.inner.tokens.lock().await;
        if let Some(token) = cache.fresh(Instant::now()) {
            return Ok(token);
        }
        let call = self.inner.config.api.token(&self.inner.config.credentials)?;
        let grant = Box::pin(self.execute(call)).await?;
        Ok(cache.store(grant, Instant::now()))
    }

    async fn send<T>(
        &self,
        call: &Call<T>,
        token: Option<&AccessToken>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let request =
            reqwest::Request::try_from(call.to_request(token)?).map_err(transport::transport_error)?;
        let mut response = self
            .inner
            .http
            .execute(request)
            .await
            .map_err(transport::transport_error)?;
        let (status, headers) = (response.status(), response.headers().clone());
        let limit = self.inner.config.max_response_bytes;
        let body = match transport::body_read(response.content_length(), limit)? {
            BodyRead::Whole => response
                .bytes()
                .await
                .map_err(transport::transport_error)?
                .to_vec(),
            BodyRead::Chunked => {
                let mut body = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(transport::transport_error)? {
                    transport::append_body(&mut body, &chunk, limit)?;
                }
                body
            }
        };
        Ok(transport::http_response(status, headers, body))
    }
}
