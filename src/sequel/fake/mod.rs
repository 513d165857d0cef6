//! An in-process fake of Sequel's API, for your test suite as much as ours (feature `fake`).
//!
//! [`FakeSequel::start`] serves on `127.0.0.1` at a random port, on its own thread and runtime,
//! so async tests, blocking tests and plain `fn main` programs can all use it. It behaves like
//! Sequel where Sequel's behaviour is known:
//!
//! - access tokens are issued only for the fake's own [`credentials`](FakeSequel::credentials)
//!   and refused once they expire ([`set_token_lifetime`](FakeSequel::set_token_lifetime),
//!   [`expire_tokens`](FakeSequel::expire_tokens));
//! - each e-mail registers once per event; a second time is refused with the one `400` Sequel
//!   documents for registering ("An invalid parameter was sent"), since Sequel does not
//!   document its answer to a duplicate;
//! - it answers as Sequel's API reference documents: its status codes (`204` for removing a
//!   registrant), its error messages, and `400` for a request its schema does not allow;
//! - event ids are UUIDs, and events can be created, updated, cloned and deleted;
//! - embed and join URLs carry a signed token, which [`decode_token`](FakeSequel::decode_token)
//!   checks;
//! - nobody is both a presenter and an organizer;
//! - unknown events answer `404`;
//! - networking hubs have their registrants (one per e-mail, as events), participants
//!   ([`join_hub`](FakeSequel::join_hub)), invitations between participants, profiles, chat
//!   channels ([`say_in_hub`](FakeSequel::say_in_hub)) and circle recordings
//!   ([`record_circle`](FakeSequel::record_circle));
//! - companies form a tree with metadata; customizations and fonts are stored per company and
//!   per event, and the public themes merge them over the platform's; simulive is set on the
//!   event;
//! - an answer without a body carries no `Content-Type`.
//!
//! Faults can be injected, before the request is handled or after it (a registration stored
//! whose answer is lost): [`inject`](FakeSequel::inject) takes a plan, one [`Fault`] per
//! request; [`fail_next`](FakeSequel::fail_next), [`rate_limit_next`](FakeSequel::rate_limit_next)
//! and [`drop_next`](FakeSequel::drop_next) are shorthands, and
//! [`set_latency`](FakeSequel::set_latency) slows every answer. It can be inspected as your
//! tests need: every request with its body ([`requests`](FakeSequel::requests)), the
//! registrants it holds ([`registrants`](FakeSequel::registrants)), the claims of the tokens
//! it signed ([`decode_token`](FakeSequel::decode_token)) and the most requests it answered
//! at once ([`take_max_in_flight`](FakeSequel::take_max_in_flight)).
//!
//! ```
//! # #[cfg(feature = "blocking")] {
//! use event_sso::sequel::fake::FakeSequel;
//! use event_sso::sequel::{blocking::Client, Registration};
//!
//! let fake = FakeSequel::start()?;
//! let event = fake.add_event("Launch party");
//! let client = Client::builder(fake.credentials()).base_url(fake.base_url()).build()?;
//!
//! let ada = Registration::new("Ada Lovelace", "ada@example.com");
//! let join_url = client.register(&event, &ada)?.join_url;
//! assert_eq!(fake.decode_token(join_url.as_str()).map(|claims| claims.subject), Some("ada@example.com".to_owned()));
//! assert_eq!(client.register(&event, &ada).unwrap_err().status(), Some(http::StatusCode::BAD_REQUEST));
//! assert_eq!(client.register_or_get(&event, &ada)?.join_url, join_url);
//!
//! fake.fail_next(1, http::StatusCode::SERVICE_UNAVAILABLE);
//! assert_eq!(client.registrants(&event)?.len(), 1); // retried after the 503
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod analytics;
mod companies;
mod customizations;
mod delivery;
mod faults;
mod hooks;
mod media;
mod networking;
mod records;
mod reply;
mod server;
mod shared;
mod state;

use std::net::SocketAddr;
use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use http::StatusCode;
use serde_json::Value;
use tokio::sync::oneshot;

pub use self::delivery::DEFAULT_DELIVERY_RETRIES;
pub use self::faults::{Fault, Requests};
pub use self::records::{Delivered, LoggedRequest};

