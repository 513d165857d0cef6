//! Every deadline, timeout, lease and wait the crate takes saturates: `Duration::MAX` means
//! "as long as can be" and `Duration::ZERO` "no time at all", on every entry point, and
//! neither panics.

mod common;

use std::time::Duration;

use event_sso::frameable::Claims;
use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::request::{Api, Driver};
use event_sso::sequel::webhook::{Handled, Receiver, Verifier};
use event_sso::sequel::{self, ClientBuilder, Error, RetryPolicy, Viewer};

const EXTREMES: [Duration; 2] = [Duration::MAX, Duration::ZERO];

fn viewer() -> Viewer {
    Viewer::new("user-42", "Ada Lovelace")
}

/// A retry policy whose every wait is `span`.
fn retry(span: Duration) -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(span)
        .max_backoff(span)
        .max_retry_after(span)
}

/// Every span of a client's builder set to `span`, pointed at `fake`.
fn extremes<C>(builder: ClientBuilder<C>, fake: &FakeSequel, span: Duration) -> ClientBuilder<C> {
    builder
        .base_url(fake.base_url())
        .timeout(span)
        .connect_timeout(span)
        .deadline(span)
        .token_lifetime(span)
        .retry(retry(span))
}

#[tokio::test]
async fn the_async_client_takes_the_longest_and_shortest_spans() {
    let fake = FakeSequel::start().unwrap();
    let event = fake.add_event("Launch");
    for span in EXTREMES {
        let client = extremes(sequel::Client::builder(fake.credentials()), &fake, span)
            .build()
            .unwrap();
        let answer = client.embed_url(&event, &viewer()).await;
        match span {
            Duration::ZERO => assert!(answer.unwrap_err().is_timeout(), "no time at all is a timeout"),
            _ => {
                answer.unwrap();
                // A refused call with a wait of "for ever" is given up at once, not waited on.
                fake.fail_next(1, http::StatusCode::SERVICE_UNAVAILABLE);
                let error = client.embed_url(&event, &viewer()).await.unwrap_err();
                assert_eq!(error.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
            }
        }
    }
}

#[test]
fn the_blocking_client_takes_the_longest_and_shortest_spans() {
    let fake = FakeSequel::start().unwrap();
    let event = fake.add_event("Launch");
    for span in EXTREMES {
        let client = extremes(sequel::blocking::Client::builder(fake.credentials()), &fake, span)
            .build()
            .unwrap();
        let answer = client.embed_url(&event, &viewer());
        match span {
            Duration::ZERO => assert!(answer.unwrap_err().is_timeout()),
            _ => drop(answer.unwrap()),
        }
    }
}

#[test]
fn the_driver_takes_the_longest_and_shortest_spans() {
    let fake = FakeSequel::start().unwrap();
    let event = fake.add_event("Launch");
    let http = common::reqwest_blocking();
    for span in EXTREMES {
        let http = http.clone();
        let send = move |request: http::Request<Vec<u8>>, timeout: Duration| {
            if timeout.is_zero() {
                // Never sent with no time to send in: this would not be a timeout.
                return Err(Error::body_too_large(0));
            }
            common::reqwest_send(&http, request, timeout)
        };
        let api = Api::new(fake.base_url()).unwrap();
        let driver = Driver::new(api, fake.credentials(), send)
            .timeout(span)
            .deadline(span)
            .retry(retry(span));
        let answer = driver.execute(driver.api().embed_url(&event, &viewer()).unwrap());
        match span {
            // No time left: the driver sends nothing and says so.
            Duration::ZERO => assert!(answer.unwrap_err().is_timeout()),
            _ => drop(answer.unwrap()),
        }
    }
}

const DELIVERY: &[u8] = br#"{"eventType":"new-attendee-pre-registration","webHookInvocationId":"i-1","correlationId":"c-1","timestamp":"2025-01-07T10:05:24.000Z","details":{"eventId":"e-1","attendee":{"name":"Ada","email":"ada@example.com","registrationInfo":[]}}}"#;

#[tokio::test]
async fn the_receiver_takes_the_longest_and_shortest_lease_and_keep() {
    let mut headers = http::HeaderMap::new();
    headers.insert("x-introvoke-web-hook-auth", "hook-secret".parse().unwrap());
    for span in EXTREMES {
        let receiver = Receiver::new(Verifier::new("hook-secret")).lease(span).keep(span);
        let first = receiver
            .handle(&headers, DELIVERY, |_| async { Ok::<_, std::io::Error>(()) })
            .await;
        assert!(matches!(first, Handled::Done { unrecorded: None }), "{first}");
        let repeat = receiver
            .handle(&headers, DELIVERY, |_| async { Ok::<_, std::io::Error>(()) })
            .await;
        match span {
            // Kept for ever: a repeat is a repeat.
            Duration::MAX => assert!(matches!(repeat, Handled::Repeat), "{repeat}"),
            // Kept for no time: handled again.
            _ => assert!(matches!(repeat, Handled::Done { .. }), "{repeat}"),
        }
    }
}

#[test]
fn the_fakes_waits_take_the_longest_and_shortest_spans() {
    let fake = FakeSequel::start().unwrap();
    fake.set_token_lifetime(Duration::MAX);
    fake.set_latency(Duration::ZERO);
    // Nothing to wait for: both return at once.
    assert!(fake.wait_for_deliveries(0, Duration::MAX).is_empty());
    assert!(fake.wait_for_deliveries(1, Duration::ZERO).is_empty());
    let client = sequel::blocking::Client::builder(fake.credentials())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    client.embed_url(&fake.add_event("Launch"), &viewer()).unwrap();
    // A Retry-After of "for ever" is refused by the client's cap, not waited on or overflowed.
    fake.rate_limit_next(1, Duration::MAX);
    let error = client.embed_url(&fake.add_event("Later"), &viewer()).unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
}

#[test]
fn frameable_lifetimes_and_leeway_take_the_longest_and_shortest_spans() {
    let key = common::key();
    for span in EXTREMES {
        // Past the ceiling or under a second: a clear error, not a panic.
        let built = Claims::builder("Ada").expires_in(span).build();
        assert!(built.is_err(), "{span:?}");
        let raised = Claims::builder("Ada")
            .allow_lifetime_up_to(Duration::MAX)
            .expires_in(span)
            .build();
        if span == Duration::MAX {
            // A lifetime past what a date can hold is refused, not wrapped.
            assert!(raised.is_err());
        }
        let token = key.sign(&Claims::builder("Ada").build().unwrap()).unwrap();
        let verified = common::verifier()
            .with_leeway(span)
            .verify(token.as_str())
            .unwrap();
        assert_eq!(verified.display_name(), "Ada");
    }
}
