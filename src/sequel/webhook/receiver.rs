//! The handler's whole decision in one call: verify, claim the occurrence in the store, run
//! the handler, then commit or release, and answer the status Sequel acts on.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use super::event::{AttendedUser, EventDetails, WebhookEvent, WebhookType};
use super::store::{Batch, Claim, Committed, Gathered, Holder, MemoryStore, StoreError, WebhookStore};
use super::verify::{Delivery, Error, Verifier};
use crate::sequel::telemetry::{self, StoreClock};

/// How long a dead or frozen holder keeps its claim unless [`Receiver::lease`] says otherwise:
/// 15 seconds. A live handler keeps it for as long as it runs.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(15);
/// How long a done occurrence, and an ended event's batches, are kept unless
/// [`Receiver::keep`] says otherwise: 7 days, since Sequel does not document how long it
/// retries.
pub const DEFAULT_KEEP: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Receives Sequel's webhooks: each occurrence handled once, across every replica that shares
/// the store, and each ended event given once and whole. Share one across your handlers.
///
/// [`handle`](Receiver::handle) does the whole of it:
///
/// | what arrives | the handler | the answer |
/// |---|---|---|
/// | a new occurrence | runs; `Ok` records it done | `200` |
/// | | runs; `Err` releases it | `500`: Sequel retries, on any replica |
/// | a repeat of one done | does not run | `200` |
/// | a repeat while another replica holds it (its handler runs, or it died or froze less than a [lease](Receiver::lease) ago) | does not run | `429`: Sequel retries |
/// | a handler whose replica froze past its lease while another request claimed the occurrence | ran; not recorded done (the fence) | `429`: the retry is answered by what the other did |
/// | an ended event's batch, not the last | does not run; the batch is stored | `200` |
/// | the batch that completes it | runs once with every user, in page order | as for a new occurrence |
/// | anything, while the store fails or stalls | does not run; nothing recorded | `503` |
/// | a missing or wrong key | does not run | `401` (Sequel does not retry) |
/// | a malformed body | does not run | `400` (Sequel does not retry) |
/// | a delivery, while the verifier has no usable secret | does not run | `500`: retried once you fix the secret |
///
/// It never answers `404`, which Sequel reads as "endpoint gone".
#[derive(Debug)]
pub struct Receiver<S = MemoryStore> {
    verifier: Verifier,
    store: S,
    lease: Duration,
    keep: Duration,
}

/// What the handler is given: one occurrence, once across every replica.
#[derive(Debug)]
#[non_exhaustive]
pub enum Work {
    /// One delivery of any type but the ended event's batches.
    Delivery(Delivery),
    /// An ended event with all its users, gathered from its batches.
    EndedEvent(EndedEvent),
}

/// An ended event with all its users.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EndedEvent {
    /// The occurrence (`correlationId`).
    pub correlation_id: Option<String>,
    /// The event and company.
    pub details: EventDetails,
    /// Every user, in page order.
    pub users: Vec<AttendedUser>,
}

/// What [`Receiver::handle`] did, and the status to answer with
/// ([`status`](Handled::status)). Log the error of those that carry one.
#[derive(Debug)]
#[non_exhaustive]
pub enum Handled<E> {
    /// The handler ran and returned `Ok`: `200`.
    Done {
        /// Set when the store could not record it done. It was handled, so the answer is still
        /// `200`; a repeat within the lease is answered `429`, and one after it is handled
        /// again.
        unrecorded: Option<StoreError>,
    },
    /// An ended event's batch, stored; the event is not complete yet: `200`.
    Stored,
    /// A repeat of an occurrence already handled: `200`.
    Repeat,
    /// Another request holds the occurrence: `429`, so Sequel retries later.
    Held,
    /// The handler ran, but meanwhile its claim lapsed (its replica stalled or froze past the
    /// lease, so nothing renewed it) and another request claimed the occurrence, so this one
    /// could not record it done: `429`, so Sequel retries, and the retry is answered by what
    /// that other request did. With `handle_in_transaction`, the handler's writes were rolled
    /// back.
    FencedOut,
    /// The handler's writes could not be committed with the occurrence's done-mark
    /// (`handle_in_transaction`): the commit failed or its outcome is unknown (the connection
    /// lost during `COMMIT`), or the handler gave back a transaction that had failed or was
    /// ended. `500`, so Sequel retries, and the retry finds what was committed.
    NotCommitted(StoreError),
    /// The handler returned this error; the claim was released: `500`, so Sequel retries.
    Failed {
        /// The handler's error.
        error: E,
        /// Set when the store could not release the claim; the retry is then answered `429`
        /// until the lease lapses.
        unreleased: Option<StoreError>,
    },
    /// Refused: `401` for the key, `400` for the body, `500` when the verifier has no usable
    /// secret.
    Refused(Error),
    /// The store failed or stalled; the handler did not run and nothing was recorded: `503`.
    Unavailable(StoreError),
}

