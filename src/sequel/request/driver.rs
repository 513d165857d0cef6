//! The loop every blocking transport would otherwise write: token, send, decide, sleep or
//! renew, within the call's deadline; bodies read within their limits, lists element by
//! element. A transport gives it its I/O alone.

use std::fmt;
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use super::analytics::ActivityPages;
use super::call::{Api, Call, DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT};
use super::list::{DEFAULT_MAX_ELEMENT_BYTES, ListReader};
use super::registrants::{Lookup, Settled, registered_from_list};
use super::retry::{Attempts, Next, RetryPolicy, jitter};
use super::tally::Tally;
use super::token::{DEFAULT_TOKEN_LIFETIME, TokenCache};
use crate::sequel::analytics::ActivityPage;
use crate::sequel::bulk::{BulkOptions, BulkReport};
use crate::sequel::credentials::{AccessToken, Credentials};
use crate::sequel::error::{Error, TransportKind};
use crate::sequel::models::{EventId, JoinUrl, Registered, Registrant, Registration};
use crate::sequel::telemetry;
use crate::sync::lock;

/// A blocking HTTP client the [`Driver`] sends through: one request, within a time, following
/// no redirect, its answer's body left for the driver to read.
///
/// A function `Fn(http::Request<Vec<u8>>, Duration) -> Result<http::Response<Vec<u8>>, Error>`
/// is one already, for a client that reads bodies itself. Implement it on your own type to
/// keep your client in it and hand the driver a body to read ([`Read`]): the driver then applies
/// its limits as it reads, and reads a list element by element, at any size.
///
/// It reports a failure on the way with [`Error::transport`]:
///
/// - [`TransportKind::Connect`] when no connection was made, a connect timeout included: the
///   request never left, so any call may be sent again;
/// - [`TransportKind::Timeout`] when the time given ran out once connected;
/// - [`TransportKind::Other`] for the rest (a dropped connection, a malformed answer).
///
/// A body that fails while it is read is reported through its [`Read`]: an
/// [`std::io::ErrorKind::TimedOut`] error reads as a timeout, any other as `Other`.
pub trait Transport {
    /// The answer's body, as the driver reads it.
    type Body: Read;

    /// Sends `request` once, within `timeout`, following no redirect (a `3xx` is returned as
    /// it is, so a secret never reaches another host).
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Self::Body>, Error>;
}

/// A function that sends a request and reads its answer whole.
impl<F> Transport for F
where
    F: Fn(http::Request<Vec<u8>>, Duration) -> Result<http::Response<Vec<u8>>, Error>,
{
    type Body = std::io::Cursor<Vec<u8>>;

    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Self::Body>, Error> {
        self(request, timeout).map(|response| response.map(std::io::Cursor::new))
    }
}

/// Drives Sequel's calls over any blocking HTTP client: the crate's whole loop around a
/// [`Transport`], which only sends.
///
/// The driver does the rest, as the crate's blocking client does: the access token, cached
/// and fetched once for every thread that finds it stale; the retries of the [`RetryPolicy`]
/// within the deadline, each request given what is left of it; a refused token renewed once;
/// the answer's body read within [`max_response_bytes`](Self::max_response_bytes);
/// `register_or_get`'s rule; the registrants list read element by element as it arrives
/// ([`stream_registrants`](Self::stream_registrants), and every lookup in it), at any size;
/// `register_all`; the pages of user activity. Share it between threads behind an `Arc`.
///
/// ```
/// use std::time::Duration;
/// use event_sso::sequel::request::{Api, Driver};
/// use event_sso::sequel::{Credentials, Error, EventId, Viewer};
///
/// /// Your HTTP client here: send `request` within `timeout`, following no redirect.
/// fn send(request: http::Request<Vec<u8>>, timeout: Duration) -> Result<http::Response<Vec<u8>>, Error> {
///     # let _ = timeout;
///     # let body = br#"{"access_token":"t","expires_in":3600}"#.to_vec();
///     # if request.uri().path().ends_with("/token") { return Ok(http::Response::new(body)); }
///     # return Ok(http::Response::new(br#""https://embed.sequel.io/event/6f1c?authKey=x""#.to_vec()));
/// }
///
/// let sequel = Driver::new(Api::new("https://api.introvoke.com")?, Credentials::new("id", "secret"), send);
/// let call = sequel.api().embed_url(&EventId::new("6f1c"), &Viewer::new("user-42", "Ada Lovelace"))?;
/// let embed = sequel.execute(call)?;
/// assert_eq!(embed.as_url().host_str(), Some("embed.sequel.io"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Driver<T> {
    transport: T,
    api: Api,
    credentials: Credentials,
    retry: RetryPolicy,
    timeout: Duration,
    deadline: Duration,
    max_response_bytes: usize,
    max_element_bytes: usize,
    tokens: Mutex<TokenCache>,
    /// Held while the token is fetched, so threads that find it stale wait for one request.
    fetching: Mutex<()>,
}

