//! The receiver's state in Redis, shared by every replica and kept across restarts.
//!
//! Each store method is one Lua script, so each decision is one atomic step on the server,
//! never a read then a write from here. The commit is fenced as every store's is; what Redis
//! cannot do is commit with the handler's own writes, so a replica that dies between its
//! handler's effects and the commit leaves effects the retry repeats. `PostgresStore`'s
//! `handle_in_transaction` closes that window. A claim is a key whose TTL is the lease, renewed
//! by the receiver while the handler runs, so a dead or frozen replica's claim lapses within a
//! lease (15 s by default) whatever the handler's length. The keys of one occurrence share a hash tag, so the
//! scripts run on Redis Cluster too. redis-rs's types stay private: a major release of it is
//! not a breaking change here.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::{ErrorKind, RedisError, Script};

use super::store::{Batch, Claim, Committed, Gathered, Holder, Lease, StoreError, WebhookStore};

/// A done occurrence's state.
const DONE: &str = "done";

/// Claims the state key unless it is held or done. KEYS: state. ARGV: holder, lease (ms),
/// deadline (unix ms). A claim that reaches a stalled server after the receiver gave up (its
/// deadline passed) changes nothing, so what was answered `503` leaves no hold behind.
const CLAIM: &str = r"
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[3]) then return 'late' end
local state = redis.call('GET', KEYS[1])
if state == 'done' then return 'done' end
if state then return 'held' end
redis.call('SET', KEYS[1], 'held:' .. ARGV[1], 'PX', ARGV[2])
return 'claimed'
";

/// Stores a batch once per page, and claims the occurrence when the batches hold `total`
/// users. KEYS: state, pages. ARGV: holder, lease (ms), keep (ms), page, users, total, body,
/// deadline (unix ms), as for [`CLAIM`]. The pages hash holds `b:<page>` (a body) and
/// `arrived` (users stored).
const GATHER: &str = r"
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[8]) then return {'late'} end
local state = redis.call('GET', KEYS[1])
if state == 'done' then return {'done'} end
if redis.call('HSETNX', KEYS[2], 'b:' .. ARGV[4], ARGV[7]) == 1 then
  redis.call('HINCRBY', KEYS[2], 'arrived', ARGV[5])
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if tonumber(redis.call('HGET', KEYS[2], 'arrived')) < tonumber(ARGV[6]) then return {'stored'} end
if state then return {'held'} end
redis.call('SET', KEYS[1], 'held:' .. ARGV[1], 'PX', ARGV[2])
local fields = redis.call('HGETALL', KEYS[2])
local out = {'complete'}
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 'b:' then
    table.insert(out, string.sub(fields[i], 3))
    table.insert(out, fields[i + 1])
  end
end
return out
";

/// Records done and drops the batches, unless another holder claimed the occurrence since
/// this one did or it is done: the fence. KEYS: state, pages. ARGV: keep (ms), holder.
const COMMIT: &str = r"
local state = redis.call('GET', KEYS[1])
if state and state ~= 'held:' .. ARGV[2] then return 'fenced' end
redis.call('SET', KEYS[1], 'done', 'PX', ARGV[1])
redis.call('DEL', KEYS[2])
return 'done'
";

/// Extends the caller's lease, only its own. KEYS: state. ARGV: holder, lease (ms).
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == 'held:' .. ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
";

/// Ends the caller's hold, only its own. KEYS: state. ARGV: holder.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == 'held:' .. ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
";

/// How [`RedisStore`] connects and names its keys.
#[derive(Clone)]
#[must_use]
#[non_exhaustive]
pub struct RedisOptions {
    prefix: String,
    timeout: Duration,
    connect_timeout: Duration,
    root_certificate: Option<Vec<u8>>,
    allow_eviction: bool,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            prefix: "event-sso:webhook".to_owned(),
            timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(5),
            root_certificate: None,
            allow_eviction: false,
        }
    }
}

impl fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisOptions")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("root_certificate", &self.root_certificate.is_some())
            .field("allow_eviction", &self.allow_eviction)
            .finish()
    }
}

impl RedisOptions {
    /// The defaults: prefix `event-sso:webhook`, 2 s per step, 5 s to connect.
    pub fn new() -> RedisOptions {
        RedisOptions::default()
    }

