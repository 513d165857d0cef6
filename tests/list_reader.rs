//! `request::ListReader`, the core's element-by-element reader of Sequel's lists: whatever the
//! chunks, it reads what serde_json reads whole, refuses what serde_json refuses, and never
//! quotes the body.

use event_sso::sequel::Registrant;
use event_sso::sequel::request::ListReader;
use proptest::prelude::*;
use serde_json::{Value, json};

const CALL: &str = "GET /event/{eventId}/registrants";

/// Everything the reader yields for `body` cut into `chunks` (sizes, cycled), and how it ended.
fn read<T: serde::de::DeserializeOwned>(
    body: &[u8],
    chunks: &[usize],
) -> (Vec<Result<T, String>>, Result<(), String>) {
    let mut list = ListReader::<T>::new(CALL);
    let mut out = Vec::new();
    let mut rest = body;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let size = (*sizes.next().unwrap()).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        if let Err(error) = list.feed(chunk) {
            return (out, Err(describe(&error)));
        }
        while let Some(item) = list.next() {
            out.push(item.map_err(|e| describe(&e)));
        }
    }
    let end = list.finish().map_err(|e| describe(&e));
    (out, end)
}

/// The error and its sources, as a log line would show them.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

fn values(body: &str, chunks: &[usize]) -> (Vec<Value>, Result<(), String>) {
    let (items, end) = read::<Value>(body.as_bytes(), chunks);
    (items.into_iter().map(Result::unwrap).collect(), end)
}

#[test]
fn elements_come_out_whole_whatever_the_chunks() {
    let body = r#" [ {"name":"A, \"B\" [c] {d}","email":"a@x.co","metadata":{"tags":[1,[2,{"k":"]"}]]}},
        "a string, with \\ and \" inside", 12.5e3, -1, true, false, null, [], {}, [[["deep"]]] ] "#;
    let expected: Vec<Value> = serde_json::from_str(body).unwrap();
    for chunks in [&[1][..], &[2], &[3, 7], &[64], &[usize::MAX]] {
        let (items, end) = values(body, chunks);
        assert_eq!(items, expected, "chunks {chunks:?}");
        assert_eq!(end, Ok(()));
    }
    assert_eq!(values("[]", &[1]), (vec![], Ok(())));
    assert_eq!(values(" \n[ \n] \n", &[1]), (vec![], Ok(())));
}