impl<T: Transport> Driver<T> {
    /// A driver of `api`'s calls with `credentials`, over `transport`: the default retries,
    /// [`DEFAULT_TIMEOUT`](super::DEFAULT_TIMEOUT) per request,
    /// [`DEFAULT_DEADLINE`](super::DEFAULT_DEADLINE) per call, retries included, and
    /// [`DEFAULT_MAX_RESPONSE_BYTES`] per answer held.
    pub fn new(api: Api, credentials: Credentials, transport: T) -> Driver<T> {
        Driver {
            transport,
            api,
            credentials,
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_element_bytes: DEFAULT_MAX_ELEMENT_BYTES,
            tokens: Mutex::new(TokenCache::new(DEFAULT_TOKEN_LIFETIME)),
            fetching: Mutex::new(()),
        }
    }

    /// The retries, instead of [`RetryPolicy::default`].
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The longest one request may take, instead of 30 s.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest one call may take, its retries and waits included, instead of 60 s.
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The largest answer held whole, instead of [`DEFAULT_MAX_RESPONSE_BYTES`] (16 MiB): a
    /// larger one fails the call with [`Error::BodyTooLarge`], neither retried nor taken as a
    /// lost answer. A list read element by element is not held, so this does not bound it.
    #[must_use]
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The largest element of a list read element by element, instead of
    /// [`DEFAULT_MAX_ELEMENT_BYTES`] (1 MiB).
    #[must_use]
    pub fn max_element_bytes(mut self, limit: usize) -> Self {
        self.max_element_bytes = limit;
        self
    }

    /// The endpoints, to make the calls to [`execute`](Self::execute).
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Sends `call` until it is done: its answer, or the error it ended with.
    pub fn execute<R>(&self, call: Call<R>) -> Result<R, Error> {
        self.settled(&call).0
    }

    /// Registers `registration`, or finds the registration Sequel already holds for its
    /// e-mail: [`Settled`]'s rule, which the clients' `register_or_get` follows too. The
    /// lookup reads the registrants list element by element: any size of event.
    pub fn register_or_get(&self, event: &EventId, registration: &Registration) -> Result<Registered, Error> {
        let settled = self.register_by_email(event, registration);
        let found = match settled.needs_lookup() {
            true => self.registrant(event, &registration.email)?,
            false => None,
        };
        settled.into_registered(found)
    }

    /// The registration of `email`, matched as Sequel matches e-mails, or `None` when it is
    /// not registered: the registrants list read element by element, stopping at the match.
    pub fn registrant(&self, event: &EventId, email: &str) -> Result<Option<Registrant>, Error> {
        Ok(self.find_registrants(event, Lookup::one(email))?.pop())
    }

