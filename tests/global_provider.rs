//! The crate never reads or installs jsonwebtoken's process-wide `CryptoProvider`.
//!
//! This test binary is built with both of jsonwebtoken's backends (`aws_lc_rs` from the
//! library, `rust_crypto` from the dev-dependencies) and installs no provider. In that state
//! jsonwebtoken cannot choose a process-wide provider, and anything that relies on one panics:
//! the first test shows it. Signing and verifying here must still work. Nothing in this file
//! may install a provider, or it would prove nothing.

mod common;

use common::{PKCS1, assert_signs_for_fixture, key, verifier};
use event_sso::frameable::{Claims, Error};

#[test]
fn relying_on_the_global_provider_would_panic_here() {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(PKCS1.as_bytes()).unwrap();
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    let outcome = std::panic::catch_unwind(|| jsonwebtoken::encode(&header, &serde_json::json!({}), &key));
    assert!(
        outcome.is_err(),
        "jsonwebtoken found a process-wide provider, so this test proves nothing"
    );
}

#[test]
fn signs_and_verifies_without_a_global_provider() {
    assert_signs_for_fixture(&key(), "Ada");
    let token = key().sign(&Claims::builder("Ada").build().unwrap()).unwrap();
    let forged = token.as_str().replace("eyJk", "eyJE");
    assert!(matches!(
        verifier().verify(&forged),
        Err(Error::BadSignature { .. })
    ));
}
