//! The claims builder: Frameable's JSON exactly, and every validation rule with its message.

use std::time::Duration;

mod common;

use common::{GOLDEN_CLAIMS, at, larry};
use event_sso::frameable::{Claims, ClaimsBuilder, DEFAULT_LIFETIME, Role};
use time::OffsetDateTime;

/// Every problem `build()` reported, as "field: message" strings.
fn problems(builder: ClaimsBuilder) -> Vec<String> {
    match builder.build() {
        Err(err) if err.is_invalid_claims() => {
            let problems = err.claim_problems().expect("claims errors list their problems");
            assert!(!problems.is_empty());
            assert_eq!(problems.len(), problems.iter().count());
            problems
                .iter()
                .map(|p| format!("{}: {}", p.field(), p.message()))
                .collect()
        }
        other => panic!("expected InvalidClaims, got {other:?}"),
    }
}

#[test]
fn json_is_exactly_frameables_shape() {
    let claims = larry().build().unwrap();
    let json = serde_json::to_string(&claims).unwrap();
    assert_eq!(json, GOLDEN_CLAIMS);
}

#[test]
fn unset_options_are_omitted_not_null() {
    let claims = Claims::builder("Ada").issued_at(at(1_000)).build().unwrap();
    assert_eq!(
        serde_json::to_string(&claims).unwrap(),
        r#"{"displayName":"Ada","iat":1000,"exp":1300}"#
    );
}

#[test]
fn getters_read_every_claim_back() {
    let claims = larry().build().unwrap();
    assert_eq!(claims.display_name(), "Larry David");
    assert_eq!(claims.email(), Some("larry@seinfeld.com"));
    assert_eq!(claims.avatar_url(), Some("https://cdn.example.com/larry.png"));
    assert_eq!(
        claims.profile(),
        [
            ("organization".to_owned(), "Seinfeld".to_owned()),
            ("title".to_owned(), "Producer".to_owned()),
            ("twitter".to_owned(), "https://twitter.com/larrydavid".to_owned()),
        ]
    );
    assert_eq!(claims.profile_value("title"), Some("Producer"));
    assert_eq!(claims.profile_value("missing"), None);
    assert_eq!(claims.roles(), [Role::Host, Role::Presenter]);
    assert!(claims.has_role(&Role::Host));
    assert!(!claims.has_role(&Role::Interpreter));
    assert_eq!(claims.issued_at(), at(1_700_000_000));
    assert_eq!(claims.expires_at(), at(1_700_000_300));
}

#[test]
fn default_lifetime_is_300_seconds_from_now() {
    assert_eq!(DEFAULT_LIFETIME, Duration::from_secs(300));
    let before = OffsetDateTime::now_utc().unix_timestamp();
    let claims = Claims::builder("Ada").build().unwrap();
    let after = OffsetDateTime::now_utc().unix_timestamp();
    let iat = claims.issued_at().unix_timestamp();
    assert!((before..=after).contains(&iat));
    assert_eq!(claims.expires_at().unix_timestamp() - iat, 300);
}

#[test]
fn issued_at_is_truncated_to_whole_seconds() {
    let precise = at(1_000) + time::Duration::milliseconds(999);
    let claims = Claims::builder("Ada").issued_at(precise).build().unwrap();
    assert_eq!(claims.issued_at(), at(1_000));
    assert_eq!(claims.expires_at(), at(1_300));
}

#[test]
fn lifetime_counts_whole_seconds() {
    let claims = Claims::builder("Ada")
        .issued_at(at(0))
        .expires_in(Duration::from_millis(90_900))
        .build()
        .unwrap();
    assert_eq!(claims.expires_at(), at(90));
}

#[test]
fn repeated_roles_count_once_in_first_order() {
    let claims = Claims::builder("Ada")
        .role(Role::Presenter)
        .roles([
            Role::Host,
            Role::Presenter,
            Role::unlisted("host"),
            Role::Transcriber,
        ])
        .role(Role::Interpreter)
        .build()
        .unwrap();
    assert_eq!(
        claims.roles(),
        [Role::Presenter, Role::Host, Role::Transcriber, Role::Interpreter]
    );
    let json = serde_json::to_value(&claims).unwrap();
    assert_eq!(
        json["roles"],
        serde_json::json!(["presenter", "host", "transcriber", "interpreter"])
    );
}

#[test]
fn roles_by_name() {
    for (name, role) in [
        ("host", Role::Host),
        ("presenter", Role::Presenter),
        ("transcriber", Role::Transcriber),
        ("interpreter", Role::Interpreter),
    ] {
        assert_eq!(Role::unlisted(name), role);
        assert_eq!(role.as_str(), name);
        assert_eq!(role.to_string(), name);
    }
    let future = Role::unlisted("moderator");
    assert!(matches!(&future, Role::Other(name) if name.as_str() == "moderator"));
    let claims = Claims::builder("Ada").role(future).build().unwrap();
    assert_eq!(
        serde_json::to_value(&claims).unwrap()["roles"],
        serde_json::json!(["moderator"])
    );
}

