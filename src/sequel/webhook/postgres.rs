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
        self.timeout = timeout;
        self
    }

    /// The longest connecting may take (5 s unless set).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
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
/// Its tables, in their own schema: `webhook_occurrences` (one row per occurrence: its holder,
/// whether it is done, and until when the hold or the done-mark lasts; indexed by key, and by
/// that time for the sweep), `webhook_batches` (an ended event's batches, by key and page),
/// and `schema_version`. They are created when missing, under an advisory lock, so replicas
/// starting at once do not race; tables of a newer version are refused.
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
struct Statements {
    claim: Arc<str>,
    late: Arc<str>,
    done: Arc<str>,
    drop_stale_batches: Arc<str>,
    store_batch: Arc<str>,
    arrived: Arc<str>,
    bodies: Arc<str>,
    commit: Arc<str>,
    commit_in_transaction: Arc<str>,
    release: Arc<str>,
    extend: Arc<str>,
    sweep: Arc<str>,
}

impl Statements {
    fn new(schema: &str) -> Statements {
        let occurrences = format!("{schema}.webhook_occurrences");
        let batches = format!("{schema}.webhook_batches");
        // Claims the occurrence unless a live hold or done-mark is there.
        let claim_into = format!(
            "INSERT INTO {occurrences} AS o (key, holder, done, until) \
             SELECT $1, $2, false, now() + ($3::float8 * interval '1 second') FROM guard WHERE ok \
             ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, done = false, until = EXCLUDED.until \
             WHERE o.until <= now() RETURNING 'claimed'::text AS verdict"
        );
        // Records done unless another holder claimed it since, or it is done: the fence.
        let mark_done = |guard: &str| {
            format!(
                "WITH guard AS (SELECT {guard} AS ok), \
                 marked AS (INSERT INTO {occurrences} AS o (key, holder, done, until) \
                   SELECT $1, NULL, true, now() + ($3::float8 * interval '1 second') FROM guard WHERE ok \
                   ON CONFLICT (key) DO UPDATE SET holder = NULL, done = true, until = EXCLUDED.until \
                   WHERE o.holder = $2 OR o.until <= now() RETURNING 1), \
                 dropped AS (DELETE FROM {batches} WHERE key = $1 AND EXISTS (SELECT 1 FROM marked)) \
                 SELECT CASE WHEN NOT (SELECT ok FROM guard) THEN 'ended' \
                   WHEN EXISTS (SELECT 1 FROM marked) THEN 'done' ELSE 'fenced' END"
            )
        };
        Statements {
            claim: format!(
                "WITH guard AS (SELECT clock_timestamp() <= to_timestamp($4::float8) AS ok), \
                 claimed AS ({claim_into}) \
                 SELECT verdict FROM claimed UNION ALL \
                 SELECT CASE WHEN NOT guard.ok THEN 'late' WHEN o.done THEN 'done' ELSE 'held' END \
                 FROM guard LEFT JOIN {occurrences} o ON o.key = $1 AND o.until > now() \
                 WHERE NOT EXISTS (SELECT 1 FROM claimed) LIMIT 1"
            )
            .into(),
            late: "SELECT clock_timestamp() > to_timestamp($1::float8)".into(),
            done: format!(
                "SELECT EXISTS (SELECT 1 FROM {occurrences} WHERE key = $1 AND done AND until > now())"
            )
            .into(),
            drop_stale_batches: format!("DELETE FROM {batches} WHERE key = $1 AND until <= now()").into(),
            store_batch: format!(
                "WITH stored AS (INSERT INTO {batches} (key, page, users, body, until) \
                 VALUES ($1, $2, $3, $4, now() + ($5::float8 * interval '1 second')) \
                 ON CONFLICT (key, page) DO NOTHING RETURNING 1) \
                 UPDATE {batches} SET until = now() + ($5::float8 * interval '1 second') WHERE key = $1"
            )
            .into(),
            arrived: format!("SELECT coalesce(sum(users), 0)::bigint FROM {batches} WHERE key = $1").into(),
            bodies: format!("SELECT body FROM {batches} WHERE key = $1 ORDER BY page").into(),
            commit: mark_done("true").into(),
            commit_in_transaction: mark_done(
                "current_setting('event_sso.holder', true) IS NOT DISTINCT FROM $2",
            )
            .into(),
            release: format!("DELETE FROM {occurrences} WHERE key = $1 AND holder = $2 AND NOT done").into(),
            extend: format!(
                "UPDATE {occurrences} SET until = now() + ($3::float8 * interval '1 second') \
                 WHERE key = $1 AND holder = $2 AND NOT done"
            )
            .into(),
            sweep: format!(
                "WITH gone AS (DELETE FROM {occurrences} WHERE key IN \
                   (SELECT key FROM {occurrences} WHERE until < now() LIMIT 1000) RETURNING 1) \
                 DELETE FROM {batches} WHERE (key, page) IN \
                   (SELECT key, page FROM {batches} WHERE until < now() LIMIT 1000)"
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

    /// When the receiver stops waiting for a step sent now, in unix seconds: a claim the
    /// database reaches later does nothing, so a stall leaves no hold behind.
    fn deadline(&self) -> f64 {
        crate::clock::unix_after(self.options.timeout).as_secs_f64()
    }

    /// `step`, bounded by the store's timeout; now and then, a sweep of expired rows first.
    async fn step<T>(&self, step: impl Future<Output = Result<T, sqlx::Error>>) -> Result<T, StoreError> {
        if self.calls.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            // A failed sweep is tried again later; the step itself decides the answer.
            let sweep = sqlx::query(sql(&self.sql.sweep)).execute(&self.pool);
            let _ = bounded(self.options.timeout, "did not answer in time", sweep).await;
        }
        bounded(self.options.timeout, "did not answer in time", step).await
    }

    /// Begins the transaction a handler of `key` writes in, marked as `holder`'s.
    async fn begin(&self, key: &str, holder: &Holder) -> Result<Transaction, StoreError> {
        // The holder is this process's hex tag and counts: nothing to quote. The mark lasts
        // to the end of the transaction, so a handler that ends it is found out.
        if !holder.as_str().chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(StoreError::new(
                "was given a holder it cannot mark a transaction with",
            ));
        }
        let begin = format!(
            "BEGIN; SELECT set_config('event_sso.holder', '{}', true)",
            holder.as_str()
        );
        let tx = self.step(self.pool.begin_with(AssertSqlSafe(begin))).await?;
        Ok(Transaction {
            tx,
            store: self.clone(),
            key: key.to_owned(),
            holder: holder.clone(),
        })
    }

    /// Writes the done-mark in the handler's transaction, fenced, and commits it.
    async fn commit_transaction(
        &self,
        transaction: Transaction,
        keep: Duration,
    ) -> Result<Committed, StoreError> {
        let Transaction {
            mut tx, key, holder, ..
        } = transaction;
        let marking = sqlx::query_scalar::<_, String>(sql(&self.sql.commit_in_transaction))
            .bind(&key)
            .bind(holder.as_str())
            .bind(secs(keep))
            .fetch_one(&mut *tx);
        // A transaction the handler left failed cannot take the mark: an error here.
        let verdict = bounded(self.options.timeout, "did not answer in time", marking).await?;
        match verdict.as_str() {
            "done" => {}
            "fenced" => return Ok(Committed::FencedOut), // dropped: rolled back
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
}

fn check_schema(schema: &str) -> Result<(), StoreError> {
    match is_plain_identifier(schema) {
        true => Ok(()),
        false => Err(StoreError::new(
            "schema name is refused: use a lowercase letter or `_`, then up to 62 lowercase letters, digits or `_`",
        )),
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
        sqlx::Error::Database(database) => match database.code().as_deref() {
            Some("28P01" | "28000") => StoreError::new("refused the credentials"),
            Some("25P02") => StoreError::new("was given back a transaction that had failed in the handler"),
            Some("3D000") => StoreError::new("has no such database"),
            Some("42501") => {
                StoreError::new("refused a permission the store needs (create its schema and tables)")
            }
            Some("57P01" | "57P02" | "57P03") => StoreError::new("is shutting down or starting"),
            _ => StoreError::new("answered with an error"),
        },
        _ => StoreError::new("answered with an error"),
    }
}

impl WebhookStore for PostgresStore {
    async fn claim(&self, key: &str, holder: &Holder, lease: Duration) -> Result<Claim, StoreError> {
        let claim = sqlx::query_scalar::<_, String>(sql(&self.sql.claim))
            .bind(key)
            .bind(holder.as_str())
            .bind(secs(lease))
            .bind(self.deadline())
            .fetch_one(&self.pool);
        match self.step(claim).await?.as_str() {
            "claimed" => Ok(Claim::Claimed),
            "held" => Ok(Claim::Held),
            "done" => Ok(Claim::Done),
            "late" => Err(StoreError::late()),
            _ => Err(StoreError::new("gave an answer the claim statement never gives")),
        }
    }

    async fn gather(
        &self,
        key: &str,
        batch: Batch<'_>,
        holder: &Holder,
        lease: Duration,
        keep: Duration,
    ) -> Result<Gathered, StoreError> {
        let deadline = self.deadline();
        let gathering = async {
            let mut tx = self.pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 1))")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            let late: bool = sqlx::query_scalar(sql(&self.sql.late))
                .bind(deadline)
                .fetch_one(&mut *tx)
                .await?;
            if late {
                return Ok(None);
            }
            let done: bool = sqlx::query_scalar(sql(&self.sql.done))
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
            if done {
                return Ok(Some(Gathered::Done));
            }
            sqlx::query(sql(&self.sql.drop_stale_batches))
                .bind(key)
                .execute(&mut *tx)
                .await?;
            sqlx::query(sql(&self.sql.store_batch))
                .bind(key)
                .bind(i64::try_from(batch.page).unwrap_or(i64::MAX))
                .bind(i64::try_from(batch.users).unwrap_or(i64::MAX))
                .bind(batch.body)
                .bind(secs(keep))
                .execute(&mut *tx)
                .await?;
            let arrived: i64 = sqlx::query_scalar(sql(&self.sql.arrived))
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
            if u64::try_from(arrived).unwrap_or(0) < batch.total {
                tx.commit().await?;
                return Ok(Some(Gathered::Stored));
            }
            let verdict: String = sqlx::query_scalar(sql(&self.sql.claim))
                .bind(key)
                .bind(holder.as_str())
                .bind(secs(lease))
                .bind(deadline)
                .fetch_one(&mut *tx)
                .await?;
            let gathered = match verdict.as_str() {
                "claimed" => {
                    let bodies: Vec<Vec<u8>> = sqlx::query_scalar(sql(&self.sql.bodies))
                        .bind(key)
                        .fetch_all(&mut *tx)
                        .await?;
                    Gathered::Complete(bodies)
                }
                "done" => Gathered::Done,
                _ => Gathered::Held,
            };
            tx.commit().await?;
            Ok(Some(gathered))
        };
        self.step(gathering).await?.ok_or_else(StoreError::late)
    }

    async fn commit(&self, key: &str, holder: &Holder, keep: Duration) -> Result<Committed, StoreError> {
        let commit = sqlx::query_scalar::<_, String>(sql(&self.sql.commit))
            .bind(key)
            .bind(holder.as_str())
            .bind(secs(keep))
            .fetch_one(&self.pool);
        match self.step(commit).await?.as_str() {
            "done" => Ok(Committed::Done),
            "fenced" => Ok(Committed::FencedOut),
            _ => Err(StoreError::new("gave an answer the commit statement never gives")),
        }
    }

    async fn release(&self, key: &str, holder: &Holder) -> Result<(), StoreError> {
        let release = sqlx::query(sql(&self.sql.release))
            .bind(key)
            .bind(holder.as_str())
            .execute(&self.pool);
        self.step(release).await.map(drop)
    }
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.options.schema)
            .field("timeout", &self.options.timeout)
            .field("pool_size", &self.pool.size())
            .finish_non_exhaustive()
    }
}