use self::delivery::send_outbox;
use self::faults::Faults;
use self::records::Watch;
use self::server::serve;
use self::shared::{InFlight, Shared};
use self::state::{Place, State};
use crate::sequel::credentials::{AccessToken, Credentials};
use crate::sequel::models::{CompanyId, EventId, Registrant};
use crate::sequel::networking::HubId;
use crate::sync::lock;

/// A fake Sequel API running on a loopback port until dropped.
#[derive(Debug)]
pub struct FakeSequel {
    shared: Arc<Shared>,
    runtime: tokio::runtime::Handle,
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// The claims of a token the fake signed, as [`FakeSequel::decode_token`] reads them.
///
/// `Debug` hides the subject and the name.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeClaims {
    /// Whom the token is for: the viewer's user id (embed URLs), the registrant's e-mail
    /// (join URLs), or the client id (access tokens).
    pub subject: String,
    /// The event it is for (an event's embed and join URLs).
    pub event: Option<EventId>,
    /// The networking hub it is for (a hub's embed and join URLs).
    pub hub: Option<HubId>,
    /// The viewer's display name (embed URLs).
    pub name: Option<String>,
    /// The registrant's join code (join URLs).
    pub join_code: Option<String>,
    /// `eventSpecific`, when the embed call sent it.
    pub event_specific: Option<bool>,
    /// When it stops being accepted.
    pub expires_at: time::OffsetDateTime,
}

impl std::fmt::Debug for FakeClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeClaims")
            .field("subject", &"<redacted>")
            .field("event", &self.event)
            .field("hub", &self.hub)
            .field("hub", &self.hub)
            .field("name", &self.name.as_ref().map(|_| "<redacted>"))
            .field("join_code", &self.join_code.as_ref().map(|_| "<redacted>"))
            .field("event_specific", &self.event_specific)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A point in the fake's deliveries, from which [`FakeSequel::wait_for_deliveries_since`]
/// counts ([`FakeSequel::delivery_mark`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryMark(usize);

impl FakeSequel {
    /// Starts the fake on `127.0.0.1` at a port the system picks, with credentials of its own
    /// ([`credentials`](Self::credentials)).
    pub fn start() -> std::io::Result<FakeSequel> {
        FakeSequel::serve(State::new())
    }

    /// Starts the fake accepting `credentials` instead of its own: for a fake in another
    /// process, or a test suite with fixed test credentials.
    pub fn start_with_credentials(credentials: &Credentials) -> std::io::Result<FakeSequel> {
        let mut state = State::new();
        state.client_id = credentials.client_id().to_owned();
        state.client_secret = credentials.client_secret().as_str().to_owned();
        FakeSequel::serve(state)
    }

