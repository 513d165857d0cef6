//! `examples/bulk_register.rs` on a file as a CRM exports it: a byte-order mark, CRLF line
//! ends, the columns in another order among others, and quoted fields holding commas, doubled
//! quotes and a line break.

#[allow(dead_code)]
#[path = "../examples/bulk_register.rs"]
mod example;

use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::{BulkOutcome, Client};

const CRM_EXPORT: &str = "\u{feff}Email,Company, Name ,Owner\r\n\
    ada@example.com,\"Analytical Engines, Ltd.\",Ada Lovelace,crm-bot\r\n\
    \"scarlett.o'hara@example.com\",Tara,\"Scarlett \"\"Katie\"\" O'Hara, Jr.\",crm-bot\r\n\
    grace@example.com,\"Navy\r\nReserve\",\"Hopper, Grace\",crm-bot\r\n\
    ,No e-mail Inc.,Nobody,crm-bot\r\n";

#[tokio::test]
async fn a_crm_export_is_read_by_header_name_and_registered_whole() {
    let dir = std::env::temp_dir().join(format!("event-sso-bulk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("crm.csv");
    std::fs::write(&path, CRM_EXPORT).unwrap();
    let people = example::read_people(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let read: Vec<(u64, &str, &str)> = people
        .iter()
        .map(|p| (p.row, p.registration.name.as_str(), p.registration.email.as_str()))
        .collect();
    assert_eq!(
        read,
        [
            (2, "Ada Lovelace", "ada@example.com"),
            (3, "Scarlett \"Katie\" O'Hara, Jr.", "scarlett.o'hara@example.com"),
            (4, "Hopper, Grace", "grace@example.com"),
            (5, "Nobody", ""),
        ]
    );

    let fake = FakeSequel::start().unwrap();
    let event = fake.add_event("Launch party");
    let client = Client::builder(fake.credentials())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let report = example::register(&client, &event, &people).await;
    assert_eq!((report.registered(), report.failed()), (3, 1));
    assert!(
        matches!(&report.outcomes()[3], BulkOutcome::Failed { registration, .. } if registration.name == "Nobody")
    );
    let mut held: Vec<(String, String)> = fake
        .registrants(&event)
        .into_iter()
        .map(|r| (r.name.unwrap(), r.email.unwrap()))
        .collect();
    held.sort();
    assert_eq!(
        held,
        [
            ("Ada Lovelace".to_owned(), "ada@example.com".to_owned()),
            ("Hopper, Grace".to_owned(), "grace@example.com".to_owned()),
            (
                "Scarlett \"Katie\" O'Hara, Jr.".to_owned(),
                "scarlett.o'hara@example.com".to_owned()
            ),
        ]
    );
}

#[test]
fn a_file_without_the_columns_says_which_is_missing() {
    let dir = std::env::temp_dir().join(format!("event-sso-bulk-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("people.csv");
    std::fs::write(&path, "Full name,E-mail\r\nAda,ada@example.com\r\n").unwrap();
    let error = example::read_people(&path).unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        error,
        "the header line has no `name` column; it has: full name, e-mail"
    );
}
