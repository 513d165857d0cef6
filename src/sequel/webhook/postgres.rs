//! The receiver's state in PostgreSQL, and handlers whose writes commit with the occurrence's
//! done-mark: exactly-once effects.
//!
//! Each store method is one statement, or one transaction, judged by the database's clock
//! (`now()`), so replicas whose clocks disagree still agree on leases and expiry.

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::HeaderMap;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, PgConnection, Postgres};

use super::receiver::{Handled, Receiver, Work};
use super::store::{Batch, Claim, Committed, Gathered, Holder, StoreError, WebhookStore};
use crate::sequel::telemetry::{self, StoreClock};

/// The version of the tables this build creates and reads.
const SCHEMA_VERSION: i32 = 1;

/// Expired rows are swept every this many calls.
const SWEEP_EVERY: u64 = 1024;

/// How [`PostgresStore`] connects and names its tables.
#[derive(Clone)]
#[must_use]
#[non_exhaustive]
pub struct PostgresOptions {
    schema: String,
    timeout: Duration,
    connect_timeout: Duration,
    max_connections: u32,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: "event_sso".to_owned(),
            timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(5),
            max_connections: 10,
        }
    }
}

impl fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresOptions")
            .field("schema", &self.schema)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl PostgresOptions {
    /// The defaults: schema `event_sso`, 2 s per step, 5 s to connect, 10 connections.
    pub fn new() -> PostgresOptions {
        PostgresOptions::default()
    }

    /// The schema the tables live in (`event_sso` unless set): one per application that
    /// shares the database. A lowercase letter or `_`, then up to 62 lowercase letters, digits
    /// or `_`; anything else is refused, since a schema's name cannot be bound as a parameter.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// The longest one step may take before it fails and the receiver answers `503` (2 s
    /// unless set), getting a connection from the pool included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = crate::clock::capped(timeout);
        self
    }

    /// The longest connecting may take (5 s unless set).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = crate::clock::capped(timeout);
        self
    }

    /// The pool's size when [`PostgresStore::connect_with`] makes it (10 unless set). A
    /// handler given a transaction holds one connection for as long as it runs: size the pool
    /// for the deliveries you handle at once, plus one for each claim under way.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max;
        self
    }
}

/// The receiver's state in PostgreSQL (feature `postgres`, on sqlx 0.9): every replica
/// connected to the same database handles each occurrence once, a restart loses nothing, and
/// [`Receiver::handle_in_transaction`] commits the handler's own writes with the occurrence's
/// done-mark, so its effects happen exactly once.
///
/// **A claim is a transaction.** Claiming an occurrence locks its row in a transaction that
/// stays open while the handler runs (the handler's own, with `handle_in_transaction`), so:
/// - a replica that dies takes its claim with its connection, and the next retry is handled
///   at once;
/// - a replica that freezes, its connection open, has its session ended by PostgreSQL once
///   the transaction has been idle a [lease](Receiver::lease) (15 s by default), and its
///   late commit finds the claim gone: fenced out;
/// - a live handler needs no setting, however long it runs: with `handle` the receiver keeps
///   the transaction busy, and with `handle_in_transaction` each of the handler's statements
///   does.
///
/// Each delivery being handled holds one pooled connection: size the pool for the deliveries
/// you handle at once, plus one ([`PostgresOptions::max_connections`]).
///
/// Its tables, in their own schema: `webhook_occurrences` (one row per occurrence: whether it
/// is done, and until when the row is kept; indexed by key, and by that time for the sweep),
/// `webhook_batches` (an ended event's batches, by key and page), and `schema_version`. They
/// are created when missing, under an advisory lock, so replicas starting at once do not race;
/// tables of a newer version are refused.
///
/// sqlx's types are in this API (the pool, the connection a handler writes with), so a major
/// release of sqlx is a major release of this crate's `postgres` feature. The crate
/// re-exports the sqlx it uses as `event_sso::sqlx`. With the crate's `rustls` feature, TLS
/// (`sslmode=require` in the URL) is rustls on aws-lc-rs; with `native-tls`, the platform's.
/// The password in the URL never prints.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    options: PostgresOptions,
    sql: Arc<Statements>,
    calls: Arc<AtomicU64>,
}