    /// What every key starts with (`event-sso:webhook` unless set): one per application that
    /// shares the Redis.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The longest one step may take before it fails and the receiver answers `503` (2 s
    /// unless set).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = crate::clock::capped(timeout);
        self
    }

    /// The longest connecting may take (5 s unless set).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = crate::clock::capped(timeout);
        self
    }

    /// Connect even to a Redis whose `maxmemory-policy` may evict the receiver's keys (any
    /// policy but `noeviction`). Refused unless set: an evicted claim lets a second replica
    /// run a handler beside the first, and an evicted done-mark lets a repeat be handled
    /// again. Set it only for a Redis that never fills.
    pub fn allow_eviction(mut self) -> Self {
        self.allow_eviction = true;
        self
    }

    /// For `rediss://`: trust the server's certificate when it is signed by this CA (PEM)
    /// instead of the system's roots, as a Redis with a private CA needs. (For a cluster,
    /// with the `rustls` feature.)
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificate = Some(pem.into());
        self
    }
}

/// The receiver's state in Redis (feature `redis`): every replica connected to the same Redis
/// handles each occurrence once, and a restart loses nothing.
///
/// Works with Redis 7.0 or later, alone or as a cluster. `rediss://` (TLS) needs the crate's
/// `rustls` (a default) or `native-tls` feature; a password or an ACL user goes in the URL
/// (`redis://user:password@host:6379/0`) and never prints. The connection reconnects by
/// itself; while Redis is unreachable or stalled, each step fails within
/// [`RedisOptions::timeout`] and the receiver answers `503`.
///
/// Every key starts with the prefix, carries a TTL (a lease, or the receiver's `keep`), and
/// shares a hash tag with the other keys of its occurrence.
#[derive(Clone)]
pub struct RedisStore {
    connection: Connection,
    options: RedisOptions,
    scripts: Scripts,
}

#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

#[derive(Clone)]
struct Scripts {
    claim: Script,
    gather: Script,
    commit: Script,
    renew: Script,
    release: Script,
}

impl RedisStore {
    /// Connects to the Redis at `url` (`redis://`, `rediss://`, or `redis+unix://`) with the
    /// default options.
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        RedisStore::connect_with(url, RedisOptions::default()).await
    }

    /// Connects to the Redis at `url` with `options`.
    pub async fn connect_with(url: &str, options: RedisOptions) -> Result<RedisStore, StoreError> {
        let client = client(url, &options)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.connect_timeout))
            .set_response_timeout(Some(options.timeout));
        // One plain connection first: the manager retries a refused login until its timeout,
        // which would hide a wrong password behind "could not be reached".
        let probe = client.get_multiplexed_async_connection();
        let mut probe = bounded(options.connect_timeout, "could not be reached", probe).await?;
        check_eviction(&mut probe, &options).await?;
        drop(probe);
        let connecting = client.get_connection_manager_with_config(config);
        let manager = bounded(options.connect_timeout, "could not be reached", connecting).await?;
        Ok(RedisStore::with_connection(Connection::Single(manager), options))
    }

    /// Connects to a Redis Cluster through any of `urls` (its nodes) with `options`.
    pub async fn connect_cluster(
        urls: impl IntoIterator<Item = impl AsRef<str>>,
        options: RedisOptions,
    ) -> Result<RedisStore, StoreError> {
        let urls: Vec<String> = urls.into_iter().map(|url| url.as_ref().to_owned()).collect();
        let builder = redis::cluster::ClusterClientBuilder::new(urls)
            .connection_timeout(options.connect_timeout)
            .response_timeout(options.timeout);
        // redis-rs takes a cluster's own CA through rustls only.
        #[cfg(feature = "rustls")]
        let builder = match &options.root_certificate {
            Some(root) => builder.certs(redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(root.clone()),
            }),
            None => builder,
        };
        let client = builder
            .build()
            .map_err(|_| StoreError::new("cluster URLs do not parse"))?;
        let connecting = client.get_async_connection();
        let cluster = bounded(
            options.connect_timeout,
            "cluster could not be reached",
            connecting,
        )
        .await?;
        // Checked on the node that answers; a cluster's nodes share their configuration.
        let mut probe = cluster.clone();
        check_eviction(&mut probe, &options).await?;
        Ok(RedisStore::with_connection(Connection::Cluster(cluster), options))
    }

    fn with_connection(connection: Connection, options: RedisOptions) -> RedisStore {
        RedisStore {
            connection,
            options,
            scripts: Scripts {
                claim: Script::new(CLAIM),
                gather: Script::new(GATHER),
                commit: Script::new(COMMIT),
                renew: Script::new(RENEW),
                release: Script::new(RELEASE),
            },
        }
    }

    /// The state and pages keys of an occurrence, under one hash tag.
    fn keys(&self, key: &str) -> [String; 2] {
        let prefix = &self.options.prefix;
        [
            format!("{prefix}:{{{key}}}:state"),
            format!("{prefix}:{{{key}}}:pages"),
        ]
    }

    /// When the receiver stops waiting for a step sent now, in unix milliseconds: a step Redis
    /// reaches later does nothing.
    fn deadline(&self) -> u64 {
        millis(crate::clock::unix_after(self.options.timeout))
    }

    async fn run<T: redis::FromRedisValue>(
        &self,
        invocation: redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        let timeout = self.options.timeout;
        match self.connection.clone() {
            Connection::Single(mut manager) => {
                bounded(
                    timeout,
                    "did not answer in time",
                    invocation.invoke_async(&mut manager),
                )
                .await
            }
            Connection::Cluster(mut cluster) => {
                bounded(
                    timeout,
                    "did not answer in time",
                    invocation.invoke_async(&mut cluster),
                )
                .await
            }
        }
    }
}

