//! Handling each delivery once, gathering an ended event's batches, and the handler's whole
//! decision in one call.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Mutex;

use http::{HeaderMap, StatusCode};

use super::event::{AttendedUser, EventDetails, WebhookEvent};
use super::{Delivery, Error, Verifier};
use crate::sequel::lock;

/// How many occurrences a [`Deduplicator`] remembers unless told otherwise.
const DEFAULT_REMEMBERED: usize = 10_000;
/// How many ended events an [`EndedEvents`] gathers at once unless told otherwise.
const DEFAULT_GATHERING: usize = 1_000;

/// Remembers the deliveries handled, so a repeat is handled once: by invocation id and by
/// [`occurrence key`](Delivery::occurrence_key), since Sequel does not say whether a retry
/// keeps its invocation id. Bounded: past its capacity it forgets the oldest.
///
/// In memory, so for one instance. With several, put a unique index on
/// [`Delivery::occurrence_key`] in your database, and treat a violation as "already handled".
pub struct Deduplicator {
    capacity: usize,
    seen: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl Default for Deduplicator {
    fn default() -> Self {
        Deduplicator::with_capacity(DEFAULT_REMEMBERED)
    }
}

impl Deduplicator {
    /// Remembers the last 10,000 occurrences.
    pub fn new() -> Deduplicator {
        Deduplicator::default()
    }

    /// Remembers the last `capacity` occurrences (at least one).
    pub fn with_capacity(capacity: usize) -> Deduplicator {
        Deduplicator {
            capacity: capacity.max(1),
            seen: Mutex::new((HashSet::new(), VecDeque::new())),
        }
    }

    /// Whether `delivery` is new; it is remembered from now on.
    pub fn first_time(&self, delivery: &Delivery) -> bool {
        let keys = keys(delivery);
        let mut seen = lock(&self.seen);
        if keys.iter().any(|key| seen.0.contains(key)) {
            return false;
        }
        for key in keys {
            seen.0.insert(key.clone());
            seen.1.push_back(key);
        }
        while seen.1.len() > self.capacity * 2 {
            if let Some(oldest) = seen.1.pop_front() {
                seen.0.remove(&oldest);
            }
        }
        true
    }

    /// Forgets `delivery`, so Sequel's retry is handled: call it when handling failed and you
    /// answer `500`.
    pub fn forget(&self, delivery: &Delivery) {
        let keys = keys(delivery);
        let mut seen = lock(&self.seen);
        for key in &keys {
            seen.0.remove(key);
        }
        seen.1.retain(|key| !keys.contains(key));
    }
}

fn keys(delivery: &Delivery) -> [String; 2] {
    [
        format!("invocation:{}", delivery.invocation_id()),
        delivery.occurrence_key(),
    ]
}

impl fmt::Debug for Deduplicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deduplicator")
            .field("capacity", &self.capacity)
            .field("remembered", &(lock(&self.seen).1.len() / 2))
            .finish()
    }
}

/// Gathers the batches of each ended event, by `correlationId`, in whatever order they come,
/// and gives the event's users once all have arrived (`totalCount` of them). A repeated batch
/// counts once. Bounded: past its capacity it drops the event it heard from least recently.
pub struct EndedEvents {
    capacity: usize,
    gathering: Mutex<(HashMap<String, Gathering>, u64)>,
}

struct Gathering {
    details: EventDetails,
    total: Option<u64>,
    pages: BTreeMap<u64, Vec<AttendedUser>>,
    touched: u64,
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

impl Default for EndedEvents {
    fn default() -> Self {
        EndedEvents {
            capacity: DEFAULT_GATHERING,
            gathering: Mutex::new((HashMap::new(), 0)),
        }
    }
}

impl EndedEvents {
    /// Gathers up to 1,000 ended events at once.
    pub fn new() -> EndedEvents {
        EndedEvents::default()
    }

