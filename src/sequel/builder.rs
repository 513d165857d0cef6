//! Configuring a client: one builder for the async and the blocking client, and the settings
//! it checks and hands to `build()`.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use super::credentials::{Credentials, env_var};
use super::error::Error;
use super::request::{
    Api, DEFAULT_ANALYTICS_URL, DEFAULT_AUDIENCE, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, DEFAULT_TOKEN_LIFETIME, RetryPolicy,
};

/// Whether this build of the crate can speak TLS (feature `rustls` or `native-tls`).
const TLS_BUILT: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

/// Configures a client; made by `Client::builder` or [`ClientBuilder::from_env`], for the
/// async and the blocking client alike (`C` is the client `build()` makes).
#[must_use = "a builder does nothing until `build()` is called"]
pub struct ClientBuilder<C> {
    config: Settings,
    client: PhantomData<fn() -> C>,
}

#[derive(Clone)]
struct Settings {
    credentials: Credentials,
    base_url: String,
    analytics_url: String,
    platform_url: Option<String>,
    audience: String,
    timeout: Duration,
    connect_timeout: Duration,
    deadline: Duration,
    retry: RetryPolicy,
    user_agent: String,
    token_lifetime: Duration,
    max_response_bytes: usize,
}

impl<C> ClientBuilder<C> {
    pub(crate) fn new(credentials: Credentials) -> Self {
        ClientBuilder {
            config: Settings {
                credentials,
                base_url: DEFAULT_BASE_URL.to_owned(),
                analytics_url: DEFAULT_ANALYTICS_URL.to_owned(),
                platform_url: None,
                audience: DEFAULT_AUDIENCE.to_owned(),
                timeout: DEFAULT_TIMEOUT,
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                deadline: DEFAULT_DEADLINE,
                retry: RetryPolicy::default(),
                user_agent: super::request::USER_AGENT.to_owned(),
                token_lifetime: DEFAULT_TOKEN_LIFETIME,
                max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            },
            client: PhantomData,
        }
    }

