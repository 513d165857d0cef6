//! `register_all`'s rule for any transport: registrations recorded as they settle, in any
//! order; the registrants list read once for those it decides; a report that accounts for
//! each, in the order given. Both clients and the `Driver` tally through it.

use super::registrants::{Settled, email_key, registered_from_list};
use crate::sequel::bulk::{BulkOutcome, BulkReport, Progress, ProgressCallback};
use crate::sequel::error::Error;
use crate::sequel::models::{Registrant, Registration};

/// Collects results as they complete, in any order, and settles them into a report.
pub(crate) struct Tally<'a> {
    pending: Vec<Option<(Registration, Settled)>>,
    progress: Progress,
    callback: Option<ProgressCallback<'a>>,
}

/// The outcome of a registration that settled so, given what the registrants list holds for
/// its e-mail (`None` when it holds nothing, or could not be read).
fn outcome(settled: Settled, registration: Registration, found: Option<Registrant>) -> BulkOutcome {
    let found = found.filter(|_| settled.needs_lookup());
    let ours = settled.is_maybe_ours();
    let found = found.map(registered_from_list);
    match (settled.into_answer(), found) {
        (Ok(registered), _) => BulkOutcome::Registered(registered),
        (Err(_), Some(Ok(existing))) if ours => BulkOutcome::Recovered(existing),
        (Err(_), Some(Ok(existing))) => BulkOutcome::AlreadyRegistered(existing),
        (Err(_), Some(Err(error))) | (Err(error), None) => BulkOutcome::Failed { registration, error },
    }
}

impl<'a> Tally<'a> {
    /// A tally for inputs of the given `size_hint`, which gives the total when it is exact.
    pub(crate) fn new(size_hint: (usize, Option<usize>), callback: Option<ProgressCallback<'a>>) -> Self {
        let total = match size_hint {
            (lower, Some(upper)) if lower == upper => Some(lower),
            _ => None,
        };
        Tally {
            pending: Vec::with_capacity(total.unwrap_or(0)),
            progress: Progress {
                total,
                ..Progress::default()
            },
            callback,
        }
    }

    /// Records how registration number `index` settled.
    pub(crate) fn record(&mut self, index: usize, registration: Registration, settled: Settled) {
        let counter = match &settled {
            Settled::Registered(_) => &mut self.progress.registered,
            Settled::AlreadyRegistered(_) | Settled::RepeatRefused(_) => {
                &mut self.progress.already_registered
            }
            Settled::Failed(_) => &mut self.progress.failed,
            _ => &mut self.progress.unconfirmed,
        };
        *counter += 1;
        if self.pending.len() <= index {
            self.pending.resize_with(index + 1, || None);
        }
        self.pending[index] = Some((registration, settled));
        self.progress.done += 1;
        if let Some(callback) = &mut self.callback {
            callback(&self.progress);
        }
    }

    /// Whether any registration needs the registrants list.
    pub(crate) fn needs_registrants(&self) -> bool {
        self.progress.already_registered + self.progress.unconfirmed > 0
    }

    /// The e-mails (as [`email_key`] reads them) of the registrations that need the
    /// registrants list: a lookup keeps only their entries.
    pub(crate) fn wanted(&self) -> std::collections::HashSet<String> {
        self.pending
            .iter()
            .flatten()
            .filter(|(_, settled)| settled.needs_lookup())
            .map(|(registration, _)| email_key(&registration.email))
            .collect()
    }

