//! Fixtures and helpers shared by the test files; each file uses some of them.
#![allow(dead_code)]

#[cfg(all(feature = "async", feature = "blocking"))]
pub mod clients;
pub mod contract;
#[cfg(feature = "postgres")]
pub mod postgres;

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

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A compact JWT of `header` and `payload` (both JSON text), signed by `sign`.
pub fn forge(header: &str, payload: &str, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let signed_part = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let signature = sign(signed_part.as_bytes());
    format!("{signed_part}.{}", b64(&signature))
}

/// An RS256 signature by the fixture key, made without the crate: for payloads the crate
/// would refuse to sign.
pub fn fixture_signature(message: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let der: String = PKCS8.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(der).unwrap();
    let pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let mut signature = vec![0; pair.public_modulus_len()];
    pair.sign(
        &aws_lc_rs::signature::RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        message,
        &mut signature,
    )
    .unwrap();
    signature
}

/// Any JSON payload, RS256-signed by the fixture key.
pub fn sign_payload(payload: &serde_json::Value) -> String {
    forge(
        r#"{"alg":"RS256","typ":"JWT"}"#,
        &payload.to_string(),
        fixture_signature,
    )
}

/// A blocking transport for the sans-IO `Driver` over reqwest, which follows no redirect:
/// sends `request` within `timeout` and reads the answer whole.
pub fn reqwest_send(
    http: &reqwest::blocking::Client,
    request: http::Request<Vec<u8>>,
    timeout: std::time::Duration,
) -> Result<http::Response<Vec<u8>>, event_sso::sequel::Error> {
    let mut request = reqwest::blocking::Request::try_from(request).unwrap();
    *request.timeout_mut() = Some(timeout);
    let response = http.execute(request).map_err(|e| {
        event_sso::sequel::Error::transport(event_sso::sequel::TransportKind::Other, e.without_url())
    })?;
    let mut answer = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    Ok(answer.body(response.bytes().unwrap().to_vec()).unwrap())
}

/// A reqwest blocking client that follows no redirect, for [`reqwest_send`].
pub fn reqwest_blocking() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