    /// The join URL of `email`'s registration, or `None` when it is not registered.
    pub fn join_url(&self, event: &EventId, email: &str) -> Result<Option<JoinUrl>, Error> {
        self.registrant(event, email)?
            .map(|entry| registered_from_list(entry).map(|registered| registered.join_url))
            .transpose()
    }

    /// Everyone registered for the event, each read as their part of Sequel's answer arrives:
    /// memory holds one registrant at a time, however many there are. Getting the answer is
    /// retried as any read is, within the deadline; once registrants have come, a failure is
    /// the last item, since a retry would send them again. A registrant that does not read is
    /// an error naming its index, and the ones after it still come.
    pub fn stream_registrants(
        &self,
        event: &EventId,
    ) -> impl Iterator<Item = Result<Registrant, Error>> + '_ {
        let opened = self
            .api
            .registrants(event)
            .and_then(|call| Ok((self.open(&call)?, call.name())));
        let mut reading = match opened {
            Ok((body, name)) => Some((
                body,
                ListReader::<Registrant>::new(name).max_element_bytes(self.max_element_bytes),
            )),
            Err(error) => return Either::Failed(Some(error)),
        };
        let mut chunk = vec![0u8; CHUNK];
        Either::Reading(std::iter::from_fn(move || {
            let (body, list) = reading.as_mut()?;
            loop {
                if let Some(registrant) = list.next() {
                    if list.has_failed() {
                        reading = None;
                    }
                    return Some(registrant);
                }
                let read = match body.read(&mut chunk) {
                    Ok(0) => {
                        let finished = list.finish();
                        reading = None;
                        return finished.err().map(Err);
                    }
                    Ok(read) => list.feed(&chunk[..read]),
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(error) => Err(body_error(error)),
                };
                if let Err(error) = read {
                    reading = None;
                    return Some(Err(error));
                }
            }
        }))
    }

    /// Registers every registration, `options.concurrency` at a time on threads of their own,
    /// the progress callback on the calling thread; then looks up, in one read of the
    /// registrants list, those refused as already registered or whose answer was lost: the
    /// report of [`sequel::Client::register_all`](crate::sequel::BulkReport), for any transport.
    pub fn register_all(
        &self,
        event: &EventId,
        registrations: impl IntoIterator<Item = Registration>,
        options: BulkOptions<'_>,
    ) -> BulkReport
    where
        T: Sync,
    {
        let inputs = registrations.into_iter();
        let mut tally = Tally::new(inputs.size_hint(), options.progress);
        // The calling thread hands registrations out and records what comes back; the
        // workers only register.
        let (work, to_do) = std::sync::mpsc::sync_channel::<(usize, Registration)>(options.concurrency);
        let (settled, done) = std::sync::mpsc::channel();
        let to_do = Mutex::new(to_do);
        std::thread::scope(|scope| {
            for _ in 0..options.concurrency {
                let (to_do, settled) = (&to_do, settled.clone());
                scope.spawn(move || {
                    loop {
                        // The lock is let go before registering: workers wait for work, not
                        // for each other.
                        let next = lock(to_do).recv();
                        let Ok((index, registration)) = next else { return };
                        let outcome = self.register_by_email(event, &registration);
                        let _ = settled.send((index, registration, outcome));
                    }
                });
            }
            drop(settled);
            for input in inputs.enumerate() {
                // Only if every worker is gone, which a panic alone would do.
                if work.send(input).is_err() {
                    break;
                }
                for (index, registration, outcome) in done.try_iter() {
                    tally.record(index, registration, outcome);
                }
            }
            drop(work);
            for (index, registration, outcome) in done {
                tally.record(index, registration, outcome);
            }
        });
        let registrants = match tally.needs_registrants() {
            true => self.find_registrants(event, Lookup::new(tally.wanted(), false)),
            false => Ok(Vec::new()),
        };
        tally.finish(registrants)
    }

    /// Every page of `event`'s user activity, each fetched as the iterator is advanced; a
    /// failed page is the last item.
    pub fn user_activity_pages(
        &self,
        event: &EventId,
    ) -> impl Iterator<Item = Result<ActivityPage, Error>> + '_ {
        let mut pages = ActivityPages::new(event.clone());
        std::iter::from_fn(move || {
            let page = pages.next_call(&self.api)?.and_then(|call| self.execute(call));
            match &page {
                Ok(page) => pages.advance(page),
                Err(_) => pages.stop(),
            }
            Some(page)
        })
    }

    /// Registers with the e-mail as the key, retried like a call safe to repeat.
    fn register_by_email(&self, event: &EventId, registration: &Registration) -> Settled {
        match self.api.register_by_email(event, registration) {
            Ok(call) => {
                let (result, maybe_applied) = self.settled(&call);
                Settled::new(result, maybe_applied)
            }
            Err(invalid) => Settled::Failed(invalid),
        }
    }

    /// The registrants list's entries that `lookup` wants, read element by element.
    fn find_registrants(&self, event: &EventId, mut lookup: Lookup) -> Result<Vec<Registrant>, Error> {
        for registrant in self.stream_registrants(event) {
            if !lookup.take(registrant)? {
                break;
            }
        }
        lookup.finish()
    }

    /// `call`'s answer read whole and settled, within a deadline from now; also whether a
    /// failed attempt may have been carried out.
    fn settled<R>(&self, call: &Call<R>) -> (Result<R, Error>, bool) {
        let deadline = crate::clock::after(Instant::now(), self.deadline);
        let (result, maybe_applied) = self.run(call, deadline, |response| self.read_whole(call, response));
        (call.settle(result, maybe_applied), maybe_applied)
    }

    /// `call`'s `2xx` answer, its body still to read, within a deadline from now.
    fn open<R>(&self, call: &Call<R>) -> Result<T::Body, Error> {
        let deadline = crate::clock::after(Instant::now(), self.deadline);
        let open = |response: http::Response<T::Body>| match response.status().is_success() {
            true => Ok(response.into_body()),
            false => Err(self
                .read_whole(call, response)
                .err()
                .unwrap_or(Error::UnexpectedBody {
                    call: call.name(),
                    reason: "a refusal read as a success",
                })),
        };
        self.run(call, deadline, open).0
    }

    /// The answer read whole, within the limit, then parsed.
    fn read_whole<R>(&self, call: &Call<R>, response: http::Response<T::Body>) -> Result<R, Error> {
        let (parts, body) = response.into_parts();
        let mut whole = Vec::new();
        let limit = u64::try_from(self.max_response_bytes).unwrap_or(u64::MAX);
        body.take(limit.saturating_add(1))
            .read_to_end(&mut whole)
            .map_err(body_error)?;
        if whole.len() > self.max_response_bytes {
            return Err(Error::body_too_large(self.max_response_bytes));
        }
        call.parse(http::Response::from_parts(parts, whole), SystemTime::now())
    }

    /// The attempts of `call` until it is done by `deadline`, each answer taken by `take`;
    /// also whether a failed attempt may have been carried out.
    fn run<R, V>(
        &self,
        call: &Call<R>,
        deadline: Instant,
        take: impl Fn(http::Response<T::Body>) -> Result<V, Error>,
    ) -> (Result<V, Error>, bool) {
        let span = telemetry::call(call.name());
        let (result, maybe_applied) = telemetry::in_scope(&span, || self.attempts(call, deadline, &take));
        if let Err(error) = &result {
            telemetry::failed(&span, error);
        }
        (result, maybe_applied)
    }

    /// [`run`](Self::run)'s loop.
    fn attempts<R, V>(
        &self,
        call: &Call<R>,
        deadline: Instant,
        take: &impl Fn(http::Response<T::Body>) -> Result<V, Error>,
    ) -> (Result<V, Error>, bool) {
        let mut attempts = Attempts::new(call, &self.retry, deadline);
        loop {
            let token = match call.needs_token() {
                true => match self.token(deadline) {
                    Ok(token) => Some(token),
                    Err(error) => return (Err(error), attempts.maybe_applied()),
                },
                false => None,
            };
            let outcome = self.attempt(call, token.as_ref(), deadline, attempts.attempt() - 1, take);
            match attempts.next(outcome, Instant::now(), jitter) {
                Next::Done(result) => return (result, attempts.maybe_applied()),
                Next::RenewToken => {
                    if let Some(refused) = &token {
                        lock(&self.tokens).reject(refused);
                    }
                }
                Next::Wait(wait) => std::thread::sleep(wait),
            }
        }
    }

    /// One attempt, given what is left of the deadline, or less.
    fn attempt<R, V>(
        &self,
        call: &Call<R>,
        token: Option<&AccessToken>,
        deadline: Instant,
        resends: u32,
        take: &impl Fn(http::Response<T::Body>) -> Result<V, Error>,
    ) -> Result<V, Error> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::transport(TransportKind::Timeout, DeadlinePassed));
        }
        let request = call.to_request(token)?;
        let exchange = telemetry::request(call.target(), resends);
        let response = telemetry::in_scope(&exchange.span, || {
            self.transport.send(request, left.min(self.timeout))
        });
        let status = response.as_ref().ok().map(|response| response.status().as_u16());
        let outcome = response.and_then(take);
        telemetry::answered(&exchange, status, outcome.as_ref().err());
        outcome
    }

    /// The cached token, or a new one fetched within the caller's `deadline`. One thread
    /// fetches; the others that found it stale wait for that one.
    fn token(&self, deadline: Instant) -> Result<AccessToken, Error> {
        if let Some(token) = lock(&self.tokens).fresh(Instant::now()) {
            return Ok(token);
        }
        let _fetching = lock(&self.fetching);
        if let Some(token) = lock(&self.tokens).fresh(Instant::now()) {
            return Ok(token); // fetched by another thread while this one waited
        }
        // The token call needs no token, so this does not come back here.
        let call = self.api.token(&self.credentials)?;
        let grant = self
            .run(&call, deadline, |response| self.read_whole(&call, response))
            .0?;
        Ok(lock(&self.tokens).store(grant, Instant::now()))
    }
}

