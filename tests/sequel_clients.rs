//! The same scenarios against a loopback mock of Sequel, once through the async client and
//! once through the blocking one.
//!
//! The mock server runs on this file's own multi-threaded runtime. The async client is driven
//! with `block_on` on that runtime; the blocking client is called from the test thread, never
//! from inside the runtime (reqwest's blocking client panics there).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::clients::{Client, Kind, Settings, call, on_both_transports};
use event_sso::sequel::{self, Credentials, Error, EventId, Registrant, Registration, RetryPolicy, Viewer};
use serde_json::json;
use tokio::runtime::Runtime;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const EMBED: &str = "https://embed.sequel.io/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f?userEmail=ada%40example.com&userId=user-42&authKey=eyJ.x.y";

/// A mock Sequel and a client of one kind pointed at it.
struct Bed {
    client: Client,
    server: MockServer,
    runtime: Arc<Runtime>,
}

/// When a bed goes, every request its client sent is checked against Sequel's published
/// contract.
impl Drop for Bed {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let requests = self
            .runtime
            .block_on(self.server.received_requests())
            .unwrap_or_default();
        for request in requests {
            let path = match request.url.query() {
                Some(query) => format!("{}?{query}", request.url.path()),
                None => request.url.path().to_owned(),
            };
            common::contract::contract()
                .check_request(request.method.as_str(), &path, &request.body)
                .unwrap();
        }
    }
}

impl Bed {
    fn new(kind: Kind) -> Bed {
        Bed::with(kind, |settings| settings)
    }

    /// A bed whose client is built with `configure` applied. Retries wait milliseconds, not
    /// the default tenths of seconds, unless `configure` sets a policy.
    fn with(kind: Kind, configure: impl Fn(Settings) -> Settings) -> Bed {
        let runtime = common::clients::runtime();
        let server = runtime.block_on(MockServer::start());
        let credentials = Credentials::new("client-1", "s3cret-value");
        let client = Client::build(kind, credentials, |settings| {
            let defaults = Settings {
                base_url: Some(server.uri()),
                retry: Some(
                    RetryPolicy::default()
                        .initial_backoff(Duration::from_millis(10))
                        .max_backoff(Duration::from_millis(40)),
                ),
                ..settings
            };
            configure(defaults)
        });
        Bed {
            client,
            server,
            runtime,
        }
    }

    fn mount(&self, mock: Mock) {
        self.runtime.block_on(mock.mount(&self.server));
    }

    /// Answers token requests with `token-1`, `token-2`, ... and counts them.
    fn mount_tokens(&self) -> Arc<AtomicUsize> {
        let issued = Arc::new(AtomicUsize::new(0));
        let counter = issued.clone();
        self.mount(
            Mock::given(method("POST"))
                .and(path("/api/oauth/token"))
                .and(body_json(json!({
                    "client_id": "client-1",
                    "client_secret": "s3cret-value",
                    "audience": "https://www.introvoke.com/api",
                    "grant_type": "client_credentials",
                })))
                .respond_with(move |_: &Request| {
                    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                    // Slow enough that concurrent calls all find the cache empty.
                    ResponseTemplate::new(200)
                        .set_body_json(json!({"access_token": format!("token-{n}"), "expires_in": 86400}))
                        .set_delay(Duration::from_millis(50))
                }),
        );
        issued
    }

    fn requests_to(&self, wanted_path: &str) -> Vec<Request> {
        let all = self
            .runtime
            .block_on(self.server.received_requests())
            .unwrap_or_default();
        all.into_iter().filter(|r| r.url.path() == wanted_path).collect()
    }

    fn base_url(&self) -> String {
        self.server.uri()
    }
}

fn event() -> EventId {
    EventId::new("3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f")
}

fn ada() -> Registration {
    Registration::new("Ada Lovelace", "ada@example.com")
}

fn registrant_json(name: &str, email: &str, code: &str) -> serde_json::Value {
    json!({"name": name, "email": email, "join_url": format!("https://embed.sequel.io/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f?joinCode={code}"), "metadata": {}})
}

