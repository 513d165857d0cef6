//! No answer from the network panics the parser: any status, any headers, any body.

use event_sso::sequel::request::Api;
use event_sso::sequel::{CompanyId, Credentials, EventId, Registration, Viewer};
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_answer_panics_any_parser(status in 100u16..600, retry_after in ".{0,40}", body in body()) {
        let api = Api::new("https://api.introvoke.com").unwrap();
        let event = EventId::new("ev");
        let response = || answer(status, &retry_after, &body);
        let _ = api.token(&Credentials::new("a", "b")).unwrap().parse(response(), received());
        let _ = api.embed_url(&event, &Viewer::new("u", "n")).unwrap().parse(response(), received());
        let _ = api.register(&event, &Registration::new("n", "e@x.co")).unwrap().parse(response(), received());
        let _ = api.registrants(&event).unwrap().parse(response(), received());
        let _ = api.unregister(&event, "e@x.co").unwrap().parse(response(), received());
        let _ = api.event(&event).unwrap().parse(response(), received());
        let _ = api.company_events(&CompanyId::new("co")).unwrap().parse(response(), received());
        if let Err(err) = api.add_presenter(&event, "e@x.co").unwrap().parse(response(), received()) {
            let _ = (err.to_string(), format!("{err:?}"), err.is_already_registered(), err.retry_after());
        }
    }

    #[test]
    fn no_id_or_name_panics_request_building(id in ".{0,30}", user in ".{0,30}", base in ".{0,40}") {
        if let Ok(api) = Api::new(&base) {
            let event = EventId::new(id.clone());
            for call in [api.remove_presenter(&event, &user), api.add_organizer(&event, &user)].into_iter().flatten() {
                let _ = call.to_request(None);
            }
            if let Ok(call) = api.embed_url(&event, &Viewer::new(user.clone(), id.clone())) {
                let _ = call.to_request(None);
            }
        }
    }
}
