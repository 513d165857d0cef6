//! `examples/networking_hub.rs` against the fake: its page holds the viewer's own embed URL,
//! escaped for the attribute, and its registration is the one the fake stored.

#[path = "../examples/networking_hub.rs"]
#[allow(dead_code)]
mod example;

use event_sso::sequel::Client;
use event_sso::sequel::fake::FakeSequel;

#[tokio::test]
async fn the_page_embeds_the_hub_for_the_user_and_the_registration_is_stored() {
    let fake = tokio::task::spawn_blocking(|| FakeSequel::start().unwrap())
        .await
        .unwrap();
    let client = Client::builder(fake.credentials())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let hub = fake.add_hub("Lounge");
    let user = example::User {
        id: "user-7",
        name: "Grace \"Amazing\" Hopper",
        email: "grace@example.com",
    };

    let page = example::hub_page(&client, &hub, &user).await.unwrap();
    let src = page
        .split_once(r#"<iframe src=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(src, _)| src)
        .expect("the page holds an iframe");
    assert!(
        src.starts_with(&format!("https://embed.sequel.io/networking/{hub}?")),
        "{src}"
    );
    assert!(
        src.contains("&amp;authKey="),
        "the URL is escaped for the attribute"
    );
    let claims = fake
        .decode_token(&src.replace("&amp;", "&"))
        .expect("a token the fake signed");
    assert_eq!(
        (claims.subject.as_str(), claims.hub.as_ref()),
        ("user-7", Some(&hub))
    );
    assert_eq!(claims.name.as_deref(), Some(user.name));

    let registered = example::register(&client, &hub, &user).await.unwrap();
    let stored = fake.hub_registrants(&hub);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].join_url.as_ref(), Some(&registered.join_url));
    assert!(
        example::register(&client, &hub, &user).await.is_err(),
        "once per e-mail"
    );
}

#[tokio::test]
async fn the_example_runs_on_the_fake_with_nothing_set() {
    example::run().await.unwrap();
}
