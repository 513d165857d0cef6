//! The access token's whole life, in one place: the token endpoint and its answer, how long
//! a token is used, the cache that makes one token request serve every waiting call, and
//! when a refusal means "renew it".

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderValue, Method};
use serde::{Deserialize, Serialize};

use super::error::Error;
use super::request::{Api, Call, CallKind, Route, route};

/// The `audience` Sequel's token endpoint expects.
pub const DEFAULT_AUDIENCE: &str = "https://www.introvoke.com/api";

/// How long an access token is trusted when Sequel's answer gives no lifetime. Sequel does not
/// document one; its own sample keeps tokens for a day, so an hour is on the safe side.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// An API client id and secret from the Sequel dashboard (Integrations > APIs).
///
/// `Debug` shows the client id, never the secret.
#[derive(Clone, Debug)]
pub struct Credentials {
    client_id: String,
    client_secret: ClientSecret,
}

impl Credentials {
    /// Credentials from values you hold.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Credentials {
        Credentials {
            client_id: client_id.into(),
            client_secret: ClientSecret::new(client_secret),
        }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client secret.
    pub fn client_secret(&self) -> &ClientSecret {
        &self.client_secret
    }

    /// Credentials from `SEQUEL_CLIENT_ID` and `SEQUEL_CLIENT_SECRET`; the error names the
    /// variable that is missing or empty.
    pub fn from_env() -> Result<Credentials, Error> {
        let read = |name: &'static str| env_var(name).ok_or(Error::MissingEnv { name });
        Ok(Credentials::new(
            read("SEQUEL_CLIENT_ID")?,
            read("SEQUEL_CLIENT_SECRET")?,
        ))
    }
}

/// A variable's trimmed value, unless it is missing or blank.
pub(crate) fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

crate::secret::secret_type!(
    /// A bearer token for Sequel's v1 API.
    AccessToken
);

crate::secret::secret_type!(
    /// The client secret Sequel gave you with your client id.
    ClientSecret
);

impl AccessToken {
    /// `Bearer <token>`, marked sensitive so HTTP libraries leave it out of their logs.
    pub(crate) fn header_value(&self) -> Result<HeaderValue, Error> {
        let mut value = HeaderValue::try_from(format!("Bearer {}", self.as_str()))
            .map_err(|_| Error::invalid("access token", "is not a valid header value"))?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// Sequel's answer to a token request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenGrant {
    /// The token.
    pub access_token: AccessToken,
    /// How long it is valid, when Sequel said so (`expires_in`, or `expires`).
    pub lifetime: Option<Duration>,
}

static TOKEN: Route = route("POST /oauth/token", Method::POST, true);

impl Api {
    /// `POST /api/oauth/token`: an access token for the client credentials.
    pub fn token(&self, credentials: &Credentials) -> Result<Call<TokenGrant>, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            client_id: &'a str,
            client_secret: &'a str,
            audience: &'a str,
            grant_type: &'static str,
        }
        let body = Body {
            client_id: &credentials.client_id,
            client_secret: credentials.client_secret.as_str(),
            audience: &self.audience,
            grant_type: "client_credentials",
        };
        let url = self.url(&["api", "oauth", "token"]);
        Ok(Call::new(&TOKEN, url, CallKind::Token, decode_grant).json(&body))
    }
}

#[derive(Deserialize)]
struct WireTokenGrant {
    access_token: String,
    expires_in: Option<f64>,
    expires: Option<f64>,
}

fn decode_grant(call: &'static str, body: &[u8], received_at: SystemTime) -> Result<TokenGrant, Error> {
    let wire: WireTokenGrant = super::request::decode_json(call, body, received_at)?;
    Ok(TokenGrant {
        lifetime: lifetime(&wire, received_at),
        access_token: AccessToken::new(wire.access_token),
    })
}

