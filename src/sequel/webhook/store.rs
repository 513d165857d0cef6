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
/// **Claims die with their holder.** A claim gives a [`Hold`](Self::Hold), which the receiver
/// keeps while the handler runs and hands back to [`commit`](Self::commit) or
/// [`release`](Self::release). On a store that leases ([`MemoryStore`], `RedisStore`), the
/// hold is a [`Lease`] that lapses `lease` after it was taken or last
/// [renewed](Self::renew); the receiver renews it every third of the lease while the handler
/// runs, so a long handler keeps it and a dead or frozen one loses it within a lease.
/// `PostgresStore`'s hold is the open transaction whose row lock is the claim: a holder that
/// dies takes it with its connection, at once.
///
/// The states of one key, and what each method does in each:
///
/// | state \ call | [`claim`](Self::claim) | [`gather`](Self::gather) | [`commit`](Self::commit) | [`release`](Self::release) |
/// |---|---|---|---|---|
/// | none (or expired) | held by the caller: [`Claim::Claimed`] | batch stored; if now complete, held: [`Gathered::Complete`], else [`Gathered::Stored`] | done: [`Committed::Done`] | nothing |
/// | held by the caller (its lease lapsed or not) | [`Claim::Held`] | batch stored (once per page); [`Gathered::Held`] if complete, else `Stored` | done: [`Committed::Done`] | none |
/// | held by another | [`Claim::Held`] | as above | nothing: [`Committed::FencedOut`] | nothing |
/// | done (kept `keep`) | [`Claim::Done`] | [`Gathered::Done`]; nothing stored | nothing: [`Committed::FencedOut`] | nothing |
///
/// Batches are kept `keep` after they arrived, and a done occurrence `keep` after it was
/// done. Nothing is kept for ever.
///
/// **The fence.** A commit records done only if no one else claimed the occurrence since the
/// caller did: a replica whose hold was lost while its handler ran (frozen past its lease),
/// and whose occurrence another replica then claimed, is fenced out, whichever of the two
/// finishes first. Every route to done goes through it, so the two cannot both record it.
pub trait WebhookStore: Send + Sync {
    /// What a claim holds while its handler runs: a [`Lease`] on a store that leases, the
    /// open transaction on PostgreSQL.
    type Hold: Send;

    /// Claims `key` for `holder`, for `lease`, unless it is held or done.
    fn claim(
        &self,
        key: &str,
        holder: &Holder,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim<Self::Hold>, StoreError>> + Send;

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
    ) -> impl Future<Output = Result<Gathered<Self::Hold>, StoreError>> + Send;

