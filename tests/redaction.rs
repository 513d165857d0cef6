//! What was sent or received never reaches an error message: a marker string (quotes,
//! backslashes, backquotes, unicode, an e-mail) put into any string position or object key
//! of an answer that fails to decode appears in no `Display`, `Debug` or `source()` text.

use std::time::SystemTime;

use event_sso::frameable::VerifyingKey;
use event_sso::sequel::request::Api;
use event_sso::sequel::{CompanyId, Credentials, EventId};
use proptest::prelude::*;
use serde_json::{Value, json};

mod common;

/// The e-mail every marker carries, so a leak of any part of it is caught too.
const EMAIL: &str = "ada@example.com";

fn marker() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("`".to_owned()),
        Just("'".to_owned()),
        Just("\\\"".to_owned()),
        Just("é🎉\u{202e}".to_owned()),
        Just(", expected ".to_owned()),
        Just("at line 1".to_owned()),
        "[a-z ]{0,6}",
    ];
    (
        proptest::collection::vec(pieces, 0..4),
        proptest::collection::vec(".{0,4}", 0..2),
    )
        .prop_map(|(pieces, noise)| format!("{}{EMAIL}{}", pieces.concat(), noise.concat()))
}

/// Everything a user could see of an error: `Display`, `Debug` and every `source()`.
fn shown(error: &dyn std::error::Error) -> String {
    let mut text = format!("{error} {error:?}");
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(&format!(" {inner} {inner:?}"));
        source = inner.source();
    }
    text
}

/// A registrant, as Sequel documents it, with the marker put in one place so that decoding
/// fails there (or nearby).
fn broken_registrants(marker: &str, place: usize) -> Value {
    let mut entry = json!({
        "name": "Ada", "email": "a@b.co",
        "join_url": "https://embed.sequel.io/event/e?joinCode=AbCdEf123456", "metadata": {}
    });
    match place % 7 {
        0 => entry["join_url"] = json!(marker),
        1 => entry["email"] = json!([marker]),
        2 => entry["name"] = json!({ marker: marker }),
        3 => {
            entry[marker] = json!(marker);
            entry.as_object_mut().unwrap().remove("email");
        }
        4 => return json!([[marker]]),
        5 => return json!([{ marker: [marker] }]),
        _ => entry["join_url"] = json!({ marker: 1 }),
    }
    json!([entry])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sequel_decode_errors_never_show_the_answer(marker in marker(), place in 0usize..14) {
        let api = Api::new("https://api.introvoke.com").unwrap();
        let event = EventId::new("ev");
        let registrants = serde_json::to_vec(&broken_registrants(&marker, place)).unwrap();
        let wrapped_event = serde_json::to_vec(&json!({ "uid": { marker.as_str(): marker }, "name": [marker] })).unwrap();
        let grant = serde_json::to_vec(&json!({ "access_token": [marker], marker.as_str(): 1 })).unwrap();
        let answer = |body: &[u8]| http::Response::builder().status(200).body(body.to_vec()).unwrap();
        let now = SystemTime::now();

        // These shapes never decode: the error must not show the marker.
        let errors = [
            api.company_events(&CompanyId::new("co")).unwrap().parse(answer(&wrapped_event), now).map(|_| ()),
            api.event(&event).unwrap().parse(answer(&wrapped_event), now).map(|_| ()),
            api.token(&Credentials::new("a", "b")).unwrap().parse(answer(&grant), now).map(|_| ()),
            api.add_presenter(&event, "u").unwrap().parse(answer(&wrapped_event), now).map(|_| ()),
        ];
        for (i, result) in errors.into_iter().enumerate() {
            let error = result.expect_err("every body here is of the wrong shape");
            prop_assert!(error.is_decode(), "{i}: {error:?}");
            let text = shown(&error);
            prop_assert!(!text.contains(EMAIL) && !text.contains("example.com"), "{i}: {text}");
            prop_assert!(!text.contains(marker.as_str()), "{i}: {text}");
        }
        // A registrants list keeps odd entries (their gaps named), or fails as a whole: either
        // way, nothing shown carries the marker.
        let shown_list = match api.registrants(&event).unwrap().parse(answer(&registrants), now) {
            Ok(list) => format!("{list:?} {:?}", list.iter().map(|r| r.gaps()).collect::<Vec<_>>()),
            Err(error) => shown(&error),
        };
        prop_assert!(!shown_list.contains(EMAIL) && !shown_list.contains(marker.as_str()), "{shown_list}");
        let one = serde_json::to_vec(&broken_registrants(&marker, place)[0]).unwrap();
        let shown_one = match api.register(&event, &event_sso::sequel::Registration::new("n", "e@x.co")).unwrap().parse(answer(&one), now) {
            Ok(registrant) => format!("{registrant:?}"),
            Err(error) => shown(&error),
        };
        prop_assert!(!shown_one.contains(EMAIL) && !shown_one.contains(marker.as_str()), "{shown_one}");
    }

    #[test]
    fn frameable_payload_errors_never_show_the_claims(marker in marker(), place in 0usize..4) {
        let payload = match place {
            0 => json!({ "displayName": [marker], "iat": 1, "exp": 9_999_999_999u64 }),
            1 => json!({ "displayName": "Ada", "email": { marker.as_str(): marker }, "iat": 1, "exp": 9_999_999_999u64 }),
            2 => json!({ "displayName": "Ada", "iat": marker, "exp": 9_999_999_999u64 }),
            _ => json!({ "displayName": "Ada", "userProfile": [[marker]], "iat": 1, "exp": 9_999_999_999u64 }),
        };
        let token = common::sign_payload(&payload);
        let verifier = VerifyingKey::from_pem(common::PUBLIC).unwrap();
        let error = verifier.verify(&token).expect_err("the claims are of the wrong shape");
        prop_assert!(error.is_invalid_token(), "{error:?}");
        let text = shown(&error);
        prop_assert!(!text.contains(EMAIL) && !text.contains(marker.as_str()), "{text}");
    }
}

#[test]
fn the_markers_would_show_without_the_crates_messages() {
    // The same bodies through serde_json's own messages do show the marker: the property
    // above tests something real.
    let marker = format!("x\\\"{EMAIL}");
    let body = serde_json::to_vec(&broken_registrants(&marker, 0)).unwrap();
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Registrant {
        join_url: url::Url,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Strict {
        name: u8,
    }
    let leaked =
        serde_json::from_slice::<Vec<Strict>>(&serde_json::to_vec(&json!([{"name": marker}])).unwrap())
            .unwrap_err()
            .to_string();
    assert!(leaked.contains(EMAIL), "{leaked}");
    assert!(serde_json::from_slice::<Vec<Registrant>>(&body).is_err());
}
