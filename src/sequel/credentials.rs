//! What lets the crate in to Sequel, as values: the client credentials, and the access token
//! they are exchanged for. The token endpoint and the rule for renewing a token are in
//! [`request`](super::request).

use std::time::Duration;

use http::HeaderValue;

use super::error::Error;

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
    /// A bearer token for Sequel's API.
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

impl TokenGrant {
    /// A grant of `access_token`, valid for `lifetime` when known: for tests, and for
    /// transports that read the token answer themselves.
    pub fn new(access_token: AccessToken, lifetime: Option<Duration>) -> TokenGrant {
        TokenGrant {
            access_token,
            lifetime,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug() {
        let credentials = Credentials::new("client-1", r#"s3"cret\value-ada@example.com"#);
        assert_eq!(
            format!("{credentials:?}"),
            r#"Credentials { client_id: "client-1", client_secret: ClientSecret(<redacted>) }"#
        );
        assert_eq!(
            format!("{:?}", AccessToken::new("eyJtoken")),
            "AccessToken(<redacted>)"
        );
        let grant = TokenGrant::new(AccessToken::new("eyJtoken"), Some(Duration::from_secs(5)));
        assert!(!format!("{grant:?}").contains("eyJtoken"));
    }
}