/// What was done, in a line for your logs: the outcome, and the error of those that carry
/// one (the handler's own, or the crate's, whose messages hold no key, body or password).
///
/// ```
/// # use event_sso::sequel::webhook::{Handled, StoreError};
/// let handled: Handled<std::io::Error> = Handled::Unavailable(StoreError::new("did not answer in time"));
/// assert_eq!(handled.to_string(), "503: the webhook store failed, so the handler did not run: the webhook store did not answer in time");
/// ```
impl<E: fmt::Display> fmt::Display for Handled<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.status().as_u16();
        match self {
            Handled::Done { unrecorded: None } => write!(f, "{status}: handled"),
            Handled::Done {
                unrecorded: Some(error),
            } => write!(f, "{status}: handled, but not recorded done: {error}"),
            Handled::Stored => write!(f, "{status}: batch stored, the event is not complete yet"),
            Handled::Repeat => write!(f, "{status}: a repeat of an occurrence already handled"),
            Handled::Held => write!(f, "{status}: another request holds the occurrence"),
            Handled::FencedOut => write!(
                f,
                "{status}: the handler's claim lapsed (its replica stalled past the lease) and another request claimed the occurrence"
            ),
            Handled::NotCommitted(error) => {
                write!(f, "{status}: the handler's writes were not committed: {error}")
            }
            Handled::Failed { error, unreleased } => {
                write!(f, "{status}: the handler failed: {error}")?;
                match unreleased {
                    Some(unreleased) => write!(f, " (and the claim was not released: {unreleased})"),
                    None => Ok(()),
                }
            }
            Handled::Refused(error) => write!(f, "{status}: refused: {error}"),
            Handled::Unavailable(error) => {
                write!(
                    f,
                    "{status}: the webhook store failed, so the handler did not run: {error}"
                )
            }
        }
    }
}

impl<E> Handled<E> {
    /// Its name and, when it failed, the kind of failure, for its trace.
    pub(super) fn names(&self) -> (&'static str, Option<&'static str>) {
        match self {
            Handled::Done { .. } => ("done", None),
            Handled::Stored => ("stored", None),
            Handled::Repeat => ("repeat", None),
            Handled::Held => ("held", None),
            Handled::FencedOut => ("fenced_out", Some("fenced_out")),
            Handled::NotCommitted(_) => ("not_committed", Some("commit")),
            Handled::Failed { .. } => ("failed", Some("handler")),
            Handled::Refused(error) => ("refused", Some(error.kind_name())),
            Handled::Unavailable(_) => ("unavailable", Some("store")),
        }
    }

