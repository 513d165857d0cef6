//! The blocking Sequel client (feature `blocking`): the async client's methods, without
//! `.await`.
//!
//! It drives the async client on a small runtime of its own (one thread, for the
//! connections), so both behave alike by construction. Call it from plain threads; called from
//! inside an async runtime, where blocking would stall that runtime, every method returns an
//! error for which [`is_invalid_input`](super::Error::is_invalid_input) is true (use
//! [`sequel::Client`](super::Client) there).

use std::future::Future;
use std::sync::Arc;

use super::analytics::{ActivityPage, TopParticipants, TopParticipantsQuery, VideoViews};
use super::builder::ClientBuilder;
use super::bulk::{BulkOptions, BulkReport};
use super::client;
use super::credentials::Credentials;
use super::error::Error;
use super::event::{Event, EventClone, EventUpdate, NewEvent, Replay};
use super::models::{CompanyId, EmbedUrl, EventId, JoinUrl, Registered, Registrant, Registration, Viewer};
use super::request::{Settled, Tally};
use super::subscription::{
    KeptAlive, NewSubscription, Subscribed, SubscriptionId, SubscriptionUpdate, WebhookSubscription,
};

/// The blocking Sequel client: same builder, same methods and same behaviour as the async
/// [`Client`](super::Client), without `.await`.
///
/// Cheap to clone; clones share one connection pool, one access-token cache and one runtime.
///
/// ```no_run
/// use event_sso::sequel::blocking::Client;
/// use event_sso::sequel::{EventId, Registration};
///
/// let client = Client::builder_from_env()?.build()?;
/// let registrant = client.register(&EventId::new("6f1c..."), &Registration::new("Ada Lovelace", "ada@example.com"))?;
/// // Keep registrant.join_url: Sequel registers an e-mail once per event.
/// # let _ = registrant;
/// # Ok::<(), event_sso::sequel::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    engine: client::Client,
    runtime: Arc<Runtime>,
}

