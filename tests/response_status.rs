//! Each error becomes the status a web handler should answer, as the crate docs' table says,
//! for both modules.

mod common;

use std::time::{Duration, SystemTime};

use event_sso::frameable::{self, Claims, EventLink, SigningKey};
use event_sso::http::StatusCode;
use event_sso::sequel::request::Api;
use event_sso::sequel::{Credentials, EventId, Registration};

/// Sequel's answer `status` with `body` (and `Retry-After: 7` on a 429) to `register`.
fn registering(status: u16, body: &str) -> event_sso::sequel::Error {
    let api = Api::new("https://api.introvoke.com").unwrap();
    let call = api
        .register(&EventId::new("ev"), &Registration::new("Ada", "ada@example.com"))
        .unwrap();
    let mut answer = http::Response::builder().status(status);
    if status == 429 {
        answer = answer.header("retry-after", "7");
    }
    call.parse(answer.body(body.as_bytes().to_vec()).unwrap(), SystemTime::now())
        .unwrap_err()
}

#[test]
fn sequel_errors_become_the_statuses_of_the_table() {
    let api = Api::new("https://api.introvoke.com").unwrap();
    let token_refused = api
        .token(&Credentials::new("id", "secret"))
        .unwrap()
        .parse(
            http::Response::builder().status(401).body(Vec::new()).unwrap(),
            SystemTime::now(),
        )
        .unwrap_err();
    let cases = [
        (Api::new("ftp://x").unwrap_err(), StatusCode::BAD_REQUEST),
        (token_refused, StatusCode::BAD_GATEWAY),
        (
            registering(404, r#"{"hasError":true,"errorMessage":"Invalid auth token"}"#),
            StatusCode::BAD_GATEWAY,
        ),
        (registering(429, ""), StatusCode::SERVICE_UNAVAILABLE),
        (
            registering(
                400,
                r#"{"hasError":true,"errorMessage":"Email already registered"}"#,
            ),
            StatusCode::CONFLICT,
        ),
        (registering(409, ""), StatusCode::CONFLICT),
        (
            registering(404, r#"{"hasError":true,"errorMessage":"event not found"}"#),
            StatusCode::NOT_FOUND,
        ),
        (registering(500, "<html>oops</html>"), StatusCode::BAD_GATEWAY),
        (
            registering(
                400,
                r#"{"hasError":true,"errorMessage":"An invalid parameter was sent"}"#,
            ),
            StatusCode::BAD_GATEWAY,
        ),
        (registering(307, ""), StatusCode::BAD_GATEWAY),
        (registering(200, "{}"), StatusCode::BAD_GATEWAY),
    ];
    for (error, status) in cases {
        assert_eq!(error.response_status(), status, "{error:?}");
    }
    assert_eq!(
        registering(429, "").retry_after(),
        Some(Duration::from_secs(7)),
        "for Retry-After"
    );
}

#[test]
fn frameable_errors_become_the_statuses_of_the_table() {
    let claims = Claims::builder(" ").build().unwrap_err();
    let link = EventLink::new("acme", "..").unwrap_err();
    let token = common::verifier().verify("not.a.token").unwrap_err();
    let expired = {
        let claims = common::larry().issued_at(common::at(1_000_000)).build().unwrap();
        common::verifier()
            .verify(common::key().sign(&claims).unwrap().as_str())
            .unwrap_err()
    };
    let key = SigningKey::from_pem(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n",
    )
    .unwrap_err();
    let cases: [(frameable::Error, StatusCode); 5] = [
        (claims, StatusCode::BAD_REQUEST),
        (link, StatusCode::BAD_REQUEST),
        (token, StatusCode::UNAUTHORIZED),
        (expired, StatusCode::UNAUTHORIZED),
        (key, StatusCode::INTERNAL_SERVER_ERROR),
    ];
    for (error, status) in cases {
        assert_eq!(error.response_status(), status, "{error:?}");
    }
}