#[test]
fn what_is_not_a_closed_list_is_refused_and_says_where() {
    for (body, at) in [
        (r#"{"a":1}"#, "[0]"),
        (r#"[1,]"#, "[1]"),
        (r#"[,1]"#, "[0]"),
        (r#"[1 2]"#, "[1]"),
        (r#"[1],"#, "[1]"),
        (r#"[{"a":1}}"#, "[1]"),
        (r#"[1"#, "[0]"),
        (r#"[{"a":"#, "[0]"),
        ("", "[0]"),
    ] {
        let one = read::<Value>(body.as_bytes(), &[1]);
        let whole = read::<Value>(body.as_bytes(), &[usize::MAX]);
        assert_eq!(one, whole, "{body}: the chunks do not change the outcome");
        let (items, end) = one;
        let first_error = items.into_iter().find_map(Result::err);
        let error = first_error.or(end.err()).expect(body);
        assert!(error.ends_with(&format!("at {at}")), "{body}: {error}");
        assert!(
            serde_json::from_str::<Vec<Value>>(body).is_err(),
            "serde_json refuses {body} too"
        );
    }
}

#[test]
fn an_element_that_does_not_read_names_its_index_quotes_nothing_and_the_rest_still_come() {
    let marker = "x\\\"`ada@example.com`";
    let body = json!([
        {"email": "a@example.com", "join_url": "https://embed.sequel.io/event/e?joinCode=A"},
        {"email": "b@example.com"},
        ["not", "a", "registrant", marker],
        {"email": "d@example.com"},
    ])
    .to_string();
    let (items, end) = read::<Registrant>(body.as_bytes(), &[5]);
    assert_eq!(end, Ok(()));
    assert_eq!(items.len(), 4);
    let error = items[2].as_ref().unwrap_err();
    assert!(error.contains("[2]"), "{error}");
    assert!(
        !error.contains("ada@") && !error.contains("registrant\""),
        "{error}"
    );
    let emails: Vec<_> = [0, 1, 3]
        .iter()
        .map(|i| items[*i].as_ref().unwrap().email.clone().unwrap())
        .collect();
    assert_eq!(emails, ["a@example.com", "b@example.com", "d@example.com"]);

    // Broken JSON inside an element: named by index, no position that quotes.
    let (items, _) = read::<Registrant>(br#"[{"email":"a@x.co"},{"email":"b@x.co" "x":1}]"#, &[4]);
    let error = items.last().unwrap().as_ref().unwrap_err();
    assert!(error.contains("[1]") && !error.contains("b@x.co"), "{error}");
}

#[test]
fn one_element_larger_than_the_limit_fails_the_read() {
    let big = format!(r#"[{{"email":"a@x.co"}},{{"name":"{}"}}]"#, "n".repeat(5_000));
    let mut list = ListReader::<Registrant>::new(CALL).max_element_bytes(1_000);
    let mut failed = None;
    for chunk in big.as_bytes().chunks(256) {
        if let Err(error) = list.feed(chunk) {
            failed = Some(error);
            break;
        }
        while let Some(item) = list.next() {
            item.unwrap();
        }
    }
    let error = failed.expect("the second element is over the limit");
    assert!(error.is_body_too_large(), "{error}");
    assert_eq!(list.count(), 1, "the first was read");
    assert!(list.finish().is_err());
}

/// A registrant as Sequel's schema allows, and then some: odd characters in every string.
fn registrant() -> impl Strategy<Value = Value> {
    let text = "[a-zA-Z0-9 \"\\\\,\\[\\]{}:é\u{1F600}]{0,24}";
    (
        text,
        "[a-z]{1,8}@example\\.com",
        proptest::option::of("[A-Za-z0-9]{12}"),
        any::<bool>(),
    )
        .prop_map(|(name, email, code, metadata)| {
            let mut registrant = json!({"name": name, "email": email});
            if let Some(code) = code {
                registrant["join_url"] = json!(format!("https://embed.sequel.io/event/e?joinCode={code}"));
            }
            if metadata {
                registrant["metadata"] = json!({"note": name, "n": [1, {"x": null}]});
            }
            registrant
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_list_in_any_chunks_reads_as_serde_json_reads_it_whole(
        list in proptest::collection::vec(registrant(), 0..8),
        chunks in proptest::collection::vec(1usize..40, 1..6),
        pretty in any::<bool>(),
    ) {
        let body = match pretty {
            true => serde_json::to_string_pretty(&list).unwrap(),
            false => serde_json::to_string(&list).unwrap(),
        };
        let whole: Vec<Registrant> = serde_json::from_str(&body).unwrap();
        let (items, end) = read::<Registrant>(body.as_bytes(), &chunks);
        prop_assert_eq!(end, Ok(()));
        let items: Vec<Registrant> = items.into_iter().map(Result::unwrap).collect();
        prop_assert_eq!(items, whole);
    }

    #[test]
    fn no_input_panics_and_the_chunks_never_change_the_outcome(
        body in proptest::collection::vec(prop_oneof![
            Just(b'['), Just(b']'), Just(b'{'), Just(b'}'), Just(b'"'), Just(b'\\'), Just(b','),
            Just(b':'), Just(b' '), Just(b'1'), Just(b'a'),
        ], 0..40),
        chunks in proptest::collection::vec(1usize..8, 1..4),
    ) {
        let one = read::<Value>(&body, &chunks);
        let whole = read::<Value>(&body, &[usize::MAX]);
        prop_assert_eq!(one, whole);
    }
}
