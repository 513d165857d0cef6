//! Key loading: the formats Frameable users really have, the forms storage mangles them into,
//! and one clear error per wrong key.

mod common;

use common::{PKCS1, PKCS8, PUBLIC, assert_signs_for_fixture};
use event_sso::frameable::{Claims, Error, SigningKey, VerifyingKey};

const PUBLIC_PKCS1: &str = include_str!("fixtures/rsa2048_public_pkcs1.pem");

fn load_error(pem: &str) -> Error {
    SigningKey::from_pem(pem).expect_err("the key should be refused")
}

#[test]
fn pkcs1_and_pkcs8_load_to_the_same_key() {
    let pkcs1 = SigningKey::from_pem(PKCS1).unwrap();
    let pkcs8 = SigningKey::from_pem(PKCS8).unwrap();
    assert_eq!(pkcs1.bits(), 2048);
    assert_eq!(pkcs1.public_key_pem(), pkcs8.public_key_pem());
    assert_signs_for_fixture(&pkcs1, "Ada");
    assert_signs_for_fixture(&pkcs8, "Ada");
}

#[test]
fn public_key_pem_is_byte_identical_to_openssl_pubout() {
    let key = SigningKey::from_pem(PKCS1).unwrap();
    assert_eq!(key.public_key_pem(), PUBLIC);
}

#[test]
fn forgives_what_storage_does_to_keys() {
    let one_line = PKCS1.replace('\n', " ");
    let no_breaks = PKCS1.replace('\n', "");
    let forms = [
        ("CRLF line ends", PKCS1.replace('\n', "\r\n")),
        ("surrounding blanks", format!("\n\n   {PKCS1}\t \n")),
        (
            "escaped \\n, as in an environment variable",
            PKCS1.trim_end().replace('\n', "\\n"),
        ),
        ("escaped \\r\\n", PKCS1.trim_end().replace('\n', "\\r\\n")),
        (
            "double-quoted, as in a .env file",
            format!("\"{}\"", PKCS1.trim_end().replace('\n', "\\n")),
        ),
        ("single-quoted", format!("'{PKCS1}'")),
        ("pasted onto one line", one_line),
        ("line breaks lost", no_breaks),
        ("other blocks around it", format!("{PUBLIC}\n{PKCS1}\n{PUBLIC}")),
        (
            "text before and after",
            format!("Bag Attributes\n  localKeyID: 01\n{PKCS1}trailing notes\n"),
        ),
    ];
    let expected = SigningKey::from_pem(PKCS1).unwrap().public_key_pem();
    for (what, pem) in forms {
        let key = SigningKey::from_pem(&pem).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(key.public_key_pem(), expected, "{what}");
    }
}

