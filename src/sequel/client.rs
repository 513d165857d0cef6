//! The client engine: sends [`Call`]s through reqwest with the access token, retries, and
//! reads the answers. The async [`Client`] is this engine; the blocking client drives it.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures_util::StreamExt;
use http::header::RETRY_AFTER;
use http::{HeaderValue, StatusCode};
use tokio::sync::Semaphore;

use super::analytics::{ActivityPage, TopParticipants, TopParticipantsQuery, VideoViews};
use super::builder::{ClientBuilder, Config};
use super::bulk::{BulkOptions, BulkReport};
use super::credentials::{AccessToken, Credentials, TokenGrant};
use super::error::{Error, TransportKind};
use super::event::{Event, EventClone, EventUpdate, NewEvent, Replay};
use super::models::{CompanyId, EmbedUrl, EventId, JoinUrl, Registered, Registrant, Registration, Viewer};
use super::request::{
    ActivityPages, Attempts, Call, DeadlinePassed, ListReader, Lookup, Next, Outgoing, Settled, Tally,
    TokenCache, jitter, registered_from_list,
};
use super::subscription::{
    KEEP_ALIVE_EXTENSION_DAYS, KeepAlive, KeptAlive, NewSubscription, Subscribed, SubscriptionId,
    SubscriptionUpdate, WebhookSubscription,
};
use super::telemetry;
use crate::sync::lock;

/// How many registrations `register_all` keeps under way (in flight, or waiting to retry) per
/// place in flight.
const UNDER_WAY_PER_SLOT: usize = 4;

/// The async Sequel client (feature `async`, on by default).
///
/// Cheap to clone: clones share one connection pool and one access-token cache, so make one
/// at start-up and hand clones around. Every method gets a token first when none is cached or
/// the cached one is due for renewal; when many calls find it so at once, one token request
/// serves them all. A refused token is renewed and the call retried once.
///
/// ```no_run
/// use event_sso::sequel::{Client, EventId, Viewer};
///
/// # async fn run() -> Result<(), event_sso::sequel::Error> {
/// let client = Client::builder_from_env()?.build()?;
/// let viewer = Viewer::new("user-42", "Ada Lovelace").email("ada@example.com");
/// let embed = client.embed_url(&EventId::new("6f1c..."), &viewer).await?;
/// # let _ = embed;
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
    tokens: Tokens,
    io: Io,
}