    /// The status to answer Sequel with.
    pub fn status(&self) -> StatusCode {
        match self {
            Handled::Done { .. } | Handled::Stored | Handled::Repeat => StatusCode::OK,
            Handled::Held | Handled::FencedOut => StatusCode::TOO_MANY_REQUESTS,
            Handled::Failed { .. } | Handled::NotCommitted(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Handled::Refused(error) => error.status(),
            Handled::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl Receiver<MemoryStore> {
    /// A receiver that checks with `verifier` and keeps its state in this process's memory:
    /// for one process. With several replicas, or restarts while deliveries are under way,
    /// use [`with_store`](Receiver::with_store).
    pub fn new(verifier: Verifier) -> Receiver<MemoryStore> {
        Receiver::with_store(verifier, MemoryStore::new())
    }
}

impl<S: WebhookStore> Receiver<S> {
    /// A receiver that checks with `verifier` and keeps its state in `store`, shared by every
    /// replica.
    pub fn with_store(verifier: Verifier, store: S) -> Receiver<S> {
        Receiver {
            verifier,
            store,
            lease: DEFAULT_LEASE,
            keep: DEFAULT_KEEP,
        }
    }

    /// How long a claim outlives a holder that died or froze ([`DEFAULT_LEASE`], 15 s, unless
    /// set): the longest a crashed replica's occurrence waits before a retry is handled.
    ///
    /// A live handler needs no lease of its length: while it runs, the receiver renews the
    /// claim every third of the lease, on tokio's timer (a runtime with its timer enabled, as
    /// `#[tokio::main]` makes). Outside a tokio runtime, or in a build with none of the crate's
    /// tokio features, it renews nothing, and the lease must then outlast the handler. On
    /// PostgreSQL a dead holder's claim goes with its connection at once, and the lease bounds
    /// how long the claim's transaction may sit idle: a frozen replica's session is ended
    /// after it, and with it the claim. With `handle_in_transaction`, whose handler holds
    /// that transaction, each of the handler's statements restarts that clock.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long a done occurrence, and an ended event's batches, are kept ([`DEFAULT_KEEP`]
    /// unless set): longer than Sequel goes on retrying one delivery.
    #[must_use]
    pub fn keep(mut self, keep: Duration) -> Self {
        self.keep = keep;
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Verifies the request, claims its occurrence, runs `handler` on it, records the outcome,
    /// and says what to answer; see [`Receiver`] for each case.
    ///
    /// ```
    /// use event_sso::sequel::webhook::{Receiver, Verifier, WebhookEvent, Work};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let receiver = Receiver::new(Verifier::new("the-subscription-secret"));
    /// # let mut headers = event_sso::http::HeaderMap::new();
    /// # headers.insert("x-introvoke-web-hook-auth", "the-subscription-secret".parse()?);
    /// # let body = br#"{"eventType":"new-attendee-pre-registration","webHookInvocationId":"i-1","correlationId":"c-1","timestamp":"2025-01-07T10:05:24.000Z","details":{"eventId":"e-1","attendee":{"name":"Ada","email":"ada@example.com","registrationInfo":[]}}}"#;
    /// // For each POST: the headers and the body as received.
    /// let handled = receiver
    ///     .handle(&headers, body, |work| async move {
    ///         if let Work::Delivery(delivery) = work
    ///             && let WebhookEvent::AttendeePreRegistered(registration) = delivery.event()
    ///         {
    ///             // record registration.attendee.email; an Err here is answered 500 and retried
    /// #           assert_eq!(registration.attendee.email.as_deref(), Some("ada@example.com"));
    ///         }
    ///         Ok::<(), std::io::Error>(())
    ///     })
    ///     .await;
    /// assert_eq!(handled.status(), 200); // answer this status, whatever happened
    /// # Ok(()) }
    /// ```
    pub async fn handle<F, Fut, E>(&self, headers: &HeaderMap, body: &[u8], handler: F) -> Handled<E>
    where
        F: FnOnce(Work) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let span = telemetry::webhook();
        let mut clock = StoreClock::new();
        let handled = telemetry::within(&span, self.receive(headers, body, handler, &span, &mut clock)).await;
        telemetry::handled(&span, handled.status().as_u16(), || handled.names(), clock);
        handled
    }

    /// [`handle`](Self::handle)'s steps, each store step timed on `clock`.
    async fn receive<F, Fut, E>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        handler: F,
        span: &telemetry::Span,
        clock: &mut StoreClock,
    ) -> Handled<E>
    where
        F: FnOnce(Work) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        match self.claim(headers, body, span, clock).await {
            Ok(Claimed { mut hold, work }) => {
                let outcome = self.renewing(&mut hold, handler(work)).await;
                match outcome {
                    Ok(()) => match clock.time(self.store.commit(hold, self.keep)).await {
                        Ok(Committed::Done) => Handled::Done { unrecorded: None },
                        Ok(Committed::FencedOut) => Handled::FencedOut,
                        Err(error) => Handled::Done {
                            unrecorded: Some(error),
                        },
                    },
                    Err(error) => Handled::Failed {
                        error,
                        unreleased: clock.time(self.store.release(hold)).await.err(),
                    },
                }
            }
            Err(answered) => answered.into_handled(),
        }
    }

    /// Verifies the request and claims its occurrence (an ended event's, once its batches are
    /// all in): the work to hand to the handler, or the answer when there is none.
    pub(super) async fn claim(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        span: &telemetry::Span,
        clock: &mut StoreClock,
    ) -> Result<Claimed<S::Hold>, Answered> {
        let delivery = self.verifier.verify(headers, body).map_err(Answered::Refused)?;
        let holder = Holder::new();
        match delivery.event() {
            WebhookEvent::EventEnded(batch) => {
                let key = ended_key(&delivery);
                let kind = delivery.event_type();
                telemetry::delivery(span, clock, kind, WebhookType::known_name(kind), &key);
                let users = batch.users.len() as u64;
                let batch = Batch {
                    page: batch.page.unwrap_or(1),
                    users,
                    // Sequel's older format has no `totalCount`: one batch is the whole event.
                    total: batch.total_count.unwrap_or(users),
                    body,
                };
                let gathered = clock
                    .time(self.store.gather(&key, batch, &holder, self.lease, self.keep))
                    .await;
                let (hold, bodies) = match gathered {
                    Ok(Gathered::Complete(hold, bodies)) => (hold, bodies),
                    Ok(Gathered::Stored) => return Err(Answered::Stored),
                    Ok(Gathered::Held) => return Err(Answered::Held),
                    Ok(Gathered::Done) => return Err(Answered::Repeat),
                    Err(error) => return Err(Answered::Unavailable(error)),
                };
                let Some(event) = assemble(&delivery, &bodies) else {
                    let _ = clock.time(self.store.release(hold)).await;
                    return Err(Answered::Unavailable(StoreError::new(
                        "gave back a batch that no longer reads as a delivery",
                    )));
                };
                let work = Work::EndedEvent(event);
                Ok(Claimed { hold, work })
            }
            _ => {
                let key = delivery.occurrence_key();
                let kind = delivery.event_type();
                telemetry::delivery(span, clock, kind, WebhookType::known_name(kind), &key);
                let hold = match clock.time(self.store.claim(&key, &holder, self.lease)).await {
                    Ok(Claim::Claimed(hold)) => hold,
                    Ok(Claim::Held) => return Err(Answered::Held),
                    Ok(Claim::Done) => return Err(Answered::Repeat),
                    Err(error) => return Err(Answered::Unavailable(error)),
                };
                let work = Work::Delivery(delivery);
                Ok(Claimed { hold, work })
            }
        }
    }

    /// How long a done occurrence is kept.
    #[cfg(feature = "postgres")]
    pub(super) fn keep_for(&self) -> Duration {
        self.keep
    }

    /// Runs `work`, renewing `hold` every third of the lease until it ends; a renewal that
    /// fails is tried again at the next, and the commit's fence decides.
    async fn renewing<T>(&self, hold: &mut S::Hold, work: impl Future<Output = T>) -> T {
        let every = (crate::clock::capped(self.lease) / 3).max(Duration::from_millis(1));
        let renewals = async {
            loop {
                crate::clock::sleep(every).await;
                let _ = self.store.renew(hold, self.lease).await;
            }
        };
        let mut work = std::pin::pin!(work);
        let mut renewals = std::pin::pin!(renewals);
        std::future::poll_fn(|cx| {
            if let std::task::Poll::Ready(out) = work.as_mut().poll(cx) {
                return std::task::Poll::Ready(out);
            }
            let _ = renewals.as_mut().poll(cx);
            std::task::Poll::Pending
        })
        .await
    }
}

/// An occurrence this request holds now, and the work for its handler.
pub(super) struct Claimed<H> {
    pub(super) hold: H,
    pub(super) work: Work,
}

/// What a request is answered without running the handler.
pub(super) enum Answered {
    Stored,
    Held,
    Repeat,
    Refused(Error),
    Unavailable(StoreError),
}

impl Answered {
    pub(super) fn into_handled<E>(self) -> Handled<E> {
        match self {
            Answered::Stored => Handled::Stored,
            Answered::Held => Handled::Held,
            Answered::Repeat => Handled::Repeat,
            Answered::Refused(error) => Handled::Refused(error),
            Answered::Unavailable(error) => Handled::Unavailable(error),
        }
    }
}

/// The key of an ended event: its type and `correlationId`, shared by its batches; the
/// invocation id when there is no correlation id (then a batch is the whole event).
fn ended_key(delivery: &Delivery) -> String {
    let kind = WebhookType::EventEnded;
    match delivery.correlation_id() {
        Some(correlation) => format!("{}:{correlation}", kind.as_str()),
        None => format!("{}:invocation:{}", kind.as_str(), delivery.invocation_id()),
    }
}

/// The whole event from its batches' bodies, in page order; `None` if one no longer reads.
fn assemble(completing: &Delivery, bodies: &[Vec<u8>]) -> Option<EndedEvent> {
    let mut users = Vec::new();
    let mut details = None;
    for body in bodies {
        let WebhookEvent::EventEnded(batch) = Delivery::parse(body).ok()?.into_event() else {
            return None;
        };
        details.get_or_insert(batch.details);
        users.extend(batch.users);
    }
    Some(EndedEvent {
        correlation_id: completing.correlation_id().map(str::to_owned),
        details: details?,
        users,
    })
}