/// The client for `url`, with the CA to trust for `rediss://`.
fn client(url: &str, options: &RedisOptions) -> Result<redis::Client, StoreError> {
    let unparsable = |_| StoreError::new("URL does not parse");
    if !url.starts_with("rediss://") {
        return redis::Client::open(url).map_err(unparsable);
    }
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    return match &options.root_certificate {
        Some(root) => {
            let certificates = redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(root.clone()),
            };
            redis::Client::build_with_tls(url, certificates)
                .map_err(|_| StoreError::new("URL or root certificate cannot be used"))
        }
        None => redis::Client::open(url).map_err(unparsable),
    };
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    {
        let _ = options;
        Err(StoreError::new(
            "URL is rediss:// (TLS), but this build has no TLS: enable the crate's `rustls` (a default) or `native-tls` feature",
        ))
    }
}

/// Refuses a Redis that may evict the receiver's keys, unless the options allow it. The policy
/// is read from `INFO memory`, which managed services that disable `CONFIG` still answer; a
/// cluster answers for each of its nodes, and each must keep every key.
async fn check_eviction(
    connection: &mut impl redis::aio::ConnectionLike,
    options: &RedisOptions,
) -> Result<(), StoreError> {
    let info: redis::Value = bounded(
        options.timeout,
        "did not answer in time",
        redis::cmd("INFO").arg("memory").query_async(connection),
    )
    .await?;
    let mut texts = Vec::new();
    collect_text(&info, &mut texts);
    let evicts = texts
        .iter()
        .flat_map(|text| text.lines())
        .filter_map(|line| line.strip_prefix("maxmemory_policy:"))
        .any(|policy| policy.trim() != "noeviction");
    match evicts && !options.allow_eviction {
        false => Ok(()),
        true => Err(StoreError::new(
            "may evict the receiver's keys when full (its maxmemory-policy is not noeviction), which would forget claims and done occurrences: set `maxmemory-policy noeviction`, or accept it with `RedisOptions::allow_eviction`",
        )),
    }
}

/// Every text in a Redis answer, however nested (a cluster's answer is one per node).
fn collect_text(value: &redis::Value, texts: &mut Vec<String>) {
    match value {
        redis::Value::BulkString(bytes) => texts.push(String::from_utf8_lossy(bytes).into_owned()),
        redis::Value::SimpleString(text) => texts.push(text.clone()),
        redis::Value::VerbatimString { text, .. } => texts.push(text.clone()),
        redis::Value::Array(values) | redis::Value::Set(values) => {
            values.iter().for_each(|value| collect_text(value, texts));
        }
        redis::Value::Map(pairs) => pairs.iter().for_each(|(key, value)| {
            collect_text(key, texts);
            collect_text(value, texts);
        }),
        _ => {}
    }
}

/// `step`, failing after `timeout` with `late`; a Redis error is told by its kind alone.
async fn bounded<T>(
    timeout: Duration,
    late: &'static str,
    step: impl Future<Output = Result<T, RedisError>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, step).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(from_redis(&error)),
        Err(_) => Err(StoreError::new(late)),
    }
}

/// A Redis error, from its kind: its text may quote a key or the server's words.
fn from_redis(error: &RedisError) -> StoreError {
    if error.is_timeout() {
        return StoreError::new("did not answer in time");
    }
    if error.is_io_error() || error.is_connection_dropped() || error.is_connection_refusal() {
        return StoreError::new("could not be reached");
    }
    match error.kind() {
        ErrorKind::AuthenticationFailed => StoreError::new("refused the credentials"),
        ErrorKind::InvalidClientConfig => StoreError::new("settings cannot be used"),
        _ => StoreError::new("answered with an error"),
    }
}