/// The statements, with the schema's name in place.
///
/// **One lock order.** The only lock a claim takes is its occurrence's row, with `SKIP
/// LOCKED`, so it never waits; the done-mark then deletes the batches under that lock.
/// Storing a batch, in a statement of its own, locks nothing but its own new row, and may wait
/// on a done-mark under way. No path holds a lock while it waits for one held by a path that
/// waits on it, so none deadlocks. A batch kept past `keep` is read as absent, and swept.
struct Statements {
    known: Arc<str>,
    lock: Arc<str>,
    store_batch: Arc<str>,
    bodies: Arc<str>,
    mark_done: Arc<str>,
    sweep: Arc<str>,
}

impl Statements {
    fn new(schema: &str) -> Statements {
        let occurrences = format!("{schema}.webhook_occurrences");
        let batches = format!("{schema}.webhook_batches");
        // The occurrence's row, committed before any claim locks it, so that no claim ever
        // waits on another's uncommitted insert. A row no claim finishes expires with `keep`.
        let known = format!(
            "INSERT INTO {occurrences} (key, holder, done, until) \
             VALUES ($1, NULL, false, now() + ($2::float8 * interval '1 second')) \
             ON CONFLICT (key) DO NOTHING"
        );
        Statements {
            known: known.clone().into(),
            // The claim: the row's lock, or nothing when another transaction holds it. Also
            // whether it is done, or leased by a replica of an earlier version of the crate.
            lock: format!(
                "SELECT done AND until > now(), holder IS NOT NULL AND NOT done AND until > now() \
                 FROM {occurrences} WHERE key = $1 FOR UPDATE SKIP LOCKED"
            )
            .into(),
            // A batch, once per page, unless the occurrence is done; then whether it is done
            // and how many users have arrived, this batch included. `DO NOTHING`, never `DO
            // UPDATE`: it locks no row that is there already, so a done-mark deleting the
            // batches never waits on it while it waits on the done-mark.
            store_batch: format!(
                "WITH known AS ({known}), \
                 done AS (SELECT EXISTS (SELECT 1 FROM {occurrences} WHERE key = $1 AND done AND until > now()) AS done), \
                 stored AS (INSERT INTO {batches} (key, page, users, body, until) \
                   SELECT $1, $3, $4, $5, now() + ($2::float8 * interval '1 second') FROM done WHERE NOT done \
                   ON CONFLICT (key, page) DO NOTHING RETURNING users) \
                 SELECT (SELECT done FROM done), \
                   (SELECT coalesce(sum(users), 0) FROM {batches} WHERE key = $1 AND until > now())::bigint \
                   + (SELECT coalesce(sum(users), 0) FROM stored)::bigint"
            )
            .into(),
            bodies: format!("SELECT body FROM {batches} WHERE key = $1 AND until > now() ORDER BY page").into(),
            // Done, in the claim's transaction, unless the handler ended that transaction
            // (its mark, set at BEGIN, is gone then).
            mark_done: format!(
                "WITH guard AS (SELECT current_setting('event_sso.holder', true) IS NOT DISTINCT FROM $2 AS ok), \
                 marked AS (UPDATE {occurrences} SET holder = NULL, done = true, \
                   until = now() + ($3::float8 * interval '1 second') \
                   WHERE key = $1 AND (SELECT ok FROM guard) RETURNING 1), \
                 dropped AS (DELETE FROM {batches} WHERE key = $1 AND EXISTS (SELECT 1 FROM marked)) \
                 SELECT CASE WHEN NOT (SELECT ok FROM guard) THEN 'ended' \
                   WHEN EXISTS (SELECT 1 FROM marked) THEN 'done' ELSE 'gone' END"
            )
            .into(),
            // Expired rows, never one a claim holds.
            sweep: format!(
                "WITH gone AS (DELETE FROM {occurrences} WHERE key IN \
                   (SELECT key FROM {occurrences} WHERE until < now() LIMIT 1000 FOR UPDATE SKIP LOCKED) RETURNING 1) \
                 DELETE FROM {batches} WHERE (key, page) IN \
                   (SELECT key, page FROM {batches} WHERE until < now() LIMIT 1000 FOR UPDATE SKIP LOCKED)"
            )
            .into(),
        }
    }
}

