//! The token endpoint, and the cache that decides when its token is used and when renewed.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::Method;
use serde::{Deserialize, Serialize};

use super::call::{Api, Call, CallKind, Route, decode_json, route};
use crate::sequel::credentials::{AccessToken, Credentials, TokenGrant};
use crate::sequel::error::Error;

/// How long an access token is trusted when Sequel's answer gives no lifetime. Sequel does not
/// document one; its own sample keeps tokens for a day, so an hour is on the safe side.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// The most a token is renewed ahead of its expiry.
const MAX_RENEWAL_MARGIN: Duration = Duration::from_secs(60);

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
            client_id: credentials.client_id(),
            client_secret: credentials.client_secret().as_str(),
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
    let wire: WireTokenGrant = decode_json(call, body, received_at)?;
    let lifetime = lifetime(&wire, received_at);
    Ok(TokenGrant::new(AccessToken::new(wire.access_token), lifetime))
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

/// The access token in use, and when to stop using it: the rule both clients follow, with the
/// clock passed in, for any transport.
///
/// A token is used until a minute before it expires, or a tenth of its lifetime before when
/// that is shorter (a 2 s token is renewed after 1.8 s); a grant without a lifetime is trusted
/// for the default lifetime. When a call is refused with it
/// ([`Error::is_token_refused`]), [`reject`](Self::reject) it, get a new one, and send the
/// call once more.
///
/// Share one cache among concurrent calls behind a lock held while the token is fetched, so
/// that calls finding it stale together wait for one token request. The token request needs
/// no token, so it never waits on that lock itself.
///
/// ```
/// use std::time::{Duration, Instant};
/// use event_sso::sequel::request::TokenCache;
/// use event_sso::sequel::{AccessToken, TokenGrant};
///
/// let mut cache = TokenCache::new(event_sso::sequel::DEFAULT_TOKEN_LIFETIME);
/// let start = Instant::now();
/// assert!(cache.fresh(start).is_none()); // fetch one: `Api::token`
/// let token = cache.store(TokenGrant::new(AccessToken::new("t"), Some(Duration::from_secs(2))), start);
/// assert_eq!(cache.fresh(start + Duration::from_millis(1799)), Some(token));
/// assert!(cache.fresh(start + Duration::from_millis(1800)).is_none());
/// ```
#[derive(Debug)]
pub struct TokenCache {
    current: Option<(AccessToken, Instant)>,
    default_lifetime: Duration,
}

impl TokenCache {
    /// An empty cache; `default_lifetime` is for grants that give none
    /// ([`DEFAULT_TOKEN_LIFETIME`] unless you know better).
    pub fn new(default_lifetime: Duration) -> TokenCache {
        TokenCache {
            current: None,
            default_lifetime,
        }
    }

    /// The cached token, unless there is none or it is due for renewal at `now`.
    pub fn fresh(&self, now: Instant) -> Option<AccessToken> {
        self.current
            .as_ref()
            .filter(|(_, renew_at)| now < *renew_at)
            .map(|(token, _)| token.clone())
    }

    /// Caches the token `grant` gives, received at `now`, and returns it.
    pub fn store(&mut self, grant: TokenGrant, now: Instant) -> AccessToken {
        let lifetime = grant.lifetime.unwrap_or(self.default_lifetime);
        let margin = (lifetime / 10).min(MAX_RENEWAL_MARGIN);
        let renew_at = now.checked_add(lifetime - margin).unwrap_or(now);
        self.current = Some((grant.access_token.clone(), renew_at));
        grant.access_token
    }

    /// Drops the cached token after Sequel refused `refused`, unless another call has already
    /// replaced it.
    pub fn reject(&mut self, refused: &AccessToken) {
        if self.current.as_ref().is_some_and(|(token, _)| token == refused) {
            self.current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(token: &str, lifetime: Option<u64>) -> TokenGrant {
        TokenGrant::new(AccessToken::new(token), lifetime.map(Duration::from_secs))
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

    #[test]
    fn short_lifetimes_renew_a_tenth_early_and_missing_ones_use_the_default() {
        let start = Instant::now();
        let mut cache = TokenCache::new(Duration::from_secs(100));
        cache.store(grant("short", Some(30)), start);
        assert!(cache.fresh(start + Duration::from_secs(26)).is_some());
        assert!(cache.fresh(start + Duration::from_secs(27)).is_none());
        cache.store(grant("tiny", Some(2)), start);
        assert!(cache.fresh(start + Duration::from_millis(1799)).is_some());
        assert!(cache.fresh(start + Duration::from_millis(1800)).is_none());
        cache.store(grant("default", None), start);
        assert!(cache.fresh(start + Duration::from_secs(89)).is_some());
        assert!(cache.fresh(start + Duration::from_secs(90)).is_none());
    }

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
