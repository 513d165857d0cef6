//! Register everyone in a CSV file (`name,email`, with a header line) for a Sequel event, with
//! a progress bar.
//!
//! ```sh
//! cargo run --example bulk_register                        # the sample file, against the fake
//! cargo run --example bulk_register -- people.csv          # your file
//! ```
//!
//! With `SEQUEL_CLIENT_ID`, `SEQUEL_CLIENT_SECRET` and `SEQUEL_EVENT_ID` set it registers with
//! Sequel's API; otherwise with the in-process fake. The sample file has one person twice and
//! one line without an e-mail, to show how the report accounts for them.

mod common;

use std::io::Write;

use event_sso::sequel::fake::FakeSequel;
use event_sso::sequel::{BulkOptions, BulkOutcome, Client, EventId, Registration};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/registrants.csv");

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| SAMPLE.to_owned());
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let (line_numbers, registrations): (Vec<usize>, Vec<Registration>) =
        parse_csv(&text)?.into_iter().unzip();

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

    eprintln!("Registering {} people from {path}", registrations.len());
    let options = BulkOptions::new().concurrency(8).on_progress(|progress| {
        let total = progress.total.unwrap_or(progress.done).max(1);
        let filled = progress.done * 30 / total;
        eprint!(
            "\r[{}{}] {}/{total}",
            "#".repeat(filled),
            ".".repeat(30 - filled),
            progress.done
        );
        let _ = std::io::stderr().flush();
    });
    let report = client.register_all(&event, registrations.clone(), options).await;
    eprintln!();

    // The report is in input order, so it lines up with the file.
    for ((line, input), outcome) in line_numbers.iter().zip(&registrations).zip(report.outcomes()) {
        let email = &input.email;
        match outcome {
            BulkOutcome::Registered(_) => println!("line {line}: registered {email}"),
            BulkOutcome::AlreadyRegistered(_) => {
                println!("line {line}: already registered {email}, join URL recovered")
            }
            BulkOutcome::Recovered(_) => {
                println!("line {line}: registered {email} (answer lost, found in the list)")
            }
            BulkOutcome::Failed { registration, error } => {
                println!("line {line}: FAILED {:?}: {error}", registration.name)
            }
            _ => println!("line {line}: {outcome:?}"),
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

/// `name,email` lines after a header, with their line numbers; a field may be double-quoted to
/// hold a comma. Every non-blank line becomes a registration, even one with an empty field, so
/// the report accounts for all of them.
fn parse_csv(text: &str) -> Result<Vec<(usize, Registration)>, String> {
    let mut lines = text.lines();
    match lines.next().map(|header| header.trim().to_ascii_lowercase()) {
        Some(header) if header == "name,email" => {}
        _ => return Err("the first line must be the header `name,email`".to_owned()),
    }
    lines
        .enumerate()
        .map(|(i, line)| (i + 2, line))
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| match split_fields(line).as_slice() {
            [name, email] => Ok((number, Registration::new(name.trim(), email.trim()))),
            _ => Err(format!("line {number}: expected two fields, `name,email`")),
        })
        .collect()
}

fn split_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}