// ---- scenarios -------------------------------------------------------------------------

/// Sequel keeps answering `429` with `Retry-After: 30`: with a 2 s deadline the call does not
/// start a wait past it, and returns at once with the error and its `retry_after`.
fn a_call_returns_by_its_deadline_with_retry_after(kind: Kind) {
    let bed = Bed::with(kind, |settings| Settings {
        retry: Some(RetryPolicy::default()),
        deadline: Some(Duration::from_secs(2)),
        ..settings
    });
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "30")),
    );
    let started = Instant::now();
    let err = call!(bed, registrants(&event())).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(
        err.response_status(),
        503,
        "a handler passes it on with the Retry-After"
    );
    assert_eq!(
        bed.requests_to("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants")
            .len(),
        1
    );
}

/// The same deadline bounds the token request made on the call's behalf, and an attempt
/// still under way when it passes.
fn the_deadline_bounds_the_token_request_and_slow_attempts(kind: Kind) {
    let bed = Bed::with(kind, |settings| Settings {
        deadline: Some(Duration::from_millis(500)),
        ..settings
    });
    bed.mount(
        Mock::given(path("/api/oauth/token")).respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "t", "expires_in": 3600}))
                .set_delay(Duration::from_secs(5)),
        ),
    );
    let started = Instant::now();
    let err = call!(bed, registrants(&event())).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.response_status(), 504);
    let slow = Bed::with(kind, |settings| Settings {
        deadline: Some(Duration::from_millis(500)),
        ..settings
    });
    slow.mount_tokens();
    slow.mount(
        Mock::given(method("GET")).respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_secs(5)),
        ),
    );
    let started = Instant::now();
    let err = call!(slow, registrants(&event())).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(err.is_timeout(), "{err:?}");
}

/// A `301`, `302`, `307` or `308` to another host, from the token endpoint or from an API
/// call: the client follows none of them, so the other host receives nothing (no client
/// secret, no e-mail), and the error names the status.
fn redirects_are_never_followed(kind: Kind) {
    for status in [301, 302, 307, 308] {
        for redirected in [
            "/api/oauth/token",
            "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant",
        ] {
            let bed = Bed::with(kind, |settings| Settings {
                retry: Some(RetryPolicy::none()),
                ..settings
            });
            let elsewhere = bed.runtime.block_on(MockServer::start());
            bed.runtime.block_on(
                Mock::given(wiremock::matchers::any())
                    .respond_with(
                        ResponseTemplate::new(200)
                            .set_body_json(json!({"access_token": "t", "expires_in": 60})),
                    )
                    .mount(&elsewhere),
            );
            if redirected != "/api/oauth/token" {
                bed.mount_tokens();
            }
            bed.mount(
                Mock::given(path(redirected)).respond_with(
                    ResponseTemplate::new(status)
                        .insert_header("location", format!("{}{redirected}", elsewhere.uri())),
                ),
            );
            let err = call!(bed, register(&event(), &ada())).unwrap_err();
            assert!(err.is_redirect(), "{status} at {redirected}: {err:?}");
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
            assert!(!err.to_string().contains(&elsewhere.uri()), "{err}");
            let reached = bed
                .runtime
                .block_on(elsewhere.received_requests())
                .unwrap_or_default();
            assert!(
                reached.is_empty(),
                "{status} at {redirected}: the other host received {} requests",
                reached.len()
            );
            assert_eq!(bed.requests_to(redirected).len(), 1, "sent once, not retried");
        }
    }
}

fn embed_url_end_to_end(kind: Kind) {
    let bed = Bed::new(kind);
    let tokens = bed.mount_tokens();
    bed.mount(
        Mock::given(method("POST"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/embedCode",
            ))
            .and(header("authorization", "Bearer token-1"))
            .and(header(
                "user-agent",
                concat!("event-sso/", env!("CARGO_PKG_VERSION")),
            ))
            .and(body_json(json!({
                "userId": "user-42",
                "userDisplayName": "Ada Lovelace",
                "userName": "Ada Lovelace",
                "userEmail": "ada@example.com",
                "eventSpecific": true,
            })))
            .respond_with(ResponseTemplate::new(200).set_body_json(EMBED)),
    );
    let viewer = Viewer::new("user-42", "Ada Lovelace")
        .email("ada@example.com")
        .event_specific(true);
    let embed = call!(bed, embed_url(&event(), &viewer)).unwrap();
    assert_eq!(embed.as_str(), EMBED);
    // A second call reuses the cached token.
    call!(bed, embed_url(&event(), &viewer)).unwrap();
    assert_eq!(tokens.load(Ordering::SeqCst), 1);
}