/// The runtime the blocking client drives the engine on: a current-thread runtime whose I/O
/// and timers a thread of its own drives, while each call polls its future on the calling
/// thread (`Handle::block_on`). When the last clone goes, that thread is told to stop and
/// the runtime ends there, so dropping a client is never an error, wherever it happens.
#[derive(Debug)]
struct Runtime {
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Runtime {
    fn start() -> std::io::Result<Runtime> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("event-sso-blocking".to_owned())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })?;
        Ok(Runtime {
            handle,
            stop: Some(stop),
        })
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl ClientBuilder<Client> {
    /// Makes the client; fails on an unusable base URL or user agent, an `https` base URL in a
    /// build without TLS, or when the operating system refuses a thread.
    pub fn build(self) -> Result<Client, Error> {
        let engine = client::Client::from_config(self.into_config()?, client::Io::OnRuntime)?;
        let runtime =
            Runtime::start().map_err(|e| Error::transport(super::error::TransportKind::Other, e))?;
        Ok(Client {
            engine,
            runtime: Arc::new(runtime),
        })
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

    /// See [`sequel::Client::embed_url`](super::Client::embed_url).
    pub fn embed_url(&self, event: &EventId, viewer: &Viewer) -> Result<EmbedUrl, Error> {
        self.run(self.engine.embed_url(event, viewer))?
    }

    /// See [`sequel::Client::register`](super::Client::register).
    pub fn register(&self, event: &EventId, registration: &Registration) -> Result<Registered, Error> {
        self.run(self.engine.register(event, registration))?
    }

    /// See [`sequel::Client::register_or_get`](super::Client::register_or_get).
    pub fn register_or_get(&self, event: &EventId, registration: &Registration) -> Result<Registered, Error> {
        self.run(self.engine.register_or_get(event, registration))?
    }

    /// See [`sequel::Client::registrants`](super::Client::registrants).
    pub fn registrants(&self, event: &EventId) -> Result<Vec<Registrant>, Error> {
        self.run(self.engine.registrants(event))?
    }

    /// See [`sequel::Client::registrant`](super::Client::registrant).
    pub fn registrant(&self, event: &EventId, email: &str) -> Result<Option<Registrant>, Error> {
        self.run(self.engine.registrant(event, email))?
    }

    /// See [`sequel::Client::join_url`](super::Client::join_url).
    pub fn join_url(&self, event: &EventId, email: &str) -> Result<Option<JoinUrl>, Error> {
        self.run(self.engine.join_url(event, email))?
    }

    /// Everyone registered for the event, each read as their part of Sequel's answer arrives,
    /// when the iterator is advanced: memory holds one registrant at a time. See
    /// [`sequel::Client::stream_registrants`](super::Client::stream_registrants).
    pub fn stream_registrants(
        &self,
        event: &EventId,
    ) -> impl Iterator<Item = Result<Registrant, Error>> + '_ {
        self.iterate(self.engine.stream_registrants(event))
    }

    /// See [`sequel::Client::unregister`](super::Client::unregister).
    pub fn unregister(&self, event: &EventId, email: &str) -> Result<(), Error> {
        self.run(self.engine.unregister(event, email))?
    }

    /// See [`sequel::Client::event`](super::Client::event).
    pub fn event(&self, event: &EventId) -> Result<Event, Error> {
        self.run(self.engine.event(event))?
    }

    /// See [`sequel::Client::company_events`](super::Client::company_events).
    pub fn company_events(&self, company: &CompanyId) -> Result<Vec<Event>, Error> {
        self.run(self.engine.company_events(company))?
    }

    /// See [`sequel::Client::create_event`](super::Client::create_event).
    pub fn create_event(&self, event: &NewEvent) -> Result<Event, Error> {
        self.run(self.engine.create_event(event))?
    }

    /// See [`sequel::Client::update_event`](super::Client::update_event).
    pub fn update_event(&self, event: &EventId, update: &EventUpdate) -> Result<Event, Error> {
        self.run(self.engine.update_event(event, update))?
    }

    /// See [`sequel::Client::delete_event`](super::Client::delete_event).
    pub fn delete_event(&self, event: &EventId) -> Result<(), Error> {
        self.run(self.engine.delete_event(event))?
    }

    /// See [`sequel::Client::clone_event`](super::Client::clone_event).
    pub fn clone_event(&self, event: &EventId, clone: &EventClone) -> Result<Event, Error> {
        self.run(self.engine.clone_event(event, clone))?
    }

    /// See [`sequel::Client::available_replays`](super::Client::available_replays).
    pub fn available_replays(
        &self,
        event: &EventId,
        valid_for: Option<std::time::Duration>,
    ) -> Result<Vec<Replay>, Error> {
        self.run(self.engine.available_replays(event, valid_for))?
    }

    /// See [`sequel::Client::subscribe_webhook`](super::Client::subscribe_webhook).
    pub fn subscribe_webhook(&self, subscription: &NewSubscription) -> Result<Subscribed, Error> {
        self.run(self.engine.subscribe_webhook(subscription))?
    }

    /// See [`sequel::Client::webhook_subscription`](super::Client::webhook_subscription).
    pub fn webhook_subscription(&self, id: &SubscriptionId) -> Result<WebhookSubscription, Error> {
        self.run(self.engine.webhook_subscription(id))?
    }

    /// See [`sequel::Client::update_webhook`](super::Client::update_webhook).
    pub fn update_webhook(
        &self,
        id: &SubscriptionId,
        update: &SubscriptionUpdate,
    ) -> Result<WebhookSubscription, Error> {
        self.run(self.engine.update_webhook(id, update))?
    }

    /// See [`sequel::Client::renew_webhook`](super::Client::renew_webhook).
    pub fn renew_webhook(&self, id: &SubscriptionId, days: Option<u16>) -> Result<Subscribed, Error> {
        self.run(self.engine.renew_webhook(id, days))?
    }

    /// See [`sequel::Client::keep_webhook_alive`](super::Client::keep_webhook_alive).
    pub fn keep_webhook_alive(&self, id: &SubscriptionId, min_days_left: u16) -> Result<KeptAlive, Error> {
        self.run(self.engine.keep_webhook_alive(id, min_days_left))?
    }

    /// See [`sequel::Client::unsubscribe_webhook`](super::Client::unsubscribe_webhook).
    pub fn unsubscribe_webhook(&self, id: &SubscriptionId) -> Result<(), Error> {
        self.run(self.engine.unsubscribe_webhook(id))?
    }

    /// See [`sequel::Client::add_presenter`](super::Client::add_presenter).
    pub fn add_presenter(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.run(self.engine.add_presenter(event, user))?
    }

    /// See [`sequel::Client::remove_presenter`](super::Client::remove_presenter).
    pub fn remove_presenter(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.run(self.engine.remove_presenter(event, user))?
    }

    /// See [`sequel::Client::add_organizer`](super::Client::add_organizer).
    pub fn add_organizer(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.run(self.engine.add_organizer(event, user))?
    }

    /// See [`sequel::Client::remove_organizer`](super::Client::remove_organizer).
    pub fn remove_organizer(&self, event: &EventId, user: &str) -> Result<Vec<String>, Error> {
        self.run(self.engine.remove_organizer(event, user))?
    }

    /// See [`sequel::Client::user_activity`](super::Client::user_activity).
    pub fn user_activity(&self, event: &EventId, page: u32, count: u32) -> Result<ActivityPage, Error> {
        self.run(self.engine.user_activity(event, page, count))?
    }

    /// Every page of the event's user activity, each read when the iterator is advanced; see
    /// [`sequel::Client::user_activity_pages`](super::Client::user_activity_pages). An error is
    /// the last item.
    pub fn user_activity_pages(
        &self,
        event: &EventId,
    ) -> impl Iterator<Item = Result<ActivityPage, Error>> + '_ {
        self.iterate(self.engine.user_activity_pages(event))
    }

    /// See [`sequel::Client::top_participants`](super::Client::top_participants).
    pub fn top_participants(
        &self,
        event: &EventId,
        query: &TopParticipantsQuery,
    ) -> Result<TopParticipants, Error> {
        self.run(self.engine.top_participants(event, query))?
    }

    /// See [`sequel::Client::video_views`](super::Client::video_views).
    pub fn video_views(&self, event: &EventId) -> Result<VideoViews, Error> {
        self.run(self.engine.video_views(event))?
    }

    /// See [`sequel::Client::register_all`](super::Client::register_all): the same
    /// concurrency, and the progress callback runs on the calling thread. Called from inside
    /// an async runtime, every registration is reported failed, handed back with the error.
    pub fn register_all(
        &self,
        event: &EventId,
        registrations: impl IntoIterator<Item = Registration>,
        options: BulkOptions<'_>,
    ) -> BulkReport {
        if inside_runtime() {
            let inputs = registrations.into_iter();
            let mut tally = Tally::new(inputs.size_hint(), options.progress);
            for (index, registration) in inputs.enumerate() {
                tally.record(index, registration, Settled::Failed(inside_runtime_error()));
            }
            return tally.finish(Ok(Vec::new()));
        }
        self.block_on(self.engine.register_all(event, registrations, options))
    }

    /// The async client this one drives.
    pub(crate) fn engine(&self) -> &client::Client {
        &self.engine
    }

    /// The items of one of the engine's streams, each read when the iterator is advanced.
    /// Inside an async runtime, the one item is the error that says so.
    fn iterate<T>(
        &self,
        stream: impl futures_util::Stream<Item = Result<T, Error>> + 'static,
    ) -> impl Iterator<Item = Result<T, Error>> + '_ {
        let mut stream = Box::pin(stream);
        let mut over = false;
        std::iter::from_fn(move || {
            use futures_util::StreamExt;
            if over {
                return None;
            }
            self.run(stream.next()).unwrap_or_else(|inside| {
                over = true;
                Some(Err(inside))
            })
        })
    }

    /// Runs `future` to completion on this thread, unless that would block an async runtime.
    pub(crate) fn run<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        match inside_runtime() {
            true => Err(inside_runtime_error()),
            false => Ok(self.block_on(future)),
        }
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.handle.block_on(future)
    }
}

fn inside_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

fn inside_runtime_error() -> Error {
    Error::invalid(
        "calling thread",
        "is running an async runtime, which a blocking call would stall: use `sequel::Client` there",
    )
}
