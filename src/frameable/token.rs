use std::fmt;
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use time::OffsetDateTime;

use super::claims::Claims;
use super::error::{Error, JsonError};

/// `{"alg":"RS256","typ":"JWT"}`, base64url: the only header this crate writes.
pub(crate) const HEADER_B64: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9";

/// A signed Frameable login token.
///
/// Anyone holding it is logged in as the user until it expires, so it has no `Display` and its
/// `Debug` shows only its length. Put it in a join URL with
/// [`EventLink::with_token`](super::EventLink::with_token).
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The compact JWT, `header.payload.signature`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The compact JWT as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(<redacted, {} bytes>)", self.0.len())
    }
}

pub(crate) fn sign(pair: &RsaKeyPair, claims: &Claims) -> Result<Token, Error> {
    // Claims have string keys and plain fields, so this cannot fail; were it ever to, the
    // error says so rather than a token being signed over nothing.
    let payload =
        serde_json::to_vec(claims).map_err(|_| Error::InvalidPayload(JsonError::unserializable()))?;
    let signature_len = pair.public_modulus_len();
    let mut jwt = String::with_capacity(HEADER_B64.len() + 2 + (payload.len() + signature_len) * 4 / 3 + 4);
    jwt.push_str(HEADER_B64);
    jwt.push('.');
    URL_SAFE_NO_PAD.encode_string(&payload, &mut jwt);

    let mut signature = vec![0; signature_len];
    // aws-lc-rs ignores the RNG for PKCS#1 v1.5, which is deterministic.
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        jwt.as_bytes(),
        &mut signature,
    )
    .map_err(|_| Error::Crypto)?;
    jwt.push('.');
    URL_SAFE_NO_PAD.encode_string(&signature, &mut jwt);
    Ok(Token(jwt))
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

pub(crate) fn verify(
    key: &DecodingKey,
    token: &str,
    now: OffsetDateTime,
    leeway: Duration,
) -> Result<Claims, Error> {
    let malformed = |reason| Error::MalformedToken { reason };
    let token = token.trim();
    let Some((signed_part, signature)) = token.rsplit_once('.') else {
        return Err(malformed("expected three base64url segments separated by dots"));
    };
    let Some((header, payload)) = signed_part.split_once('.').filter(|(_, p)| !p.contains('.')) else {
        return Err(malformed("expected three base64url segments separated by dots"));
    };

    let header = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| malformed("the header is not base64url"))?;
    let header: Header = serde_json::from_slice(&header)
        .map_err(|_| malformed("the header is not a JSON object with a string `alg`"))?;
    if header.alg != "RS256" {
        return Err(Error::UnsupportedAlgorithm {
            alg: header.alg.chars().take(16).collect(),
        });
    }

    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| malformed("the signature is not base64url"))?;
    // jsonwebtoken's aws-lc-rs provider, called directly: the process-wide default provider
    // is the application's to choose, and is never read here.
    let verifier = (jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.verifier_factory)(&Algorithm::RS256, key)
        .map_err(|_| Error::Crypto)?;
    verifier
        .verify(signed_part.as_bytes(), &signature)
        .map_err(|_| Error::BadSignature)?;

    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| malformed("the payload is not base64url"))?;
    let claims = crate::json::from_slice::<Claims>(&payload).map_err(Error::InvalidPayload)?;

    let leeway_secs = leeway.as_secs();
    let deadline = claims
        .expires_at()
        .checked_add(time::Duration::seconds(
            i64::try_from(leeway_secs).unwrap_or(i64::MAX),
        ))
        .unwrap_or(OffsetDateTime::new_utc(time::Date::MAX, time::Time::MIDNIGHT));
    if now > deadline {
        return Err(Error::Expired {
            expired_at: claims.expires_at(),
            leeway_secs,
        });
    }
    Ok(claims)
}
