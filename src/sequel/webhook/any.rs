//! A store chosen at run time, from configuration.

use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "postgres")]
use super::postgres::{PostgresStore, Transaction, TransactionStore};
#[cfg(feature = "redis")]
use super::redis::RedisStore;
use super::store::{Batch, Claim, Committed, Gathered, Holder, Lease, MemoryStore, StoreError, WebhookStore};

/// Any of the crate's stores, chosen at run time: an app that picks memory, Redis or
/// PostgreSQL from its configuration uses `Receiver<AnyStore>` everywhere, with no type
/// parameter to carry through its state and handlers.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use event_sso::sequel::webhook::{AnyStore, Receiver, Verifier};
///
/// // `redis://...`, `postgres://...`, or `memory:`, from your configuration.
/// let url = std::env::var("WEBHOOK_STORE_URL").unwrap_or_else(|_| "memory:".to_owned());
/// let receiver: Receiver<AnyStore> = Receiver::with_store(
///     Verifier::from_env("SEQUEL_WEBHOOK_SECRET")?,
///     AnyStore::connect(&url).await?,
/// );
/// # let _ = receiver;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
// Made once and shared by every request: the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum AnyStore {
    /// This process's memory.
    Memory(Arc<MemoryStore>),
    /// A Redis (feature `redis`).
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    Redis(RedisStore),
    /// A PostgreSQL (feature `postgres`).
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    Postgres(PostgresStore),
}

impl AnyStore {
    /// The store `url` names, by its scheme: `memory:`; `redis://`, `rediss://` or
    /// `redis+unix://` (feature `redis`); `postgres://` or `postgresql://` (feature
    /// `postgres`). Each with its default options; for others, connect the store yourself and
    /// convert it with `into()`. A scheme whose feature this build lacks is refused, naming it.
    pub async fn connect(url: &str) -> Result<AnyStore, StoreError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme {
            "memory" => Ok(AnyStore::memory()),
            #[cfg(feature = "redis")]
            "redis" | "rediss" | "redis+unix" => Ok(AnyStore::Redis(RedisStore::connect(url).await?)),
            #[cfg(not(feature = "redis"))]
            "redis" | "rediss" | "redis+unix" => Err(StoreError::new(
                "URL is a Redis's, but this build has no Redis: enable the crate's `redis` feature",
            )),
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => Ok(AnyStore::Postgres(PostgresStore::connect(url).await?)),
            #[cfg(not(feature = "postgres"))]
            "postgres" | "postgresql" => Err(StoreError::new(
                "URL is a PostgreSQL's, but this build has no PostgreSQL: enable the crate's `postgres` feature",
            )),
            _ => Err(StoreError::new(
                "URL names no store this build knows: use memory:, redis://, rediss://, postgres:// or postgresql://",
            )),
        }
    }

    /// This process's memory.
    pub fn memory() -> AnyStore {
        AnyStore::Memory(Arc::new(MemoryStore::new()))
    }
}

impl From<MemoryStore> for AnyStore {
    fn from(store: MemoryStore) -> AnyStore {
        AnyStore::Memory(Arc::new(store))
    }
}

#[cfg(feature = "redis")]
impl From<RedisStore> for AnyStore {
    fn from(store: RedisStore) -> AnyStore {
        AnyStore::Redis(store)
    }
}

#[cfg(feature = "postgres")]
impl From<PostgresStore> for AnyStore {
    fn from(store: PostgresStore) -> AnyStore {
        AnyStore::Postgres(store)
    }
}

/// The hold of an [`AnyStore`]'s claim: its store's own.
#[derive(Debug)]
#[non_exhaustive]
pub enum AnyHold {
    /// [`MemoryStore`]'s.
    Memory(Lease),
    /// `RedisStore`'s (feature `redis`).
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    Redis(Lease),
    /// `PostgresStore`'s (feature `postgres`): the claim's open transaction.
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    Postgres(Transaction),
}

/// Runs `$call` on whichever store it is, and wraps the hold it gives in that store's variant.
macro_rules! each {
    ($self:expr, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Memory($store) => $call.map(|found| found.map(AnyHold::Memory)),
            #[cfg(feature = "redis")]
            AnyStore::Redis($store) => $call.map(|found| found.map(AnyHold::Redis)),
            #[cfg(feature = "postgres")]
            AnyStore::Postgres($store) => $call.map(|found| found.map(AnyHold::Postgres)),
        }
    };
}

/// Runs `$call` with the hold unwrapped, on the store that gave it.
macro_rules! with_hold {
    ($self:expr, $hold:expr, $store:ident, $inner:ident => $call:expr) => {
        match ($self, $hold) {
            (AnyStore::Memory($store), AnyHold::Memory($inner)) => $call,
            #[cfg(feature = "redis")]
            (AnyStore::Redis($store), AnyHold::Redis($inner)) => $call,
            #[cfg(feature = "postgres")]
            (AnyStore::Postgres($store), AnyHold::Postgres($inner)) => $call,
            #[allow(unreachable_patterns)]
            _ => Err(StoreError::new("was given a hold another kind of store took")),
        }
    };
}

impl WebhookStore for AnyStore {
    type Hold = AnyHold;

    async fn claim(&self, key: &str, holder: &Holder, lease: Duration) -> Result<Claim<AnyHold>, StoreError> {
        each!(self, store => store.claim(key, holder, lease).await)
    }

    async fn gather(
        &self,
        key: &str,
        batch: Batch<'_>,
        holder: &Holder,
        lease: Duration,
        keep: Duration,
    ) -> Result<Gathered<AnyHold>, StoreError> {
        each!(self, store => store.gather(key, batch, holder, lease, keep).await)
    }

    async fn renew(&self, hold: &mut AnyHold, lease: Duration) -> Result<bool, StoreError> {
        with_hold!(self, hold, store, hold => store.renew(hold, lease).await)
    }

    async fn commit(&self, hold: AnyHold, keep: Duration) -> Result<Committed, StoreError> {
        with_hold!(self, hold, store, hold => store.commit(hold, keep).await)
    }

    async fn release(&self, hold: AnyHold) -> Result<(), StoreError> {
        with_hold!(self, hold, store, hold => store.release(hold).await)
    }
}

/// `handle_in_transaction` on the store chosen at run time: exactly-once effects when it is
/// PostgreSQL; on memory or Redis, a `500` that names the cause.
#[cfg(feature = "postgres")]
impl TransactionStore for AnyStore {
    fn has_transactions(&self) -> bool {
        matches!(self, AnyStore::Postgres(_))
    }

    fn into_transaction(hold: AnyHold) -> Result<Transaction, AnyHold> {
        match hold {
            AnyHold::Postgres(transaction) => Ok(transaction),
            other => Err(other),
        }
    }

    fn from_transaction(transaction: Transaction) -> AnyHold {
        AnyHold::Postgres(transaction)
    }
}