impl ClientBuilder<Client> {
    /// Makes the client; fails on an unusable base URL or user agent, or an `https` base URL
    /// in a build without TLS.
    pub fn build(self) -> Result<Client, Error> {
        Client::from_config(self.into_config()?, Io::InPlace)
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder(credentials: Credentials) -> ClientBuilder<Client> {
        ClientBuilder::new(credentials)
    }

    /// Starts configuring a client from the environment; see [`ClientBuilder::from_env`].
    pub fn builder_from_env() -> Result<ClientBuilder<Client>, Error> {
        ClientBuilder::from_env()
    }

    /// A client with every default: production API, 30 s timeout, default retries.
    pub fn new(credentials: Credentials) -> Result<Client, Error> {
        Client::builder(credentials).build()
    }

    pub(crate) fn from_config(config: Config, io: Io) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(&config.user_agent)
            // Sequel's API does not redirect; a followed 307 would re-send the client secret
            // or a person's data to whatever host it names. A 3xx is read as an error instead.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(transport_error)?;
        let tokens = Tokens::new(config.token_lifetime);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                config,
                tokens,
                io,
            }),
        })
    }

    /// The URL to put in an `<iframe src>` for this viewer; mint one per page view.
    pub async fn embed_url(&self, event: &EventId, viewer: &Viewer) -> Result<EmbedUrl, Error> {
        self.execute(self.inner.config.api.embed_url(event, viewer)?)
            .await
    }

    /// Registers a person for the event and returns their join URL. A second registration of
    /// the same e-mail fails with an error for which
    /// [`is_already_registered`](Error::is_already_registered) is true; see
    /// [`register_or_get`](Self::register_or_get). Sent once: not repeated after a `5xx`, since
    /// the first attempt may have registered them.
    pub async fn register(&self, event: &EventId, registration: &Registration) -> Result<Registered, Error> {
        self.execute(self.inner.config.api.register(event, registration)?)
            .await
    }

    /// Registers a person, or finds their registration, so a join URL is never lost.
    ///
    /// The e-mail makes registering safe to repeat here: a timeout, a dropped connection or a
    /// `5xx` is retried per the client's [`RetryPolicy`](super::RetryPolicy). When Sequel
    /// answers "already registered", or the answer is still lost after the retries, the
    /// registrants list says whether Sequel holds the e-mail, and its registration is returned;
    /// otherwise the error is. Sequel's entry must have its join URL: one without is an error
    /// ([`is_decode`](Error::is_decode)).
    pub async fn register_or_get(
        &self,
        event: &EventId,
        registration: &Registration,
    ) -> Result<Registered, Error> {
        let settled = self.register_by_email(event, registration, None).await;
        let found = match settled.needs_lookup() {
            true => self.registrant(event, &registration.email).await?,
            false => None,
        };
        settled.into_registered(found)
    }

    /// Registers with the e-mail as the key: retried like a call that is safe to repeat. Each
    /// attempt holds a permit of `in_flight`, when given, while it is out.
    async fn register_by_email(
        &self,
        event: &EventId,
        registration: &Registration,
        in_flight: Option<&Semaphore>,
    ) -> Settled {
        let call = match self.inner.config.api.register_by_email(event, registration) {
            Ok(call) => call,
            Err(invalid) => return Settled::Failed(invalid),
        };
        let (result, maybe_applied) = self.run(call, in_flight).await;
        Settled::new(result, maybe_applied)
    }

    /// Everyone registered for the event, held at once: within
    /// [`max_response_bytes`](super::ClientBuilder::max_response_bytes) (16 MiB, some 30,000
    /// registrants, by default). For a larger event, read them one at a time with
    /// [`stream_registrants`](Self::stream_registrants), or look one up with
    /// [`registrant`](Self::registrant), neither of which holds the list.
    pub async fn registrants(&self, event: &EventId) -> Result<Vec<Registrant>, Error> {
        self.execute(self.inner.config.api.registrants(event)?).await
    }

    /// The registration of `email`, matched as Sequel matches e-mails (ignoring case and
    /// surrounding spaces), or `None` when it is not registered. Sequel has no lookup by
    /// e-mail, so this reads the registrants list, element by element as it arrives
    /// ([`stream_registrants`](Self::stream_registrants)), keeping only the match and
    /// stopping there: any size of event, in constant memory.
    pub async fn registrant(&self, event: &EventId, email: &str) -> Result<Option<Registrant>, Error> {
        let mut found = self.find_registrants(event, Lookup::one(email)).await?;
        Ok(found.pop())
    }

    /// The join URL of `email`'s registration, or `None` when it is not registered: what
    /// [`registrant`](Self::registrant) finds, in one call. A registration Sequel holds without
    /// a readable join URL is an error ([`is_decode`](Error::is_decode)). To register them when
    /// they are not, use [`register_or_get`](Self::register_or_get).
    ///
    /// ```no_run
    /// # async fn run(client: event_sso::sequel::Client, event: event_sso::sequel::EventId) -> Result<(), event_sso::sequel::Error> {
    /// match client.join_url(&event, "ada@example.com").await? {
    ///     Some(join_url) => { /* redirect the browser: join_url.redirect() */ }
    ///     None => { /* not registered: offer to register */ }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn join_url(&self, event: &EventId, email: &str) -> Result<Option<JoinUrl>, Error> {
        self.registrant(event, email)
            .await?
            .map(|entry| registered_from_list(entry).map(|registered| registered.join_url))
            .transpose()
    }

    /// Everyone registered for the event, each read as their part of Sequel's answer arrives:
    /// memory holds one registrant at a time, however many there are.
    ///
    /// Sequel sends the list whole, in one answer; this reads it without holding it. So it is
    /// not bounded by [`max_response_bytes`](super::ClientBuilder::max_response_bytes), which
    /// bounds what is held: one registrant larger than
    /// [`DEFAULT_MAX_ELEMENT_BYTES`](super::request::DEFAULT_MAX_ELEMENT_BYTES) (1 MiB) fails the
    /// read instead. Getting the answer is retried as any read is; once registrants have come,
    /// a failure is the stream's last item, since a retry would send them again. The
    /// client's [`timeout`](super::ClientBuilder::timeout) bounds the whole answer: raise it
    /// for a list that takes longer to arrive. A registrant that does not read is an error
    /// naming its index (`[41].email`), and the ones after it still come.
    ///
    /// ```no_run
    /// # async fn run(client: event_sso::sequel::Client, event: event_sso::sequel::EventId) -> Result<(), event_sso::sequel::Error> {
    /// use futures_util::TryStreamExt;
    ///
    /// let mut registrants = std::pin::pin!(client.stream_registrants(&event));
    /// let mut count = 0;
    /// while let Some(registrant) = registrants.try_next().await? {
    ///     count += usize::from(registrant.join_url.is_some());
    /// }
    /// println!("{count} join URLs");
    /// # Ok(()) }
    /// ```
    pub fn stream_registrants(
        &self,
        event: &EventId,
    ) -> impl futures_util::Stream<Item = Result<Registrant, Error>> + Send + 'static {
        let start = Reading::Start(self.clone(), self.inner.config.api.registrants(event));
        futures_util::stream::unfold(start, Reading::next)
    }

    /// The registrants list's entries that `lookup` wants, read element by element.
    async fn find_registrants(&self, event: &EventId, mut lookup: Lookup) -> Result<Vec<Registrant>, Error> {
        let mut list = std::pin::pin!(self.stream_registrants(event));
        while let Some(registrant) = list.next().await {
            if !lookup.take(registrant)? {
                break;
            }
        }
        lookup.finish()
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

    /// Creates an event and returns it. Sent once: not repeated after a `5xx`, since the first
    /// attempt may have created it (look at [`company_events`](Self::company_events) before
    /// trying again).
    pub async fn create_event(&self, event: &NewEvent) -> Result<Event, Error> {
        self.execute(self.inner.config.api.create_event(event)?).await
    }

    /// Changes the fields `update` sets, and only those; returns the event.
    pub async fn update_event(&self, event: &EventId, update: &EventUpdate) -> Result<Event, Error> {
        self.execute(self.inner.config.api.update_event(event, update)?)
            .await
    }

    /// Deletes the event.
    pub async fn delete_event(&self, event: &EventId) -> Result<(), Error> {
        self.execute(self.inner.config.api.delete_event(event)?).await
    }

    /// Copies the event, with what `clone` sets, and returns the copy. Sent once, like
    /// [`create_event`](Self::create_event).
    pub async fn clone_event(&self, event: &EventId, clone: &EventClone) -> Result<Event, Error> {
        self.execute(self.inner.config.api.clone_event(event, clone)?)
            .await
    }

    /// The event's recordings, with URLs signed for `valid_for` (an hour when `None`).
    pub async fn available_replays(
        &self,
        event: &EventId,
        valid_for: Option<std::time::Duration>,
    ) -> Result<Vec<Replay>, Error> {
        self.execute(self.inner.config.api.available_replays(event, valid_for)?)
            .await
    }

    /// Subscribes `endpoint` to a kind of webhook; gives the id, the secret deliveries carry
    /// (shown this once: store it) and the expiry. Sent once, like
    /// [`create_event`](Self::create_event). See [`webhook`](super::webhook) for receiving.
    pub async fn subscribe_webhook(&self, subscription: &NewSubscription) -> Result<Subscribed, Error> {
        self.execute(self.inner.config.api.subscribe_webhook(subscription)?)
            .await
    }

    /// A subscription, without its secret.
    pub async fn webhook_subscription(&self, id: &SubscriptionId) -> Result<WebhookSubscription, Error> {
        self.execute(self.inner.config.api.webhook_subscription(id)?)
            .await
    }

    /// Changes a subscription's endpoint, or extends it; the secret is kept.
    pub async fn update_webhook(
        &self,
        id: &SubscriptionId,
        update: &SubscriptionUpdate,
    ) -> Result<WebhookSubscription, Error> {
        self.execute(self.inner.config.api.update_webhook(id, update)?)
            .await
    }

    /// Renews a subscription for `days` (90 when `None`) with a fresh secret; the old one
    /// stops working, so accept both for a while ([`Verifier::with_previous`](super::webhook::Verifier::with_previous)).
    pub async fn renew_webhook(&self, id: &SubscriptionId, days: Option<u16>) -> Result<Subscribed, Error> {
        self.execute(self.inner.config.api.renew_webhook(id, days)?).await
    }

    /// Keeps a subscription delivering: extends it by
    /// [`KEEP_ALIVE_EXTENSION_DAYS`](super::KEEP_ALIVE_EXTENSION_DAYS) when fewer
    /// than `min_days_left` days remain, keeping its secret; renews it, with a new secret,
    /// when it has expired or Sequel refuses the extension (`400`). Sequel stops a
    /// subscription at its expiry without a word, so call this daily, with a margin of days
    /// you would notice a failure in (14, say).
    pub async fn keep_webhook_alive(
        &self,
        id: &SubscriptionId,
        min_days_left: u16,
    ) -> Result<KeptAlive, Error> {
        let subscription = self.webhook_subscription(id).await?;
        let extend = match KeepAlive::decide(&subscription, min_days_left, time::OffsetDateTime::now_utc()) {
            KeepAlive::Nothing => return Ok(KeptAlive::Unchanged(subscription)),
            KeepAlive::Extend => SubscriptionUpdate::new().extend_by_days(KEEP_ALIVE_EXTENSION_DAYS),
            KeepAlive::Renew => return Ok(KeptAlive::Renewed(self.renew_webhook(id, None).await?)),
        };
        match self.update_webhook(id, &extend).await {
            Ok(extended) => Ok(KeptAlive::Extended(extended)),
            // Sequel refused the extension itself (at the longest length, say): renew instead.
            Err(refused) if refused.status() == Some(StatusCode::BAD_REQUEST) => {
                Ok(KeptAlive::Renewed(self.renew_webhook(id, None).await?))
            }
            Err(error) => Err(error),
        }
    }

    /// Ends a subscription.
    pub async fn unsubscribe_webhook(&self, id: &SubscriptionId) -> Result<(), Error> {
        self.execute(self.inner.config.api.unsubscribe_webhook(id)?).await
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

    /// One page (from 1) of each attendee's activity in the event, `count` to a page: whether
    /// they attended, their live and on-demand time, their scores and interactions, and the
    /// metadata they registered with. From Sequel's analytics host
    /// ([`ClientBuilder::analytics_url`]).
    pub async fn user_activity(&self, event: &EventId, page: u32, count: u32) -> Result<ActivityPage, Error> {
        self.execute(self.inner.config.api.user_activity(event, page, count)?)
            .await
    }

    /// Every page of the event's user activity, 100 to a page, each read when the stream is
    /// polled, until Sequel's last ([`ActivityPages`](super::request::ActivityPages) says
    /// which). An error is the stream's last item.
    ///
    /// ```no_run
    /// # async fn run(client: event_sso::sequel::Client, event: event_sso::sequel::EventId) -> Result<(), event_sso::sequel::Error> {
    /// use futures_util::TryStreamExt;
    ///
    /// let mut pages = std::pin::pin!(client.user_activity_pages(&event));
    /// while let Some(page) = pages.try_next().await? {
    ///     for attendee in &page.items {
    ///         println!("{} attended: {}", attendee.email().unwrap_or("?"), attendee.attended() == Some(true));
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn user_activity_pages(
        &self,
        event: &EventId,
    ) -> impl futures_util::Stream<Item = Result<ActivityPage, Error>> + Send + 'static {
        let client = self.clone();
        futures_util::stream::unfold(ActivityPages::new(event.clone()), move |mut pages| {
            let client = client.clone();
            async move {
                let page = match pages.next_call(&client.inner.config.api)? {
                    Ok(call) => client.execute(call).await,
                    Err(invalid) => Err(invalid),
                };
                match &page {
                    Ok(page) => pages.advance(page),
                    Err(_) => pages.stop(),
                }
                Some((page, pages))
            }
        })
    }

    /// The event's most engaged participants, with their engaged minutes.
    pub async fn top_participants(
        &self,
        event: &EventId,
        query: &TopParticipantsQuery,
    ) -> Result<TopParticipants, Error> {
        self.execute(self.inner.config.api.top_participants(event, query)?)
            .await
    }

    /// The live video's peak concurrent viewers, minute by minute. An event Sequel does not
    /// know is [`is_not_found`](Error::is_not_found).
    pub async fn video_views(&self, event: &EventId) -> Result<VideoViews, Error> {
        self.execute(self.inner.config.api.video_views(event)?).await
    }

    /// Registers everyone in `registrations` with at most [`BulkOptions::concurrency`] requests
    /// in flight at Sequel, and reports every one of them, in input order.
    ///
    /// Each registration is retried as [`register_or_get`](Self::register_or_get) retries it.
    /// Those refused as already registered, and those whose answer is still lost after the
    /// retries, are looked up in the registrants list, once, at the end: each is then
    /// [`AlreadyRegistered`](super::BulkOutcome::AlreadyRegistered) or
    /// [`Recovered`](super::BulkOutcome::Recovered) with Sequel's join URL when Sequel holds
    /// it, and [`Failed`](super::BulkOutcome::Failed) (with the registration and the error)
    /// only when it does not. A registration waiting to be retried holds no place among those
    /// in flight, so one slow retry does not slow the rest. The registrations run
    /// concurrently on the calling task; nothing is spawned.
    pub async fn register_all(
        &self,
        event: &EventId,
        registrations: impl IntoIterator<Item = Registration>,
        options: BulkOptions<'_>,
    ) -> BulkReport {
        let inputs = registrations.into_iter();
        let mut tally = Tally::new(inputs.size_hint(), options.progress);
        let in_flight = Semaphore::new(options.concurrency);
        let in_flight = &in_flight;
        // More under way than in flight: those waiting to retry make room for others.
        let under_way = options.concurrency.saturating_mul(UNDER_WAY_PER_SLOT);
        let mut running = futures_util::stream::iter(inputs.enumerate())
            .map(|(index, registration)| async move {
                let settled = self
                    .register_by_email(event, &registration, Some(in_flight))
                    .await;
                (index, registration, settled)
            })
            .buffer_unordered(under_way);
        while let Some((index, registration, settled)) = running.next().await {
            tally.record(index, registration, settled);
        }
        let registrants = match tally.needs_registrants() {
            true => {
                self.find_registrants(event, Lookup::new(tally.wanted(), false))
                    .await
            }
            false => Ok(Vec::new()),
        };
        tally.finish(registrants)
    }

    /// Sends `call` until it is done.
    pub(crate) async fn execute<T>(&self, call: Call<T>) -> Result<T, Error> {
        self.run(call, None).await.0
    }

    /// The endpoints, at the client's roots.
    pub(crate) fn api(&self) -> &super::request::Api {
        &self.inner.config.api
    }

    /// Sends `call` until it is done, and says whether a failed attempt may have been carried
    /// out by Sequel (see [`Error::is_outcome_unknown`]). With `in_flight`, each attempt holds
    /// one of its permits from getting the token to reading the answer, and none while it
    /// waits to retry.
    async fn run<T>(&self, call: Call<T>, in_flight: Option<&Semaphore>) -> (Result<T, Error>, bool) {
        let span = telemetry::call(call.name());
        let attempts = self.attempt(call.outgoing(), self.attempts(&call), in_flight, Take::Whole);
        let (answer, maybe_applied) = telemetry::within(&span, attempts).await;
        // A body that does not decode is never retried, so it is read once the attempts are over.
        let result = answer.and_then(|answer| call.decode(&answer.body, answer.received_at));
        let result = call.settle(result, maybe_applied);
        if let Err(error) = &result {
            telemetry::failed(&span, error);
        }
        (result, maybe_applied)
    }

    /// The attempts `call` may have: the client's retries, within its deadline from now.
    fn attempts<T>(&self, call: &Call<T>) -> Attempts<'_> {
        let config = &self.inner.config;
        Attempts::new(
            call,
            &config.retry,
            crate::clock::after(Instant::now(), config.deadline),
        )
    }

    /// The attempts of one call until one is answered `2xx` or they are over; whatever the call
    /// answers, so this loop is compiled once.
    async fn attempt(
        &self,
        call: Outgoing<'_>,
        mut attempts: Attempts<'_>,
        in_flight: Option<&Semaphore>,
        take: Take,
    ) -> (Result<Answer, Error>, bool) {
        loop {
            // The semaphore is never closed, so acquiring only fails if it were; then the
            // attempt goes without a permit rather than not at all.
            let permit = match in_flight {
                Some(limit) => limit.acquire().await.ok(),
                None => None,
            };
            let deadline = attempts.deadline();
            let token = match call.needs_token() {
                true => match self.access_token(deadline).await {
                    Ok(token) => Some(token),
                    Err(error) => return (Err(error), attempts.maybe_applied()),
                },
                false => None,
            };
            let exchange = telemetry::request(call.target(), attempts.attempt() - 1);
            let sent = self.send(call, token.as_ref(), deadline, take);
            let answer = telemetry::within(&exchange.span, sent).await;
            let status = answer.as_ref().ok().map(|answer| answer.status.as_u16());
            let outcome = answer.and_then(|answer| match answer.status.is_success() {
                true => Ok(answer),
                false => Err(call.refusal(
                    answer.status,
                    answer.retry_after.as_ref(),
                    &answer.body,
                    answer.received_at,
                )),
            });
            telemetry::answered(&exchange, status, outcome.as_ref().err());
            match attempts.next(outcome, Instant::now(), jitter) {
                Next::Done(result) => return (result, attempts.maybe_applied()),
                Next::RenewToken => {
                    if let Some(refused) = &token {
                        self.inner.tokens.reject(refused);
                    }
                }
                Next::Wait(wait) => {
                    drop(permit);
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// The cached token; or a new one, fetched by `deadline`.
    async fn access_token(&self, deadline: Instant) -> Result<AccessToken, Error> {
        if let Some(token) = self.inner.tokens.fresh() {
            return Ok(token);
        }
        let config = &self.inner.config;
        // The token call needs no token, so `execute` does not come back here: see `Tokens::get`.
        let fetch = || async { Box::pin(self.execute(config.api.token(&config.credentials)?)).await };
        within(deadline, self.inner.tokens.get(fetch)).await
    }

    /// One attempt, over by `deadline`: reqwest's own timer bounds it (the client's timeout,
    /// or what is left before the deadline if that is less), so no second timer is needed.
    async fn send(
        &self,
        call: Outgoing<'_>,
        token: Option<&AccessToken>,
        deadline: Instant,
        take: Take,
    ) -> Result<Answer, Error> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::transport(TransportKind::Timeout, DeadlinePassed));
        }
        let (method, url, headers, body) = call.parts(token)?;
        let mut request = reqwest::Request::new(method.clone(), url.clone());
        *request.headers_mut() = headers;
        *request.body_mut() = body.map(reqwest::Body::from);
        if left < self.inner.config.timeout {
            *request.timeout_mut() = Some(left);
        }
        let exchange = exchange(
            self.inner.http.clone(),
            request,
            self.inner.config.max_response_bytes,
            take,
        );
        match self.inner.io {
            Io::InPlace => exchange.await,
            // A panic in the exchange, which reqwest and hyper should never have, is reported
            // rather than spread to the caller's thread.
            #[cfg(feature = "blocking")]
            Io::OnRuntime => tokio::spawn(exchange)
                .await
                .unwrap_or_else(|failed| Err(Error::transport(TransportKind::Other, failed))),
        }
    }
}