/// How much of a list's body is read at a time.
const CHUNK: usize = 16 << 10;

/// A body that failed while it was read, as the crate's error; its text may hold nothing but
/// its kind.
fn body_error(error: std::io::Error) -> Error {
    let kind = match error.kind() {
        std::io::ErrorKind::TimedOut => TransportKind::Timeout,
        _ => TransportKind::Other,
    };
    Error::transport(kind, BodyFailed(error.kind()))
}

/// Why an answer's body could not be read: its kind of failure alone.
#[derive(Debug)]
struct BodyFailed(std::io::ErrorKind);

impl fmt::Display for BodyFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the answer's body could not be read ({})", self.0)
    }
}

impl std::error::Error for BodyFailed {}

/// A stream of registrants that failed before the first, or one being read.
enum Either<I> {
    Failed(Option<Error>),
    Reading(I),
}

impl<I: Iterator<Item = Result<Registrant, Error>>> Iterator for Either<I> {
    type Item = Result<Registrant, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Either::Failed(error) => error.take().map(Err),
            Either::Reading(reading) => reading.next(),
        }
    }
}

impl<T> fmt::Debug for Driver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("api", &self.api)
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_element_bytes", &self.max_element_bytes)
            .finish_non_exhaustive()
    }
}

/// Why a call stopped: its deadline passed.
#[derive(Debug)]
pub(crate) struct DeadlinePassed;

impl fmt::Display for DeadlinePassed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the call's deadline passed")
    }
}

impl std::error::Error for DeadlinePassed {}
