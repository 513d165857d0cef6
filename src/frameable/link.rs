use std::fmt;

use url::Url;

use super::error::Error;
use super::token::Token;
use crate::secret_url::JoinUrl;

/// A Frameable event's address, to which a [`Token`] is added to make the join URL.
///
/// ```
/// use event_sso::frameable::EventLink;
///
/// let link = EventLink::new("acme", "launch-party")?;
/// assert_eq!(link.as_url().as_str(), "https://acme.frameable.com/events/launch-party");
/// # Ok::<(), event_sso::frameable::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventLink {
    url: Url,
}

impl EventLink {
    /// `https://{subdomain}.frameable.com/events/{event}`. The subdomain must be one DNS label
    /// (letters, digits and inner hyphens; it is lowercased); the event is sent as one path
    /// segment, so `/`, `?`, `#` and spaces in it are percent-encoded.
    pub fn new(subdomain: &str, event: &str) -> Result<EventLink, Error> {
        let subdomain = subdomain.trim().to_ascii_lowercase();
        if subdomain.ends_with(".frameable.com") {
            return Err(Error::invalid_link(
                "give the subdomain alone (`acme` for acme.frameable.com), without `.frameable.com`",
            ));
        }
        if !is_dns_label(&subdomain) {
            return Err(Error::invalid_link(
                "the subdomain must be 1 to 63 letters, digits or inner hyphens, \
                 such as `acme` in acme.frameable.com",
            ));
        }
        // `.` and `..` would be resolved away as path steps, not sent as the event's name.
        if event.trim().is_empty() || event.chars().any(char::is_control) || event == "." || event == ".." {
            return Err(Error::invalid_link(
                "the event must be a non-blank name without control characters, and not `.` or `..`, \
                 such as `launch-party`",
            ));
        }
        let mut url = Url::parse(&format!("https://{subdomain}.frameable.com/events"))
            .map_err(|_| Error::invalid_link("the subdomain does not make a valid host name"))?;
        url.path_segments_mut()
            .map_err(|()| Error::invalid_link("the subdomain does not make a valid host name"))?
            .push(event);
        Ok(EventLink { url })
    }

    /// An event page on another host (a custom domain, a staging site): an absolute
    /// `https://` URL, or `http://` on loopback (`127.0.0.0/8`, `[::1]`, `localhost`) only. Its query is kept, less any `token` left in it, so an
    /// `EventLink` never holds a login.
    pub fn parse(url: &str) -> Result<EventLink, Error> {
        let mut url = Url::parse(url.trim())
            .map_err(|_| Error::invalid_link("the event URL does not parse as an absolute URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Error::invalid_link(
                "the event URL must be an absolute http:// or https:// URL",
            ));
        }
        if url.scheme() == "http" && !crate::secret_url::is_loopback(&url) {
            return Err(Error::invalid_link(
                "the event URL is plain http:// to a host that is not loopback, so the login token would travel in clear text: use https://",
            ));
        }
        if url.query_pairs().any(|(name, _)| name == "token") {
            let kept: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(name, _)| name != "token")
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
            url.set_query(None);
            if !kept.is_empty() {
                url.query_pairs_mut().extend_pairs(kept);
            }
        }
        Ok(EventLink { url })
    }

    /// The event page, without a token.
    pub fn as_url(&self) -> &Url {
        &self.url
    }

    /// The join URL: the event page with `token=<jwt>` appended to its query. It logs the
    /// holder in, so it is a [`JoinUrl`]: no `Display`, a redacted `Debug`. Redirect to it
    /// ([`JoinUrl::redirect`]); don't log it or e-mail it.
    pub fn with_token(&self, token: &Token) -> JoinUrl {
        let mut url = self.url.clone();
        url.query_pairs_mut().append_pair("token", token.as_str());
        JoinUrl::new(url)
    }

    /// A `302 Found` to the join URL, as Frameable advises: mint the token when the user
    /// clicks, then redirect. The same as `self.with_token(token).redirect()`; see
    /// [`JoinUrl::redirect`] for the headers.
    pub fn redirect<B: Default>(&self, token: &Token) -> http::Response<B> {
        self.with_token(token).redirect()
    }
}

impl fmt::Display for EventLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())
    }
}

fn is_dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}