fn one_token_for_many_concurrent_calls(kind: Kind) {
    let bed = Bed::new(kind);
    let tokens = bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants",
            ))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([]))
                    .set_delay(Duration::from_millis(20)),
            ),
    );
    let calls = 16;
    let results: Vec<Result<Vec<Registrant>, Error>> = match &bed.client {
        Client::Async(client) => bed.runtime.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..calls {
                let client = client.clone();
                set.spawn(async move { client.registrants(&event()).await });
            }
            set.join_all().await
        }),
        Client::Blocking(client) => std::thread::scope(|scope| {
            let handles: Vec<_> = (0..calls)
                .map(|_| scope.spawn(|| client.clone().registrants(&event())))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        }),
    };
    assert_eq!(results.len(), calls);
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(tokens.load(Ordering::SeqCst), 1, "exactly one token request");
    assert_eq!(
        bed.requests_to("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants")
            .len(),
        calls
    );
}

/// Sequel documents `404 Invalid auth token` (not `401`) for a refused token when registering.
fn invalid_auth_token_on_registering_renews_the_token_once(kind: Kind) {
    let registrant = "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant";
    let refused = || {
        ResponseTemplate::new(404)
            .set_body_json(json!({"hasError": true, "errorMessage": "Invalid auth token"}))
    };
    let bed = Bed::new(kind);
    let tokens = bed.mount_tokens();
    bed.mount(
        Mock::given(method("POST"))
            .and(path(registrant))
            .and(header("authorization", "Bearer token-1"))
            .respond_with(refused()),
    );
    bed.mount(
        Mock::given(method("POST"))
            .and(path(registrant))
            .and(header("authorization", "Bearer token-2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(registrant_json(
                "Ada Lovelace",
                "ada@example.com",
                "A1",
            ))),
    );
    let registered = call!(bed, register(&event(), &ada())).unwrap();
    assert_eq!(registered.email.as_deref(), Some("ada@example.com"));
    assert_eq!(tokens.load(Ordering::SeqCst), 2, "renewed once");
    assert_eq!(
        bed.requests_to(registrant).len(),
        2,
        "retried once: the first was refused before registering"
    );

    // Refused again with the new token: an auth error, not a missing event.
    let bed = Bed::new(kind);
    let tokens = bed.mount_tokens();
    bed.mount(
        Mock::given(method("POST"))
            .and(path(registrant))
            .respond_with(refused()),
    );
    let err = call!(bed, register(&event(), &ada())).unwrap_err();
    assert!(err.is_auth() && !err.is_not_found(), "{err:?}");
    assert_eq!(tokens.load(Ordering::SeqCst), 2);
    assert_eq!(bed.requests_to(registrant).len(), 2);
}

fn unauthorized_renews_the_token_once(kind: Kind) {
    let bed = Bed::new(kind);
    let tokens = bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f"))
            .and(header("authorization", "Bearer token-1"))
            .respond_with(ResponseTemplate::new(401)),
    );
    bed.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f"))
            .and(header("authorization", "Bearer token-2"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"uid": "3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f", "name": "Launch"})),
            ),
    );
    let details = call!(bed, event(&event())).unwrap();
    assert_eq!(details.name.as_deref(), Some("Launch"));
    assert_eq!(tokens.load(Ordering::SeqCst), 2);

    // A token refused twice in a row is an error, not a loop.
    let bed = Bed::new(kind);
    let tokens = bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f"))
            .respond_with(ResponseTemplate::new(401)),
    );
    let err = call!(bed, event(&event())).unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert_eq!(tokens.load(Ordering::SeqCst), 2);
    assert_eq!(
        bed.requests_to("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f")
            .len(),
        2
    );
}