/// The transaction a handler writes in: it derefs to sqlx's [`PgConnection`], so a query
/// runs in it with `.execute(&mut *tx)`. It has no `commit`: the handler gives it back, and the
/// receiver writes the occurrence's done-mark in it, fenced by the claim, and commits the two
/// together. Dropped, or given back after an error, it rolls back.
pub struct Transaction {
    tx: sqlx::Transaction<'static, Postgres>,
    store: PostgresStore,
    key: String,
    holder: Holder,
}

impl Transaction {
    /// Extends the claim's lease to `lease` from now (on another connection, so other
    /// replicas see it at once), for a handler that may outlive the receiver's lease. `false`
    /// when the claim was already taken over: the work will be thrown away at the commit.
    pub async fn extend_lease(&self, lease: Duration) -> Result<bool, StoreError> {
        let extend = sqlx::query(sql(&self.store.sql.extend))
            .bind(&self.key)
            .bind(self.holder.as_str())
            .bind(secs(lease))
            .execute(&self.store.pool);
        let extended = self.store.step(extend).await?;
        Ok(extended.rows_affected() == 1)
    }
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

impl Receiver<PostgresStore> {
    /// As [`handle`](Receiver::handle), with exactly-once effects: `handler` is given the work
    /// and an open [`Transaction`], does its writes in it, and gives it back; the receiver then
    /// writes the occurrence's done-mark in the same transaction, fenced by its claim, and
    /// commits. The writes and the mark commit together or not at all.
    ///
    /// | what happens | the writes | the answer |
    /// |---|---|---|
    /// | the handler gives back `Ok(tx)`, and the commit succeeds | committed, once | `200` |
    /// | the handler returns `Err` | rolled back; the claim released | `500` ([`Handled::Failed`]) |
    /// | its lease lapsed and another request claimed the occurrence | rolled back | `429` ([`Handled::FencedOut`]) |
    /// | the commit fails, or its outcome is unknown (the connection lost during `COMMIT`) | committed or not: the retry finds which | `500` ([`Handled::NotCommitted`]) |
    /// | the handler gave back a transaction that had failed, or that it ended itself | rolled back | `500` ([`Handled::NotCommitted`]) |
    /// | the replica dies before the commit | rolled back by the database | none; after the lease, the retry is handled |
    /// | anything else | as for [`handle`](Receiver::handle) | |
    ///
    /// The handler holds a pooled connection and an open transaction while it runs: keep it
    /// short, size the pool for it ([`PostgresOptions::max_connections`]), and call
    /// [`Transaction::extend_lease`] if it may outlive the [lease](Receiver::lease), whose end
    /// otherwise throws its work away.
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
        let claimed = match self.claim(headers, body, span, clock).await {
            Ok(claimed) => claimed,
            Err(answered) => return answered.into_handled(),
        };
        let store = self.store();
        let (key, holder) = (claimed.key, claimed.holder);
        let tx = match clock.time(store.begin(&key, &holder)).await {
            Ok(tx) => tx,
            Err(error) => {
                let _ = clock.time(store.release(&key, &holder)).await;
                return Handled::Unavailable(error);
            }
        };
        match handler(claimed.work, tx).await {
            Ok(tx) => match clock.time(store.commit_transaction(tx, self.keep_for())).await {
                Ok(Committed::Done) => Handled::Done { unrecorded: None },
                Ok(Committed::FencedOut) => Handled::FencedOut,
                Err(error) => {
                    // Frees the claim if the commit did not take; a done-mark is never removed.
                    let _ = clock.time(store.release(&key, &holder)).await;
                    Handled::NotCommitted(error)
                }
            },
            Err(error) => Handled::Failed {
                error,
                unreleased: clock.time(store.release(&key, &holder)).await.err(),
            },
        }
    }
}

/// Seconds for an interval in SQL, saturating: PostgreSQL refuses an interval too long.
fn secs(span: Duration) -> f64 {
    crate::clock::capped(span).as_secs_f64()
}
