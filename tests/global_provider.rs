//! The crate never reads or installs jsonwebtoken's process-wide `CryptoProvider`.
//!
//! This test binary is built with both of jsonwebtoken's backends (`aws_lc_rs` from the
//! library, `rust_crypto` from the dev-dependencies) and installs no provider. In that state
//! jsonwebtoken cannot choose a process-wide provider, and anything that relies on one panics:
//! the first test shows it. Signing and verifying here must still work. Nothing in this file
//! may install a provider, or it would prove nothing.

use event_sso::frameable::{Claims, SigningKey, VerifyingKey};

const PKCS1: &str = include_str!("fixtures/rsa2048_pkcs1.pem");
const PUBLIC: &str = include_str!("fixtures/rsa2048_public.pem");

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
    let key = SigningKey::from_pem(PKCS1).unwrap();
    let token = key.sign(&Claims::builder("Ada").build().unwrap()).unwrap();
    let claims = VerifyingKey::from_pem(PUBLIC)
        .unwrap()
        .verify(token.as_str())
        .unwrap();
    assert_eq!(claims.display_name(), "Ada");
    assert!(
        VerifyingKey::from_pem(PUBLIC)
            .unwrap()
            .verify(&token.as_str().replace('.', ".x"))
            .is_err()
    );
}