fn bad_credentials_are_an_auth_error(kind: Kind) {
    let bed = Bed::new(kind);
    bed.mount(
        Mock::given(method("POST"))
            .and(path("/api/oauth/token"))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "access_denied"}))),
    );
    let err = call!(bed, registrants(&event())).unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Sequel refused the client credentials: Sequel answered 401 Unauthorized \
         (its message is in `Error::api_message`)"
    );
    assert!(
        bed.requests_to("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants")
            .is_empty()
    );
    assert!(!format!("{err:?}").contains("s3cret"));
}

fn service_unavailable_then_success_is_retried(kind: Kind) {
    let bed = Bed::new(kind);
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants",
            ))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(2)
            .with_priority(1),
    );
    bed.mount(
        Mock::given(method("GET"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([registrant_json(
                "Ada",
                "ada@example.com",
                "A1"
            )]))),
    );
    let all = call!(bed, registrants(&event())).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        bed.requests_to("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants")
            .len(),
        3
    );
}

fn creating_calls_are_not_repeated_after_a_5xx(kind: Kind) {
    let bed = Bed::new(kind);
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("POST"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant",
            ))
            .respond_with(ResponseTemplate::new(503)),
    );
    let err = call!(bed, register(&event(), &ada())).unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        bed.requests_to("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant")
            .len(),
        1
    );
}

fn too_many_requests_waits_as_told(kind: Kind) {
    let bed = Bed::new(kind);
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("POST"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant",
            ))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
            .up_to_n_times(1)
            .with_priority(1),
    );
    bed.mount(
        Mock::given(method("POST"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(registrant_json(
                "Ada Lovelace",
                "ada@example.com",
                "A1",
            ))),
    );
    let started = Instant::now();
    let registrant = call!(bed, register(&event(), &ada())).unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(
        registrant.join_url.as_str(),
        "https://embed.sequel.io/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f?joinCode=A1"
    );
    assert_eq!(
        bed.requests_to("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant")
            .len(),
        2
    );

    // Asked to wait longer than the policy allows: fail at once, saying how long.
    let bed = Bed::with(kind, |b| Settings {
        retry: Some(RetryPolicy::default().max_retry_after(Duration::from_secs(5))),
        ..b
    });
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120")),
    );
    let started = Instant::now();
    let err = call!(bed, event(&event())).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
}

fn retries_can_be_switched_off(kind: Kind) {
    let bed = Bed::with(kind, |b| Settings {
        retry: Some(RetryPolicy::none()),
        ..b
    });
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f"))
            .respond_with(ResponseTemplate::new(503)),
    );
    assert!(call!(bed, event(&event())).is_err());
    assert_eq!(
        bed.requests_to("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f")
            .len(),
        1
    );
}

fn slow_answers_time_out(kind: Kind) {
    let bed = Bed::with(kind, |b| Settings {
        timeout: Some(Duration::from_millis(200)),
        ..b
    });
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({}))
                    .set_delay(Duration::from_secs(3)),
            ),
    );
    let err = call!(bed, event(&event())).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.to_string(), "the request to the Sequel API timed out");
    assert!(
        !format!("{err:?}").contains("3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f"),
        "the URL is dropped from transport errors: {err:?}"
    );
}

fn unreachable_server_is_a_connect_error(kind: Kind) {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bed = Bed::with(kind, |b| Settings {
        base_url: Some(format!("http://127.0.0.1:{port}")),
        ..b
    });
    let err = call!(bed, event(&event())).unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(err.to_string(), "could not connect to the Sequel API");
}

fn malformed_bodies_are_decode_errors(kind: Kind) {
    let bed = Bed::new(kind);
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>")),
    );
    bed.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/company/co-1/events"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"uid": "a"}, {"uid": 7}]))),
    );
    let err = call!(bed, registrants(&event())).unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    let err = call!(bed, company_events(&sequel::CompanyId::new("co-1"))).unwrap_err();
    assert!(err.decode_path() == Some("[1].uid"), "{err:?}");
}

