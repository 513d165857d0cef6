//! URLs that log someone in: whoever holds one enters as that person.
//!
//! They have no `Display` and a `Debug` that shows only the scheme and host, so `{}` does not
//! compile and `{:?}` prints nothing that lets anyone in. [`as_str`](JoinUrl::as_str) is for
//! the one place the URL belongs: a page the user is looking at, or a redirect.

use std::fmt;

use http::header::{CACHE_CONTROL, LOCATION, REFERRER_POLICY};
use http::{HeaderValue, StatusCode};
use url::Url;

macro_rules! secret_url {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Url);

        impl $name {
            pub(crate) fn new(url: Url) -> Self {
                $name(url)
            }

            /// The URL as a string, for the one place it belongs.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// The URL, parsed. `Url` has `Display`: keep it out of logs.
            pub fn as_url(&self) -> &Url {
                &self.0
            }

            /// The URL, owned. `Url` has `Display`: keep it out of logs.
            pub fn into_url(self) -> Url {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    concat!(stringify!($name), "({}://{}/<redacted>)"),
                    self.0.scheme(),
                    self.0.host_str().unwrap_or_default()
                )
            }
        }
    };
}

secret_url!(
    /// The per-user URL to put in an `<iframe src>` for a Sequel event: it carries a
    /// short-lived token and the user's details. Mint one per page view.
    ///
    /// ```
    /// # fn page(embed: &event_sso::sequel::EmbedUrl) -> String {
    /// // Escape it for the attribute like any other value (`&` becomes `&amp;`).
    /// format!(r#"<iframe src="{}" allow="camera; microphone"></iframe>"#, embed.as_str().replace('&', "&amp;"))
    /// # }
    /// ```
    EmbedUrl
);

secret_url!(
    /// A URL that logs one person into an event: a Sequel registrant's join URL, or a
    /// Frameable event link with its login token.
    ///
    /// Send the user there with [`redirect`](JoinUrl::redirect) (or put it behind a button
    /// on a page only they see); don't log it, cache it or share it.
    ///
    /// ```
    /// use event_sso::frameable::{Claims, EventLink, SigningKey};
    ///
    /// let key = SigningKey::generate()?;
    /// let token = key.sign(&Claims::builder("Ada Lovelace").build()?)?;
    /// let join = EventLink::new("acme", "launch-party")?.with_token(&token);
    /// let response: http::Response<String> = join.redirect();
    /// assert_eq!(response.status(), 302);
    /// assert_eq!(format!("{join:?}"), "JoinUrl(https://acme.frameable.com/<redacted>)");
    /// # Ok::<(), event_sso::frameable::Error>(())
    /// ```
    JoinUrl
);

impl JoinUrl {
    /// A `302 Found` to this URL, fit for a login: `Cache-Control: no-store` (no cache keeps
    /// it), `Referrer-Policy: no-referrer` (it does not leak to the next site), and the
    /// `Location` header marked sensitive. The body is `B::default()`, so it fits any
    /// framework's body type.
    pub fn redirect<B: Default>(&self) -> http::Response<B> {
        let mut response = http::Response::new(B::default());
        *response.status_mut() = StatusCode::FOUND;
        let headers = response.headers_mut();
        // A serialized `Url` is printable ASCII, so it always makes a header value; were it
        // ever refused, the response would carry no `Location` rather than panic.
        if let Ok(mut location) = HeaderValue::try_from(self.as_str()) {
            location.set_sensitive(true);
            headers.insert(LOCATION, location);
        }
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        response
    }
}

impl<'de> serde::Deserialize<'de> for JoinUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Url::parse(&text).map(JoinUrl).map_err(|_| {
            serde::de::Error::invalid_value(serde::de::Unexpected::Str(&text), &"an absolute URL")
        })
    }
}

/// Whether `url`'s host is this machine: `127.0.0.0/8`, `[::1]` or `localhost`, where plain
/// `http://` crosses no network (the fake, tests).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_host_only_and_redirect_is_private() {
        let url =
            Url::parse("https://embed.sequel.io/event/e1?joinCode=abc&email=ada%40example.com").unwrap();
        let join = JoinUrl::new(url.clone());
        assert_eq!(format!("{join:?}"), "JoinUrl(https://embed.sequel.io/<redacted>)");
        assert_eq!(
            format!("{:?}", EmbedUrl::new(url.clone())),
            "EmbedUrl(https://embed.sequel.io/<redacted>)"
        );
        let response: http::Response<()> = join.redirect();
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = &response.headers()[LOCATION];
        assert_eq!(location, url.as_str());
        assert!(location.is_sensitive());
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[REFERRER_POLICY], "no-referrer");
        assert!(!format!("{response:?}").contains("abc"));
    }
}
