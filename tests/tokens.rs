//! Signing and verifying: a golden token signed by OpenSSL, round trips, and every forgery the
//! verifier must refuse.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
mod common;

use common::{GOLDEN_TOKEN, PKCS1, PUBLIC, at, key, larry, verifier};
use event_sso::frameable::{Claims, Error, Role, SigningKey};

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token with the given header and payload JSON, signed by `sign` over `header.payload`.
#[test]
fn golden_token_matches_openssl_byte_for_byte() {
    let token = key().sign(&larry().build().unwrap()).unwrap();
    assert_eq!(token.as_str(), GOLDEN_TOKEN);
}

#[test]
fn header_is_rs256_jwt_in_that_order() {
    let token = key().sign(&Claims::builder("Ada").build().unwrap()).unwrap();
    let header = token.as_str().split('.').next().unwrap();
    assert_eq!(
        URL_SAFE_NO_PAD.decode(header).unwrap(),
        br#"{"alg":"RS256","typ":"JWT"}"#
    );
}

#[test]
fn round_trip_returns_the_same_claims() {
    let claims = Claims::builder("Ada Lovelace")
        .email("ada@example.com")
        .profile("organization", "Analytical Engines")
        .linkedin("https://www.linkedin.com/in/ada")
        .roles([Role::Transcriber, Role::Interpreter, Role::unlisted("moderator")])
        .build()
        .unwrap();
    let token = key().sign(&claims).unwrap();
    assert_eq!(verifier().verify(token.as_str()).unwrap(), claims);
    assert_eq!(key().verifying_key().verify(token.as_str()).unwrap(), claims);
}

#[test]
fn token_accessors_and_redacted_debug() {
    let token = key().sign(&larry().build().unwrap()).unwrap();
    assert_eq!(format!("{token:?}"), "Token(<redacted, 752 bytes>)");
    let text = token.as_str().to_owned();
    assert_eq!(token.clone().into_string(), text);
}

