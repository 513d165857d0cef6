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
    /// In HTML, use [`src_attribute`](EmbedUrl::src_attribute), which escapes it for the
    /// attribute (its `&` become `&amp;`):
    ///
    /// ```
    /// # fn page(embed: &event_sso::sequel::EmbedUrl) -> String {
    /// format!(r#"<iframe src="{}" allow="camera; microphone"></iframe>"#, embed.src_attribute())
    /// # }
    /// ```
    EmbedUrl
);

impl EmbedUrl {
    /// The URL escaped for a quoted HTML attribute such as `<iframe src="...">`: `&`, `"`,
    /// `'`, `<` and `>` become character references. (A template engine that escapes
    /// attributes does the same with [`as_str`](EmbedUrl::as_str); do not do both.)
    pub fn src_attribute(&self) -> String {
        let mut escaped = String::with_capacity(self.as_str().len() + 16);
        for c in self.as_str().chars() {
            match c {
                '&' => escaped.push_str("&amp;"),
                '"' => escaped.push_str("&quot;"),
                '\'' => escaped.push_str("&#39;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                c => escaped.push(c),
            }
        }
        escaped
    }
}

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
    /// let response: event_sso::http::Response<String> = join.redirect();
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
    fn src_attribute_escapes_what_an_attribute_cannot_hold() {
        // `Url` percent-encodes `"`, `<` and `'` in a query, and keeps `&`.
        let embed = EmbedUrl::new(
            Url::parse(r#"https://embed.sequel.io/event/e?userName=Ada "<b>" O'Neil&authKey=a&b"#).unwrap(),
        );
        let attribute = embed.src_attribute();
        assert_eq!(
            attribute,
            "https://embed.sequel.io/event/e?userName=Ada%20%22%3Cb%3E%22%20O%27Neil&amp;authKey=a&amp;b"
        );
        assert!(!attribute.contains(['"', '<', '>', '\'']));
        assert_eq!(attribute.matches('&').count(), attribute.matches("&amp;").count());
        let raw = Url::parse("https://e.example/x").unwrap();
        let mut odd = EmbedUrl::new(raw);
        odd.0.set_fragment(Some(r#"a"b<c>d'e&f"#));
        // A fragment keeps `'` and `&` as they are: both escaped here.
        assert_eq!(
            odd.src_attribute(),
            "https://e.example/x#a%22b%3Cc%3Ed&#39;e&amp;f"
        );
    }

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
