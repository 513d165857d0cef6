//! When a call is sent again: the retry policy, and the attempts of one call as a state
//! machine with the clock passed in, which both clients drive and any transport can.

use std::time::{Duration, Instant};

use super::call::Call;
use crate::sequel::error::Error;

/// When and how long to wait before trying a call again.
///
/// Every call is retried on `429 Too Many Requests` and on a failed connection (the request
/// never reached Sequel). Calls that are safe to repeat (reads, deletes, embed URLs, adding a
/// presenter or organizer) are also retried when the outcome is unknown: a timeout, a
/// connection dropped after sending, or `500`, `502`, `503` or `504`. A plain `register` is
/// not, since Sequel has no idempotency keys and the first attempt may have worked;
/// `register_or_get` and `register_all` are, because the e-mail is the key: a repeat is either
/// registered or refused as already registered, and they resolve that through the registrants
/// list. A `Retry-After` from Sequel is honoured, up to
/// [`max_retry_after`](RetryPolicy::max_retry_after); otherwise the wait grows exponentially
/// with jitter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Two retries, waiting about 0.2 s then 0.4 s (at most 5 s), and honouring a
    /// `Retry-After` of up to 30 s.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// How many times a call may be repeated after its first attempt.
    pub fn max_retries(mut self, retries: u32) -> RetryPolicy {
        self.max_retries = retries;
        self
    }

    /// The wait before the first retry; each later one doubles it, up to
    /// [`max_backoff`](Self::max_backoff). The actual wait is between half and all of it.
    pub fn initial_backoff(mut self, wait: Duration) -> RetryPolicy {
        self.initial_backoff = wait;
        self
    }

    /// The longest wait between attempts when Sequel gives no `Retry-After`.
    pub fn max_backoff(mut self, wait: Duration) -> RetryPolicy {
        self.max_backoff = wait;
        self
    }

    /// The longest `Retry-After` honoured; when Sequel asks for more, the call fails at once
    /// with the error, whose [`retry_after`](Error::retry_after) says how long Sequel wants.
    pub fn max_retry_after(mut self, wait: Duration) -> RetryPolicy {
        self.max_retry_after = wait;
        self
    }

    /// How many times a call may be repeated after its first attempt.
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The wait before the first retry, before jitter.
    pub fn get_initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest wait between attempts when Sequel gives no `Retry-After`.
    pub fn get_max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` honoured.
    pub fn get_max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// How long to wait before retry number `retry` (0 for the first) of a call that failed
    /// with `error`, or `None` to give up. `repeatable` is
    /// [`Call::is_repeatable`]; `jitter`, in `[0, 1]`, picks the point between half and all
    /// of the backoff. [`Attempts`] calls this, with the token renewal and the deadline around it.
    pub fn delay(&self, retry: u32, error: &Error, repeatable: bool, jitter: f64) -> Option<Duration> {
        self.wait(retry, error, repeatable, || jitter)
    }

    /// [`delay`](Self::delay), drawing the jitter only for a backoff.
    fn wait(
        &self,
        retry: u32,
        error: &Error,
        repeatable: bool,
        jitter: impl FnOnce() -> f64,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let retryable =
            error.is_connect() || error.is_rate_limited() || (repeatable && error.is_outcome_unknown());
        if !retryable {
            return None;
        }
        if let Some(wait) = error.retry_after() {
            return (wait <= self.max_retry_after).then_some(wait);
        }
        let backoff = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_backoff);
        Some(backoff.mul_f64(0.5 + 0.5 * jitter().clamp(0.0, 1.0)))
    }
}

/// A random number in `[0, 1]` for spreading retries out, from the system's secure random
/// source (0.5 should that fail): the `jitter` to pass to [`Attempts::next`].
pub fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    match aws_lc_rs::rand::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX),
        Err(_) => 0.5,
    }
}

/// What to do after an attempt: [`Attempts::next`]'s answer.
#[derive(Debug)]
#[must_use]
pub enum Next<T> {
    /// The call is over: return this.
    Done(Result<T, Error>),
    /// Sequel refused the access token: [reject](super::TokenCache::reject) it, get a new one,
    /// and send the call again at once.
    RenewToken,
    /// Wait this long, then send the call again.
    Wait(Duration),
}

/// The attempts of one call, and the decision after each: done, renew the token, or wait and
/// retry. Both clients drive their calls with it; a transport built on
/// [`request`](super) gets the same retries, token renewal and deadline.
///
/// A refused token is renewed once per call. Retries follow the [`RetryPolicy`], and no wait is
/// started that would end past the deadline: the last error is the answer then, its
/// [`retry_after`](Error::retry_after) included. Timing out an attempt that runs past
/// [`deadline`](Self::deadline) is the transport's part.
///
/// ```
/// use std::time::{Duration, Instant};
/// use event_sso::sequel::request::{Api, Attempts, Next};
/// use event_sso::sequel::{EventId, RetryPolicy};
///
/// let api = Api::new("https://api.introvoke.com")?;
/// let call = api.registrants(&EventId::new("6f1c"))?;
/// let policy = RetryPolicy::default();
/// let mut attempts = Attempts::new(&call, &policy, Instant::now() + Duration::from_secs(60));
/// let answer = event_sso::http::Response::builder().status(503).body(Vec::new())?;
/// let outcome = call.parse(answer, std::time::SystemTime::now());
/// assert!(matches!(attempts.next(outcome, Instant::now(), || 0.5), Next::Wait(_)));
/// assert!(attempts.maybe_applied()); // a 503 leaves the outcome unknown
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Attempts<'a> {
    policy: &'a RetryPolicy,
    deadline: Instant,
    repeatable: bool,
    needs_token: bool,
    retries: u32,
    renewed_token: bool,
    maybe_applied: bool,
}

