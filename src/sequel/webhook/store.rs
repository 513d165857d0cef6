//! Where a [`Receiver`](super::Receiver) keeps what it must remember between requests: which
//! occurrences are being handled or are done, and the batches of ended events still
//! arriving. The contract any store keeps is on [`WebhookStore`]; [`MemoryStore`] keeps it for
//! one process, `RedisStore` (feature `redis`) for every replica that shares a Redis.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::clock::after;
use crate::sync::lock;

/// A store for the receiver's state, shared by every replica that receives Sequel's webhooks.
///
/// Every method is one atomic step in the store: two replicas calling at once see one call
/// happen before the other, never a mix. A store that keeps this contract makes the
/// [`Receiver`](super::Receiver) handle each occurrence once across all of them; put it on
/// the database you already run (a row per key with a unique index, and each method one
/// transaction) if Redis is not that.
///
/// Keys are the receiver's, already unique per occurrence; a store may prefix them. Each
/// method must finish or fail within a bounded time (a couple of seconds): the receiver
/// answers `503` on [`StoreError`], and Sequel's wait for an answer is not documented.
///
/// The states of one key, and what each method does in each:
///
/// | state \ call | [`claim`](Self::claim) | [`gather`](Self::gather) | [`commit`](Self::commit) | [`release`](Self::release) |
/// |---|---|---|---|---|
/// | none (or expired) | held by the caller for `lease`: [`Claim::Claimed`] | batch stored; if now complete, held for `lease`: [`Gathered::Complete`], else [`Gathered::Stored`] | done: [`Committed::Done`] | nothing |
/// | held by the caller (its lease lapsed or not) | [`Claim::Held`] | batch stored (once per page); [`Gathered::Held`] if complete, else `Stored` | done: [`Committed::Done`] | none |
/// | held by another | [`Claim::Held`] | as above | nothing: [`Committed::FencedOut`] | nothing |
/// | done (kept `keep`) | [`Claim::Done`] | [`Gathered::Done`]; nothing stored | nothing: [`Committed::FencedOut`] | nothing |
///
/// A hold lapses after its lease, so a replica that died mid-handler does not block the
/// occurrence for ever; batches are kept `keep` after the last one arrived, and a done
/// occurrence `keep` after it was done. Nothing is kept for ever.
///
/// **The fence.** A commit records done only if no one else claimed the occurrence since the
/// caller did: a replica whose lease lapsed while its handler ran, and whose occurrence another
/// replica then claimed, is fenced out, whichever of the two finishes first. Every route to
/// done goes through it, so the two cannot both record it.
pub trait WebhookStore: Send + Sync {
    /// Claims `key` for `holder`, for `lease`, unless it is held or done.
    fn claim(
        &self,
        key: &str,
        holder: &Holder,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Stores one batch of a gathered occurrence, once per page, kept `keep` from now. When the
    /// batches stored hold `total` users and `key` is neither held nor done, claims it for
    /// `holder`, for `lease`, and gives every batch stored, in page order.
    fn gather(
        &self,
        key: &str,
        batch: Batch<'_>,
        holder: &Holder,
        lease: Duration,
        keep: Duration,
    ) -> impl Future<Output = Result<Gathered, StoreError>> + Send;

    /// Records `key` as done, for `keep`, and drops its batches, unless another holder claimed
    /// it since `holder` did, or it is done already: then it changes nothing and says
    /// [`Committed::FencedOut`]. A lapsed lease alone does not fence the caller out.
    fn commit(
        &self,
        key: &str,
        holder: &Holder,
        keep: Duration,
    ) -> impl Future<Output = Result<Committed, StoreError>> + Send;

    /// Ends `holder`'s hold on `key`, so the next delivery of it is handled; does nothing when
    /// `holder` no longer holds it. Batches stay.
    fn release(&self, key: &str, holder: &Holder) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A store shared behind an `Arc` is the same store.
impl<S: WebhookStore> WebhookStore for std::sync::Arc<S> {
    fn claim(
        &self,
        key: &str,
        holder: &Holder,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        S::claim(self, key, holder, lease)
    }

    fn gather(
        &self,
        key: &str,
        batch: Batch<'_>,
        holder: &Holder,
        lease: Duration,
        keep: Duration,
    ) -> impl Future<Output = Result<Gathered, StoreError>> + Send {
        S::gather(self, key, batch, holder, lease, keep)
    }

    fn commit(
        &self,
        key: &str,
        holder: &Holder,
        keep: Duration,
    ) -> impl Future<Output = Result<Committed, StoreError>> + Send {
        S::commit(self, key, holder, keep)
    }

    fn release(&self, key: &str, holder: &Holder) -> impl Future<Output = Result<(), StoreError>> + Send {
        S::release(self, key, holder)
    }
}

/// Who holds a claim: a random token per request, so a replica releases only its own hold.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Holder(String);

impl Holder {
    /// A fresh holder: this process's random tag and a count, so no two holders anywhere
    /// are alike.
    pub fn new() -> Holder {
        static PROCESS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let process = PROCESS.get_or_init(|| {
            let mut random = [0u8; 12];
            // Mixed with the process id and the time, should randomness ever fail.
            let _ = aws_lc_rs::rand::fill(&mut random);
            let since = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let hex: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
            format!("{hex}-{:x}-{:x}", std::process::id(), since.as_nanos())
        });
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut holder = String::with_capacity(process.len() + 17);
        holder.push_str(process);
        // Into the one string: no second allocation, as `format!` would make.
        let _ = write!(holder, "-{count:x}");
        Holder(holder)
    }

    /// The token, to store beside the claim.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Holder {
    fn default() -> Self {
        Holder::new()
    }
}

impl fmt::Debug for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Holder({})", self.0)
    }
}

