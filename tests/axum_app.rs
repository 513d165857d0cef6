//! `examples/axum_app.rs` as a user's browser and Sequel would use it, against the fake.

#[path = "../examples/axum_app.rs"]
#[allow(dead_code)]
mod example;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_sso::frameable::SigningKey;
use event_sso::sequel::NewSubscription;
use event_sso::sequel::fake::{FakeSequel, Fault, Requests};
use event_sso::sequel::webhook::{Receiver, Verifier, WebhookType};
use event_sso::sequel::{Client, EventId};
use reqwest::StatusCode;
use reqwest::redirect::Policy;

struct Bed {
    fake: FakeSequel,
    state: Arc<example::App>,
    base: String,
    browser: reqwest::Client,
    public_key: String,
}

impl Bed {
    async fn start() -> Bed {
        let fake = tokio::task::spawn_blocking(|| FakeSequel::start().unwrap())
            .await
            .unwrap();
        let sequel = Client::builder(fake.credentials())
            .base_url(fake.base_url())
            .deadline(Duration::from_secs(2))
            .build()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hooks = url::Url::parse(&format!("{base}/hooks/sequel")).unwrap();
        let subscription = NewSubscription::new(WebhookType::AttendeePreRegistered, fake.company_id(), hooks);
        let secret = sequel.subscribe_webhook(&subscription).await.unwrap().secret;
        let key = SigningKey::generate().unwrap();
        let public_key = key.public_key_pem();
        let state = Arc::new(example::App {
            sequel,
            frameable_key: key,
            frameable_subdomain: "acme".to_owned(),
            webhooks: Receiver::new(Verifier::new(secret)),
            pre_registered: Mutex::new(Vec::new()),
        });
        tokio::spawn(axum::serve(listener, example::app(state.clone())).into_future());
        let browser = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        Bed {
            fake,
            state,
            base,
            browser,
            public_key,
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.browser
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str) -> reqwest::Response {
        self.browser
            .post(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_signs_users_in_and_receives_webhooks() {
    let bed = Bed::start().await;
    let event = bed.fake.add_event("Launch");
    let event = event.as_str();
    let mark = bed.fake.delivery_mark();

    // The embed page: the iframe's src is the embed URL, escaped for the attribute.
    let page = bed.get(&format!("/events/{event}/watch?user=ada")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let src = html.split(r#"src=""#).nth(1).unwrap().split('"').next().unwrap();
    assert!(src.contains("&amp;") && !src.contains(['<', '>']), "{src}");
    let claims = bed
        .fake
        .decode_token(&src.replace("&amp;", "&"))
        .expect("the fake's own embed URL");
    assert_eq!(claims.subject, "ada");

    // Register and join: a 302 to Sequel's join URL, the same one the second time.
    let joined = bed.post(&format!("/events/{event}/register?user=ada")).await;
    assert_eq!(joined.status(), StatusCode::FOUND);
    let again = bed.post(&format!("/events/{event}/register?user=ada")).await;
    assert_eq!(location(&joined), location(&again));
    assert_eq!(bed.fake.registrants(&EventId::new(event)).len(), 1);

    // Raised to presenter.
    let raised = bed.post(&format!("/events/{event}/presenters?user=ada")).await;
    assert_eq!(
        (raised.status(), raised.text().await.unwrap().as_str()),
        (StatusCode::OK, "1 presenters")
    );

    // Frameable: a 302 to the event with a token the public key verifies.
    let frameable = bed.get("/frameable/launch-party/join?user=ada").await;
    assert_eq!(frameable.status(), StatusCode::FOUND);
    let link = url::Url::parse(&location(&frameable)).unwrap();
    assert_eq!(link.host_str(), Some("acme.frameable.com"));
    let token = link
        .query_pairs()
        .find(|(name, _)| name == "token")
        .unwrap()
        .1
        .into_owned();
    let verified = event_sso::frameable::VerifyingKey::from_pem(&bed.public_key)
        .unwrap()
        .verify(&token)
        .unwrap();
    assert_eq!(verified.email(), Some("ada@example.com"));

    // Sequel's webhook for the registration reached the app, once.
    let delivered = bed
        .fake
        .wait_for_deliveries_since(mark, 1, Duration::from_secs(5))
        .await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].answers, [Some(http::StatusCode::OK)]);
    assert_eq!(*bed.state.pre_registered.lock().unwrap(), ["ada@example.com"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_answered_with_the_crates_status() {
    let bed = Bed::start().await;
    let event = bed.fake.add_event("Launch");
    let unknown = "7d1a2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b";
    assert_eq!(
        bed.get(&format!("/events/{unknown}/watch?user=ada"))
            .await
            .status(),
        404
    );
    assert_eq!(
        bed.get("/frameable/a%01b/join?user=ada").await.status(),
        400,
        "an event name refused"
    );

    // Sequel rate-limits for 30 s: within its 2 s deadline the app answers 503 at once, with
    // the Retry-After to pass on.
    bed.fake
        .inject_on(Requests::ApiCalls, [Fault::RateLimit(Duration::from_secs(30))]);
    let limited = bed
        .get(&format!("/events/{}/watch?user=ada", event.as_str()))
        .await;
    assert_eq!(limited.status(), 503);
    assert_eq!(limited.headers()["retry-after"], "30");

    // A webhook with a wrong key: 401, never 404.
    let forged = bed
        .browser
        .post(format!("{}/hooks/sequel", bed.base))
        .header("x-introvoke-web-hook-auth", "forged")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
}
