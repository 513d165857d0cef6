//! What the async and the blocking client share: the builder, the decisions of the attempt
//! loop (retry, renew the token, give up), and reading reqwest's errors.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use super::auth::{Credentials, DEFAULT_AUDIENCE, DEFAULT_TOKEN_LIFETIME};
use super::error::{Error, TransportKind};
use super::models::Registrant;
use super::request::{Api, Call, DEFAULT_BASE_URL};
use super::retry::{RetryPolicy, jitter};

/// The longest response body a client reads unless [`ClientBuilder::max_response_bytes`] says
/// otherwise: 16 MiB. Sequel's lists are not paginated, and a registrant takes a few hundred
/// bytes, so this leaves room for tens of thousands of them while still bounding memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 << 20;
/// How long a whole request may take unless [`ClientBuilder::timeout`] says otherwise, for
/// both clients.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take unless [`ClientBuilder::connect_timeout`] says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Configures a client; made by `Client::builder`, for the async and the blocking client
/// alike (`C` is the client `build()` makes).
#[must_use = "a builder does nothing until `build()` is called"]
pub struct ClientBuilder<C> {
    pub(crate) credentials: Credentials,
    pub(crate) base_url: String,
    pub(crate) audience: String,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) user_agent: String,
    pub(crate) token_lifetime: Duration,
    pub(crate) max_response_bytes: usize,
    client: PhantomData<fn() -> C>,
}

impl<C> ClientBuilder<C> {
    pub(crate) fn new(credentials: Credentials) -> Self {
        ClientBuilder {
            credentials,
            base_url: DEFAULT_BASE_URL.to_owned(),
            audience: DEFAULT_AUDIENCE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            user_agent: concat!("event-sso/", env!("CARGO_PKG_VERSION")).to_owned(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            client: PhantomData,
        }
    }

    /// The API host root ([`DEFAULT_BASE_URL`] unless set), such as
    /// `https://stg-api.introvoke.com` or a local mock; the client appends `/api/v1/...` and
    /// `/api/oauth/token`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The `audience` of token requests ([`DEFAULT_AUDIENCE`] unless set).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// How long one attempt may take, connecting included: [`DEFAULT_TIMEOUT`] (30 s) unless set.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long connecting may take: [`DEFAULT_CONNECT_TIMEOUT`] (10 s) unless set.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// When to retry: [`RetryPolicy::default`] unless set; [`RetryPolicy::none`] turns retries off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header: `event-sso/<version>` unless set.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// How long an access token is used when Sequel's answer does not say how long it lives:
    /// [`DEFAULT_TOKEN_LIFETIME`] (1 h) unless set.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// The longest response body read before the call fails with [`Error::BodyTooLarge`]:
    /// [`DEFAULT_MAX_RESPONSE_BYTES`] (16 MiB) unless set.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    pub(crate) fn config(&self) -> Result<Config, Error> {
        if self.user_agent.chars().any(|c| !(' '..='~').contains(&c)) {
            return Err(Error::InvalidInput {
                field: "user_agent",
                reason: "must be printable ASCII".to_owned(),
            });
        }
        Ok(Config {
            api: Api::new(&self.base_url)?.with_audience(self.audience.clone()),
            credentials: self.credentials.clone(),
            retry: self.retry.clone(),
            token_lifetime: self.token_lifetime,
            max_response_bytes: self.max_response_bytes,
        })
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("token_lifetime", &self.token_lifetime)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// A built client's settings.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) api: Api,
    pub(crate) credentials: Credentials,
    pub(crate) retry: RetryPolicy,
    pub(crate) token_lifetime: Duration,
    pub(crate) max_response_bytes: usize,
}

/// What a transport does after an attempt.
pub(crate) enum Next<T> {
    /// Return this.
    Done(Result<T, Error>),
    /// Drop the access token Sequel refused, get a new one, and try again.
    RenewToken,
    /// Wait, then try again.
    Wait(Duration),
}

/// The attempts of one call: counts retries, allows one token renewal, and traces each attempt.
pub(crate) struct Attempts<'a> {
    policy: &'a RetryPolicy,
    retries: u32,
    renewed_token: bool,
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl<'a> Attempts<'a> {
    pub(crate) fn new<T>(config: &'a Config, call: &Call<T>) -> Self {
        #[cfg(not(feature = "tracing"))]
        let _ = call;
        Attempts {
            policy: &config.retry,
            retries: 0,
            renewed_token: false,
            #[cfg(feature = "tracing")]
            span: tracing::debug_span!("sequel", call = call.name()),
        }
    }

    /// Decides what follows an attempt that took `latency` and ended in `outcome`.
    pub(crate) fn next<T>(
        &mut self,
        call: &Call<T>,
        outcome: Result<http::Response<Vec<u8>>, Error>,
        latency: Duration,
    ) -> Next<T> {
        #[cfg(feature = "tracing")]
        self.trace(&outcome, latency);
        #[cfg(not(feature = "tracing"))]
        let _ = latency;

        let error = match outcome.and_then(|response| call.parse(response)) {
            Ok(value) => return Next::Done(Ok(value)),
            Err(error) => error,
        };
        if call.needs_token() && error.status() == Some(http::StatusCode::UNAUTHORIZED) && !self.renewed_token
        {
            self.renewed_token = true;
            return Next::RenewToken;
        }
        match self
            .policy
            .delay(self.retries, &error, call.is_repeatable(), jitter())
        {
            Some(wait) => {
                self.retries += 1;
                Next::Wait(wait)
            }
            None => Next::Done(Err(error)),
        }
    }

    #[cfg(feature = "tracing")]
    fn trace(&self, outcome: &Result<http::Response<Vec<u8>>, Error>, latency: Duration) {
        let attempt = self.retries + u32::from(self.renewed_token) + 1;
        let latency_ms = latency.as_secs_f64() * 1000.0;
        match outcome {
            Ok(response) => tracing::debug!(
                parent: &self.span,
                status = response.status().as_u16(),
                attempt,
                latency_ms,
                "sequel attempt"
            ),
            Err(error) => tracing::debug!(
                parent: &self.span,
                error = %error,
                attempt,
                latency_ms,
                "sequel attempt failed"
            ),
        }
    }
}

/// Reads a reqwest error, dropping the URL (it may carry an e-mail address).
pub(crate) fn transport_error(error: reqwest::Error) -> Error {
    let kind = if error.is_timeout() {
        TransportKind::Timeout
    } else if error.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Other
    };
    Error::Transport {
        kind,
        source: Box::new(error.without_url()),
    }
}

