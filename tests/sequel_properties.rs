//! No answer from the network panics the parser: any status, any headers, any body.

use event_sso::sequel::request::Api;
use event_sso::sequel::{AccessToken, CompanyId, Credentials, EventId, Registration, Viewer};
use proptest::prelude::*;

fn received() -> std::time::SystemTime {
    std::time::SystemTime::now()
}

fn answer(status: u16, retry_after: &str, body: &[u8]) -> http::Response<Vec<u8>> {
    let mut response = http::Response::new(body.to_vec());
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
    if let Ok(value) = http::HeaderValue::from_str(retry_after) {
        response.headers_mut().insert(http::header::RETRY_AFTER, value);
    }
    response
}

/// Bodies that are mostly JSON-ish, so the decoders get past the first byte.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        "[\\[\\]{}\":,a-z0-9 @./-]{0,120}".prop_map(String::into_bytes),
        Just(br#"[{"name":"a","email":"b","join_url":"https://x.y/z"}]"#.to_vec()),
        Just(br#"{"hasError":true,"errorMessage":"already registered"}"#.to_vec()),
    ]
}

/// What every parser must do with any answer: a non-2xx status is an API error carrying
/// that status (a 3xx a redirect error); a 2xx answer decodes or is a decode error; nothing panics.
fn check<T>(parsed: Result<T, event_sso::sequel::Error>, status: u16) -> Result<(), TestCaseError> {
    match parsed {
        Ok(_) => prop_assert!((200..300).contains(&status), "{status} parsed as a success"),
        Err(err) if (200..300).contains(&status) => prop_assert!(err.is_decode(), "{status}: {err:?}"),
        Err(err) => {
            prop_assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
            let (shown, debug) = (err.to_string(), format!("{err:?}"));
            prop_assert!(shown.starts_with("Sequel"), "{}", shown);
            prop_assert_eq!(err.is_redirect(), (300..400).contains(&status));
            prop_assert!(!debug.is_empty());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_parser_reads_any_answer_by_its_status(status in 100u16..600, retry_after in ".{0,40}", body in body()) {
        let api = Api::new("https://api.introvoke.com").unwrap();
        let event = EventId::new("ev");
        let response = || answer(status, &retry_after, &body);
        let now = received();
        check(api.token(&Credentials::new("a", "b")).unwrap().parse(response(), now), status)?;
        check(api.embed_url(&event, &Viewer::new("u", "n")).unwrap().parse(response(), now), status)?;
        check(api.register(&event, &Registration::new("n", "e@x.co")).unwrap().parse(response(), now), status)?;
        check(api.registrants(&event).unwrap().parse(response(), now), status)?;
        check(api.event(&event).unwrap().parse(response(), now), status)?;
        check(api.company_events(&CompanyId::new("co")).unwrap().parse(response(), now), status)?;
        check(api.add_presenter(&event, "e@x.co").unwrap().parse(response(), now), status)?;
        // Removing a registrant reads no body: any 2xx is done.
        let removed = api.unregister(&event, "e@x.co").unwrap().parse(response(), now);
        prop_assert_eq!(removed.is_ok(), (200..300).contains(&status));
    }

    #[test]
    fn any_id_or_name_becomes_one_path_segment_or_a_clear_refusal(id in ".{0,30}", user in ".{0,30}", base in ".{0,40}") {
        let Ok(api) = Api::new(&base) else { return Ok(()) };
        let event = EventId::new(id.clone());
        let root_segments = api.base_url().path_segments().map_or(0, |s| s.filter(|s| !s.is_empty()).count());
        for call in [api.remove_presenter(&event, &user), api.add_organizer(&event, &user)] {
            match call {
                Ok(call) => match call.to_request(Some(&AccessToken::new("t"))) {
                    Ok(request) => {
                        let path = request.uri().path();
                        let segments = path.trim_start_matches('/').split('/').count();
                        // api/v1/event/{id}/organizer, or .../presenter/{user}
                        prop_assert!(segments == root_segments + 5 || segments == root_segments + 6, "{path}");
                    }
                    Err(err) => prop_assert!(err.is_invalid_input(), "{err:?}"),
                },
                Err(err) => prop_assert!(err.is_invalid_input(), "{err:?}"),
            }
        }
    }
}