#[test]
fn expiry_is_checked_with_leeway() {
    let claims = larry().build().unwrap(); // exp 1_700_000_300
    let token = key().sign(&claims).unwrap();
    let v = verifier();
    assert!(v.verify_at(token.as_str(), at(1_700_000_300)).is_ok());
    assert!(
        v.verify_at(token.as_str(), at(1_700_000_360)).is_ok(),
        "within the 60 s leeway"
    );
    let err = v.verify_at(token.as_str(), at(1_700_000_361)).unwrap_err();
    assert!(
        err.is_expired() && matches!(err, Error::Expired { leeway_secs: 60, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the token expired at 2023-11-14 22:18:20.0 +00:00:00 (Unix time 1700000300), beyond the 60 s leeway"
    );
    let strict = v.with_leeway(Duration::ZERO);
    assert!(strict.verify_at(token.as_str(), at(1_700_000_301)).is_err());
    // The system clock is long past 2023.
    assert!(matches!(
        verifier().verify(token.as_str()),
        Err(Error::Expired { .. })
    ));
}

#[test]
fn tampered_payload_is_refused() {
    let mut parts: Vec<String> = GOLDEN_TOKEN.split('.').map(str::to_owned).collect();
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    parts[1] = b64(payload.replace("\"host\",", "").as_bytes());
    let err = verifier()
        .verify_at(&parts.join("."), at(1_700_000_000))
        .unwrap_err();
    assert!(
        err.is_invalid_token() && matches!(err, Error::BadSignature { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the token's signature does not match this public key: it was signed with another key, or altered"
    );
}

#[test]
fn token_from_another_key_is_refused() {
    let other = SigningKey::from_pem(include_str!("fixtures/other_rsa2048.pem")).unwrap();
    let token = other.sign(&Claims::builder("Ada").build().unwrap()).unwrap();
    assert!(matches!(
        verifier().verify(token.as_str()),
        Err(Error::BadSignature { .. })
    ));
}

#[test]
fn alg_none_is_refused() {
    let payload = r#"{"displayName":"Mallory","roles":["host"],"iat":1700000000,"exp":9999999999}"#;
    for token in [
        common::forge(r#"{"alg":"none","typ":"JWT"}"#, payload, |_| Vec::new()),
        format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(payload.as_bytes())),
        common::forge(r#"{"alg":"None"}"#, payload, |_| Vec::new()),
    ] {
        let err = verifier().verify(&token).unwrap_err();
        assert!(matches!(err, Error::UnsupportedAlgorithm { .. }), "{err:?}");
        assert!(
            err.to_string()
                .ends_with("is refused; Frameable tokens are RS256 only"),
            "{err}"
        );
    }
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    let payload = r#"{"displayName":"Mallory","roles":["host"],"iat":1700000000,"exp":9999999999}"#;
    let token = common::forge(r#"{"alg":"HS256","typ":"JWT"}"#, payload, |message| {
        let secret = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, PUBLIC.as_bytes());
        aws_lc_rs::hmac::sign(&secret, message).as_ref().to_vec()
    });
    let err = verifier().verify(&token).unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedAlgorithm { alg, .. } if alg == "HS256"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        r#"the token's algorithm "HS256" is refused; Frameable tokens are RS256 only"#
    );
}

#[test]
fn other_rsa_algorithms_are_refused_even_with_a_valid_signature() {
    // An RS256 signature relabelled RS512 or PS256 must not pass on the strength of the bytes.
    let (_, rest) = GOLDEN_TOKEN.split_once('.').unwrap();
    for alg in ["RS512", "PS256", "rs256", "RS256 "] {
        let header = b64(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
        let err = verifier().verify(&format!("{header}.{rest}")).unwrap_err();
        assert!(
            matches!(err, Error::UnsupportedAlgorithm { .. }),
            "{alg}: {err:?}"
        );
    }
    let long = "X".repeat(500);
    let err = verifier()
        .verify(&common::forge(&format!(r#"{{"alg":"{long}"}}"#), "{}", |_| {
            Vec::new()
        }))
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedAlgorithm { alg, .. } if alg.len() == 16),
        "{err:?}"
    );
}

#[test]
fn malformed_tokens_say_what_is_wrong() {
    let (h, rest) = GOLDEN_TOKEN.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let cases = [
        (String::new(), "expected three base64url segments"),
        ("abc".to_owned(), "expected three base64url segments"),
        (format!("{h}.{p}"), "expected three base64url segments"),
        (format!("{h}.{p}.{s}.{s}"), "expected three base64url segments"),
        (format!("@@.{p}.{s}"), "the header is not base64url"),
        (
            format!("{}.{p}.{s}", b64(b"[1,2]")),
            "the header is not a JSON object with a string `alg`",
        ),
        (
            format!("{}.{p}.{s}", b64(br#"{"alg":7}"#)),
            "the header is not a JSON object with a string `alg`",
        ),
        (format!("{h}.{p}.@@"), "the signature is not base64url"),
    ];
    for (token, expected) in cases {
        let err = verifier().verify(&token).unwrap_err();
        assert!(
            err.is_invalid_token() && matches!(err, Error::MalformedToken { .. }),
            "{token}: {err:?}"
        );
        assert!(err.to_string().contains(expected), "{token}: {err}");
    }
}

#[test]
fn validly_signed_payload_that_is_not_frameable_claims() {
    let sign = common::fixture_signature;
    let header = r#"{"alg":"RS256","typ":"JWT"}"#;
    let missing_name = common::forge(header, r#"{"iat":1,"exp":9999999999}"#, sign);
    let err = verifier().verify(&missing_name).unwrap_err();
    assert!(
        err.is_invalid_token() && matches!(err, Error::InvalidPayload { .. }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "the token's claims are not Frameable claims");
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("missing field `displayName`"), "{source}");

    let missing_exp = common::forge(header, r#"{"displayName":"Ada","iat":1}"#, sign);
    assert!(matches!(
        verifier().verify(&missing_exp),
        Err(Error::InvalidPayload { .. })
    ));

    let leaky = common::forge(
        header,
        r#"{"displayName":"Ada","iat":"ada@example.com","exp":9999999999}"#,
        sign,
    );
    let err = verifier().verify(&leaky).unwrap_err();
    let chain = format!("{err:?} {}", std::error::Error::source(&err).unwrap());
    assert!(!chain.contains("ada@"), "{chain}");
    assert!(chain.contains("expected i64, found a string at iat"), "{chain}");
}

#[test]
fn agrees_with_jsonwebtoken_both_ways() {
    // This binary may pick jsonwebtoken's process-wide provider; the library never does.
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let claims = Claims::builder("Ada")
        .email("ada@example.com")
        .role(Role::Host)
        .build()
        .unwrap();
    let ours = key().sign(&claims).unwrap();

    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_required_spec_claims(&["exp"]);
    let theirs_decoded = jsonwebtoken::decode::<serde_json::Value>(
        ours.as_str(),
        &jsonwebtoken::DecodingKey::from_rsa_pem(PUBLIC.as_bytes()).unwrap(),
        &validation,
    )
    .unwrap();
    assert_eq!(theirs_decoded.claims, serde_json::to_value(&claims).unwrap());

    let theirs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(PKCS1.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(verifier().verify(&theirs).unwrap(), claims);
    // Same claims and key, different header field order: the signatures differ, both verify.
    assert_ne!(theirs, ours.as_str());
}

#[test]
fn one_key_signs_from_many_threads() {
    let key = key();
    let verifier = verifier();
    std::thread::scope(|scope| {
        for i in 0..4 {
            let (key, verifier) = (key.clone(), verifier.clone());
            scope.spawn(move || {
                for j in 0..10 {
                    let name = format!("user {i}-{j}");
                    let token = key
                        .sign(&Claims::builder(name.as_str()).build().unwrap())
                        .unwrap();
                    assert_eq!(verifier.verify(token.as_str()).unwrap().display_name(), name);
                }
            });
        }
    });
}