/// How to read a response body of `declared` length (`Content-Length`) under `limit`.
pub(crate) enum BodyRead {
    /// The length is declared and within the limit, and the HTTP library will not read past
    /// it: read the body in one go.
    Whole,
    /// No length is declared: read in chunks, checking the size as it grows.
    Chunked,
}

pub(crate) fn body_read(declared: Option<u64>, limit: usize) -> Result<BodyRead, Error> {
    match declared {
        Some(length) if length > limit as u64 => Err(Error::BodyTooLarge { limit }),
        Some(_) => Ok(BodyRead::Whole),
        None => Ok(BodyRead::Chunked),
    }
}

/// Appends a chunk of the response body, refusing to grow it past `limit`.
pub(crate) fn append_body(body: &mut Vec<u8>, chunk: &[u8], limit: usize) -> Result<(), Error> {
    if body.len() + chunk.len() > limit {
        return Err(Error::BodyTooLarge { limit });
    }
    body.extend_from_slice(chunk);
    Ok(())
}

pub(crate) fn http_response(
    status: http::StatusCode,
    headers: http::HeaderMap,
    body: Vec<u8>,
) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// `register_or_get`'s second half: after `refused` (already registered), find the existing
/// registration for `email` (compared without regard to case) in `registrants`.
pub(crate) fn existing_registrant(
    registrants: Vec<Registrant>,
    email: &str,
    refused: Error,
) -> Result<Registrant, Error> {
    let wanted = email_key(email);
    registrants
        .into_iter()
        .find(|registrant| email_key(&registrant.email) == wanted)
        .ok_or(refused)
}

/// How registrations are matched to registrants by e-mail, everywhere: trimmed, without
/// regard to case.
pub(crate) fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}
