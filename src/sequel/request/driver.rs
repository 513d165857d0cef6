//! The loop every blocking transport would otherwise write: token, send, decide, sleep or
//! renew, within the call's deadline. A transport gives it one function, its I/O.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use super::analytics::ActivityPages;
use super::call::{Api, Call, DEFAULT_DEADLINE, DEFAULT_TIMEOUT};
use super::registrants::{Settled, find_registrant};
use super::retry::{Attempts, Next, RetryPolicy, jitter};
use super::token::{DEFAULT_TOKEN_LIFETIME, TokenCache};
use crate::sequel::analytics::ActivityPage;
use crate::sequel::credentials::{AccessToken, Credentials};
use crate::sequel::error::{Error, TransportKind};
use crate::sequel::models::{EventId, Registered, Registration};
use crate::sequel::telemetry;
use crate::sync::lock;

/// Drives Sequel's calls over any blocking HTTP client: the crate's whole loop around one
/// function of yours that sends a request.
///
/// Your function is given each request ([`Call::to_request`], the token in place) and how
/// long it may take, already cut to what is left of the call's deadline. It sends the request
/// once and returns the answer, its body read whole; it follows no redirect (a `3xx` is
/// returned as it is, so a secret never reaches another host). It reports a failure on the
/// way with [`Error::transport`]:
///
/// - [`TransportKind::Connect`] when no connection was made, a connect timeout included: the
///   request never left, so any call may be sent again;
/// - [`TransportKind::Timeout`] when the time given ran out once connected;
/// - [`TransportKind::Other`] for the rest (a dropped connection, a malformed answer);
///
/// and an answer larger than it reads (at most [`DEFAULT_MAX_RESPONSE_BYTES`](super::DEFAULT_MAX_RESPONSE_BYTES))
/// with [`Error::body_too_large`], which is neither retried nor taken as a lost answer.
///
/// The driver does the rest, as the crate's own clients do: the access token, cached and
/// fetched once for every thread that finds it stale; the retries of the [`RetryPolicy`]
/// within the deadline; a refused token renewed once; `register_or_get`'s rule; the pages of
/// user activity. Share it between threads behind an `Arc`.
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
pub struct Driver<S> {
    send: S,
    api: Api,
    credentials: Credentials,
    retry: RetryPolicy,
    timeout: Duration,
    deadline: Duration,
    tokens: Mutex<TokenCache>,
    /// Held while the token is fetched, so threads that find it stale wait for one request.
    fetching: Mutex<()>,
}

impl<S> Driver<S>
where
    S: Fn(http::Request<Vec<u8>>, Duration) -> Result<http::Response<Vec<u8>>, Error>,
{
    /// A driver of `api`'s calls with `credentials`, over `send`: the default retries,
    /// [`DEFAULT_TIMEOUT`](super::DEFAULT_TIMEOUT) per request and
    /// [`DEFAULT_DEADLINE`](super::DEFAULT_DEADLINE) per call, retries included.
    pub fn new(api: Api, credentials: Credentials, send: S) -> Driver<S> {
        Driver {
            send,
            api,
            credentials,
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
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

    /// The endpoints, to make the calls to [`execute`](Self::execute).
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Sends `call` until it is done: its answer, or the error it ended with.
    pub fn execute<T>(&self, call: Call<T>) -> Result<T, Error> {
        self.run(call, crate::clock::after(Instant::now(), self.deadline))
            .0
    }

    /// Registers `registration`, or finds the registration Sequel already holds for its
    /// e-mail: [`Settled`]'s rule, which the clients' `register_or_get` follows too.
    pub fn register_or_get(&self, event: &EventId, registration: &Registration) -> Result<Registered, Error> {
        let (result, maybe_applied) = self.run(
            self.api.register_by_email(event, registration)?,
            crate::clock::after(Instant::now(), self.deadline),
        );
        let settled = Settled::new(result, maybe_applied);
        let found = match settled.needs_lookup() {
            true => find_registrant(self.execute(self.api.registrants(event)?)?, &registration.email),
            false => None,
        };
        settled.into_registered(found)
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

    /// The attempts of `call` until it is done by `deadline`; also whether a failed attempt
    /// may have been carried out.
    fn run<T>(&self, call: Call<T>, deadline: Instant) -> (Result<T, Error>, bool) {
        let span = telemetry::call(call.name());
        let (result, maybe_applied) = telemetry::in_scope(&span, || self.attempts(&call, deadline));
        if let Err(error) = &result {
            telemetry::failed(&span, error);
        }
        (result, maybe_applied)
    }

    /// [`run`](Self::run)'s loop.
    fn attempts<T>(&self, call: &Call<T>, deadline: Instant) -> (Result<T, Error>, bool) {
        let mut attempts = Attempts::new(call, &self.retry, deadline);
        loop {
            let token = match call.needs_token() {
                true => match self.token(deadline) {
                    Ok(token) => Some(token),
                    Err(error) => return (Err(error), attempts.maybe_applied()),
                },
                false => None,
            };
            let outcome = self.attempt(call, token.as_ref(), deadline, attempts.attempt() - 1);
            match attempts.next(outcome, Instant::now(), jitter) {
                Next::Done(result) => {
                    let maybe_applied = attempts.maybe_applied();
                    return (call.settle(result, maybe_applied), maybe_applied);
                }
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
    fn attempt<T>(
        &self,
        call: &Call<T>,
        token: Option<&AccessToken>,
        deadline: Instant,
        resends: u32,
    ) -> Result<T, Error> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::transport(TransportKind::Timeout, DeadlinePassed));
        }
        let request = call.to_request(token)?;
        let span = telemetry::request(call.target(), resends);
        let response = telemetry::in_scope(&span, || (self.send)(request, left.min(self.timeout)));
        let status = response.as_ref().ok().map(|response| response.status().as_u16());
        let outcome = response.and_then(|response| call.parse(response, SystemTime::now()));
        telemetry::answered(&span, status, outcome.as_ref().err());
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
        let grant = self.run(self.api.token(&self.credentials)?, deadline).0?;
        Ok(lock(&self.tokens).store(grant, Instant::now()))
    }
}

impl<S> fmt::Debug for Driver<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("api", &self.api)
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
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
