//! Join links and the redirect that carries the user to them.

mod common;

use event_sso::frameable::{Claims, Error, EventLink, Token};

fn token() -> Token {
    common::key()
        .sign(&Claims::builder("Ada").build().unwrap())
        .unwrap()
}

fn link_error(result: Result<EventLink, Error>) -> String {
    match result {
        Err(err) if err.is_invalid_link() => err.to_string(),
        other => panic!("expected InvalidLink, got {other:?}"),
    }
}

#[test]
fn frameable_event_url() {
    let link = EventLink::new("acme", "launch-party").unwrap();
    assert_eq!(
        link.as_url().as_str(),
        "https://acme.frameable.com/events/launch-party"
    );
    assert_eq!(link.to_string(), "https://acme.frameable.com/events/launch-party");
    assert_eq!(
        EventLink::new(" ACME-2 ", "x").unwrap().as_url().host_str(),
        Some("acme-2.frameable.com")
    );
}

#[test]
fn event_is_one_encoded_path_segment() {
    let link = EventLink::new("acme", "q&a/2026 #1?").unwrap();
    assert_eq!(
        link.as_url().as_str(),
        "https://acme.frameable.com/events/q&a%2F2026%20%231%3F"
    );
    assert_eq!(link.as_url().path_segments().unwrap().count(), 2);
}

#[test]
fn subdomain_must_be_a_dns_label() {
    for bad in [
        "",
        "-acme",
        "acme-",
        "ac me",
        "acme.corp",
        "ac_me",
        "ácme",
        &"a".repeat(64),
    ] {
        let message = link_error(EventLink::new(bad, "party"));
        assert!(
            message.starts_with("invalid event link: the subdomain must be 1 to 63 letters"),
            "{bad}: {message}"
        );
    }
    // The message is the crate's own: it never repeats what was given.
    assert_eq!(
        link_error(EventLink::new("ada-example-com.frameable.com", "party")),
        "invalid event link: give the subdomain alone (`acme` for acme.frameable.com), without `.frameable.com`"
    );
    assert!(EventLink::new(&"a".repeat(63), "party").is_ok());
}

#[test]
fn event_must_not_be_blank() {
    for bad in ["", "  ", "party\n", ".", ".."] {
        let message = link_error(EventLink::new("acme", bad));
        assert!(
            message.contains("the event must be a non-blank name"),
            "{message}"
        );
    }
}

#[test]
fn parse_other_hosts() {
    let link = EventLink::parse("https://events.example.com/e/launch?lang=en").unwrap();
    assert_eq!(link.as_url().host_str(), Some("events.example.com"));
    for bad in [
        "events.example.com/e",
        "ftp://example.com/e",
        "mailto:a@example.com",
        "https://",
        "http://events.example.com/e",
    ] {
        let message = link_error(EventLink::parse(bad));
        assert!(
            message.starts_with("invalid event link: the event URL"),
            "{bad}: {message}"
        );
    }
}

#[test]
fn plain_http_is_for_loopback_only_since_the_link_carries_a_login() {
    let message = link_error(EventLink::parse("http://events.example.com/e"));
    assert!(message.contains("clear text"), "{message}");
    for local in ["http://127.0.0.1:8080/e", "http://localhost/e", "http://[::1]/e"] {
        assert!(EventLink::parse(local).is_ok(), "{local}");
    }
}

#[test]
fn with_token_replaces_a_stale_token_and_keeps_other_pairs() {
    let token = token();
    let url = EventLink::new("acme", "launch-party").unwrap().with_token(&token);
    assert_eq!(
        url.as_str(),
        format!(
            "https://acme.frameable.com/events/launch-party?token={}",
            token.as_str()
        )
    );

    let link = EventLink::parse("https://events.example.com/e?lang=en&token=stale&ref=mail").unwrap();
    let url = link.with_token(&token);
    let pairs: Vec<(String, String)> = url.as_url().query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        [
            ("lang".to_owned(), "en".to_owned()),
            ("ref".to_owned(), "mail".to_owned()),
            ("token".to_owned(), token.as_str().to_owned()),
        ]
    );
    // The stale token was dropped when parsing: the link never holds a login.
    assert_eq!(link.as_url().query(), Some("lang=en&ref=mail"));
    assert!(!format!("{link:?} {link}").contains("stale"));
    let bare = EventLink::parse("https://e.example.com/x?token=a").unwrap();
    assert_eq!(bare.as_url().as_str(), "https://e.example.com/x");
    assert_eq!(
        bare.with_token(&token).as_str(),
        format!("https://e.example.com/x?token={}", token.as_str())
    );
}

#[test]
fn redirect_is_a_302_that_neither_caches_nor_leaks() {
    let token = token();
    let link = EventLink::new("acme", "launch-party").unwrap();
    let response: http::Response<String> = link.redirect(&token);
    assert_eq!(response.status(), http::StatusCode::FOUND);
    let headers = response.headers();
    let location = &headers[http::header::LOCATION];
    assert_eq!(location.to_str().unwrap(), link.with_token(&token).as_str());
    assert!(location.is_sensitive());
    assert_eq!(headers[http::header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[http::header::REFERRER_POLICY], "no-referrer");
    assert_eq!(headers.len(), 3);
    assert!(response.body().is_empty());
}