impl<'a> Attempts<'a> {
    /// The attempts of `call` under `policy`, all to be over by `deadline`.
    pub fn new<T>(call: &Call<T>, policy: &'a RetryPolicy, deadline: Instant) -> Attempts<'a> {
        Attempts {
            policy,
            deadline,
            repeatable: call.is_repeatable(),
            needs_token: call.needs_token(),
            retries: 0,
            renewed_token: false,
            maybe_applied: false,
        }
    }

    /// Decides what follows an attempt that ended in `outcome` (the call's
    /// [`parse`](Call::parse), or the transport's [`Error::transport`]) at `now`. `jitter`
    /// gives a number in `[0, 1]` that picks the point between half and all of a backoff
    /// ([`jitter()`], or a fixed one in tests); it is called only when there is a backoff.
    pub fn next<T>(
        &mut self,
        outcome: Result<T, Error>,
        now: Instant,
        jitter: impl FnOnce() -> f64,
    ) -> Next<T> {
        let error = match outcome {
            Ok(value) => return Next::Done(Ok(value)),
            Err(error) => error,
        };
        self.maybe_applied |= error.is_outcome_unknown();
        if self.needs_token && !self.renewed_token && error.is_token_refused() {
            self.renewed_token = true;
            return Next::RenewToken;
        }
        match self.policy.wait(self.retries, &error, self.repeatable, jitter) {
            Some(wait) if crate::clock::after(now, wait) <= self.deadline => {
                self.retries += 1;
                Next::Wait(wait)
            }
            _ => Next::Done(Err(error)),
        }
    }

    /// When the whole call must be over.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The number of the attempt under way, from 1.
    pub fn attempt(&self) -> u32 {
        self.retries + u32::from(self.renewed_token) + 1
    }

    /// Whether a failed attempt may have been carried out by Sequel
    /// ([`Error::is_outcome_unknown`]): for registering, whose repeat must then be resolved
    /// through the registrants list ([`Settled`](super::Settled)).
    pub fn maybe_applied(&self) -> bool {
        self.maybe_applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sequel::error::{ApiError, TransportKind};

    fn api(status: u16, retry_after: Option<u64>) -> Error {
        Error::Api(ApiError {
            status: http::StatusCode::from_u16(status).unwrap(),
            message: None,
            body: String::new(),
            retry_after: retry_after.map(Duration::from_secs),
        })
    }

    fn transport(kind: TransportKind) -> Error {
        Error::Transport {
            kind,
            source: "test".into(),
        }
    }

    #[test]
    fn what_is_retried_for_each_kind_of_call() {
        let policy = RetryPolicy::default();
        for (error, repeatable, retried) in [
            (api(429, None), false, true),
            (api(503, None), true, true),
            (api(502, None), true, true),
            (api(504, None), true, true),
            (api(503, None), false, false),
            (api(500, None), true, true),
            (api(500, None), false, false),
            (api(501, None), true, false),
            (api(400, None), true, false),
            (api(401, None), true, false),
            (transport(TransportKind::Connect), false, true),
            (transport(TransportKind::Timeout), true, true),
            (transport(TransportKind::Timeout), false, false),
            (transport(TransportKind::Other), true, true),
            (transport(TransportKind::Other), false, false),
        ] {
            assert_eq!(
                policy.delay(0, &error, repeatable, 0.5).is_some(),
                retried,
                "{error:?} {repeatable}"
            );
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let policy = RetryPolicy::default()
            .max_retries(10)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        let error = api(503, None);
        assert_eq!(
            policy.delay(0, &error, true, 0.0),
            Some(Duration::from_millis(50))
        );
        assert_eq!(
            policy.delay(0, &error, true, 1.0),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            policy.delay(1, &error, true, 1.0),
            Some(Duration::from_millis(200))
        );
        assert_eq!(
            policy.delay(2, &error, true, 1.0),
            Some(Duration::from_millis(350))
        );
        assert_eq!(
            policy.delay(9, &error, true, 0.0),
            Some(Duration::from_millis(175))
        );
        assert_eq!(policy.delay(10, &error, true, 0.0), None);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_ceiling() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(10));
        assert_eq!(
            policy.delay(0, &api(429, Some(7)), false, 0.0),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            policy.delay(0, &api(503, Some(10)), true, 0.0),
            Some(Duration::from_secs(10))
        );
        assert_eq!(policy.delay(0, &api(429, Some(11)), false, 0.0), None);
    }

    #[test]
    fn none_never_retries() {
        assert_eq!(RetryPolicy::none().delay(0, &api(429, None), true, 0.5), None);
        assert_eq!(
            RetryPolicy::default()
                .max_retries(2)
                .delay(2, &api(429, None), true, 0.5),
            None
        );
    }

    #[test]
    fn jitter_is_random_and_spans_the_range() {
        // A constant (such as the 0.5 used when randomness fails) or a skewed source would
        // fail this; a fair one does with odds of about 1 in 10^12.
        let samples: Vec<f64> = (0..100).map(|_| jitter()).collect();
        assert!(samples.iter().all(|j| (0.0..=1.0).contains(j)), "{samples:?}");
        let low = samples.iter().filter(|j| **j < 0.25).count();
        let high = samples.iter().filter(|j| **j > 0.75).count();
        assert!(low > 0 && high > 0, "{samples:?}");
    }

    fn registrants() -> Call<Vec<crate::sequel::models::Registrant>> {
        super::super::Api::new("https://api.introvoke.com")
            .unwrap()
            .registrants(&crate::sequel::models::EventId::new("e"))
            .unwrap()
    }

    #[test]
    fn attempts_renew_a_refused_token_once_then_give_up() {
        let call = registrants();
        let policy = RetryPolicy::default();
        let now = Instant::now();
        let mut attempts = Attempts::new(&call, &policy, now + Duration::from_secs(60));
        assert!(matches!(
            attempts.next::<()>(Err(api(401, None)), now, || 0.5),
            Next::RenewToken
        ));
        assert_eq!(attempts.attempt(), 2);
        assert!(
            matches!(attempts.next::<()>(Err(api(401, None)), now, || 0.5), Next::Done(Err(e)) if e.is_auth())
        );
    }

    #[test]
    fn jitter_is_drawn_only_for_a_backoff() {
        let call = registrants();
        let policy = RetryPolicy::default();
        let now = Instant::now();
        let no_jitter = || -> f64 { panic!("no backoff here: no jitter wanted") };
        let mut attempts = Attempts::new(&call, &policy, now + Duration::from_secs(60));
        assert!(matches!(
            attempts.next(Ok(()), now, no_jitter),
            Next::Done(Ok(()))
        ));
        assert!(matches!(
            attempts.next::<()>(Err(api(401, None)), now, no_jitter),
            Next::RenewToken
        ));
        assert!(matches!(
            attempts.next::<()>(Err(api(429, Some(1))), now, no_jitter),
            Next::Wait(_)
        ));
        assert!(matches!(
            attempts.next::<()>(Err(api(400, None)), now, no_jitter),
            Next::Done(Err(_))
        ));
        let drawn = std::cell::Cell::new(false);
        let mut attempts = Attempts::new(&call, &policy, now + Duration::from_secs(60));
        let jitter = || {
            drawn.set(true);
            1.0
        };
        assert!(
            matches!(attempts.next::<()>(Err(api(503, None)), now, jitter), Next::Wait(w) if w == Duration::from_millis(200))
        );
        assert!(drawn.get(), "a backoff draws its jitter");
    }

    #[test]
    fn attempts_start_no_wait_that_ends_past_the_deadline() {
        let call = registrants();
        let policy = RetryPolicy::default();
        let now = Instant::now();
        let mut attempts = Attempts::new(&call, &policy, now + Duration::from_secs(2));
        assert!(
            matches!(attempts.next::<()>(Err(api(429, Some(1))), now, || 0.5), Next::Wait(w) if w == Duration::from_secs(1))
        );
        assert!(!attempts.maybe_applied(), "a 429 was not carried out");
        match attempts.next::<()>(Err(api(429, Some(5))), now, || 0.5) {
            Next::Done(Err(error)) => assert_eq!(error.retry_after(), Some(Duration::from_secs(5))),
            other => panic!("{other:?}"),
        }
        let mut attempts = Attempts::new(&call, &policy, now + Duration::from_secs(60));
        assert!(matches!(
            attempts.next::<()>(Err(api(503, None)), now, || 0.5),
            Next::Wait(_)
        ));
        assert!(attempts.maybe_applied(), "a 503 may have been carried out");
        assert!(matches!(attempts.next(Ok(7), now, || 0.5), Next::Done(Ok(7))));
    }
}
