//! No input panics: the builder, the key readers, the verifier and the link builder answer
//! anything with a value or an error.

use std::cell::Cell;
use std::sync::LazyLock;
use std::time::Duration;

use base64::Engine;
use event_sso::frameable::{Claims, EventLink, Role, SigningKey, VerifyingKey};
use proptest::prelude::*;
use time::OffsetDateTime;

mod common;

static KEY: LazyLock<SigningKey> = LazyLock::new(common::key);
static VERIFIER: LazyLock<VerifyingKey> = LazyLock::new(|| KEY.verifying_key());

const LABELS: &[&str] = &[
    "RSA PRIVATE KEY",
    "PRIVATE KEY",
    "PUBLIC KEY",
    "RSA PUBLIC KEY",
    "ENCRYPTED PRIVATE KEY",
    "EC PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "CERTIFICATE",
];

/// Mostly plausible text with the odd control character, quote or non-ASCII letter.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 .@:/_-]{0,40}",
        1 => ".{0,40}",
        1 => "https?://[a-z]{1,10}\\.[a-z]{2,3}/[a-z0-9]{0,10}",
        1 => "[a-z]{1,8}@[a-z]{1,8}\\.[a-z]{2,3}",
    ]
}

fn armoured(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
}

/// What a generated set of claims is made of.
type ClaimsInput = (
    String,
    Option<String>,
    Option<String>,
    Vec<(String, String)>,
    Vec<String>,
    u64,
    i64,
);

fn claims_input() -> impl Strategy<Value = ClaimsInput> {
    (
        text(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::collection::vec((text(), text()), 0..3),
        proptest::collection::vec(
            prop_oneof![2 => Just("host".to_owned()), 2 => "[a-z_-]{1,8}", 1 => text()],
            0..3,
        ),
        0u64..100_000,
        -100_000_000_000i64..250_000_000_000,
    )
}

/// Builds the claims; valid ones must sign and verify back to themselves, refused ones must
/// say why. Returns whether they were valid.
fn build_and_round_trip(input: ClaimsInput) -> Result<bool, TestCaseError> {
    let (name, email, avatar, profile, roles, lifetime_secs, iat) = input;
    let mut builder = Claims::builder(name);
    if let Some(email) = email {
        builder = builder.email(email);
    }
    if let Some(avatar) = avatar {
        builder = builder.avatar_url(avatar);
    }
    for (k, v) in profile {
        builder = builder.profile(k, v);
    }
    let issued_at = OffsetDateTime::from_unix_timestamp(iat).unwrap();
    let built = builder
        .roles(roles.into_iter().map(Role::unlisted))
        .expires_in(Duration::from_secs(lifetime_secs))
        .issued_at(issued_at)
        .build();
    match built {
        Ok(claims) => {
            let token = KEY.sign(&claims).unwrap();
            prop_assert_eq!(VERIFIER.verify_at(token.as_str(), issued_at).unwrap(), claims);
            Ok(true)
        }
        Err(err) => {
            prop_assert!(err.claim_problems().is_some_and(|p| !p.is_empty()), "{err:?}");
            Ok(false)
        }
    }
}

#[test]
fn builder_property_exercises_valid_claims() {
    // Its own run and its own count: nothing else adds to it.
    let valid = Cell::new(0usize);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(256));
    runner
        .run(&claims_input(), |input| {
            valid.set(valid.get() + usize::from(build_and_round_trip(input)?));
            Ok(())
        })
        .unwrap();
    assert!(
        valid.get() >= 10,
        "only {} of 256 generated claims were valid",
        valid.get()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn builder_never_panics_and_valid_claims_round_trip(input in claims_input()) {
        build_and_round_trip(input)?;
    }

    #[test]
    fn key_readers_never_panic_on_text(input in ".{0,300}") {
        let signing = SigningKey::from_pem(&input).unwrap_err();
        let verifying = VerifyingKey::from_pem(&input).unwrap_err();
        prop_assert!(signing.is_key() && verifying.is_key(), "{signing:?} {verifying:?}");
    }

    #[test]
    fn key_readers_never_panic_on_armoured_bytes(
        label in proptest::sample::select(LABELS),
        der in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let pem = armoured(label, &der);
        prop_assert!(SigningKey::from_pem(&pem).is_err());
        prop_assert!(VerifyingKey::from_pem(&pem).is_err());
    }

    /// DER that starts like a real key and then goes wrong anywhere.
    #[test]
    fn key_readers_never_panic_on_damaged_keys(cut in 0usize..1300, flip in 0usize..1300, bits in 1u8..=255) {
        let real: String = common::PKCS8.lines().filter(|l| !l.starts_with("-----")).collect();
        let mut der = base64::engine::general_purpose::STANDARD.decode(real).unwrap();
        let intact = flip >= der.len() && cut >= der.len();
        if flip < der.len() { der[flip] ^= bits; }
        der.truncate(cut);
        let read = SigningKey::from_pem(&armoured("PRIVATE KEY", &der));
        prop_assert!(!intact || read.is_ok(), "the untouched key must load: {read:?}");
        if let Err(err) = read { prop_assert!(err.is_key(), "{err:?}"); }
        if let Err(err) = SigningKey::from_pem(&armoured("RSA PRIVATE KEY", &der)) {
            prop_assert!(err.is_key(), "{err:?}");
        }
    }

    #[test]
    fn verifier_never_panics(
        header in ".{0,60}",
        payload in ".{0,120}",
        signature in proptest::collection::vec(any::<u8>(), 0..300),
        raw in ".{0,200}",
    ) {
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let token = format!("{}.{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()), b64(&signature));
        prop_assert!(VERIFIER.verify(&token).is_err());
        prop_assert!(VERIFIER.verify(&raw).is_err());
        let rs256 = format!("{}.{}.{}", b64(br#"{"alg":"RS256"}"#), b64(payload.as_bytes()), b64(&signature));
        prop_assert!(VERIFIER.verify(&rs256).is_err());
    }

    #[test]
    fn links_never_panic_and_keep_the_event_in_one_segment(subdomain in ".{0,70}", event in ".{0,40}", url in ".{0,80}") {
        if let Ok(link) = EventLink::new(&subdomain, &event) {
            prop_assert_eq!(link.as_url().path_segments().unwrap().count(), 2);
            let token = KEY.sign(&Claims::builder("Ada").build().unwrap()).unwrap();
            let response: http::Response<()> = link.redirect(&token);
            prop_assert_eq!(response.status(), http::StatusCode::FOUND);
        }
        match EventLink::parse(&url) {
            Ok(link) => prop_assert!(link.as_url().query_pairs().all(|(name, _)| name != "token")),
            Err(err) => prop_assert!(err.is_invalid_link(), "{err:?}"),
        }
    }
}