fn oversized_bodies_are_refused(kind: Kind) {
    let bed = Bed::with(kind, |b| Settings {
        max_response_bytes: Some(1 << 20),
        ..b
    });
    bed.mount_tokens();
    let huge = format!("[{}]", vec!["\"x\""; 300_000].join(","));
    bed.mount(
        Mock::given(method("PUT"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/presenter",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_string(huge)),
    );
    let err = call!(bed, add_presenter(&event(), "ada@example.com")).unwrap_err();
    assert!(
        err.is_body_too_large() && err.to_string().contains("1048576"),
        "{err:?}"
    );

    // The default limit leaves room for large unpaginated lists.
    let bed = Bed::new(kind);
    bed.mount_tokens();
    let huge = format!("[{}]", vec!["\"x\""; 300_000].join(","));
    bed.mount(
        Mock::given(method("PUT"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/presenter",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_string(huge)),
    );
    assert_eq!(
        call!(bed, add_presenter(&event(), "ada@example.com"))
            .unwrap()
            .len(),
        300_000
    );
}

/// A loopback server that answers the token request, then every other request with a
/// chunked body (no `Content-Length`) of `size` bytes: a JSON array of strings.
fn chunked_server(size: usize) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    // Each connection on a thread of its own: a client that gives up mid-body (as a capped one
    // does) ends only its own, and a connection idle in one client's pool holds up no other.
    let serve = move |stream: std::net::TcpStream| -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut writer = stream;
        loop {
            let (mut request_line, mut length) = (String::new(), 0usize);
            if reader.read_line(&mut request_line)? == 0 {
                return Ok(());
            }
            loop {
                let mut header = String::new();
                reader.read_line(&mut header)?;
                if header == "\r\n" {
                    break;
                }
                if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            std::io::Read::read_exact(&mut reader, &mut vec![0; length])?;
            if request_line.contains("/api/oauth/token") {
                let body = r#"{"access_token":"t"}"#;
                write!(
                    writer,
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                )?;
                continue;
            }
            write!(writer, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")?;
            let item = "\"0123456789\",";
            let mut body = String::from("[");
            while body.len() + item.len() + 4 < size {
                body.push_str(item);
            }
            body.push_str("\"x\"]");
            for chunk in body.as_bytes().chunks(4096) {
                write!(writer, "{:x}\r\n", chunk.len())?;
                writer.write_all(chunk)?;
                writer.write_all(b"\r\n")?;
            }
            writer.write_all(b"0\r\n\r\n")?;
        }
    };
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    format!("http://{address}")
}

fn chunked_bodies_are_capped_as_they_arrive(kind: Kind) {
    let base_url = chunked_server(100_000);
    let small = Bed::with(kind, |b| Settings {
        base_url: Some(base_url.clone()),
        max_response_bytes: Some(50_000),
        ..b
    });
    let err = call!(small, add_presenter(&event(), "ada@example.com")).unwrap_err();
    assert!(
        err.is_body_too_large() && err.to_string().contains("50000"),
        "{err:?}"
    );
    let roomy = Bed::with(kind, |b| Settings {
        base_url: Some(base_url.clone()),
        ..b
    });
    assert_eq!(
        call!(roomy, add_presenter(&event(), "ada@example.com"))
            .unwrap()
            .len(),
        7_692
    );
}

fn register_all_reports_a_failed_lookup(kind: Kind) {
    let bed = Bed::with(kind, |b| Settings {
        retry: Some(RetryPolicy::none()),
        ..b
    });
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("POST"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant",
            ))
            .respond_with(ResponseTemplate::new(409).set_body_string("Registrant already exists")),
    );
    bed.mount(
        Mock::given(method("GET"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants",
            ))
            .respond_with(ResponseTemplate::new(503)),
    );
    let report = call!(
        bed,
        register_all(&event(), vec![ada()], sequel::BulkOptions::new())
    );
    assert_eq!((report.len(), report.failed()), (1, 1));
    assert_eq!(
        report.lookup_error().and_then(Error::status),
        Some(http::StatusCode::SERVICE_UNAVAILABLE)
    );
    assert!(
        matches!(&report.outcomes()[0], sequel::BulkOutcome::Failed { error, .. } if error.is_already_registered())
    );
}

fn duplicate_registration_and_register_or_get(kind: Kind) {
    let bed = Bed::new(kind);
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("POST")).and(path("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant")).respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"hasError": true, "errorMessage": "ada@example.com is already registered for this event"})),
        ),
    );
    bed.mount(
        Mock::given(method("GET"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                registrant_json("Bob", "bob@example.com", "B1"),
                registrant_json("Ada Lovelace", "Ada@Example.com", "A1"),
                {"name": "Cy", "email": "cy@example.com", "metadata": {}},
            ]))),
    );
    let err = call!(bed, register(&event(), &ada())).unwrap_err();
    assert!(err.is_already_registered(), "{err:?}");
    assert_eq!(
        err.api_message(),
        Some("ada@example.com is already registered for this event")
    );
    assert_eq!(
        err.to_string(),
        "Sequel answered 400 Bad Request (its message is in `Error::api_message`)"
    );

    let existing = call!(bed, register_or_get(&event(), &ada())).unwrap();
    assert_eq!(
        existing.join_url.as_str(),
        "https://embed.sequel.io/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f?joinCode=A1"
    );

    // Refused, yet not in the list: the refusal is returned, not hidden.
    let stranger = Registration::new("Eve", "eve@example.com");
    let err = call!(bed, register_or_get(&event(), &stranger)).unwrap_err();
    assert!(err.is_already_registered());

    // In the list without a join URL: an error, never a registration without one.
    let cy = Registration::new("Cy", "cy@example.com");
    let err = call!(bed, register_or_get(&event(), &cy)).unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot decode Sequel's response to GET /event/{eventId}/registrants: Sequel holds the registration without a readable `join_url`"
    );
}