/// What [`WebhookStore::claim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// The caller holds it now: run the handler.
    Claimed,
    /// Another holds it (its handler runs, or its replica died and the lease has not lapsed).
    Held,
    /// It was handled.
    Done,
}

/// What [`WebhookStore::commit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Committed {
    /// Recorded done.
    Done,
    /// Nothing: another holder claimed the occurrence after the caller's lease lapsed, or it
    /// is done already.
    FencedOut,
}

/// One batch of an occurrence that comes in pages: an ended event's users.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Batch<'a> {
    /// Its page; a page stored already is not stored again.
    pub page: u64,
    /// How many users it holds.
    pub users: u64,
    /// How many users the whole occurrence holds.
    pub total: u64,
    /// The delivery's body, verified, to keep as it is.
    pub body: &'a [u8],
}

/// What [`WebhookStore::gather`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Gathered {
    /// Stored; more batches are to come.
    Stored,
    /// Stored, and every batch is in: the caller holds the occurrence now. Each batch's body,
    /// in page order.
    Complete(Vec<Vec<u8>>),
    /// Every batch is in, and another holds the occurrence.
    Held,
    /// It was handled.
    Done,
}

/// The store failed or did not answer in time: the receiver answers `503` and records
/// nothing. The message says which step failed; it never holds a key, a body or a password.
#[derive(Debug, thiserror::Error)]
#[error("the webhook store {what}")]
pub struct StoreError {
    what: &'static str,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// A failure described by `what`, which completes "the webhook store ...", for example
    /// `"did not answer in time"`.
    pub fn new(what: &'static str) -> StoreError {
        StoreError { what, source: None }
    }

    /// A step that reached the server after the receiver stopped waiting for it, and so did
    /// nothing: what the Redis and PostgreSQL stores answer then.
    #[cfg(any(feature = "redis", feature = "postgres"))]
    pub(super) fn late() -> StoreError {
        StoreError::new(
            "answered after the receiver stopped waiting (a stalled server, or its clock ahead of this one's)",
        )
    }

    /// The same, with the underlying error.
    pub fn with_source(
        what: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> StoreError {
        StoreError {
            what,
            source: Some(source.into()),
        }
    }
}

/// The receiver's state in this process's memory: the default, right for one process that is
/// never restarted while deliveries are under way. Several replicas, or restarts, need a
/// shared store such as `RedisStore` (feature `redis`).
///
/// Expired entries are swept as the store is used, so it holds at most what arrived within
/// `keep` (seven days unless the receiver says otherwise).
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    calls: u64,
}