/// The statements that create the tables, under a lock that makes replicas take turns.
fn creation(schema: &str) -> [String; 7] {
    [
        // One lock per schema name, held to the end of the transaction.
        format!("SELECT pg_advisory_xact_lock(hashtextextended('event_sso:{schema}', 0))"),
        format!("CREATE SCHEMA IF NOT EXISTS {schema}"),
        format!(
            "CREATE TABLE IF NOT EXISTS {schema}.webhook_occurrences (key text PRIMARY KEY, \
             holder text, done boolean NOT NULL, until timestamptz NOT NULL)"
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS webhook_occurrences_until ON {schema}.webhook_occurrences (until)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {schema}.webhook_batches (key text NOT NULL, page bigint NOT NULL, \
             users bigint NOT NULL, body bytea NOT NULL, until timestamptz NOT NULL, PRIMARY KEY (key, page))"
        ),
        format!("CREATE INDEX IF NOT EXISTS webhook_batches_until ON {schema}.webhook_batches (until)"),
        format!("CREATE TABLE IF NOT EXISTS {schema}.schema_version (version integer NOT NULL)"),
    ]
}

/// Whether `schema` is a name this store accepts: nothing to quote, nothing to inject.
fn is_plain_identifier(schema: &str) -> bool {
    let mut chars = schema.chars();
    let first = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    first && schema.len() <= 63 && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn sql(statement: &Arc<str>) -> AssertSqlSafe<Arc<str>> {
    // The schema's name was checked to be a plain identifier; everything else is bound.
    AssertSqlSafe(Arc::clone(statement))
}

impl PostgresStore {
    /// Connects to the PostgreSQL at `url` (`postgres://user:password@host/database`) with the
    /// default options, creating the tables if missing.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::connect_with(url, PostgresOptions::default()).await
    }

    /// Connects to the PostgreSQL at `url` with `options`, creating the tables if missing.
    pub async fn connect_with(url: &str, options: PostgresOptions) -> Result<PostgresStore, StoreError> {
        check_schema(&options.schema)?;
        let connecting = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.timeout)
            .connect(url);
        let pool = bounded(options.connect_timeout, "could not be reached", connecting).await?;
        PostgresStore::from_pool_with(pool, options).await
    }

    /// The store on your application's own pool, with the default options, creating the
    /// tables if missing. Each step is still bounded by [`PostgresOptions::timeout`], whatever
    /// the pool's `acquire_timeout`.
    pub async fn from_pool(pool: PgPool) -> Result<PostgresStore, StoreError> {
        PostgresStore::from_pool_with(pool, PostgresOptions::default()).await
    }

    /// The store on your pool, with `options` (its pool size is not used).
    pub async fn from_pool_with(pool: PgPool, options: PostgresOptions) -> Result<PostgresStore, StoreError> {
        check_schema(&options.schema)?;
        let store = PostgresStore {
            sql: Arc::new(Statements::new(&options.schema)),
            pool,
            options,
            calls: Arc::new(AtomicU64::new(0)),
        };
        bounded(
            store.options.connect_timeout,
            "could not create its tables in time",
            store.create_tables(),
        )
        .await?;
        Ok(store)
    }

    /// The pool the store uses.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn create_tables(&self) -> Result<(), sqlx::Error> {
        let schema = &self.options.schema;
        let mut tx = self.pool.begin().await?;
        for statement in creation(schema) {
            sqlx::query(AssertSqlSafe(statement)).execute(&mut *tx).await?;
        }
        let version: Option<i32> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT max(version) FROM {schema}.schema_version"
        )))
        .fetch_one(&mut *tx)
        .await?;
        match version {
            None => {
                sqlx::query(AssertSqlSafe(format!(
                    "INSERT INTO {schema}.schema_version VALUES ($1)"
                )))
                .bind(SCHEMA_VERSION)
                .execute(&mut *tx)
                .await?;
            }
            Some(version) if version > SCHEMA_VERSION => {
                return Err(sqlx::Error::Protocol("newer tables".to_owned()));
            }
            Some(_) => {}
        }
        tx.commit().await
    }

    /// `step`, made again when PostgreSQL gave up on it for a deadlock or a serialization
    /// failure (at most [`TRIES`] times), all within the store's timeout; now and then, a sweep
    /// of expired rows first.
    async fn step<T, Fut>(&self, mut step: impl FnMut() -> Fut) -> Result<T, StoreError>
    where
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        if self.calls.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            // A failed sweep is tried again later; the step itself decides the answer.
            let sweep = sqlx::query(sql(&self.sql.sweep)).execute(&self.pool);
            let _ = bounded(self.options.timeout, "did not answer in time", sweep).await;
        }
        let tries = async {
            let mut tries = 1;
            loop {
                match step().await {
                    Err(error) if is_transient(&error) && tries < TRIES => tries += 1,
                    answer => return answer,
                }
            }
        };
        bounded(self.options.timeout, "did not answer in time", tries).await
    }

    /// Claims `key` in a transaction of its own, which holds the occurrence's row lock until
    /// it ends, and ends at once if its holder dies; PostgreSQL ends it too after `lease`
    /// idle, so a frozen holder's claim goes as well.
    async fn lock(
        &self,
        key: &str,
        holder: &Holder,
        lease: Duration,
    ) -> Result<Claim<Transaction>, StoreError> {
        // The holder is this process's hex tag and counts, and the timeout a number: nothing
        // to quote. The holder's mark lasts to the end of the transaction, so a handler that
        // ends it is found out.
        if !holder.as_str().chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(StoreError::new(
                "was given a holder it cannot mark a transaction with",
            ));
        }
        let idle = u64::try_from(crate::clock::capped(lease).as_millis()).unwrap_or(u64::MAX);
        let begin = format!(
            "BEGIN; SET LOCAL idle_in_transaction_session_timeout = {}; \
             SELECT set_config('event_sso.holder', '{}', true)",
            idle.clamp(1, i32::MAX as u64),
            holder.as_str()
        );
        let begin = &begin;
        self.step(move || async move {
            let mut tx = self.pool.begin_with(AssertSqlSafe(begin.clone())).await?;
            let found: Option<(bool, bool)> = sqlx::query_as(sql(&self.sql.lock))
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
            let done = match found {
                Some((false, false)) => {
                    let (key, holder) = (key.to_owned(), holder.clone());
                    return Ok(Claim::Claimed(Transaction { tx, key, holder }));
                }
                Some((done, _leased)) => done,
                // Another transaction holds the row.
                None => false,
            };
            tx.rollback().await?;
            Ok(if done { Claim::Done } else { Claim::Held })
        })
        .await
    }
}

