use std::fmt;
use std::path::PathBuf;

pub use crate::json::JsonError;

/// The command the Frameable guide gives for a key pair; every key error points back to it.
const KEYGEN_HINT: &str = "ssh-keygen -b 2048 -m PEM -t rsa -f frameable.key -q -N \"\"";

/// Everything that can go wrong in [`frameable`](crate::frameable): loading keys, building
/// claims, signing, verifying and building links.
///
/// One type for the whole module, so the calls chain with `?`. Messages are built from parts
/// the crate chose: they never contain key material, tokens, e-mail addresses or other values
/// a user typed in; they name the field or the file and say how to fix the problem.
///
/// Ask with the predicates rather than matching variants (every variant is
/// `#[non_exhaustive]`, so variants can gain fields). In a web handler they map to answers:
///
/// | predicate | whose mistake | answer |
/// |---|---|---|
/// | [`is_invalid_claims`](Error::is_invalid_claims) | the user's input (a name too long, a bad avatar URL) | `400 Bad Request` |
/// | [`is_invalid_token`](Error::is_invalid_token) (and [`is_expired`](Error::is_expired)) | whoever sent the token | `401 Unauthorized` |
/// | [`is_invalid_link`](Error::is_invalid_link) | the event name or subdomain: `400` if it came from the request, `500` if from your configuration | `400` or `500` |
/// | [`is_key`](Error::is_key) | your deployment: the key file or its contents | `500 Internal Server Error` |
/// | anything else (the crypto library failed) | nobody's: a fault | `500 Internal Server Error` |
///
/// ```
/// use event_sso::frameable::{Claims, SigningKey};
/// use event_sso::http::StatusCode;
///
/// fn status(error: &event_sso::frameable::Error) -> StatusCode {
///     if error.is_invalid_claims() {
///         StatusCode::BAD_REQUEST
///     } else if error.is_invalid_token() {
///         StatusCode::UNAUTHORIZED
///     } else {
///         StatusCode::INTERNAL_SERVER_ERROR
///     }
/// }
///
/// let too_long = "x".repeat(300);
/// let error = Claims::builder(too_long).build().unwrap_err();
/// assert_eq!(status(&error), StatusCode::BAD_REQUEST);
/// let error = SigningKey::from_pem("not a key").unwrap_err();
/// assert_eq!(status(&error), StatusCode::INTERNAL_SERVER_ERROR);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// [`ClaimsBuilder::build`](super::ClaimsBuilder::build) found one or more problems; all of
    /// them are listed.
    #[error("invalid claims: {0}")]
    #[non_exhaustive]
    InvalidClaims(ClaimProblems),

    /// A role name that is not one of the roles this crate lists (see
    /// [`Role`](super::Role)'s `FromStr`).
    #[error("unknown role; expected one of {}", listed.join(", "))]
    #[non_exhaustive]
    UnknownRole {
        /// The names that are accepted.
        listed: &'static [&'static str],
    },

    /// The key file could not be read.
    #[error("cannot read key file `{}`", path.display())]
    #[non_exhaustive]
    KeyFile {
        /// The path that was given.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// An OpenSSH-format private key (`-----BEGIN OPENSSH PRIVATE KEY-----`), which is what
    /// `ssh-keygen` writes when `-m PEM` is left out.
    #[error(
        "this is an OpenSSH-format private key; convert it to PEM in place with \
         `ssh-keygen -p -N \"\" -m PEM -f <key file>`, or make a new key with `{KEYGEN_HINT}`"
    )]
    #[non_exhaustive]
    OpenSshKey,

    /// A passphrase-protected private key.
    #[error(
        "this private key is encrypted with a passphrase; write an unencrypted copy with \
         `openssl pkey -in <key file> -out <new key file>` and keep that copy secret"
    )]
    #[non_exhaustive]
    EncryptedKey,

    /// A public key (or certificate) was given where the private key belongs.
    #[error(
        "this is a public key, but signing needs the private key (the file that begins with \
         `-----BEGIN RSA PRIVATE KEY-----` or `-----BEGIN PRIVATE KEY-----`); the public key \
         goes into the Frameable event's settings"
    )]
    #[non_exhaustive]
    PublicKeyGiven,

    /// A private key was given where the public key belongs.
    #[error(
        "this is a private key, but verifying needs the public key (`-----BEGIN PUBLIC KEY-----`); \
         get it with `SigningKey::public_key_pem` or `openssl rsa -in <key file> -pubout`"
    )]
    #[non_exhaustive]
    PrivateKeyGiven,

    /// A key for another algorithm (EC, Ed25519, DSA, ...).
    #[error(
        "this is {algorithm} key, but Frameable tokens are RS256 and need an RSA key; \
         make one with `{KEYGEN_HINT}`"
    )]
    #[non_exhaustive]
    NotRsa {
        /// The kind of key found, with its article, for example "an EC".
        algorithm: &'static str,
    },

    /// An RSA key shorter than 2048 bits.
    #[error("this RSA key has {bits} bits, fewer than the 2048 RS256 needs; make one with `{KEYGEN_HINT}`")]
    #[non_exhaustive]
    KeyTooSmall {
        /// The modulus length found.
        bits: usize,
    },

    /// The data is not a key this crate can read; the reason says what was wrong.
    #[error("not a usable PEM key: {reason}")]
    #[non_exhaustive]
    InvalidKey {
        /// What was wrong, in a few words.
        reason: &'static str,
    },

    /// Key generation or RSA signing failed inside the crypto library.
    #[error("the RSA operation failed in the crypto library")]
    #[non_exhaustive]
    Crypto,

    /// The token is not three base64url segments of JSON.
    #[error("malformed token: {reason}")]
    #[non_exhaustive]
    MalformedToken {
        /// What was wrong, in a few words.
        reason: &'static str,
    },

    /// The token's header names an algorithm other than RS256 (including `none`).
    #[error("the token's algorithm {alg:?} is refused; Frameable tokens are RS256 only")]
    #[non_exhaustive]
    UnsupportedAlgorithm {
        /// The `alg` the header carries, cut to 16 characters.
        alg: String,
    },

    /// The signature does not match the public key.
    #[error(
        "the token's signature does not match this public key: it was signed with another key, or altered"
    )]
    #[non_exhaustive]
    BadSignature,

    /// The token's `exp` is in the past, beyond the leeway.
    #[error("the token expired at {expired_at} (Unix time {}), beyond the {leeway_secs} s leeway", expired_at.unix_timestamp())]
    #[non_exhaustive]
    Expired {
        /// When the token expired.
        expired_at: time::OffsetDateTime,
        /// The clock leeway that was allowed, in seconds.
        leeway_secs: u64,
    },

    /// The token's payload is JSON, but not Frameable's claims.
    #[error("the token's claims are not Frameable claims")]
    #[non_exhaustive]
    InvalidPayload(#[source] JsonError),

    /// A join link could not be built; the reason names the part and the fix.
    #[error("invalid event link: {reason}")]
    #[non_exhaustive]
    InvalidLink {
        /// What was wrong and how to fix it, in a few words.
        reason: &'static str,
    },
}