impl WebhookStore for RedisStore {
    type Hold = Lease;

    async fn claim(&self, key: &str, holder: &Holder, lease: Duration) -> Result<Claim, StoreError> {
        let [state, _] = self.keys(key);
        let mut invocation = self.scripts.claim.key(state);
        invocation
            .arg(holder.as_str())
            .arg(millis(lease))
            .arg(self.deadline());
        let answer: String = self.run(invocation).await?;
        match answer.as_str() {
            "claimed" => Ok(Claim::Claimed(Lease::new(key, holder))),
            "late" => Err(late()),
            "held" => Ok(Claim::Held),
            DONE => Ok(Claim::Done),
            _ => Err(StoreError::new("gave an answer the claim script never gives")),
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
        let [state, pages] = self.keys(key);
        let mut invocation = self.scripts.gather.key(state);
        invocation
            .key(pages)
            .arg(holder.as_str())
            .arg(millis(lease))
            .arg(millis(keep))
            .arg(batch.page)
            .arg(batch.users)
            .arg(batch.total)
            .arg(batch.body)
            .arg(self.deadline());
        let answer: Vec<Vec<u8>> = self.run(invocation).await?;
        let Some((verdict, rest)) = answer.split_first() else {
            return Err(StoreError::new("gave an empty answer to the gather script"));
        };
        match verdict.as_slice() {
            b"stored" => Ok(Gathered::Stored),
            b"held" => Ok(Gathered::Held),
            b"done" => Ok(Gathered::Done),
            b"late" => Err(late()),
            b"complete" => {
                let mut bodies = Vec::with_capacity(rest.len() / 2);
                for pair in rest.chunks(2) {
                    let [page, body] = pair else {
                        return Err(StoreError::new("gave an odd list of batches"));
                    };
                    let page = std::str::from_utf8(page)
                        .ok()
                        .and_then(|page| page.parse::<u64>().ok());
                    let page = page.ok_or(StoreError::new("holds a batch with no page number"))?;
                    bodies.push((page, body.clone()));
                }
                bodies.sort_unstable_by_key(|(page, _)| *page);
                Ok(Gathered::Complete(
                    Lease::new(key, holder),
                    bodies.into_iter().map(|(_, body)| body).collect(),
                ))
            }
            _ => Err(StoreError::new("gave an answer the gather script never gives")),
        }
    }

    async fn renew(&self, hold: &mut Lease, lease: Duration) -> Result<bool, StoreError> {
        let [state, _] = self.keys(hold.key());
        let mut invocation = self.scripts.renew.key(state);
        invocation.arg(hold.holder().as_str()).arg(millis(lease));
        Ok(self.run::<i64>(invocation).await? == 1)
    }

    async fn commit(&self, hold: Lease, keep: Duration) -> Result<Committed, StoreError> {
        let [state, pages] = self.keys(hold.key());
        let mut invocation = self.scripts.commit.key(state);
        invocation
            .key(pages)
            .arg(millis(keep))
            .arg(hold.holder().as_str());
        let answer: String = self.run(invocation).await?;
        match answer.as_str() {
            DONE => Ok(Committed::Done),
            "fenced" => Ok(Committed::FencedOut),
            _ => Err(StoreError::new("gave an answer the commit script never gives")),
        }
    }

    async fn release(&self, hold: Lease) -> Result<(), StoreError> {
        let [state, _] = self.keys(hold.key());
        let mut invocation = self.scripts.release.key(state);
        invocation.arg(hold.holder().as_str());
        self.run::<i64>(invocation).await.map(drop)
    }
}

/// A step that reached Redis after the receiver stopped waiting for it, and so did nothing.
fn late() -> StoreError {
    StoreError::new(
        "answered after the receiver stopped waiting (a stalled server, or its clock ahead of this one's)",
    )
}

/// Milliseconds for `PX`, at least one (Redis refuses zero).
fn millis(duration: Duration) -> u64 {
    u64::try_from(crate::clock::capped(duration).as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.connection {
            Connection::Single(_) => "single",
            Connection::Cluster(_) => "cluster",
        };
        f.debug_struct("RedisStore")
            .field("connection", &kind)
            .field("prefix", &self.options.prefix)
            .field("timeout", &self.options.timeout)
            .finish_non_exhaustive()
    }
}
