use std::fmt;

use http::header::{CACHE_CONTROL, LOCATION, REFERRER_POLICY};
use http::{HeaderValue, StatusCode};
use url::Url;

use super::error::Error;
use super::token::Token;

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
        if let Some(first) = subdomain.strip_suffix(".frameable.com") {
            return Err(Error::InvalidLink(format!(
                "give the subdomain alone (`{first}`), without `.frameable.com`"
            )));
        }
        if !is_dns_label(&subdomain) {
            return Err(Error::InvalidLink(
                "the subdomain must be 1 to 63 letters, digits or inner hyphens, \
                 such as `acme` in acme.frameable.com"
                    .to_owned(),
            ));
        }
        // `.` and `..` would be resolved away as path steps, not sent as the event's name.
        if event.trim().is_empty() || event.chars().any(char::is_control) || event == "." || event == ".." {
            return Err(Error::InvalidLink(
                "the event must be a non-blank name without control characters, and not `.` or `..`, \
                 such as `launch-party`"
                    .to_owned(),
            ));
        }
        let mut url = Url::parse(&format!("https://{subdomain}.frameable.com/events"))
            .map_err(|_| Error::InvalidLink("the subdomain does not make a valid host name".to_owned()))?;
        url.path_segments_mut()
            .map_err(|()| Error::InvalidLink("the subdomain does not make a valid host name".to_owned()))?
            .push(event);
        Ok(EventLink { url })
    }

    /// An event page on another host (a custom domain, a staging site): any absolute
    /// `http://` or `https://` URL. Its query is kept, less any `token` left in it, so an
    /// `EventLink` never holds a login.
    pub fn parse(url: &str) -> Result<EventLink, Error> {
        let mut url = Url::parse(url.trim())
            .map_err(|e| Error::InvalidLink(format!("the event URL does not parse ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Error::InvalidLink(
                "the event URL must be an absolute http:// or https:// URL".to_owned(),
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
    /// holder in, so treat it as a secret: redirect to it, don't log it or e-mail it.
    pub fn with_token(&self, token: &Token) -> Url {
        let mut url = self.url.clone();
        url.query_pairs_mut().append_pair("token", token.as_str());
        url
    }

    /// A `302 Found` to the join URL, as Frameable advises: mint the token when the user
    /// clicks, then redirect. Carries `Cache-Control: no-store` (no cache keeps the login) and
    /// `Referrer-Policy: no-referrer` (the token does not leak to the next site); the
    /// `Location` header is marked sensitive. The body is `B::default()`, so it fits any
    /// framework's body type.
    pub fn redirect<B: Default>(&self, token: &Token) -> http::Response<B> {
        let mut location = HeaderValue::try_from(self.with_token(token).as_str())
            .expect("a serialized URL is printable ASCII, so always a valid header value");
        location.set_sensitive(true);
        let mut response = http::Response::new(B::default());
        *response.status_mut() = StatusCode::FOUND;
        let headers = response.headers_mut();
        headers.insert(LOCATION, location);
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        response
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