fn check_schema(schema: &str) -> Result<(), StoreError> {
    match is_plain_identifier(schema) {
        true => Ok(()),
        false => Err(StoreError::new(
            "schema name is refused: use a lowercase letter or `_`, then up to 62 lowercase letters, digits or `_`",
        )),
    }
}

/// How many times a step is made when PostgreSQL gives up on it for a deadlock or a
/// serialization failure.
const TRIES: u32 = 3;

/// A deadlock or a serialization failure: the statement may succeed if made again.
fn is_transient(error: &sqlx::Error) -> bool {
    matches!(code(error), Some("40001" | "40P01"))
}

/// The error's SQLSTATE, when the database sent one.
fn code(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(database) => match database.code() {
            Some(std::borrow::Cow::Borrowed(code)) => Some(code),
            _ => database
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .map(|e| e.code()),
        },
        _ => None,
    }
}

/// Whether the claim's transaction is over without a commit: its session was ended (idle
/// longer than the lease, or terminated) or its connection lost before `COMMIT` was sent.
/// Nothing of it was committed, and another may hold the occurrence now.
fn claim_lost(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Io(_) | sqlx::Error::Tls(_))
        || matches!(code(error), Some("25P03" | "57P01" | "57P02" | "57P03"))
        || code(error).is_some_and(|code| code.starts_with("08"))
}

/// `step`, in a claim's transaction, bounded by `timeout`: `None` when the claim was lost
/// ([`claim_lost`]), which is not an error of the step.
async fn in_claim<T>(
    timeout: Duration,
    step: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<Option<T>, StoreError> {
    match tokio::time::timeout(timeout, step).await {
        Ok(Ok(value)) => Ok(Some(value)),
        Ok(Err(error)) if claim_lost(&error) => Ok(None),
        Ok(Err(error)) => Err(from_sqlx(&error)),
        Err(_) => Err(StoreError::new("did not answer in time")),
    }
}

/// `step`, failing after `timeout` with `late`; a database error is told by its kind alone.
async fn bounded<T>(
    timeout: Duration,
    late: &'static str,
    step: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, step).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(from_sqlx(&error)),
        Err(_) => Err(StoreError::new(late)),
    }
}

