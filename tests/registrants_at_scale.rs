//! A 100,000-person event, on both clients with default settings: the lookup behind
//! `register_or_get` recovers the last person's join URL, the stream yields everyone in order,
//! and a malformed registrant in the middle is an error naming its index that quotes nothing,
//! while the others still come.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use common::clients::{Client, Kind, Settings, call, on_both_transports, runtime};
use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::{Credentials, EventId, Registrant, Registration};
use futures_util::StreamExt;
use tokio::runtime::Runtime;

const PEOPLE: usize = 100_000;

on_both_transports!(
    register_or_get_recovers_the_last_of_100000_with_default_settings,
    the_stream_yields_all_100000_in_order,
    a_malformed_registrant_in_the_middle_is_named_by_index_and_the_rest_still_come,
);

struct Bed {
    client: Client,
    runtime: Arc<Runtime>,
}

fn bed(kind: Kind, base_url: &str, credentials: Credentials) -> Bed {
    // Default settings, but for where Sequel is.
    let settings = |s: Settings| Settings {
        base_url: Some(base_url.to_owned()),
        ..s
    };
    Bed {
        client: Client::build(kind, credentials, settings),
        runtime: runtime(),
    }
}

/// Every registrant the client streams, in order.
fn stream(bed: &Bed, event: &EventId) -> Vec<Result<Registrant, event_sso::sequel::Error>> {
    match &bed.client {
        Client::Async(client) => bed.runtime.block_on(client.stream_registrants(event).collect()),
        Client::Blocking(client) => client.stream_registrants(event).collect(),
    }
}

fn event_of_100000() -> (FakeSequel, EventId) {
    let fake = FakeSequel::start().unwrap();
    let event = fake.add_event("Webinar");
    assert!(fake.seed_registrants(&event, 0, PEOPLE));
    (fake, event)
}

fn register_or_get_recovers_the_last_of_100000_with_default_settings(kind: Kind) {
    let (fake, event) = event_of_100000();
    let bed = bed(kind, fake.base_url(), fake.credentials());
    let last = PEOPLE - 1;
    // Registered already, so Sequel refuses; the crate finds them in the list.
    let again = Registration::new(format!("Attendee {last}"), format!(" Attendee{last}@Example.com"));
    let registered = call!(bed, register_or_get(&event, &again)).unwrap();
    let claims = fake.decode_token(registered.join_url.as_str()).unwrap();
    assert_eq!(claims.subject, format!("attendee{last}@example.com"));
    let held = fake.registrants(&event).pop().unwrap();
    assert_eq!(
        held.join_url.as_ref(),
        Some(&registered.join_url),
        "the join URL the fake holds"
    );
    let path = format!("/api/v1/event/{event}/registrants");
    assert_eq!(fake.count_requests(&path), 1, "one read of the list");

    let found = call!(bed, registrant(&event, &format!("attendee{last}@example.com"))).unwrap();
    assert_eq!(found.and_then(|r| r.join_url), Some(registered.join_url));
    assert_eq!(
        call!(bed, registrant(&event, "nobody@example.com")).unwrap(),
        None
    );
    // The whole list, held at once, is what the response bound is for.
    assert!(call!(bed, registrants(&event)).unwrap_err().is_body_too_large());
}

fn the_stream_yields_all_100000_in_order(kind: Kind) {
    let (fake, event) = event_of_100000();
    let bed = bed(kind, fake.base_url(), fake.credentials());
    let registrants = stream(&bed, &event);
    assert_eq!(registrants.len(), PEOPLE);
    for (n, registrant) in registrants.into_iter().enumerate() {
        let registrant = registrant.unwrap();
        assert_eq!(registrant.email, Some(format!("attendee{n}@example.com")));
        assert!(registrant.join_url.is_some(), "{n} has a join URL");
    }
}

fn a_malformed_registrant_in_the_middle_is_named_by_index_and_the_rest_still_come(kind: Kind) {
    let marker = "attendee50000@example.com \\\"`quoted`";
    let broken = PEOPLE / 2;
    let mut body = String::from("[");
    for n in 0..PEOPLE {
        if n > 0 {
            body.push(',');
        }
        match n == broken {
            true => body.push_str(&format!("\"{marker}\"")),
            false => body.push_str(&format!(
                r#"{{"name":"Attendee {n}","email":"attendee{n}@example.com","join_url":"https://embed.sequel.io/event/e?joinCode=C{n}","metadata":{{}}}}"#
            )),
        }
    }
    body.push(']');
    let server = serve(body);
    let bed = bed(kind, &server, Credentials::new("client-1", "secret"));
    let event = EventId::new("e");

    let registrants = stream(&bed, &event);
    assert_eq!(
        registrants.len(),
        PEOPLE,
        "one item per element, the broken one included"
    );
    let error = registrants[broken].as_ref().unwrap_err();
    assert!(error.is_decode());
    assert_eq!(error.decode_path(), Some("[50000]"));
    let shown = format!(
        "{error} {:?} {}",
        error,
        std::error::Error::source(error).unwrap()
    );
    assert!(
        !shown.contains("attendee50000") && !shown.contains("quoted"),
        "{shown}"
    );
    assert!(
        registrants
            .iter()
            .enumerate()
            .all(|(n, r)| n == broken || r.is_ok())
    );
    assert_eq!(
        registrants[broken + 1].as_ref().unwrap().email.as_deref(),
        Some("attendee50001@example.com")
    );

    // A lookup passes over it to find who it looks for...
    let found = call!(bed, registrant(&event, "attendee99999@example.com")).unwrap();
    assert!(found.is_some());
    // ...but does not answer "not registered" when the unreadable one may be who it wanted.
    let missing = call!(bed, registrant(&event, "attendee50000@example.com")).unwrap_err();
    assert_eq!(missing.decode_path(), Some("[50000]"));
}

/// A loopback server answering the token request, and any other request with `list`: one
/// connection per request, each on its own thread. Gives its base URL.
fn serve(list: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let list = Arc::new(list);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let list = list.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    head.push_str(&line);
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let answer = match head.starts_with("POST /api/oauth/token") {
                    true => r#"{"access_token":"t","expires_in":3600}"#,
                    false => list.as_str(),
                };
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    answer.len()
                );
                let _ = stream.write_all(answer.as_bytes());
            });
        }
    });
    base
}