/// Where an attempt's I/O runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Io {
    /// In the calling task: the async client.
    InPlace,
    /// In a task of its own on the runtime, beside the connections it uses: the blocking
    /// client, whose calls are polled on the caller's thread while the runtime's own thread
    /// drives the connections. Each hop between the two threads costs a wake-up; with the
    /// exchange on the runtime thread there are two per attempt, as in `reqwest::blocking`.
    #[cfg(feature = "blocking")]
    OnRuntime,
}

/// What an attempt reads of a `2xx` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Take {
    /// The body, whole.
    Whole,
    /// Nothing yet: the caller reads the body as it arrives ([`Answer::rest`]).
    Head,
}

/// Sends `request` and reads the answer whole, up to `limit` bytes; or, for `Take::Head`, a
/// `2xx` answer's head alone.
async fn exchange(
    http: reqwest::Client,
    request: reqwest::Request,
    limit: usize,
    take: Take,
) -> Result<Answer, Error> {
    let mut response = http.execute(request).await.map_err(transport_error)?;
    let status = response.status();
    let retry_after = response.headers().get(RETRY_AFTER).cloned();
    if take == Take::Head && status.is_success() {
        return Ok(Answer {
            status,
            retry_after,
            body: Bytes::new(),
            received_at: SystemTime::now(),
            rest: Some(response),
        });
    }
    let body = match response.content_length() {
        Some(length) if length > limit as u64 => return Err(Error::BodyTooLarge { limit }),
        // Declared and within the limit, and reqwest reads no further: take it in one go.
        Some(_) => response.bytes().await.map_err(transport_error)?,
        None => {
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
                if body.len() + chunk.len() > limit {
                    return Err(Error::BodyTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            Bytes::from(body)
        }
    };
    Ok(Answer {
        status,
        retry_after,
        body,
        received_at: SystemTime::now(),
        rest: None,
    })
}

/// What came back from one attempt: read whole, or (`rest`) still arriving.
struct Answer {
    status: StatusCode,
    retry_after: Option<HeaderValue>,
    body: Bytes,
    received_at: SystemTime,
    /// The answer whose body is still to be read, for [`Take::Head`].
    rest: Option<reqwest::Response>,
}

/// Where a stream of registrants stands: about to ask, reading the answer, or over.
enum Reading {
    Start(Client, Result<Call<Vec<Registrant>>, Error>),
    Body(reqwest::Response, ListReader<Registrant>),
    Over,
}

impl Reading {
    /// The next registrant, and where the stream stands after it.
    async fn next(self) -> Option<(Result<Registrant, Error>, Reading)> {
        let (mut response, mut list) = match self {
            Reading::Start(client, call) => match client.open_list(call).await {
                Ok(open) => open,
                Err(error) => return Some((Err(error), Reading::Over)),
            },
            Reading::Body(response, list) => (response, list),
            Reading::Over => return None,
        };
        loop {
            if let Some(registrant) = list.next() {
                let next = match list.has_failed() {
                    true => Reading::Over,
                    false => Reading::Body(response, list),
                };
                return Some((registrant, next));
            }
            let read = match response.chunk().await {
                Ok(Some(chunk)) => list.feed(&chunk),
                Ok(None) => return list.finish().err().map(|error| (Err(error), Reading::Over)),
                Err(error) => Err(transport_error(error)),
            };
            if let Err(error) = read {
                return Some((Err(error), Reading::Over));
            }
        }
    }
}

impl Client {
    /// Sends a list call, retried as any call until a `2xx` answer's head arrives; gives the
    /// answer, its body still to come, and the reader for it.
    async fn open_list(
        &self,
        call: Result<Call<Vec<Registrant>>, Error>,
    ) -> Result<(reqwest::Response, ListReader<Registrant>), Error> {
        let call = call?;
        let span = telemetry::call(call.name());
        let attempts = self.attempt(call.outgoing(), self.attempts(&call), None, Take::Head);
        let (answer, _) = telemetry::within(&span, attempts).await;
        let response = answer.and_then(|answer| {
            answer.rest.ok_or(Error::UnexpectedBody {
                call: call.name(),
                reason: "the answer came without its body",
            })
        });
        if let Err(error) = &response {
            telemetry::failed(&span, error);
        }
        Ok((response?, ListReader::new(call.name())))
    }
}

/// `step`, or a timeout once the call's deadline passes.
async fn within<V>(deadline: Instant, step: impl Future<Output = Result<V, Error>>) -> Result<V, Error> {
    match tokio::time::timeout_at(deadline.into(), step).await {
        Ok(result) => result,
        Err(_) => Err(Error::transport(TransportKind::Timeout, DeadlinePassed)),
    }
}

/// The client's access token, shared by every call and clone: the core's [`TokenCache`],
/// and a gate that makes one token request serve every call that finds it stale.
#[derive(Debug)]
struct Tokens {
    cache: std::sync::Mutex<TokenCache>,
    fetching: tokio::sync::Mutex<()>,
}

impl Tokens {
    fn new(default_lifetime: Duration) -> Tokens {
        Tokens {
            cache: std::sync::Mutex::new(TokenCache::new(default_lifetime)),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The cached token, if it is fresh.
    fn fresh(&self) -> Option<AccessToken> {
        lock(&self.cache).fresh(Instant::now())
    }

    /// The cached token, or a new one from `fetch`.
    ///
    /// The gate is held while `fetch` runs, so calls that find the cache stale together wait
    /// for one token request instead of each sending their own. That is sound only because
    /// `fetch` (the token request) never asks for a token itself.
    async fn get<F>(&self, fetch: impl FnOnce() -> F) -> Result<AccessToken, Error>
    where
        F: Future<Output = Result<TokenGrant, Error>>,
    {
        let _gate = self.fetching.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token); // another call fetched it while this one waited
        }
        let grant = fetch().await?;
        Ok(lock(&self.cache).store(grant, Instant::now()))
    }

    /// Drops `refused`, unless another call has already replaced it.
    fn reject(&self, refused: &AccessToken) {
        lock(&self.cache).reject(refused);
    }
}

/// Reads a reqwest error, dropping the URL (it may carry an e-mail address).
fn transport_error(error: reqwest::Error) -> Error {
    // A connect timeout is both; it is `Connect`, since the request never left.
    let kind = if error.is_connect() {
        TransportKind::Connect
    } else if error.is_timeout() {
        TransportKind::Timeout
    } else {
        TransportKind::Other
    };
    Error::transport(kind, error.without_url())
}