/// A database error, from its kind and code: its text may quote a key or a value.
fn from_sqlx(error: &sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::PoolTimedOut => {
            StoreError::new("had no free connection in time (see `max_connections`)")
        }
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed => {
            StoreError::new("could not be reached")
        }
        sqlx::Error::Configuration(_) => StoreError::new("URL cannot be used"),
        sqlx::Error::Protocol(message) if message == "newer tables" => {
            StoreError::new("holds tables of a newer version than this build reads: upgrade event-sso")
        }
        sqlx::Error::Database(_) => match code(error) {
            Some("28P01" | "28000") => StoreError::new("refused the credentials"),
            Some("25P02") => StoreError::new("was given back a transaction that had failed in the handler"),
            Some("25P03") => {
                StoreError::new("ended the claim's transaction, idle longer than the lease (SQLSTATE 25P03)")
            }
            Some("3D000") => StoreError::new("has no such database"),
            Some("40P01") => StoreError::new("detected a deadlock, each of its tries (SQLSTATE 40P01)"),
            Some("40001") => {
                StoreError::new("could not serialize a step, each of its tries (SQLSTATE 40001)")
            }
            Some("42501") => {
                StoreError::new("refused a permission the store needs (create its schema and tables)")
            }
            Some("55P03") => StoreError::new("could not take a lock in time (SQLSTATE 55P03)"),
            Some("57014") => StoreError::new("canceled a statement (SQLSTATE 57014)"),
            Some("57P01" | "57P02" | "57P03") => StoreError::new("is shutting down or starting"),
            _ => StoreError::new("answered with an error"),
        },
        _ => StoreError::new("answered with an error"),
    }
}

impl WebhookStore for PostgresStore {
    type Hold = Transaction;

    async fn claim(
        &self,
        key: &str,
        holder: &Holder,
        lease: Duration,
    ) -> Result<Claim<Transaction>, StoreError> {
        let keep = secs(KNOWN_FOR);
        self.step(|| {
            sqlx::query(sql(&self.sql.known))
                .bind(key)
                .bind(keep)
                .execute(&self.pool)
        })
        .await?;
        self.lock(key, holder, lease).await
    }

    async fn gather(
        &self,
        key: &str,
        batch: Batch<'_>,
        holder: &Holder,
        lease: Duration,
        keep: Duration,
    ) -> Result<Gathered<Transaction>, StoreError> {
        let page = i64::try_from(batch.page).unwrap_or(i64::MAX);
        let users = i64::try_from(batch.users).unwrap_or(i64::MAX);
        let (done, arrived): (bool, i64) = self
            .step(|| {
                sqlx::query_as(sql(&self.sql.store_batch))
                    .bind(key)
                    .bind(secs(keep))
                    .bind(page)
                    .bind(users)
                    .bind(batch.body)
                    .fetch_one(&self.pool)
            })
            .await?;
        if done {
            return Ok(Gathered::Done);
        }
        if u64::try_from(arrived).unwrap_or(0) < batch.total {
            return Ok(Gathered::Stored);
        }
        let mut tx = match self.lock(key, holder, lease).await? {
            Claim::Claimed(tx) => tx,
            Claim::Held => return Ok(Gathered::Held),
            Claim::Done => return Ok(Gathered::Done),
        };
        let bodies = sqlx::query_scalar(sql(&self.sql.bodies))
            .bind(key)
            .fetch_all(&mut *tx);
        let bodies = bounded(self.options.timeout, "did not answer in time", bodies).await?;
        Ok(Gathered::Complete(tx, bodies))
    }

    async fn renew(&self, tx: &mut Transaction, _lease: Duration) -> Result<bool, StoreError> {
        // Any statement restarts the transaction's idle clock.
        let ping = sqlx::query("SELECT 1").execute(&mut *tx.tx);
        Ok(in_claim(self.options.timeout, ping).await?.is_some())
    }