#[test]
fn roles_from_input_are_strict_and_roles_from_a_token_are_kept() {
    assert_eq!("presenter".parse::<Role>().unwrap(), Role::Presenter);
    for input in ["admin", "Host", " host", "", "moderator"] {
        let err = input.parse::<Role>().unwrap_err();
        assert!(err.is_invalid_claims(), "{input:?}: {err:?}");
        assert_eq!(
            err.to_string(),
            "unknown role; expected one of host, presenter, transcriber, interpreter"
        );
    }
    // What a web framework does with `?role=...`: serde, which is strict too.
    assert_eq!(serde_json::from_str::<Role>(r#""host""#).unwrap(), Role::Host);
    let refused = serde_json::from_str::<Role>(r#""admin""#)
        .unwrap_err()
        .to_string();
    assert!(refused.starts_with("unknown variant"), "{refused}");

    // A verified token may carry a role added later; reading it keeps the role.
    let key = common::key();
    let token = key
        .sign(
            &Claims::builder("Ada")
                .role(Role::unlisted("moderator"))
                .build()
                .unwrap(),
        )
        .unwrap();
    let claims = common::verifier()
        .verify_at(token.as_str(), OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!(claims.roles(), [Role::unlisted("moderator")]);
}

#[test]
fn unknown_role_names_must_be_lowercase_words() {
    assert_eq!(
        problems(
            Claims::builder("Ada")
                .role(Role::Host)
                .role(Role::unlisted("Super User"))
        ),
        ["roles[1]: must be lowercase letters, digits, `-` or `_` (1 to 64 of them)"]
    );
    assert_eq!(problems(Claims::builder("Ada").role(Role::unlisted(""))).len(), 1);
}

#[test]
fn blank_display_name() {
    assert_eq!(
        problems(Claims::builder("   ")),
        ["displayName: must not be blank"]
    );
}

#[test]
fn over_long_strings() {
    assert_eq!(
        problems(Claims::builder("x".repeat(257))),
        ["displayName: is 257 characters long, more than the 256 allowed"]
    );
    // Characters, not bytes: 256 two-byte characters are fine.
    assert!(Claims::builder("é".repeat(256)).build().is_ok());
    let email = format!("{}@example.com", "a".repeat(250));
    assert_eq!(
        problems(Claims::builder("Ada").email(email)),
        ["email: is 262 characters long, more than the 254 allowed"]
    );
    let url = format!("https://cdn.example.com/{}", "a".repeat(2048));
    assert_eq!(
        problems(Claims::builder("Ada").avatar_url(url)),
        ["avatarUrl: is 2072 characters long, more than the 2048 allowed"]
    );
    assert_eq!(
        problems(Claims::builder("Ada").profile("bio", "b".repeat(1001))),
        ["userProfile[0]: value is 1001 characters long, more than the 1000 allowed"]
    );
    assert_eq!(
        problems(Claims::builder("Ada").profile("k".repeat(101), "v")),
        ["userProfile[0]: key must be at most 100 characters, without control characters"]
    );
}

#[test]
fn too_many_profile_fields() {
    let builder = (0..51).fold(Claims::builder("Ada"), |b, i| b.profile(format!("field{i}"), "v"));
    assert_eq!(
        problems(builder),
        ["userProfile: has 51 fields, more than the 50 allowed"]
    );
}

#[test]
fn control_characters() {
    assert_eq!(
        problems(Claims::builder("Ada\nLovelace")),
        ["displayName: must not contain control characters such as line breaks"]
    );
    assert_eq!(
        problems(Claims::builder("Ada").profile("title", "Count\u{7}ess")),
        ["userProfile[0]: value must not contain control characters such as line breaks"]
    );
}

#[test]
fn implausible_emails() {
    for bad in [
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "ada@@example.com",
        "a da@example.com",
        "ada@example..com",
        "ada@.com",
    ] {
        assert_eq!(
            problems(Claims::builder("Ada").email(bad)),
            ["email: does not look like an e-mail address (expected `name@example.com`)"],
            "{bad}"
        );
    }
    for good in [
        "ada@example.com",
        "ada.lovelace+events@mail.example.co.uk",
        "o'brien@example.ie",
    ] {
        assert!(Claims::builder("Ada").email(good).build().is_ok(), "{good}");
    }
}

#[test]
fn avatar_must_be_absolute_http_url() {
    for bad in [
        "/img/ada.png",
        "ftp://example.com/ada.png",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
        "https://",
    ] {
        assert_eq!(
            problems(Claims::builder("Ada").avatar_url(bad)),
            ["avatarUrl: must be an absolute http:// or https:// URL"],
            "{bad}"
        );
    }
    assert!(
        Claims::builder("Ada")
            .avatar_url("http://localhost:8080/a.png")
            .build()
            .is_ok()
    );
}

#[test]
fn twitter_and_linkedin_must_be_urls_however_added() {
    assert_eq!(
        problems(
            Claims::builder("Ada")
                .twitter("@ada")
                .profile("linkedin", "ada-lovelace")
        ),
        [
            "userProfile[0] (twitter): must be an absolute http:// or https:// URL",
            "userProfile[1] (linkedin): must be an absolute http:// or https:// URL",
        ]
    );
    let claims = Claims::builder("Ada")
        .linkedin("https://www.linkedin.com/in/ada")
        .build()
        .unwrap();
    assert_eq!(
        claims.profile_value("linkedin"),
        Some("https://www.linkedin.com/in/ada")
    );
}

#[test]
fn empty_and_duplicate_profile_keys() {
    assert_eq!(
        problems(
            Claims::builder("Ada")
                .profile("title", "Countess")
                .profile(" ", "x")
                .profile("title", "Mathematician")
        ),
        [
            "userProfile[1]: has a blank key",
            "userProfile[2]: repeats the key `title`; each key may appear once",
        ]
    );
}

#[test]
fn lifetime_bounds() {
    assert_eq!(
        problems(Claims::builder("Ada").expires_in(Duration::ZERO)),
        ["exp: lifetime must be at least one second"]
    );
    assert_eq!(
        problems(Claims::builder("Ada").expires_in(Duration::from_millis(999))),
        ["exp: lifetime must be at least one second"]
    );
    assert!(
        Claims::builder("Ada")
            .expires_in(Duration::from_secs(86_400))
            .build()
            .is_ok()
    );
    assert_eq!(
        problems(Claims::builder("Ada").expires_in(Duration::from_secs(86_401))),
        [
            "exp: lifetime of 86401 s is above the ceiling of 86400 s; raise the ceiling with \
          `allow_lifetime_up_to` if a long-lived token is really meant"
        ]
    );
    let week = Duration::from_secs(7 * 86_400);
    let claims = Claims::builder("Ada")
        .issued_at(at(0))
        .expires_in(week)
        .allow_lifetime_up_to(week)
        .build()
        .unwrap();
    assert_eq!(claims.expires_at(), at(7 * 86_400));
}

#[test]
fn lifetime_past_the_calendar_is_an_error_not_a_panic() {
    let last_day = time::Date::MAX.midnight().assume_utc();
    assert_eq!(
        problems(
            Claims::builder("Ada")
                .issued_at(last_day)
                .expires_in(Duration::from_secs(86_400))
        ),
        ["exp: issue time plus lifetime is past the year 9999"]
    );
    let forever = Duration::from_secs(u64::MAX);
    assert_eq!(
        problems(
            Claims::builder("Ada")
                .expires_in(forever)
                .allow_lifetime_up_to(forever)
        ),
        ["exp: issue time plus lifetime is past the year 9999"]
    );
}

#[test]
fn every_problem_is_reported_at_once_in_field_order() {
    let err = Claims::builder(" ")
        .email("not-an-email")
        .avatar_url("nope")
        .profile("", "x")
        .role(Role::unlisted("BAD"))
        .expires_in(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(err.is_invalid_claims() && !err.is_key() && !err.is_invalid_token());
    let problems = err.claim_problems().expect("claims errors list their problems");
    let fields: Vec<&str> = problems.iter().map(|p| p.field()).collect();
    assert_eq!(
        fields,
        [
            "displayName",
            "email",
            "avatarUrl",
            "userProfile[0]",
            "roles[0]",
            "exp"
        ]
    );
    assert!(
        err.to_string()
            .starts_with("invalid claims: `displayName` must not be blank; `email` does not look")
    );
}

#[test]
fn messages_and_debug_never_repeat_personal_data() {
    let err = Claims::builder("Secret Name\n")
        .email("secret-mail@@example.com")
        .avatar_url("ftp://secret.example.com/a.png")
        .profile("title", "x".repeat(2000))
        .build()
        .unwrap_err();
    let text = format!("{err} {err:?}");
    for secret in ["Secret Name", "secret-mail", "secret.example", "xxxx"] {
        assert!(!text.contains(secret), "{secret} leaked into {text}");
    }

    let claims = larry().build().unwrap();
    let debug = format!("{claims:?} {:?}", larry());
    for secret in [
        "Larry",
        "larry@",
        "cdn.example.com",
        "Seinfeld",
        "Producer",
        "twitter.com",
    ] {
        assert!(!debug.contains(secret), "{secret} leaked into {debug}");
    }
    // What is not personal stays visible, for debugging.
    assert!(
        debug.contains("organization") && debug.contains("Host") && debug.contains("1700000300"),
        "{debug}"
    );
}