    /// Adds a delivery; gives the whole event when this batch completes it. Deliveries of
    /// other types are ignored (`None`). A batch without `totalCount` (Sequel's older format)
    /// is a whole event by itself.
    pub fn add(&self, delivery: &Delivery) -> Option<EndedEvent> {
        let WebhookEvent::EventEnded(batch) = delivery.event() else {
            return None;
        };
        let correlation_id = delivery.correlation_id().map(str::to_owned);
        let (Some(total), Some(key)) = (batch.total_count, correlation_id.clone()) else {
            return Some(EndedEvent {
                correlation_id,
                details: batch.details.clone(),
                users: batch.users.clone(),
            });
        };
        let mut gathering = lock(&self.gathering);
        let (events, clock) = &mut *gathering;
        *clock += 1;
        let now = *clock;
        let event = events.entry(key.clone()).or_insert_with(|| Gathering {
            details: batch.details.clone(),
            total: Some(total),
            pages: BTreeMap::new(),
            touched: now,
        });
        event.touched = now;
        event
            .pages
            .entry(batch.page.unwrap_or(1))
            .or_insert_with(|| batch.users.clone());
        let arrived: u64 = event.pages.values().map(|users| users.len() as u64).sum();
        if event.total.is_some_and(|total| arrived >= total) {
            let done = events.remove(&key)?;
            return Some(EndedEvent {
                correlation_id,
                details: done.details,
                users: done.pages.into_values().flatten().collect(),
            });
        }
        if events.len() > self.capacity
            && let Some(stalest) = events
                .iter()
                .min_by_key(|(_, e)| e.touched)
                .map(|(k, _)| k.clone())
        {
            events.remove(&stalest);
        }
        None
    }
}

impl fmt::Debug for EndedEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndedEvents")
            .field("capacity", &self.capacity)
            .field("gathering", &lock(&self.gathering).0.len())
            .finish()
    }
}

/// A handler's whole decision for one request: verify it, skip a repeat, and say what to
/// answer. Share one across your handlers.
#[derive(Debug)]
pub struct Receiver {
    verifier: Verifier,
    seen: Deduplicator,
}

/// What [`Receiver::receive`] decided.
#[derive(Debug)]
#[non_exhaustive]
pub enum Received {
    /// A new, verified delivery: handle it, then answer [`status`](Received::status) (`200`).
    /// If handling fails, call [`Receiver::forget`] and answer `500`, so Sequel retries.
    New(Delivery),
    /// A verified repeat of a delivery already handled: answer `200`, do nothing.
    Repeat(Delivery),
    /// Refused: answer [`status`](Received::status) (`401` or `400`).
    Refused(Error),
}

impl Received {
    /// The status to answer Sequel with.
    pub fn status(&self) -> StatusCode {
        match self {
            Received::New(_) | Received::Repeat(_) => StatusCode::OK,
            Received::Refused(error) => error.status(),
        }
    }

    /// The delivery to handle: `Some` only when it is new.
    pub fn delivery(&self) -> Option<&Delivery> {
        match self {
            Received::New(delivery) => Some(delivery),
            _ => None,
        }
    }
}

impl Receiver {
    /// A receiver that checks with `verifier` and remembers the last 10,000 deliveries.
    pub fn new(verifier: Verifier) -> Receiver {
        Receiver {
            verifier,
            seen: Deduplicator::new(),
        }
    }

    /// The same, remembering with `seen`.
    pub fn with_deduplicator(verifier: Verifier, seen: Deduplicator) -> Receiver {
        Receiver { verifier, seen }
    }

    /// Verifies the request and tells a new delivery from a repeat.
    pub fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Received {
        match self.verifier.verify(headers, body) {
            Ok(delivery) if self.seen.first_time(&delivery) => Received::New(delivery),
            Ok(delivery) => Received::Repeat(delivery),
            Err(error) => Received::Refused(error),
        }
    }

    /// Forgets a delivery whose handling failed, so Sequel's retry is handled.
    pub fn forget(&self, delivery: &Delivery) {
        self.seen.forget(delivery);
    }
}