    async fn commit(&self, transaction: Transaction, keep: Duration) -> Result<Committed, StoreError> {
        let Transaction { mut tx, key, holder } = transaction;
        let marking = sqlx::query_scalar::<_, String>(sql(&self.sql.mark_done))
            .bind(&key)
            .bind(holder.as_str())
            .bind(secs(keep))
            .fetch_one(&mut *tx);
        // Over before COMMIT was sent: nothing committed, and the claim is gone.
        let Some(verdict) = in_claim(self.options.timeout, marking).await? else {
            return Ok(Committed::FencedOut);
        };
        match verdict.as_str() {
            "done" => {}
            "ended" => {
                return Err(StoreError::new(
                    "was given back a transaction the handler had ended (COMMIT or ROLLBACK in the handler)",
                ));
            }
            _ => return Err(StoreError::new("gave an answer the commit statement never gives")),
        }
        bounded(
            self.options.timeout,
            "did not confirm the commit in time (its outcome is unknown)",
            tx.commit(),
        )
        .await?;
        Ok(Committed::Done)
    }

    async fn release(&self, transaction: Transaction) -> Result<(), StoreError> {
        // Dropped, it would roll back too, once the pool has the connection back.
        let rollback = transaction.tx.rollback();
        in_claim(self.options.timeout, rollback).await.map(drop)
    }
}

/// How long the row of an occurrence that no claim finished is kept (a failed handler's, say):
/// long enough that a claim always finds it, short enough that few linger.
const KNOWN_FOR: Duration = Duration::from_secs(24 * 60 * 60);

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.options.schema)
            .field("timeout", &self.options.timeout)
            .field("pool_size", &self.pool.size())
            .finish_non_exhaustive()
    }
}

/// The claim's transaction: the one a handler of `handle_in_transaction` writes in. It derefs
/// to sqlx's [`PgConnection`], so a query runs in it with `.execute(&mut *tx)`. Its row lock
/// on the occurrence is the claim, so a replica that dies takes the claim with it at once, and
/// one that freezes loses it once the transaction has been idle a
/// [lease](Receiver::lease). It has no `commit`: the handler gives it back, and the receiver
/// writes the occurrence's done-mark in it and commits the two together. Dropped, or given
/// back after an error, it rolls back.
pub struct Transaction {
    tx: sqlx::Transaction<'static, Postgres>,
    key: String,
    holder: Holder,
}

impl Deref for Transaction {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for Transaction {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction").finish_non_exhaustive()
    }
}

/// A store whose claim is a PostgreSQL [`Transaction`] a handler can write in, for
/// [`Receiver::handle_in_transaction`]: [`PostgresStore`], and
/// [`AnyStore`](super::AnyStore) when it holds one.
pub trait TransactionStore: WebhookStore {
    /// Whether this store's claims are transactions; `handle_in_transaction` answers `500`
    /// without claiming anything when they are not.
    fn has_transactions(&self) -> bool;

    /// The claim's transaction, or the hold back when it is not one.
    fn into_transaction(hold: Self::Hold) -> Result<Transaction, Self::Hold>;

    /// The hold the transaction is.
    fn from_transaction(transaction: Transaction) -> Self::Hold;
}

impl TransactionStore for PostgresStore {
    fn has_transactions(&self) -> bool {
        true
    }

    fn into_transaction(hold: Transaction) -> Result<Transaction, Transaction> {
        Ok(hold)
    }

    fn from_transaction(transaction: Transaction) -> Transaction {
        transaction
    }
}