impl Error {
    /// The status a web handler should answer with; the table in the crate docs ("Errors in a
    /// web handler") gives each case, for this module and `sequel` alike: claims, a role or a
    /// link refused `400`, a token refused `401`, a key that cannot be read or used `500`.
    pub fn response_status(&self) -> http::StatusCode {
        match self {
            error if error.is_invalid_claims() || error.is_invalid_link() => http::StatusCode::BAD_REQUEST,
            error if error.is_invalid_token() => http::StatusCode::UNAUTHORIZED,
            _ => http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The answer a web handler gives its own client: the
    /// [`response_status`](Error::response_status), `Cache-Control: no-store`, and a plain-text
    /// body, this error's message for a `4xx` (which field was refused, never its value) and
    /// the status's reason alone for a `5xx`. Log the error itself for the details.
    pub fn to_response(&self) -> http::Response<String> {
        crate::response::error_response(self.response_status(), None, self)
    }

    /// Whether [`ClaimsBuilder::build`](super::ClaimsBuilder::build) refused the claims, or a
    /// role name was not one this crate lists: the values came from the user or your data, so
    /// answer `400`.
    pub fn is_invalid_claims(&self) -> bool {
        matches!(self, Error::InvalidClaims(..) | Error::UnknownRole { .. })
    }

    /// Whether a token was refused by [`VerifyingKey::verify`](super::VerifyingKey::verify):
    /// malformed, another algorithm, a bad signature, expired, or claims of another shape.
    pub fn is_invalid_token(&self) -> bool {
        matches!(
            self,
            Error::MalformedToken { .. }
                | Error::UnsupportedAlgorithm { .. }
                | Error::BadSignature
                | Error::Expired { .. }
                | Error::InvalidPayload(..)
        )
    }

    /// Whether the token was refused only because it expired.
    pub fn is_expired(&self) -> bool {
        matches!(self, Error::Expired { .. })
    }

    /// Whether a key could not be read or used: the file, its format, its kind or its size.
    pub fn is_key(&self) -> bool {
        matches!(
            self,
            Error::KeyFile { .. }
                | Error::OpenSshKey
                | Error::EncryptedKey
                | Error::PublicKeyGiven
                | Error::PrivateKeyGiven
                | Error::NotRsa { .. }
                | Error::KeyTooSmall { .. }
                | Error::InvalidKey { .. }
        )
    }

    /// Whether an [`EventLink`](super::EventLink) could not be built from the parts given.
    pub fn is_invalid_link(&self) -> bool {
        matches!(self, Error::InvalidLink { .. })
    }

    /// The problems [`ClaimsBuilder::build`](super::ClaimsBuilder::build) found, field by
    /// field, for a `400` answer that says what to fix.
    pub fn claim_problems(&self) -> Option<&ClaimProblems> {
        match self {
            Error::InvalidClaims(problems, ..) => Some(problems),
            _ => None,
        }
    }

    pub(crate) fn invalid_link(reason: &'static str) -> Error {
        Error::InvalidLink { reason }
    }
}

/// Every problem [`ClaimsBuilder::build`](super::ClaimsBuilder::build) found, in the order the
/// fields appear in the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimProblems(pub(crate) Vec<ClaimProblem>);

impl ClaimProblems {
    /// The problems, one per field and rule broken.
    pub fn iter(&self) -> impl Iterator<Item = &ClaimProblem> {
        self.0.iter()
    }

    /// The number of problems (never zero).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: a `ClaimProblems` is only made when something is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ClaimProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// One broken rule: the claim it concerns and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimProblem {
    pub(crate) field: String,
    pub(crate) message: String,
}

impl ClaimProblem {
    /// The claim as it is named in the token, for example `displayName` or `userProfile[2]`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong, without repeating the value.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ClaimProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.field, self.message)
    }
}
