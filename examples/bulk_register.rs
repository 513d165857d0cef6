//! Register everyone in a CSV file for a Sequel event, with a progress bar.
//!
//! ```sh
//! cargo run --example bulk_register                        # the sample file, against the fake
//! cargo run --example bulk_register -- people.csv          # your file
//! ```
//!
//! The file is read as a CRM or a spreadsheet exports it: a header line naming a `name` and an
//! `email` column (in any case and order, among other columns), a byte-order mark or not,
//! CRLF or LF line ends, and quoted fields holding commas, line breaks and doubled quotes.
//!
//! With `SEQUEL_CLIENT_ID`, `SEQUEL_CLIENT_SECRET` and `SEQUEL_EVENT_ID` set it registers with
//! Sequel's API; otherwise with the in-process fake. The sample file has one person twice and
//! one line without an e-mail, to show how the report accounts for them.

mod common;

use std::error::Error;
use std::path::Path;

use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::{BulkOptions, BulkOutcome, BulkReport, Client, EventId, Registration};
use indicatif::{ProgressBar, ProgressStyle};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/registrants.csv");

/// One person to register, and their row in the file.
#[derive(Debug)]
pub struct Person {
    /// Their row as a spreadsheet numbers it: the header is row 1, so the first person is
    /// row 2, whatever line breaks quoted fields hold.
    pub row: u64,
    /// Their name and e-mail.
    pub registration: Registration,
}

/// The two columns used; the file may have others.
#[derive(serde::Deserialize)]
struct Row {
    name: String,
    email: String,
}

/// Everyone in the CSV file at `path`. Columns are matched by header name, ignoring case and
/// surrounding spaces; a row with an empty field is kept, so the report accounts for it.
pub fn read_people(path: &Path) -> Result<Vec<Person>, Box<dyn Error>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let headers: csv::StringRecord = reader.headers()?.iter().map(str::to_lowercase).collect();
    for wanted in ["name", "email"] {
        if !headers.iter().any(|header| header == wanted) {
            let found: Vec<&str> = headers.iter().collect();
            return Err(format!(
                "the header line has no `{wanted}` column; it has: {}",
                found.join(", ")
            )
            .into());
        }
    }
    reader.set_headers(headers.clone());
    let mut people = Vec::new();
    for (row, record) in (2..).zip(reader.records()) {
        let fields: Row = record
            .and_then(|record| record.deserialize(Some(&headers)))
            .map_err(|e| format!("row {row}: {e}"))?;
        people.push(Person {
            row,
            registration: Registration::new(fields.name, fields.email),
        });
    }
    Ok(people)
}

/// Registers everyone, eight at a time, drawing the progress on the terminal.
pub async fn register(client: &Client, event: &EventId, people: &[Person]) -> BulkReport {
    let bar = ProgressBar::new(people.len() as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} registered, {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let options = BulkOptions::new().concurrency(8).on_progress(|progress| {
        bar.set_position(progress.done as u64);
        bar.set_message(format!("{} failed", progress.failed));
    });
    let registrations = people.iter().map(|person| person.registration.clone());
    let report = client.register_all(event, registrations, options).await;
    bar.finish();
    report
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| SAMPLE.to_owned());
    let people = read_people(Path::new(&path))?;

    let fake;
    let (client, event) = match (Client::builder_from_env(), std::env::var("SEQUEL_EVENT_ID")) {
        (Ok(builder), Ok(event)) => (builder.build()?, EventId::new(event)),
        _ => {
            fake = FakeSequel::start()?;
            let event = fake.add_event("Launch party");
            (
                Client::builder(fake.credentials())
                    .base_url(fake.base_url())
                    .build()?,
                event,
            )
        }
    };

    eprintln!("Registering {} people from {path}", people.len());
    let report = register(&client, &event, &people).await;

    // The report is in input order, so it lines up with the file.
    for (person, outcome) in people.iter().zip(report.outcomes()) {
        let (row, email) = (person.row, &person.registration.email);
        match outcome {
            BulkOutcome::Registered(_) => println!("row {row}: registered {email}"),
            BulkOutcome::AlreadyRegistered(_) => {
                println!("row {row}: already registered {email}, join URL recovered")
            }
            BulkOutcome::Recovered(_) => {
                println!("row {row}: registered {email} (answer lost, found in the list)")
            }
            BulkOutcome::Failed { registration, error } => {
                println!("row {row}: FAILED {}: {error}", registration.name)
            }
            _ => println!("row {row}: {email}: an outcome this program does not know"),
        }
    }
    println!(
        "\n{} registered, {} recovered, {} already registered, {} failed, of {}",
        report.registered(),
        report.recovered(),
        report.already_registered(),
        report.failed(),
        report.len()
    );
    Ok(())
}