impl<S: TransactionStore> Receiver<S> {
    /// As [`handle`](Receiver::handle), with exactly-once effects: `handler` is given the work
    /// and the claim's open [`Transaction`], does its writes in it, and gives it back; the
    /// receiver then writes the occurrence's done-mark in the same transaction and commits.
    /// The writes and the mark commit together or not at all.
    ///
    /// | what happens | the writes | the answer |
    /// |---|---|---|
    /// | the handler gives back `Ok(tx)`, and the commit succeeds | committed, once | `200` |
    /// | the handler returns `Err` | rolled back; the claim released | `500` ([`Handled::Failed`]) |
    /// | the replica dies before the commit | rolled back by the database, and the claim with them, at once | none; the retry is handled |
    /// | the replica freezes, its transaction idle a lease | rolled back by the database, which ends its session; the retry is handled | the frozen one, if it wakes: `429` ([`Handled::FencedOut`]) |
    /// | the commit fails, or its outcome is unknown (the connection lost during `COMMIT`) | committed or not: the retry finds which | `500` ([`Handled::NotCommitted`]) |
    /// | the handler gave back a transaction that had failed, or that it ended itself | rolled back | `500` ([`Handled::NotCommitted`]) |
    /// | the store is not PostgreSQL (an [`AnyStore`](super::AnyStore) of memory or Redis) | the handler does not run | `500` ([`Handled::NotCommitted`]), naming the cause |
    /// | anything else | as for [`handle`](Receiver::handle) | |
    ///
    /// The handler holds a pooled connection and an open transaction while it runs: size the
    /// pool for it ([`PostgresOptions::max_connections`]), and do not leave the transaction idle
    /// longer than the [lease](Receiver::lease) (15 s by default): each statement restarts that
    /// clock, so a handler that must wait on something slow either does it before its first
    /// write or runs a statement now and then.
    ///
    /// ```no_run
    /// # async fn run(receiver: event_sso::sequel::webhook::Receiver<event_sso::sequel::webhook::PostgresStore>, headers: event_sso::http::HeaderMap, body: Vec<u8>) {
    /// use event_sso::sequel::webhook::{WebhookEvent, Work};
    ///
    /// let handled = receiver
    ///     .handle_in_transaction(&headers, &body, |work, mut tx| async move {
    ///         if let Work::Delivery(delivery) = &work
    ///             && let WebhookEvent::AttendeePreRegistered(registration) = delivery.event()
    ///         {
    ///             event_sso::sqlx::query("INSERT INTO attendees (email) VALUES ($1)")
    ///                 .bind(registration.attendee.email.as_deref())
    ///                 .execute(&mut *tx)
    ///                 .await?;
    ///         }
    ///         Ok::<_, event_sso::sqlx::Error>(tx)
    ///     })
    ///     .await;
    /// // answer handled.status()
    /// # let _ = handled;
    /// # }
    /// ```
    pub async fn handle_in_transaction<F, Fut, E>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        handler: F,
    ) -> Handled<E>
    where
        F: FnOnce(Work, Transaction) -> Fut,
        Fut: Future<Output = Result<Transaction, E>>,
    {
        let span = telemetry::webhook();
        let mut clock = StoreClock::new();
        let handled = telemetry::within(
            &span,
            self.receive_in_transaction(headers, body, handler, &span, &mut clock),
        )
        .await;
        telemetry::handled(&span, handled.status().as_u16(), || handled.names(), clock);
        handled
    }

    async fn receive_in_transaction<F, Fut, E>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        handler: F,
        span: &telemetry::Span,
        clock: &mut StoreClock,
    ) -> Handled<E>
    where
        F: FnOnce(Work, Transaction) -> Fut,
        Fut: Future<Output = Result<Transaction, E>>,
    {
        let store = self.store();
        if !store.has_transactions() {
            return Handled::NotCommitted(StoreError::new(
                "is not PostgreSQL, so a handler's writes cannot commit with the done-mark: use `handle`, or a postgres:// store",
            ));
        }
        let claimed = match self.claim(headers, body, span, clock).await {
            Ok(claimed) => claimed,
            Err(answered) => return answered.into_handled(),
        };
        let tx = match S::into_transaction(claimed.hold) {
            Ok(tx) => tx,
            Err(hold) => {
                let _ = clock.time(store.release(hold)).await;
                return Handled::NotCommitted(StoreError::new("gave a claim that is not a transaction"));
            }
        };
        match handler(claimed.work, tx).await {
            Ok(tx) => match clock
                .time(store.commit(S::from_transaction(tx), self.keep_for()))
                .await
            {
                Ok(Committed::Done) => Handled::Done { unrecorded: None },
                Ok(Committed::FencedOut) => Handled::FencedOut,
                Err(error) => Handled::NotCommitted(error),
            },
            Err(error) => Handled::Failed {
                error,
                // The handler's transaction went with its error; nothing is left to release.
                unreleased: None,
            },
        }
    }
}

/// Seconds for an interval in SQL, saturating: PostgreSQL refuses an interval too long.
fn secs(span: Duration) -> f64 {
    crate::clock::capped(span).as_secs_f64()
}
