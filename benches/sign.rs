//! Token signing speed against what a user would otherwise use, in one run, as ratios.
//!
//! `cargo bench --bench sign` runs, one core each, in interleaved rounds so that machine noise
//! hits every contender alike:
//! - `event-sso sign`: `SigningKey::sign`, a whole token (claims to JSON, base64url, RS256);
//! - `jsonwebtoken::encode`: the same token the obvious way, with the `EncodingKey` reused;
//! - `aws-lc-rs sign`: the bare RSA signature over a signing input of the same size;
//! - `openssl speed rsa2048`: OpenSSL's own figure, measured before and after the rounds.
//!
//! and the same for verifying. The target is `event-sso sign` at 90 % or more of OpenSSL.

mod common;

use std::hint::black_box;
use std::process::Command;
use std::time::Duration;

use common::{Contender, print_group, run_rounds};
use event_sso::frameable::{Claims, Role, SigningKey, VerifyingKey};

const ROUNDS: usize = 7;
const ROUND_TIME: Duration = Duration::from_millis(400);
const TARGET_VS_OPENSSL: f64 = 0.90;

const PKCS1: &str = include_str!("../tests/fixtures/rsa2048_pkcs1.pem");
const PUBLIC: &str = include_str!("../tests/fixtures/rsa2048_public.pem");

/// `openssl speed -seconds 2 rsa2048`: (sign/s, verify/s), or `None` without OpenSSL.
fn openssl_speed() -> Option<(f64, f64)> {
    let output = Command::new("openssl")
        .args(["speed", "-seconds", "2", "rsa2048"])
        .output()
        .ok()?;
    let stdout = String::from_utf8(output.stdout).ok()?;
    // "rsa 2048 bits 0.000281s 0.000008s   3558.8 121023.4"
    let line = stdout.lines().find(|l| l.starts_with("rsa 2048 bits"))?;
    let fields: Vec<f64> = line.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    match fields[..] {
        [2048.0, sign, verify] => Some((sign, verify)),
        _ => None,
    }
}

fn main() {
    // This binary is an application, so it may choose jsonwebtoken's process-wide provider for
    // the baseline; event-sso itself never reads it.
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();

    let key = SigningKey::from_pem(PKCS1).expect("fixture key");
    let verifier = VerifyingKey::from_pem(PUBLIC).expect("fixture public key");
    let claims = Claims::builder("Larry David")
        .email("larry@seinfeld.com")
        .avatar_url("https://cdn.example.com/larry.png")
        .profile("organization", "Seinfeld")
        .profile("title", "Producer")
        .role(Role::Host)
        .build()
        .expect("valid claims");
    let token = key.sign(&claims).expect("sign");
    let signing_input = token
        .as_str()
        .rsplit_once('.')
        .expect("three segments")
        .0
        .to_owned();

    let jwt_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    let jwt_key = jsonwebtoken::EncodingKey::from_rsa_pem(PKCS1.as_bytes()).expect("jsonwebtoken key");
    let jwt_decoding = jsonwebtoken::DecodingKey::from_rsa_pem(PUBLIC.as_bytes()).expect("jsonwebtoken key");
    let jwt_validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);

    let raw_der = {
        use base64::Engine;
        let body: String = PKCS1.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .expect("base64")
    };
    let raw_pair = aws_lc_rs::signature::RsaKeyPair::from_der(&raw_der).expect("aws-lc-rs key");
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let mut raw_signature = vec![0; raw_pair.public_modulus_len()];

    let openssl_before = openssl_speed();

    let mut sign = [
        Contender::new("event-sso sign", || {
            black_box(key.sign(black_box(&claims)).expect("sign"));
        }),
        Contender::new("jsonwebtoken::encode", || {
            black_box(jsonwebtoken::encode(&jwt_header, black_box(&claims), &jwt_key).expect("encode"));
        }),
        Contender::new("aws-lc-rs sign", || {
            raw_pair
                .sign(
                    &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                    &rng,
                    black_box(signing_input.as_bytes()),
                    &mut raw_signature,
                )
                .expect("raw sign");
            black_box(&raw_signature);
        }),
    ];
    let mut verify = [
        Contender::new("event-sso verify", || {
            black_box(verifier.verify(black_box(token.as_str())).expect("verify"));
        }),
        Contender::new("jsonwebtoken::decode", || {
            black_box(
                jsonwebtoken::decode::<serde_json::Value>(
                    black_box(token.as_str()),
                    &jwt_decoding,
                    &jwt_validation,
                )
                .expect("decode"),
            );
        }),
    ];
    run_rounds(&mut [&mut sign, &mut verify], ROUNDS, ROUND_TIME, 16);

    let openssl_after = openssl_speed();
    let openssl = match (openssl_before, openssl_after) {
        (Some(a), Some(b)) => Some(((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)),
        (one, other) => one.or(other),
    };

    println!("\nRS256, RSA-2048, one core; medians of {ROUNDS} interleaved rounds of {ROUND_TIME:?}\n");
    print_group("signing", "tokens/s", &sign);
    if let Some((openssl_sign, _)) = openssl {
        println!("{:<34} {:>12.0}", "openssl speed rsa2048", openssl_sign);
    }
    print_group("verifying", "tokens/s", &verify);
    if let Some((_, openssl_verify)) = openssl {
        println!("{:<34} {:>12.0}", "openssl speed rsa2048", openssl_verify);
    }

    let ours = sign[0].median();
    println!("\nratios");
    println!(
        "event-sso sign / jsonwebtoken::encode  {:>6.2}",
        ours / sign[1].median()
    );
    println!(
        "event-sso sign / aws-lc-rs sign        {:>6.2}",
        ours / sign[2].median()
    );
    println!(
        "event-sso verify / jsonwebtoken::decode {:>5.2}",
        verify[0].median() / verify[1].median()
    );
    match openssl {
        Some((openssl_sign, _)) => {
            let ratio = ours / openssl_sign;
            let verdict = if ratio >= TARGET_VS_OPENSSL {
                "met"
            } else {
                "NOT met"
            };
            println!(
                "event-sso sign / openssl speed rsa2048 {ratio:>6.2}   (target >= {TARGET_VS_OPENSSL:.2}: {verdict})"
            );
        }
        None => println!("event-sso sign / openssl speed rsa2048    n/a   (openssl not found on PATH)"),
    }
}
