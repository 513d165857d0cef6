//! Fixtures and helpers shared by the test files; each file uses some of them.
#![allow(dead_code)]

#[cfg(all(feature = "async", feature = "blocking"))]
pub mod clients;

use event_sso::frameable::{Claims, ClaimsBuilder, Role, SigningKey, VerifyingKey};
use time::OffsetDateTime;

pub const PKCS1: &str = include_str!("../fixtures/rsa2048_pkcs1.pem");
pub const PKCS8: &str = include_str!("../fixtures/rsa2048_pkcs8.pem");
pub const PUBLIC: &str = include_str!("../fixtures/rsa2048_public.pem");
pub const GOLDEN_TOKEN: &str = include_str!("../fixtures/golden_token.txt");
pub const GOLDEN_CLAIMS: &str = include_str!("../fixtures/golden_claims.json");

pub fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

/// The claims behind the golden token and golden JSON.
pub fn larry() -> ClaimsBuilder {
    Claims::builder("Larry David")
        .email("larry@seinfeld.com")
        .avatar_url("https://cdn.example.com/larry.png")
        .profile("organization", "Seinfeld")
        .profile("title", "Producer")
        .twitter("https://twitter.com/larrydavid")
        .role(Role::Host)
        .role(Role::Presenter)
        .issued_at(at(1_700_000_000))
}

/// The fixture key pair.
pub fn key() -> SigningKey {
    SigningKey::from_pem(PKCS1).unwrap()
}

pub fn verifier() -> VerifyingKey {
    VerifyingKey::from_pem(PUBLIC).unwrap()
}

/// Signs claims for `name` with `key` and checks the token against the fixture public key.
pub fn assert_signs_for_fixture(key: &SigningKey, name: &str) {
    let token = key.sign(&Claims::builder(name).build().unwrap()).unwrap();
    assert_eq!(verifier().verify(token.as_str()).unwrap().display_name(), name);
}