#[test]
fn openssh_key_names_the_conversion() {
    let err = load_error(include_str!("fixtures/openssh.key"));
    assert!(err.is_key() && matches!(err, Error::OpenSshKey { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("ssh-keygen -p -N \"\" -m PEM -f <key file>"),
        "{err}"
    );
}

#[test]
fn encrypted_keys_name_the_decryption() {
    for pem in [
        include_str!("fixtures/encrypted_pkcs8.pem"),
        include_str!("fixtures/encrypted_pkcs1.pem"),
    ] {
        let err = load_error(pem);
        assert!(
            err.is_key() && matches!(err, Error::EncryptedKey { .. }),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("openssl pkey -in <key file> -out <new key file>"),
            "{err}"
        );
    }
}

#[test]
fn public_key_where_the_private_belongs() {
    for pem in [
        PUBLIC,
        PUBLIC_PKCS1,
        include_str!("fixtures/openssh_public.txt"),
        include_str!("fixtures/certificate.pem"),
    ] {
        let err = load_error(pem);
        assert!(
            err.is_key() && matches!(err, Error::PublicKeyGiven { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("signing needs the private key"), "{err}");
    }
}

#[test]
fn private_key_where_the_public_belongs() {
    for pem in [PKCS1, PKCS8] {
        let err = VerifyingKey::from_pem(pem).unwrap_err();
        assert!(
            err.is_key() && matches!(err, Error::PrivateKeyGiven { .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("verifying needs the public key"),
            "{err}"
        );
    }
}

#[test]
fn openssh_public_key_line_for_verifying_names_the_conversion() {
    let err = VerifyingKey::from_pem(include_str!("fixtures/openssh_public.txt")).unwrap_err();
    assert!(matches!(err, Error::InvalidKey { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("ssh-keygen -e -m PKCS8 -f <key file>.pub"),
        "{err}"
    );
}

#[test]
fn non_rsa_keys_are_named() {
    for (pem, algorithm) in [
        (include_str!("fixtures/ec_p256_pkcs8.pem"), "an EC"),
        (include_str!("fixtures/ec_p256_sec1.pem"), "an EC"),
        (include_str!("fixtures/ed25519.pem"), "an Ed25519"),
    ] {
        let err = load_error(pem);
        assert!(
            matches!(err, Error::NotRsa { algorithm: a, .. } if a == algorithm),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "this is {algorithm} key, but Frameable tokens are RS256 and need an RSA key; \
                 make one with `ssh-keygen -b 2048 -m PEM -t rsa -f frameable.key -q -N \"\"`"
            )
        );
    }
    let err = VerifyingKey::from_pem(include_str!("fixtures/ec_p256_public.pem")).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotRsa {
                algorithm: "an EC",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn short_rsa_keys_are_refused_with_their_size() {
    for pem in [
        include_str!("fixtures/rsa1024.pem"),
        include_str!("fixtures/rsa1024_pkcs8.pem"),
    ] {
        let err = load_error(pem);
        assert!(matches!(err, Error::KeyTooSmall { bits: 1024, .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("this RSA key has 1024 bits, fewer than the 2048 RS256 needs"),
            "{err}"
        );
    }
}

#[test]
fn undecodable_data_says_what_is_wrong() {
    let cases = [
        ("", "the text is empty"),
        ("hello", "no `-----BEGIN ...-----` line found"),
        ("/etc/keys/frameable.key", "this looks like a file path"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE",
            "the `-----END ...-----` line matching the BEGIN line is missing",
        ),
        ("-----BEGIN RSA PRIVATE KEY", "cut short"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\n!!!!\n-----END RSA PRIVATE KEY-----",
            "is not valid base64",
        ),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
            "not a well-formed RSA key",
        ),
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            "not a well-formed RSA key",
        ),
        (
            "-----BEGIN GARBAGE-----\nAAAA\n-----END GARBAGE-----",
            "the PEM label is not `RSA PRIVATE KEY` or `PRIVATE KEY`",
        ),
    ];
    for (pem, expected) in cases {
        let err = load_error(pem);
        assert!(matches!(err, Error::InvalidKey { .. }), "{pem}: {err:?}");
        let message = err.to_string();
        assert!(message.starts_with("not a usable PEM key: "), "{message}");
        assert!(message.contains(expected), "{pem}: {message}");
    }
}

#[test]
fn damaged_key_numbers_are_refused() {
    // Flip one byte deep inside the private exponent: the DER still parses, the key does not.
    let key_body: String = PKCS1.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64::Engine;
    let mut der = base64::engine::general_purpose::STANDARD
        .decode(key_body)
        .unwrap();
    der[600] ^= 0xFF;
    let damaged = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(der)
    );
    let err = load_error(&damaged);
    assert!(matches!(err, Error::InvalidKey { .. }), "{err:?}");
    assert!(err.to_string().contains("inconsistent"), "{err}");
}

#[test]
fn key_files() {
    let dir = std::env::temp_dir().join(format!("event-sso-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let private = dir.join("frameable.key");
    let public = dir.join("frameable.key.pub");
    std::fs::write(&private, PKCS1).unwrap();
    std::fs::write(&public, PUBLIC).unwrap();

    let key = SigningKey::from_pem_file(&private).unwrap();
    let token = key.sign(&Claims::builder("Ada").build().unwrap()).unwrap();
    VerifyingKey::from_pem_file(&public)
        .unwrap()
        .verify(token.as_str())
        .unwrap();

    let missing = dir.join("missing.key");
    let err = SigningKey::from_pem_file(&missing).unwrap_err();
    assert!(
        matches!(&err, Error::KeyFile { path, .. } if *path == missing),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("cannot read key file `{}`", missing.display())
    );
    let source = std::error::Error::source(&err).expect("the io error is the source");
    assert!(source.downcast_ref::<std::io::Error>().is_some());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn generated_keys_sign_and_round_trip_through_pem() {
    let key = SigningKey::generate().unwrap();
    assert_eq!(key.bits(), 2048);
    let reloaded = SigningKey::from_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
    assert_eq!(reloaded.public_key_pem(), key.public_key_pem());
    assert!(
        key.to_pkcs8_pem()
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----\n")
    );

    let token = key.sign(&Claims::builder("Ada").build().unwrap()).unwrap();
    let verifier = VerifyingKey::from_pem(&key.public_key_pem()).unwrap();
    assert_eq!(verifier.verify(token.as_str()).unwrap().display_name(), "Ada");
    assert_ne!(
        SigningKey::generate().unwrap().public_key_pem(),
        key.public_key_pem()
    );
}

#[test]
fn verifying_key_reads_spki_and_pkcs1_public_keys() {
    let key = SigningKey::from_pem(PKCS1).unwrap();
    let token = key.sign(&Claims::builder("Ada").build().unwrap()).unwrap();
    for pem in [PUBLIC, PUBLIC_PKCS1, &PUBLIC.replace('\n', "\\n")] {
        VerifyingKey::from_pem(pem)
            .unwrap()
            .verify(token.as_str())
            .unwrap();
    }
}

#[test]
fn debug_shows_no_key_material() {
    let key = SigningKey::from_pem(PKCS1).unwrap();
    let verifier = key.verifying_key();
    assert_eq!(
        format!("{key:?}"),
        r#"SigningKey { algorithm: "RS256", bits: 2048, .. }"#
    );
    assert_eq!(
        format!("{verifier:?}"),
        r#"VerifyingKey { algorithm: "RS256", bits: 2048, leeway: 60s, .. }"#
    );
    // Nor do the errors: none of them quotes the input.
    let body_line = PKCS1.lines().nth(1).unwrap();
    let mangled = PKCS1.replace("-----END RSA PRIVATE KEY-----", "");
    let err = load_error(&mangled);
    assert!(!format!("{err} {err:?}").contains(&body_line[..20]));
}