    /// A builder from the environment: the credentials from `SEQUEL_CLIENT_ID` and
    /// `SEQUEL_CLIENT_SECRET` (see [`Credentials::from_env`]), the base URL from
    /// `SEQUEL_BASE_URL`, the analytics root from `SEQUEL_ANALYTICS_URL` and the platform root
    /// from `SEQUEL_PLATFORM_URL` when they are set (a staging host, or a fake in tests).
    ///
    /// ```no_run
    /// # #[cfg(feature = "async")] {
    /// use event_sso::sequel::{Client, ClientBuilder};
    ///
    /// let client = ClientBuilder::<Client>::from_env()?.build()?;
    /// // The same, from the client: `Client::builder_from_env()?.build()?`.
    /// # }
    /// # Ok::<(), event_sso::sequel::Error>(())
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        let mut builder = ClientBuilder::new(Credentials::from_env()?);
        if let Some(base_url) = env_var("SEQUEL_BASE_URL") {
            builder = builder.base_url(base_url);
        }
        if let Some(analytics_url) = env_var("SEQUEL_ANALYTICS_URL") {
            builder = builder.analytics_url(analytics_url);
        }
        if let Some(platform_url) = env_var("SEQUEL_PLATFORM_URL") {
            builder = builder.platform_url(platform_url);
        }
        Ok(builder)
    }

    /// The API host root ([`DEFAULT_BASE_URL`] unless set), such as
    /// `https://stg-api.introvoke.com` or a local fake; the client appends `/api/v1/...` and
    /// `/api/oauth/token`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = url.into();
        self
    }

    /// The root of Sequel's analytics host ([`DEFAULT_ANALYTICS_URL`] unless set), for
    /// `user_activity`, `top_participants` and `video_views`; the client appends
    /// `/api/analytics/...`. Checked as the base URL is: `https://`, or `http://` to loopback.
    pub fn analytics_url(mut self, url: impl Into<String>) -> Self {
        self.config.analytics_url = url.into();
        self
    }

    /// The root of the operations Sequel's reference lists outside its v1 prefix: simulive
    /// (`/api/client/...`), media (`/api/media/...`) and the public themes (`/api/v3/...`).
    /// The base URL unless set: where these live is inferred, not documented (see
    /// [`request`](super::request#hosts)), so this is the setting that corrects it. Checked as
    /// the base URL is.
    pub fn platform_url(mut self, url: impl Into<String>) -> Self {
        self.config.platform_url = Some(url.into());
        self
    }

    /// The `audience` of token requests ([`DEFAULT_AUDIENCE`] unless set).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.config.audience = audience.into();
        self
    }

    /// How long one attempt may take, connecting included: [`DEFAULT_TIMEOUT`] (30 s) unless set.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// How long connecting may take: [`DEFAULT_CONNECT_TIMEOUT`] (10 s) unless set.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// The longest a whole call may take: its attempts, the access-token request made on its
    /// behalf, and the waits between attempts, together ([`DEFAULT_DEADLINE`], 60 s, unless
    /// set). No wait is started that would end past it: the call fails at once with the last
    /// error, its [`retry_after`](Error::retry_after) included; an attempt still under way
    /// when it passes fails as a timeout.
    ///
    /// In a web handler, set it to what your own answer can afford (a few seconds), below your
    /// proxy's timeout, so that a rate-limited Sequel gives your handler an error to pass on
    /// (`503` with the `Retry-After`; see [`Error::response_status`]) instead of a hung request.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.config.deadline = deadline;
        self
    }

    /// When to retry: [`RetryPolicy::default`] unless set; [`RetryPolicy::none`] turns retries off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// The `User-Agent` header: `event-sso/<version>` unless set.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.config.user_agent = user_agent.into();
        self
    }

    /// How long an access token is used when Sequel's answer does not say how long it lives:
    /// [`DEFAULT_TOKEN_LIFETIME`] (1 h) unless set.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.token_lifetime = lifetime;
        self
    }

    /// The longest response body read before the call fails with [`Error::BodyTooLarge`]:
    /// [`DEFAULT_MAX_RESPONSE_BYTES`] (16 MiB) unless set.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.config.max_response_bytes = limit;
        self
    }

    /// Checks every setting and gives what `build()` needs.
    pub(crate) fn into_config(self) -> Result<Config, Error> {
        let settings = self.config;
        if settings.user_agent.chars().any(|c| !(' '..='~').contains(&c)) {
            return Err(Error::invalid("user_agent", "must be printable ASCII"));
        }
        let mut api = Api::new(&settings.base_url)?
            .with_analytics_url(&settings.analytics_url)?
            .with_audience(settings.audience);
        if let Some(platform_url) = &settings.platform_url {
            api = api.with_platform_url(platform_url)?;
        }
        // Only the API host: a build without TLS that never asks for analytics still works
        // against a loopback fake, whose analytics root the tests set.
        check_tls(api.base_url().scheme(), TLS_BUILT)?;
        Ok(Config {
            api,
            credentials: settings.credentials,
            retry: settings.retry,
            timeout: settings.timeout,
            connect_timeout: settings.connect_timeout,
            deadline: settings.deadline,
            user_agent: settings.user_agent,
            token_lifetime: settings.token_lifetime,
            max_response_bytes: settings.max_response_bytes,
        })
    }
}

/// An `https` base URL needs a TLS feature; without one every call would fail at run time, so
/// `build()` says so at once.
fn check_tls(scheme: &str, tls_built: bool) -> Result<(), Error> {
    match scheme == "https" && !tls_built {
        true => Err(Error::invalid(
            "base_url",
            "is https, but this build has no TLS: enable the crate's `rustls` feature (a default) or `native-tls`",
        )),
        false => Ok(()),
    }
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings = &self.config;
        f.debug_struct("ClientBuilder")
            .field("credentials", &settings.credentials)
            .field("base_url", &settings.base_url)
            .field("analytics_url", &settings.analytics_url)
            .field("platform_url", &settings.platform_url)
            .field("timeout", &settings.timeout)
            .field("connect_timeout", &settings.connect_timeout)
            .field("deadline", &settings.deadline)
            .field("retry", &settings.retry)
            .field("user_agent", &settings.user_agent)
            .field("token_lifetime", &settings.token_lifetime)
            .field("max_response_bytes", &settings.max_response_bytes)
            .finish()
    }
}

/// A built client's settings, checked.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) api: Api,
    pub(crate) credentials: Credentials,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) deadline: Duration,
    pub(crate) user_agent: String,
    pub(crate) token_lifetime: Duration,
    pub(crate) max_response_bytes: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_without_tls_is_refused_at_build_time_and_names_the_features() {
        let error = check_tls("https", false).unwrap_err();
        assert!(error.is_invalid_input());
        let message = error.to_string();
        assert!(
            message.contains("`rustls`") && message.contains("`native-tls`"),
            "{message}"
        );
        assert!(
            check_tls("http", false).is_ok(),
            "plain http (a local fake) needs no TLS"
        );
        assert!(check_tls("https", true).is_ok());
    }
}