    /// Keeps `hold` for another `lease` from now: the receiver calls it every third of the
    /// lease while the handler runs. `false` when the hold was lost (it lapsed and another
    /// claimed the occurrence); the commit will then be fenced out.
    fn renew(
        &self,
        hold: &mut Self::Hold,
        lease: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records the held occurrence as done, for `keep`, and drops its batches, unless another
    /// holder claimed it since this hold was taken, or it is done already: then it changes
    /// nothing and says [`Committed::FencedOut`]. A lapsed lease alone does not fence the
    /// caller out.
    fn commit(
        &self,
        hold: Self::Hold,
        keep: Duration,
    ) -> impl Future<Output = Result<Committed, StoreError>> + Send;

    /// Ends the hold, so the next delivery of its occurrence is handled; does nothing when it
    /// was lost. Batches stay.
    fn release(&self, hold: Self::Hold) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A store shared behind an `Arc` is the same store.
impl<S: WebhookStore> WebhookStore for std::sync::Arc<S> {
    type Hold = S::Hold;

    fn claim(
        &self,
        key: &str,
        holder: &Holder,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim<S::Hold>, StoreError>> + Send {
        S::claim(self, key, holder, lease)
    }

    fn gather(
        &self,
        key: &str,
        batch: Batch<'_>,
        holder: &Holder,
        lease: Duration,
        keep: Duration,
    ) -> impl Future<Output = Result<Gathered<S::Hold>, StoreError>> + Send {
        S::gather(self, key, batch, holder, lease, keep)
    }

    fn renew(
        &self,
        hold: &mut S::Hold,
        lease: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        S::renew(self, hold, lease)
    }

    fn commit(
        &self,
        hold: S::Hold,
        keep: Duration,
    ) -> impl Future<Output = Result<Committed, StoreError>> + Send {
        S::commit(self, hold, keep)
    }

    fn release(&self, hold: S::Hold) -> impl Future<Output = Result<(), StoreError>> + Send {
        S::release(self, hold)
    }
}

/// The hold of a store that leases: the occurrence's key and the holder whose lease it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    key: String,
    holder: Holder,
}

impl Lease {
    /// `holder`'s lease on `key`.
    pub fn new(key: &str, holder: &Holder) -> Lease {
        Lease {
            key: key.to_owned(),
            holder: holder.clone(),
        }
    }

    /// The occurrence's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Who holds it.
    pub fn holder(&self) -> &Holder {
        &self.holder
    }
}

/// Who holds a claim: a random token per request, so a replica releases only its own hold.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Holder(std::sync::Arc<str>);

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
        let _ = write!(holder, "-{count:x}");
        // Shared: a clone (the store's, the hold's) is a count, not a copy.
        Holder(std::sync::Arc::from(holder))
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
pub enum Claim<H = Lease> {
    /// The caller holds it now, with this hold: run the handler.
    Claimed(H),
    /// Another holds it (its handler runs, or its replica died or froze and its lease has not
    /// lapsed).
    Held,
    /// It was handled.
    Done,
}

impl<H> Claim<H> {
    /// The same claim, its hold turned by `f`: for a store that wraps others.
    pub fn map<G>(self, f: impl FnOnce(H) -> G) -> Claim<G> {
        match self {
            Claim::Claimed(hold) => Claim::Claimed(f(hold)),
            Claim::Held => Claim::Held,
            Claim::Done => Claim::Done,
        }
    }
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
pub enum Gathered<H = Lease> {
    /// Stored; more batches are to come.
    Stored,
    /// Stored, and every batch is in: the caller holds the occurrence now, with this hold.
    /// Each batch's body, in page order.
    Complete(H, Vec<Vec<u8>>),
    /// Every batch is in, and another holds the occurrence.
    Held,
    /// It was handled.
    Done,
}

impl<H> Gathered<H> {
    /// The same, its hold turned by `f`: for a store that wraps others.
    pub fn map<G>(self, f: impl FnOnce(H) -> G) -> Gathered<G> {
        match self {
            Gathered::Stored => Gathered::Stored,
            Gathered::Complete(hold, bodies) => Gathered::Complete(f(hold), bodies),
            Gathered::Held => Gathered::Held,
            Gathered::Done => Gathered::Done,
        }
    }
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
    type Hold = Lease;

    async fn claim(&self, key: &str, holder: &Holder, lease: Duration) -> Result<Claim, StoreError> {
        Ok(self.with_entry(key, |entry, now| {
            if entry.is_done(now) {
                Claim::Done
            } else if entry.is_held(now) {
                Claim::Held
            } else {
                entry.hold = Some((holder.clone(), after(now, lease)));
                Claim::Claimed(Lease::new(key, holder))
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
                let bodies = entry.pages.values().map(|(_, body)| body.clone()).collect();
                Gathered::Complete(Lease::new(key, holder), bodies)
            }
        }))
    }

    async fn renew(&self, hold: &mut Lease, lease: Duration) -> Result<bool, StoreError> {
        Ok(self.with_entry(&hold.key, |entry, now| match &mut entry.hold {
            Some((held_by, until)) if *held_by == hold.holder => {
                *until = after(now, lease);
                true
            }
            _ => false,
        }))
    }

    async fn commit(&self, hold: Lease, keep: Duration) -> Result<Committed, StoreError> {
        let Lease { key, holder } = &hold;
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

    async fn release(&self, hold: Lease) -> Result<(), StoreError> {
        self.with_entry(&hold.key, |entry, _| {
            if entry
                .hold
                .as_ref()
                .is_some_and(|(held_by, _)| *held_by == hold.holder)
            {
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