struct Entry {
    hold: Option<(Holder, Instant)>,
    done_until: Option<Instant>,
    pages: BTreeMap<u64, (u64, Vec<u8>)>,
    pages_until: Instant,
}

impl Entry {
    fn new(now: Instant) -> Entry {
        Entry {
            hold: None,
            done_until: None,
            pages: BTreeMap::new(),
            pages_until: now,
        }
    }

    fn is_done(&self, now: Instant) -> bool {
        self.done_until.is_some_and(|until| now < until)
    }

    fn is_held(&self, now: Instant) -> bool {
        self.hold.as_ref().is_some_and(|(_, until)| now < *until)
    }

    fn is_empty(&self, now: Instant) -> bool {
        !self.is_done(now) && !self.is_held(now) && (self.pages.is_empty() || self.pages_until <= now)
    }
}

/// Entries are swept of expired ones every this many calls.
const SWEEP_EVERY: u64 = 1024;

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn with_entry<R>(&self, key: &str, step: impl FnOnce(&mut Entry, Instant) -> R) -> R {
        let now = Instant::now();
        let mut entries = lock(&self.entries);
        entries.calls += 1;
        if entries.calls.is_multiple_of(SWEEP_EVERY) {
            entries.map.retain(|_, entry| !entry.is_empty(now));
        }
        let Some(entry) = entries.map.get_mut(key) else {
            // A key seen for the first time is kept only if the step left something in it.
            let mut entry = Entry::new(now);
            let result = step(&mut entry, now);
            if !entry.is_empty(now) {
                entries.map.insert(key.to_owned(), entry);
            }
            return result;
        };
        if entry.pages_until <= now {
            entry.pages.clear();
        }
        let result = step(entry, now);
        if entry.is_empty(now) {
            entries.map.remove(key);
        }
        result
    }
}

impl WebhookStore for MemoryStore {
    async fn claim(&self, key: &str, holder: &Holder, lease: Duration) -> Result<Claim, StoreError> {
        Ok(self.with_entry(key, |entry, now| {
            if entry.is_done(now) {
                Claim::Done
            } else if entry.is_held(now) {
                Claim::Held
            } else {
                entry.hold = Some((holder.clone(), after(now, lease)));
                Claim::Claimed
            }
        }))
    }

    async fn gather(
        &self,
        key: &str,
        batch: Batch<'_>,
        holder: &Holder,
        lease: Duration,
        keep: Duration,
    ) -> Result<Gathered, StoreError> {
        Ok(self.with_entry(key, |entry, now| {
            if entry.is_done(now) {
                return Gathered::Done;
            }
            entry
                .pages
                .entry(batch.page)
                .or_insert_with(|| (batch.users, batch.body.to_vec()));
            entry.pages_until = after(now, keep);
            let arrived: u64 = entry.pages.values().map(|(users, _)| users).sum();
            if arrived < batch.total {
                Gathered::Stored
            } else if entry.is_held(now) {
                Gathered::Held
            } else {
                entry.hold = Some((holder.clone(), after(now, lease)));
                Gathered::Complete(entry.pages.values().map(|(_, body)| body.clone()).collect())
            }
        }))
    }

    async fn commit(&self, key: &str, holder: &Holder, keep: Duration) -> Result<Committed, StoreError> {
        Ok(self.with_entry(key, |entry, now| {
            let taken = entry
                .hold
                .as_ref()
                .is_some_and(|(held_by, until)| held_by != holder && now < *until);
            if taken || entry.is_done(now) {
                return Committed::FencedOut;
            }
            entry.hold = None;
            entry.pages.clear();
            entry.done_until = Some(after(now, keep));
            Committed::Done
        }))
    }

    async fn release(&self, key: &str, holder: &Holder) -> Result<(), StoreError> {
        self.with_entry(key, |entry, _| {
            if entry.hold.as_ref().is_some_and(|(held_by, _)| held_by == holder) {
                entry.hold = None;
            }
        });
        Ok(())
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("keys", &lock(&self.entries).map.len())
            .finish()
    }
}