fn register_or_get_registers_when_new(kind: Kind) {
    let bed = Bed::new(kind);
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("POST"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant",
            ))
            .and(body_json(
                json!({"name": "Ada Lovelace", "email": "ada@example.com"}),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(registrant_json(
                "Ada Lovelace",
                "ada@example.com",
                "A1",
            ))),
    );
    let registrant = call!(bed, register_or_get(&event(), &ada())).unwrap();
    assert_eq!(registrant.email.as_deref(), Some("ada@example.com"));
    assert!(
        bed.requests_to("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants")
            .is_empty()
    );
}

fn one_registrant_by_email(kind: Kind) {
    let bed = Bed::new(kind);
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                registrant_json("Grace Hopper", "grace@example.com", "G1"),
                registrant_json("Ada Lovelace", "Ada@Example.com", "A1"),
                {"name": "No Link", "email": "nolink@example.com"},
            ]))),
    );
    let join_url = call!(bed, join_url(&event(), "ADA@example.com"))
        .unwrap()
        .unwrap();
    assert!(join_url.as_str().ends_with("joinCode=A1"));
    assert!(
        call!(bed, join_url(&event(), "alan@example.com"))
            .unwrap()
            .is_none()
    );
    let unreadable = call!(bed, join_url(&event(), "nolink@example.com")).unwrap_err();
    assert!(unreadable.is_decode(), "{unreadable:?}");
    let found = call!(bed, registrant(&event(), " ada@EXAMPLE.com "))
        .unwrap()
        .unwrap();
    assert_eq!(found.name.as_deref(), Some("Ada Lovelace"));
    assert!(found.join_url.unwrap().as_str().ends_with("joinCode=A1"));
    assert!(
        call!(bed, registrant(&event(), "alan@example.com"))
            .unwrap()
            .is_none()
    );
}