    fn serve(state: State) -> std::io::Result<FakeSequel> {
        let listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        listener.set_nonblocking(true)?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            faults: Mutex::new(Faults::default()),
            log: Mutex::new(Vec::new()),
            in_flight: InFlight::default(),
            deliveries: Mutex::new(Vec::new()),
            deliver_twice: std::sync::atomic::AtomicBool::new(false),
            delivery_retries: Mutex::new(DEFAULT_DELIVERY_RETRIES.to_vec()),
            webhook_client: std::sync::OnceLock::new(),
        });
        let handle = runtime.handle().clone();
        let (shutdown, stop) = oneshot::channel();
        let served = shared.clone();
        let thread = std::thread::Builder::new()
            .name("fake-sequel".to_owned())
            .spawn(move || runtime.block_on(serve(listener, served, stop)))?;
        Ok(FakeSequel {
            shared,
            runtime: handle,
            base_url,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The base URL to give the client's builder (`http://127.0.0.1:<port>`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The only credentials the fake accepts.
    pub fn credentials(&self) -> Credentials {
        let state = lock(&self.shared.state);
        Credentials::new(state.client_id.clone(), state.client_secret.clone())
    }

    /// An access token, as the token endpoint would issue for [`credentials`](Self::credentials):
    /// for requests you make without the crate's clients.
    pub fn access_token(&self) -> AccessToken {
        AccessToken::new(lock(&self.shared.state).issue_token(Instant::now()))
    }

    /// The company that [`add_event`](Self::add_event) creates events in.
    pub fn company_id(&self) -> CompanyId {
        CompanyId::new(lock(&self.shared.state).company_id.clone())
    }

    /// Creates an event in the fake's company and returns its id.
    pub fn add_event(&self, name: &str) -> EventId {
        let mut state = lock(&self.shared.state);
        let company = state.company_id.clone();
        EventId::new(state.add_event(name, &company))
    }

    /// Creates an event in another company.
    pub fn add_event_in(&self, company: &CompanyId, name: &str) -> EventId {
        EventId::new(lock(&self.shared.state).add_event(name, company.as_str()))
    }

    /// Records that `email` (named `name`) was in the live event during `minutes` (from its
    /// start), for the analytics: user activity, top participants and video views are
    /// computed from what is recorded. False when the event is unknown.
    pub fn record_live(&self, event: &EventId, email: &str, name: &str, minutes: Range<u32>) -> bool {
        self.record(event, email, name, Some(minutes), 0)
    }

    /// Records that `email` (named `name`) watched `minutes` of the recording, for the
    /// analytics. False when the event is unknown.
    pub fn record_on_demand(&self, event: &EventId, email: &str, name: &str, minutes: u32) -> bool {
        self.record(event, email, name, None, minutes)
    }

    fn record(
        &self,
        event: &EventId,
        email: &str,
        name: &str,
        live: Option<Range<u32>>,
        on_demand: u32,
    ) -> bool {
        let watch = Watch {
            email: email.to_owned(),
            name: name.to_owned(),
            live,
            on_demand,
        };
        lock(&self.shared.state).record_watch(event.as_str(), watch)
    }

    /// How long access tokens issued from now on live (1 h unless set).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        lock(&self.shared.state).token_lifetime = lifetime;
    }

    /// Makes every access token issued so far invalid, as if it had expired: the next call
    /// gets a `401`.
    pub fn expire_tokens(&self) {
        lock(&self.shared.state).expire_tokens();
    }

    /// Queues `faults`, one per request from the next one on, after any already queued.
    ///
    /// ```
    /// use std::time::Duration;
    /// use event_sso::sequel::fake::{FakeSequel, Fault};
    ///
    /// let fake = FakeSequel::start()?;
    /// // The 1st request stored but unanswered, the 2nd as usual, the 3rd answered too late.
    /// fake.inject([Fault::DropAfterHandling, Fault::None, Fault::DelayAfterHandling(Duration::from_secs(5))]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        self.inject_on(Requests::Any, faults);
    }

    /// [`inject`](Self::inject), for the next requests that `requests` takes in only: the
    /// first such request gets the first fault, and so on; others pass untouched.
    ///
    /// ```
    /// use event_sso::http::StatusCode;
    /// use event_sso::sequel::fake::{FakeSequel, Fault, Requests};
    ///
    /// let fake = FakeSequel::start()?;
    /// // The next registration fails; the token request before it does not.
    /// fake.inject_on(Requests::ApiCalls, [Fault::Status(StatusCode::SERVICE_UNAVAILABLE)]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn inject_on(&self, requests: Requests, faults: impl IntoIterator<Item = Fault>) {
        let mut plan = lock(&self.shared.faults);
        plan.pending
            .extend(faults.into_iter().map(|fault| (requests.clone(), fault)));
    }

    /// Answers the next `count` requests with `status` and an error envelope.
    pub fn fail_next(&self, count: usize, status: StatusCode) {
        self.inject(std::iter::repeat_n(Fault::Status(status), count));
    }

    /// Answers the next `count` requests with `429 Too Many Requests` and
    /// `Retry-After: <seconds>`.
    pub fn rate_limit_next(&self, count: usize, retry_after: Duration) {
        self.inject(std::iter::repeat_n(Fault::RateLimit(retry_after), count));
    }

    /// Closes the connection of the next `count` requests without answering, before handling
    /// them.
    pub fn drop_next(&self, count: usize) {
        self.inject(std::iter::repeat_n(Fault::Drop, count));
    }

    /// The event's stream starts: a `virtual-stage-event-started` delivery to its
    /// subscribers. `false` for an unknown event.
    pub fn start_event(&self, event: &EventId) -> bool {
        let started = lock(&self.shared.state).start_event(event.as_str());
        self.send_outbox();
        started
    }

    /// The event's stream ends: `virtual-stage-event-ended` deliveries with its registrants,
    /// `batch` to a delivery (all in one for 0), sharing one `correlationId`. `false` for an
    /// unknown event.
    pub fn end_event(&self, event: &EventId, batch: usize) -> bool {
        let ended = lock(&self.shared.state).end_event(event.as_str(), batch);
        self.send_outbox();
        ended
    }

    /// Sends every webhook delivery twice from now on (the same invocation id), as a network
    /// or Sequel's retries may.
    pub fn deliver_twice(&self, twice: bool) {
        self.shared
            .deliver_twice
            .store(twice, std::sync::atomic::Ordering::SeqCst);
    }

    /// The waits before each retry of a webhook delivery answered `429` or `5xx`, or not at
    /// all, from now on: one more try than waits. [`DEFAULT_DELIVERY_RETRIES`] unless set;
    /// tests compress it (`[50 ms, 100 ms, 200 ms]`, say) and may give none (one try).
    ///
    /// Sequel does not publish its own schedule: the default is a realistic one, like other
    /// senders', for a receiver's outage to be seen in the large; nothing in the crate relies on
    /// it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use event_sso::sequel::fake::FakeSequel;
    ///
    /// let fake = FakeSequel::start()?;
    /// fake.retry_deliveries_after([50, 100, 200].map(Duration::from_millis));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn retry_deliveries_after(&self, waits: impl IntoIterator<Item = Duration>) {
        *lock(&self.shared.delivery_retries) = waits.into_iter().collect();
    }

    /// Every webhook delivery so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivered> {
        lock(&self.shared.deliveries).clone()
    }

    /// The point the deliveries have reached: count from here with
    /// [`wait_for_deliveries_since`](Self::wait_for_deliveries_since).
    pub fn delivery_mark(&self) -> DeliveryMark {
        DeliveryMark(lock(&self.shared.deliveries).len())
    }

    /// Waits, without blocking the thread (for `#[tokio::test]`s), until at least `count`
    /// deliveries begun since `mark` are done (answered, or given up after Sequel's retries),
    /// or `timeout` passes; gives the deliveries since `mark`.
    pub async fn wait_for_deliveries_since(
        &self,
        mark: DeliveryMark,
        count: usize,
        timeout: Duration,
    ) -> Vec<Delivered> {
        let deadline = crate::clock::after(Instant::now(), timeout);
        loop {
            let since: Vec<Delivered> = lock(&self.shared.deliveries)
                .get(mark.0..)
                .unwrap_or_default()
                .to_vec();
            if since.iter().filter(|d| d.done).count() >= count || Instant::now() >= deadline {
                return since;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits until at least `count` deliveries are done, or `timeout` passes; gives them all.
    /// It blocks the thread: in async tests, use
    /// [`wait_for_deliveries_since`](Self::wait_for_deliveries_since).
    pub fn wait_for_deliveries(&self, count: usize, timeout: Duration) -> Vec<Delivered> {
        let deadline = crate::clock::after(Instant::now(), timeout);
        loop {
            let deliveries = self.deliveries();
            let done = deliveries.iter().filter(|d| d.done).count();
            if done >= count || Instant::now() >= deadline {
                return deliveries;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn send_outbox(&self) {
        send_outbox(&self.shared, &self.runtime);
    }

    /// Registers `count` people for `event` at once, as a fixture for large events:
    /// `Attendee {n}` at `attendee{n}@example.com`, for `n` from `first`, each with their own
    /// join URL, as registering them would give, but without a request (or a webhook
    /// delivery) each. False when the event is unknown.
    pub fn seed_registrants(&self, event: &EventId, first: usize, count: usize) -> bool {
        lock(&self.shared.state).seed_registrants(event.as_str(), first, count)
    }

    /// Creates a networking hub in the fake's company, with one room, and returns its id.
    pub fn add_hub(&self, name: &str) -> HubId {
        let mut state = lock(&self.shared.state);
        let company = state.company_id.clone();
        HubId::new(state.add_hub(name, &company))
    }

    /// Someone enters the hub, as its page would report them: they are then among its
    /// participants, and can invite and be invited. False when the hub is unknown.
    pub fn join_hub(&self, hub: &HubId, user_id: &str, name: &str, email: &str) -> bool {
        lock(&self.shared.state).join_hub(hub.as_str(), user_id, name, email)
    }

    /// A message in one of the hub's chat channels (`{hub}-chat`, `{hub}-presenters-chat`,
    /// or a circle's `{hub}-{circle}-circle-chat`, made by its first message). False when the
    /// hub is unknown.
    pub fn say_in_hub(&self, hub: &HubId, channel: &str, text: &str) -> bool {
        lock(&self.shared.state).say_in_hub(hub.as_str(), channel, text)
    }

    /// The messages of a hub's channel that are still shown, oldest first.
    pub fn hub_chat(&self, hub: &HubId, channel: &str) -> Vec<String> {
        let state = lock(&self.shared.state);
        let messages = state.hubs.get(hub.as_str()).and_then(|hub| hub.chat.get(channel));
        messages
            .into_iter()
            .flatten()
            .filter(|(_, hidden)| !hidden)
            .map(|(text, _)| text.clone())
            .collect()
    }

    /// A recording of one of the hub's circles, named `name`; its id, or `None` when the hub
    /// is unknown.
    pub fn record_circle(&self, hub: &HubId, circle: &str, name: &str) -> Option<String> {
        lock(&self.shared.state).record_circle(hub.as_str(), circle, name)
    }

    /// The registrants the fake holds for a hub, in the order they registered.
    pub fn hub_registrants(&self, hub: &HubId) -> Vec<Registrant> {
        self.held(Place::Hub, hub.as_str())
    }

    /// The invitations sent in a hub, as `(from, to)` user ids, oldest first.
    pub fn hub_invitations(&self, hub: &HubId) -> Vec<(String, String)> {
        let state = lock(&self.shared.state);
        state
            .hubs
            .get(hub.as_str())
            .map(|hub| hub.invitations.clone())
            .unwrap_or_default()
    }

    /// The profile photo object set for `user_id` in a hub.
    pub fn hub_profile(&self, hub: &HubId, user_id: &str) -> Option<Value> {
        let state = lock(&self.shared.state);
        state.hubs.get(hub.as_str())?.profiles.get(user_id).cloned()
    }

    /// The video an event plays as simulive, when one is set.
    pub fn simulive(&self, event: &EventId) -> Option<String> {
        lock(&self.shared.state).simulive.get(event.as_str()).cloned()
    }

    /// The registrants the fake holds for `event`, in the order they registered (none for an
    /// unknown event).
    pub fn registrants(&self, event: &EventId) -> Vec<Registrant> {
        self.held(Place::Event, event.as_str())
    }

    /// The registrants the fake holds for an event or a hub, read as the clients read them.
    fn held(&self, place: Place, id: &str) -> Vec<Registrant> {
        lock(&self.shared.state)
            .registrants(place, id)
            .into_iter()
            .filter_map(|registrant| serde_json::from_value(registrant).ok())
            .collect()
    }

    /// Delays every answer by `latency` (zero unless set).
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.faults).latency = latency;
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// The most requests the fake was answering at the same moment, since it started or since
    /// the last call of this method (which starts a new count): how you check that your code
    /// keeps to a concurrency limit, and uses it.
    pub fn take_max_in_flight(&self) -> usize {
        use std::sync::atomic::Ordering::SeqCst;
        let in_flight = &self.shared.in_flight;
        in_flight.most.swap(in_flight.now.load(SeqCst), SeqCst)
    }

    /// How many requests went to `path` (as sent, percent-encoded), for example
    /// `/api/oauth/token`.
    pub fn count_requests(&self, path: &str) -> usize {
        lock(&self.shared.log).iter().filter(|r| r.path == path).count()
    }

    /// The claims of a token this fake signed, given the token or a URL carrying it as
    /// `authKey`; `None` if the signature does not hold or it has expired.
    pub fn decode_token(&self, token_or_url: &str) -> Option<FakeClaims> {
        let token = match url::Url::parse(token_or_url) {
            Ok(url) => url.query_pairs().find(|(k, _)| k == "authKey")?.1.into_owned(),
            Err(_) => token_or_url.to_owned(),
        };
        let claims = lock(&self.shared.state).verify(&token)?;
        let text = |key: &str| claims.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(FakeClaims {
            subject: text("sub")?,
            event: text("eventId").map(EventId::new),
            hub: text("hubId").map(HubId::new),
            name: text("name"),
            join_code: text("joinCode"),
            event_specific: claims.get("eventSpecific").and_then(Value::as_bool),
            expires_at: time::OffsetDateTime::from_unix_timestamp(claims.get("exp")?.as_i64()?).ok()?,
        })
    }
}

impl Drop for FakeSequel {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