    /// The report, with every registration that needs it matched by e-mail (see
    /// [`email_key`]) to `registrants` (the list's entries for [`wanted`](Self::wanted), or
    /// more), read once when [`needs_registrants`](Self::needs_registrants) said so.
    pub(crate) fn finish(self, registrants: Result<Vec<Registrant>, Error>) -> BulkReport {
        let (registrants, lookup_error) = match registrants {
            Ok(registrants) => (registrants, None),
            Err(error) => (Vec::new(), Some(error)),
        };
        let by_email: std::collections::HashMap<String, Registrant> = registrants
            .into_iter()
            .filter_map(|registrant| Some((email_key(registrant.email.as_deref()?), registrant)))
            .collect();
        let outcomes = self
            .pending
            .into_iter()
            .flatten()
            .map(|(registration, settled)| {
                let found = match settled.needs_lookup() {
                    true => by_email.get(&email_key(&registration.email)).cloned(),
                    false => None,
                };
                outcome(settled, registration, found)
            })
            .collect();
        BulkReport {
            outcomes,
            lookup_error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sequel::error::ApiError;
    use crate::sequel::models::Registered;

    fn registrant(email: &str) -> Registrant {
        serde_json::from_value(serde_json::json!({"name": "n", "email": email, "join_url": format!("https://x.example/{email}")})).unwrap()
    }

    fn refusal(status: u16, message: &str) -> Error {
        Error::Api(ApiError {
            status: http::StatusCode::from_u16(status).unwrap(),
            message: Some(message.to_owned()),
            body: String::new(),
            retry_after: None,
        })
    }

    #[test]
    fn an_entry_without_a_join_url_is_no_registration() {
        let mut tally = Tally::new((1, Some(1)), None);
        tally.record(
            0,
            Registration::new("a", "a@x.co"),
            Settled::new(Err(refusal(400, "already registered")), false),
        );
        let entry: Registrant =
            serde_json::from_value(serde_json::json!({"name": "n", "email": "a@x.co"})).unwrap();
        let report = tally.finish(Ok(vec![entry]));
        assert!(
            matches!(&report.outcomes()[0], BulkOutcome::Failed { registration, error } if registration.email == "a@x.co" && error.is_decode()),
            "{:?}",
            report.outcomes()
        );
    }

    #[test]
    fn results_in_any_order_settle_in_input_order_and_nothing_is_lost() {
        let mut seen = Vec::new();
        let mut tally = Tally::new((4, Some(4)), Some(Box::new(|p: &Progress| seen.push(*p))));
        tally.record(
            2,
            Registration::new("c", "c@x.co"),
            Settled::new(Err(refusal(400, "An invalid parameter was sent")), false),
        );
        tally.record(
            0,
            Registration::new("a", "a@x.co"),
            Settled::new(
                Ok(Registered::from_registrant(registrant("a@x.co")).unwrap()),
                false,
            ),
        );
        tally.record(
            3,
            Registration::new("d", "D@X.co"),
            Settled::new(Err(refusal(409, "")), false),
        );
        tally.record(
            1,
            Registration::new("b", "b@x.co"),
            Settled::new(Err(refusal(400, "already registered")), false),
        );
        assert!(tally.needs_registrants());
        let report = tally.finish(Ok(vec![registrant("d@x.co")]));
        assert!(report.lookup_error().is_none());

        assert_eq!(report.len(), 4);
        assert_eq!(
            (report.registered(), report.already_registered(), report.failed()),
            (1, 1, 2)
        );
        assert!(
            matches!(&report.outcomes()[0], BulkOutcome::Registered(r) if r.email.as_deref() == Some("a@x.co"))
        );
        assert!(
            matches!(&report.outcomes()[1], BulkOutcome::Failed { registration, error } if registration.email == "b@x.co" && error.is_already_registered())
        );
        assert!(
            matches!(&report.outcomes()[2], BulkOutcome::Failed { registration, .. } if registration.email == "c@x.co")
        );
        assert!(
            matches!(&report.outcomes()[3], BulkOutcome::AlreadyRegistered(r) if r.email.as_deref() == Some("d@x.co"))
        );

        let last = seen.last().unwrap();
        assert_eq!(
            (
                seen.len(),
                last.total,
                last.done,
                last.registered,
                last.already_registered,
                last.unconfirmed,
                last.failed
            ),
            (4, Some(4), 4, 1, 2, 1, 0),
            "the 400 is looked up (Sequel may refuse a duplicate so), and fails only then"
        );
        assert!(seen.windows(2).all(|w| w[1].done == w[0].done + 1));
    }

    #[test]
    fn lost_answers_are_recovered_when_sequel_holds_them_and_failed_when_not() {
        let timeout = || Error::transport(crate::sequel::TransportKind::Timeout, "timed out");
        let mut tally = Tally::new((6, Some(6)), None);
        tally.record(
            0,
            Registration::new("a", "a@x.co"),
            Settled::new(Err(timeout()), false),
        );
        tally.record(
            1,
            Registration::new("b", "b@x.co"),
            Settled::new(Err(refusal(503, "")), false),
        );
        tally.record(
            2,
            Registration::new("c", "c@x.co"),
            Settled::new(Err(timeout()), false),
        );
        // An "already registered" after an attempt that may have worked: possibly our own.
        tally.record(
            3,
            Registration::new("d", "d@x.co"),
            Settled::new(Err(refusal(409, "")), true),
        );
        let connect = Error::transport(crate::sequel::TransportKind::Connect, "refused");
        tally.record(
            4,
            Registration::new("e", "e@x.co"),
            Settled::new(Err(connect), false),
        );
        // A 429 after an attempt whose answer was lost: that attempt may have registered them.
        tally.record(
            5,
            Registration::new("f", "f@x.co"),
            Settled::new(Err(refusal(429, "")), true),
        );
        assert_eq!(
            (
                tally.progress.unconfirmed,
                tally.progress.already_registered,
                tally.progress.failed
            ),
            (4, 1, 1)
        );
        assert!(tally.needs_registrants());
        let report = tally.finish(Ok(vec![
            registrant("a@x.co"),
            registrant("B@x.co"),
            registrant("d@x.co"),
            registrant("e@x.co"),
            registrant("f@x.co"),
        ]));
        assert_eq!(
            (report.recovered(), report.failed(), report.already_registered()),
            (4, 2, 0)
        );
        assert!(
            matches!(&report.outcomes()[0], BulkOutcome::Recovered(r) if r.email.as_deref() == Some("a@x.co"))
        );
        assert!(
            matches!(&report.outcomes()[1], BulkOutcome::Recovered(r) if r.email.as_deref() == Some("B@x.co"))
        );
        assert!(
            matches!(&report.outcomes()[2], BulkOutcome::Failed { registration, error } if registration.email == "c@x.co" && error.is_timeout())
        );
        assert!(
            matches!(&report.outcomes()[3], BulkOutcome::Recovered(r) if r.email.as_deref() == Some("d@x.co"))
        );
        // A refused connection never reached Sequel: not looked up, even if the list has it.
        assert!(matches!(&report.outcomes()[4], BulkOutcome::Failed { error, .. } if error.is_connect()));
        assert!(
            matches!(&report.outcomes()[5], BulkOutcome::Recovered(r) if r.email.as_deref() == Some("f@x.co"))
        );
    }

    #[test]
    fn a_failed_lookup_is_reported_and_its_duplicates_kept() {
        let mut tally = Tally::new((0, None), None);
        tally.record(
            0,
            Registration::new("a", "a@x.co"),
            Settled::new(Err(refusal(409, "")), false),
        );
        let report = tally.finish(Err(refusal(503, "down")));
        assert_eq!(
            report.lookup_error().and_then(Error::status),
            Some(http::StatusCode::SERVICE_UNAVAILABLE)
        );
        assert!(
            matches!(&report.outcomes()[0], BulkOutcome::Failed { registration, error } if registration.email == "a@x.co" && error.is_already_registered())
        );
    }

    #[test]
    fn register_or_get_and_register_all_match_emails_alike() {
        let list = || vec![registrant(" Élodie@Example.FR ")];
        let found = crate::sequel::request::find_registrant(list(), "élodie@example.fr");
        assert!(found.is_some());
        let mut tally = Tally::new((1, Some(1)), None);
        tally.record(
            0,
            Registration::new("É", "élodie@example.fr"),
            Settled::new(Err(refusal(409, "")), false),
        );
        assert_eq!(tally.finish(Ok(list())).already_registered(), 1);
    }
}