/// `expires_in` is seconds from `now`. `expires` is undocumented: a large number is read as a
/// Unix time (in milliseconds past 10^12, else seconds), a small one as seconds from `now`.
fn lifetime(wire: &WireTokenGrant, now: SystemTime) -> Option<Duration> {
    let positive =
        |secs: f64| (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    if let Some(secs) = wire.expires_in {
        return positive(secs);
    }
    let expires = wire.expires?;
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    match expires {
        e if e > 1e12 => positive(e / 1000.0 - now),
        e if e > 1e9 => positive(e - now),
        e => positive(e),
    }
}

/// Whether `error`, the answer to a call made with an access token, means the token was
/// refused, so it should be renewed and the call tried once more: a `401`, or the `404`
/// "Invalid auth token" Sequel documents for registering (refused before anything was done,
/// so the retry is safe even there).
#[cfg(any(feature = "async", feature = "blocking"))]
pub(crate) fn token_refused(error: &Error) -> bool {
    match error {
        Error::Api(api) => api.refuses_token(),
        _ => false,
    }
}

#[cfg(any(feature = "async", feature = "blocking"))]
pub(crate) use cache::Tokens;

#[cfg(any(feature = "async", feature = "blocking"))]
mod cache {
    use std::future::Future;
    use std::time::{Duration, Instant};

    use super::{AccessToken, TokenGrant};
    use crate::sequel::Error;

    /// The client's token, shared by every call and clone.
    #[derive(Debug)]
    pub(crate) struct Tokens(tokio::sync::Mutex<TokenCache>);

    impl Tokens {
        pub(crate) fn new(default_lifetime: Duration) -> Tokens {
            Tokens(tokio::sync::Mutex::new(TokenCache::new(default_lifetime)))
        }

        /// The cached token, or a new one from `fetch`.
        ///
        /// The lock is held while `fetch` runs, so calls that find the cache empty together
        /// wait for one token request instead of each sending their own. That is sound only
        /// because `fetch` (the token request) never asks for a token itself: it must not call
        /// `get`, or it would wait on its own lock.
        pub(crate) async fn get<F>(&self, fetch: impl FnOnce() -> F) -> Result<AccessToken, Error>
        where
            F: Future<Output = Result<TokenGrant, Error>>,
        {
            let mut cache = self.0.lock().await;
            if let Some(token) = cache.fresh(Instant::now()) {
                return Ok(token);
            }
            let grant = fetch().await?;
            Ok(cache.store(grant, Instant::now()))
        }

        /// Drops `refused`, unless another call has already replaced it.
        pub(crate) async fn reject(&self, refused: &AccessToken) {
            self.0.lock().await.reject(refused);
        }
    }

    /// The cached access token, and when to stop using it. Pure: the clock is passed in, and
    /// the transports hold it behind the lock that makes one refresh serve every waiting call.
    #[derive(Debug)]
    pub(crate) struct TokenCache {
        current: Option<(AccessToken, Instant)>,
        default_lifetime: Duration,
    }

    impl TokenCache {
        pub(crate) fn new(default_lifetime: Duration) -> TokenCache {
            TokenCache {
                current: None,
                default_lifetime,
            }
        }

        /// The cached token, unless it is missing or due for renewal at `now`.
        pub(crate) fn fresh(&self, now: Instant) -> Option<AccessToken> {
            self.current
                .as_ref()
                .filter(|(_, renew_at)| now < *renew_at)
                .map(|(token, _)| token.clone())
        }

        /// Caches a new token, renewing it a minute (or a tenth of its life, if shorter) early.
        pub(crate) fn store(&mut self, grant: TokenGrant, now: Instant) -> AccessToken {
            let lifetime = grant.lifetime.unwrap_or(self.default_lifetime);
            let margin = (lifetime / 10).min(Duration::from_secs(60));
            let renew_at = now.checked_add(lifetime - margin).unwrap_or(now);
            self.current = Some((grant.access_token.clone(), renew_at));
            grant.access_token
        }

        /// Drops the cached token after Sequel refused `rejected`, unless another call has already
        /// replaced it.
        pub(crate) fn reject(&mut self, rejected: &AccessToken) {
            if self.current.as_ref().is_some_and(|(token, _)| token == rejected) {
                self.current = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(any(feature = "async", feature = "blocking"))]
    use super::cache::TokenCache;
    use super::*;
    #[cfg(any(feature = "async", feature = "blocking"))]
    use std::time::Instant;

    fn grant(token: &str, lifetime: Option<u64>) -> TokenGrant {
        TokenGrant {
            access_token: AccessToken::new(token),
            lifetime: lifetime.map(Duration::from_secs),
        }
    }

    #[test]
    fn lifetime_from_expires_in_or_expires() {
        let now = SystemTime::now();
        let lifetime = |wire: &WireTokenGrant| lifetime(wire, now);
        let wire = |expires_in, expires| WireTokenGrant {
            access_token: String::new(),
            expires_in,
            expires,
        };
        assert_eq!(
            lifetime(&wire(Some(86400.0), Some(5.0))),
            Some(Duration::from_secs(86400))
        );
        assert_eq!(
            lifetime(&wire(None, Some(7200.0))),
            Some(Duration::from_secs(7200))
        );
        let now = now.duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
        assert_eq!(
            lifetime(&wire(None, Some(now + 3600.0))).map(|d| d.as_secs_f64().round()),
            Some(3600.0)
        );
        assert_eq!(
            lifetime(&wire(None, Some((now + 3600.0) * 1000.0))).map(|d| d.as_secs_f64().round()),
            Some(3600.0)
        );
        assert_eq!(
            lifetime(&wire(None, Some(now - 10.0))),
            None,
            "already expired: use the default"
        );
        assert_eq!(lifetime(&wire(Some(-1.0), None)), None);
        assert_eq!(lifetime(&wire(Some(f64::NAN), None)), None);
        assert_eq!(lifetime(&wire(None, None)), None);
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let credentials = Credentials::new("client-1", "s3cret-value");
        assert_eq!(
            format!("{credentials:?}"),
            r#"Credentials { client_id: "client-1", client_secret: ClientSecret(<redacted>) }"#
        );
        assert_eq!(
            format!("{:?}", AccessToken::new("eyJtoken")),
            "AccessToken(<redacted>)"
        );
        assert!(!format!("{:?}", grant("eyJtoken", Some(5))).contains("eyJtoken"));
    }

    #[cfg(any(feature = "async", feature = "blocking"))]
    #[test]
    fn a_token_is_fresh_until_a_minute_before_it_expires() {
        let start = Instant::now();
        let mut cache = TokenCache::new(DEFAULT_TOKEN_LIFETIME);
        assert_eq!(cache.fresh(start), None);
        cache.store(grant("a", Some(3600)), start);
        assert_eq!(
            cache.fresh(start + Duration::from_secs(3539)),
            Some(AccessToken::new("a"))
        );
        assert_eq!(cache.fresh(start + Duration::from_secs(3540)), None);
    }

    #[cfg(any(feature = "async", feature = "blocking"))]
    #[test]
    fn short_lifetimes_renew_a_tenth_early_and_missing_ones_use_the_default() {
        let start = Instant::now();
        let mut cache = TokenCache::new(Duration::from_secs(100));
        cache.store(grant("short", Some(30)), start);
        assert!(cache.fresh(start + Duration::from_secs(26)).is_some());
        assert!(cache.fresh(start + Duration::from_secs(27)).is_none());
        cache.store(grant("default", None), start);
        assert!(cache.fresh(start + Duration::from_secs(89)).is_some());
        assert!(cache.fresh(start + Duration::from_secs(90)).is_none());
    }

    #[cfg(any(feature = "async", feature = "blocking"))]
    #[test]
    fn rejecting_drops_only_the_token_that_was_refused() {
        let start = Instant::now();
        let mut cache = TokenCache::new(DEFAULT_TOKEN_LIFETIME);
        cache.store(grant("old", None), start);
        cache.store(grant("new", None), start);
        cache.reject(&AccessToken::new("old"));
        assert_eq!(cache.fresh(start), Some(AccessToken::new("new")));
        cache.reject(&AccessToken::new("new"));
        assert_eq!(cache.fresh(start), None);
    }
}