fn unregister_and_roles(kind: Kind) {
    let bed = Bed::new(kind);
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("DELETE"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant",
            ))
            .and(body_json(json!({"email": "ada@example.com"})))
            .respond_with(ResponseTemplate::new(204)),
    );
    bed.mount(
        Mock::given(method("PUT"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/organizer",
            ))
            .and(body_json(json!({"organizer": "ada@example.com"})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!(["ada@example.com"]))),
    );
    bed.mount(
        Mock::given(method("PUT")).and(path("/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/presenter")).respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!({"hasError": true, "errorMessage": "Users cannot be hosts and presenters at the same time: ada@example.com"}),
            ),
        ),
    );
    bed.mount(
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .with_priority(10),
    );
    call!(bed, unregister(&event(), "ada@example.com")).unwrap();
    assert_eq!(
        call!(bed, add_organizer(&event(), "ada@example.com")).unwrap(),
        ["ada@example.com"]
    );
    let err = call!(bed, add_presenter(&event(), "ada@example.com")).unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::BAD_REQUEST));
    // Sequel's documented message, in the crate's own copy: the e-mail it quotes is not shown.
    assert_eq!(
        err.to_string(),
        "Sequel answered 400 Bad Request: Users cannot be hosts and presenters at the same time"
    );
    assert_eq!(
        err.api_message(),
        Some("Users cannot be hosts and presenters at the same time: ada@example.com")
    );
    assert_eq!(
        call!(bed, remove_organizer(&event(), "a/b@example.com")).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        call!(bed, remove_presenter(&event(), "user-42")).unwrap(),
        Vec::<String>::new()
    );

    // Each id travels as one segment: `a/b` arrives as `a%2Fb`.
    let paths: Vec<String> = bed
        .runtime
        .block_on(bed.server.received_requests())
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant",
            "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/organizer/a%2Fb@example.com",
            "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/presenter/user-42",
        ]
    );
}

fn events_and_not_found(kind: Kind) {
    let bed = Bed::new(kind);
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/company/co-1/events"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                {"uid": "3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f", "name": "Launch", "isEventLive": true, "company": {"id": "co-1", "name": "Acme"}},
                {"uid": "ev-2"},
            ]))),
    );
    bed.mount(
        Mock::given(method("GET"))
            .and(path("/api/v1/event/00000000-0000-4000-8000-000000000000"))
            .respond_with(ResponseTemplate::new(404).set_body_string("Event not found")),
    );
    let events = call!(bed, company_events(&sequel::CompanyId::new("co-1"))).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].extra["company"]["name"], "Acme");
    let err = call!(bed, event(&EventId::new("00000000-0000-4000-8000-000000000000"))).unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        bed.requests_to("/api/v1/event/00000000-0000-4000-8000-000000000000")
            .len(),
        1,
        "a 404 is not retried"
    );
}

