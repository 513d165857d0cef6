//! Frameable login tokens: claims, RS256 signing, verification and join links.
//!
//! Frameable logs a user into an event when the event URL carries `?token=<jwt>`: a JWT your
//! backend signs with an RSA key whose public half is pasted into the event's settings. This
//! module builds and checks the claims ([`Claims::builder`]), loads or makes the key
//! ([`SigningKey`]), signs ([`SigningKey::sign`]), builds the join URL ([`EventLink`]) and
//! checks tokens ([`VerifyingKey`]). It does no I/O and needs no crate feature.
//!
//! ```
//! use event_sso::frameable::{Claims, EventLink, Role, SigningKey};
//!
//! let key = SigningKey::generate()?;
//! let claims = Claims::builder("Larry David")
//!     .email("larry@seinfeld.com")
//!     .profile("organization", "Seinfeld")
//!     .role(Role::Host)
//!     .build()?;
//! let token = key.sign(&claims)?;
//! let join = EventLink::new("acme", "launch-party")?.with_token(&token);
//! assert!(join.as_str().starts_with("https://acme.frameable.com/events/launch-party?token=ey"));
//! # Ok::<(), event_sso::frameable::Error>(())
//! ```
//!
//! Signing runs through aws-lc-rs with the key parsed once; verifying goes through
//! jsonwebtoken's aws-lc-rs provider object. Neither reads nor installs jsonwebtoken's
//! process-wide `CryptoProvider`, so this works whatever the application chose there.

mod claims;
mod error;
mod key;
mod link;
mod pem;
mod token;

pub use crate::secret_url::JoinUrl;
pub use claims::{
    Claims, ClaimsBuilder, DEFAULT_LIFETIME, DEFAULT_MAX_LIFETIME, MAX_DISPLAY_NAME_CHARS, MAX_EMAIL_CHARS,
    MAX_PROFILE_FIELDS, MAX_PROFILE_KEY_CHARS, MAX_PROFILE_VALUE_CHARS, MAX_URL_CHARS, Role, UnlistedRole,
};
pub use error::{ClaimProblem, ClaimProblems, Error, JsonError};
pub use key::{DEFAULT_LEEWAY, SigningKey, VerifyingKey};
pub use link::EventLink;
pub use token::Token;
