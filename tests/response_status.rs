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

/// `to_response` answers the status of the table, `Retry-After` when Sequel asked for a wait,
/// the message for a `4xx` and the reason alone for a `5xx`, and never what was sent or
/// received.
#[test]
fn errors_become_whole_responses_that_hold_nothing_sent_or_received() {
    const MARKER: &str = r#"o'Hara "\x" marker@example.com"#;
    let quoted = serde_json::to_string(MARKER).unwrap();
    let sequel = [
        registering(429, ""),
        registering(409, &format!(r#"{{"hasError":true,"errorMessage":{quoted}}}"#)),
        registering(404, r#"{"hasError":true,"errorMessage":"event not found"}"#),
        registering(400, &format!(r#"{{"hasError":true,"errorMessage":{quoted}}}"#)),
        registering(500, MARKER),
        Api::new("ftp://x").unwrap_err(),
    ];
    let mut statuses = Vec::new();
    for error in &sequel {
        let response = error.to_response();
        statuses.push(response.status().as_u16());
        assert_eq!(response.status(), error.response_status());
        assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let expected = match response.status().is_client_error() {
            true => format!("{error}\n"),
            false => format!("{}\n", response.status().canonical_reason().unwrap()),
        };
        assert_eq!(response.body(), &expected);
        assert!(!response.body().contains("marker"), "{}", response.body());
        let retry_after = response.headers().get("retry-after");
        assert_eq!(
            retry_after.map(|v| v.to_str().unwrap()),
            error.retry_after().map(|_| "7")
        );
    }
    assert_eq!(statuses, [503, 409, 404, 502, 502, 400]);

    let claims = Claims::builder(MARKER).email(MARKER).build().unwrap_err();
    let token = common::verifier().verify(MARKER).unwrap_err();
    for (error, status) in [(claims, 400), (token, 401)] {
        let response = error.to_response();
        assert_eq!(response.status(), status);
        assert_eq!(response.body(), &format!("{error}\n"));
        assert!(!response.body().contains("marker"), "{}", response.body());
        assert!(response.headers().get("retry-after").is_none());
    }
    let key =
        SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nmarker\n-----END PRIVATE KEY-----\n").unwrap_err();
    assert_eq!(key.to_response().body(), "Internal Server Error\n");
}