fn nothing_secret_in_debug_or_errors(kind: Kind) {
    let bed = Bed::new(kind);
    bed.mount_tokens();
    bed.mount(
        Mock::given(method("POST"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrant",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(registrant_json(
                "Ada Lovelace",
                "ada@example.com",
                "SECRETCODE",
            ))),
    );
    bed.mount(
        Mock::given(method("POST"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/embedCode",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(EMBED)),
    );
    let registrant = call!(bed, register(&event(), &ada())).unwrap();
    let embed = call!(
        bed,
        embed_url(
            &event(),
            &Viewer::new("user-42", "Ada Lovelace").email("ada@example.com")
        )
    )
    .unwrap();
    let client_debug = bed.client.debug();
    let text = format!("{client_debug} {registrant:?} {embed:?} {:?}", ada());
    for secret in [
        "s3cret-value",
        "token-1",
        "SECRETCODE",
        "ada@example.com",
        "authKey",
        "eyJ",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(
        client_debug.contains("client-1"),
        "the client id is not secret: {client_debug}"
    );
}

on_both_transports!(
    redirects_are_never_followed,
    one_registrant_by_email,
    a_call_returns_by_its_deadline_with_retry_after,
    the_deadline_bounds_the_token_request_and_slow_attempts,
    invalid_auth_token_on_registering_renews_the_token_once,
    embed_url_end_to_end,
    one_token_for_many_concurrent_calls,
    unauthorized_renews_the_token_once,
    bad_credentials_are_an_auth_error,
    service_unavailable_then_success_is_retried,
    creating_calls_are_not_repeated_after_a_5xx,
    too_many_requests_waits_as_told,
    retries_can_be_switched_off,
    slow_answers_time_out,
    unreachable_server_is_a_connect_error,
    malformed_bodies_are_decode_errors,
    oversized_bodies_are_refused,
    chunked_bodies_are_capped_as_they_arrive,
    register_all_reports_a_failed_lookup,
    duplicate_registration_and_register_or_get,
    register_or_get_registers_when_new,
    unregister_and_roles,
    events_and_not_found,
    nothing_secret_in_debug_or_errors,
);

#[test]
fn both_clients_work_side_by_side() {
    let bed = Bed::new(Kind::Async);
    let tokens = bed.mount_tokens();
    bed.mount(
        Mock::given(method("GET"))
            .and(path(
                "/api/v1/event/3f2b8c1e-5d4a-4b6f-9e0d-7a1c2b3d4e5f/registrants",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
    );
    let blocking = sequel::blocking::Client::builder(Credentials::new("client-1", "s3cret-value"))
        .base_url(bed.base_url())
        .build()
        .unwrap();
    assert!(call!(bed, registrants(&event())).unwrap().is_empty());
    assert!(blocking.registrants(&event()).unwrap().is_empty());
    assert_eq!(
        tokens.load(Ordering::SeqCst),
        2,
        "each client keeps its own token cache"
    );
}

/// The async client's futures can be spawned onto a multi-threaded runtime. (This fails to
/// compile, rather than at run time, if one of them stops being `Send`.)
#[test]
fn async_futures_are_send() {
    fn spawnable<T: Send + 'static>(_: &T) {}
    fn sendable<T: Send>(_: &T) {}
    let client = sequel::Client::new(Credentials::new("client-1", "s3cret-value")).unwrap();
    let (event, viewer) = (event(), Viewer::new("user-42", "Ada"));
    let owned = client.clone();
    spawnable(&async move { owned.embed_url(&EventId::new("e"), &Viewer::new("u", "n")).await });
    sendable(&client.embed_url(&event, &viewer));
    sendable(&client.register_or_get(&event, &ada()));
    sendable(&client.register_all(
        &event,
        vec![ada()],
        sequel::BulkOptions::new().on_progress(|_| {}),
    ));
}

#[test]
fn plain_http_to_a_host_that_is_not_loopback_is_refused_at_build() {
    let credentials = || Credentials::new("client-1", "s3cret-value");
    let refused = [
        sequel::Client::builder(credentials())
            .base_url("http://api.introvoke.com")
            .build()
            .unwrap_err(),
        sequel::blocking::Client::builder(credentials())
            .base_url("http://api.introvoke.com")
            .build()
            .unwrap_err(),
    ];
    for err in refused {
        assert!(err.is_invalid_input(), "{err:?}");
        let message = err.to_string();
        assert!(
            message.starts_with("invalid base_url: ") && message.contains("clear text"),
            "{message}"
        );
    }
    assert!(
        sequel::Client::builder(credentials())
            .base_url("http://localhost:8080")
            .build()
            .is_ok()
    );
}

/// A connection that is never accepted times out as a connect error: the request never left,
/// so the call is not taken as one Sequel may have carried out.
#[test]
fn a_connect_timeout_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    // Fill the listener's queue of connections waiting to be accepted: past it, the kernel
    // drops new connections' first packet, and connecting hangs.
    let mut queued = Vec::new();
    while let Ok(stream) = std::net::TcpStream::connect_timeout(&address, Duration::from_millis(300)) {
        queued.push(stream);
        assert!(queued.len() < 10_000, "the queue never filled");
    }
    let client = sequel::Client::builder(sequel::Credentials::new("id", "secret"))
        .base_url(format!("http://{address}"))
        .connect_timeout(Duration::from_millis(300))
        .retry(sequel::RetryPolicy::none())
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let error = runtime.block_on(client.register(&event(), &ada())).unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert!(!error.is_outcome_unknown(), "{error:?}");
    drop(queued);
}
