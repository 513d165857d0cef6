//! Registering many people at once: options, progress, and a report that accounts for every
//! registration given, in the order given.

use std::fmt;

use super::error::Error;
use super::models::Registrant;
use super::models::{Registered, Registration};

/// How many registrations the clients' `register_all` sends at once unless
/// [`BulkOptions::concurrency`] says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// A progress callback, called on the task or thread that called `register_all`.
pub(crate) type ProgressCallback<'a> = Box<dyn FnMut(&Progress) + Send + 'a>;

/// Options for `register_all`: how many registrations in flight, and a progress callback.
#[must_use]
pub struct BulkOptions<'a> {
    pub(crate) concurrency: usize,
    pub(crate) progress: Option<ProgressCallback<'a>>,
}

impl Default for BulkOptions<'_> {
    fn default() -> Self {
        BulkOptions {
            concurrency: DEFAULT_CONCURRENCY,
            progress: None,
        }
    }
}

impl<'a> BulkOptions<'a> {
    /// The defaults: [`DEFAULT_CONCURRENCY`] in flight, no progress callback.
    pub fn new() -> Self {
        BulkOptions::default()
    }

    /// How many registrations are in flight at once (at least one).
    pub fn concurrency(mut self, in_flight: usize) -> Self {
        self.concurrency = in_flight.max(1);
        self
    }

    /// Called after each registration completes, on the calling task or thread.
    pub fn on_progress(mut self, callback: impl FnMut(&Progress) + Send + 'a) -> Self {
        self.progress = Some(Box::new(callback));
        self
    }
}

impl fmt::Debug for BulkOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkOptions")
            .field("concurrency", &self.concurrency)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Where a `register_all` run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// How many registrations were given, when the iterator knew.
    pub total: Option<usize>,
    /// How many have completed.
    pub done: usize,
    /// Newly registered.
    pub registered: usize,
    /// Refused as already registered; their join URLs are looked up when all are done.
    pub already_registered: usize,
    /// Not confirmed either way: the answer was lost (a timeout, a dropped connection, a
    /// `5xx`) even after retries, or Sequel refused the registration in a way that may mean
    /// the e-mail is registered already. Whether Sequel holds them is looked up when all are
    /// done.
    pub unconfirmed: usize,
    /// Failed for another reason.
    pub failed: usize,
}

/// What happened to one registration.
#[derive(Debug)]
#[non_exhaustive]
pub enum BulkOutcome {
    /// Newly registered.
    Registered(Registered),
    /// Already registered before; the existing registration, join URL included.
    AlreadyRegistered(Registered),
    /// Registered, though its answer was lost (a timeout, a dropped connection, a `5xx`, or
    /// an "already registered" to a retry of an attempt that may have worked): Sequel holds
    /// it, and this is Sequel's registration, join URL included, from the registrants list.
    Recovered(Registered),
    /// Not registered: Sequel refused it, or does not hold it. The registration is handed back
    /// so nothing is lost. One whose answer was lost, or that was refused as already
    /// registered, ends here only when the registrants list does not hold it (or could not be
    /// read: see [`BulkReport::lookup_error`]), or holds it without a join URL, with the
    /// error it got.
    Failed {
        /// The registration as given.
        registration: Registration,
        /// Why it failed.
        error: Error,
    },
}

impl BulkOutcome {
    /// The registration, join URL included, unless it failed.
    pub fn registered(&self) -> Option<&Registered> {
        match self {
            BulkOutcome::Registered(registrant)
            | BulkOutcome::AlreadyRegistered(registrant)
            | BulkOutcome::Recovered(registrant) => Some(registrant),
            BulkOutcome::Failed { .. } => None,
        }
    }
}

/// The result of `register_all`: one outcome per registration given, in the order given.
#[derive(Debug)]
pub struct BulkReport {
    outcomes: Vec<BulkOutcome>,
    lookup_error: Option<Error>,
}

impl BulkReport {
    /// Every outcome, in input order.
    pub fn outcomes(&self) -> &[BulkOutcome] {
        &self.outcomes
    }

    /// Every outcome, owned, in input order.
    pub fn into_outcomes(self) -> Vec<BulkOutcome> {
        self.outcomes
    }

    /// Why the registrants list could not be read, when some registrations needed it (refused
    /// as already registered, or their answer lost): those appear as [`BulkOutcome::Failed`],
    /// with the error each got, though Sequel may hold them.
    pub fn lookup_error(&self) -> Option<&Error> {
        self.lookup_error.as_ref()
    }

    /// How many registrations were given.
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    /// Whether no registration was given.
    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }

    /// How many were newly registered.
    pub fn registered(&self) -> usize {
        self.count(|o| matches!(o, BulkOutcome::Registered(_)))
    }

    /// How many were registered already (join URL recovered).
    pub fn already_registered(&self) -> usize {
        self.count(|o| matches!(o, BulkOutcome::AlreadyRegistered(_)))
    }

    /// How many were registered though their answer was lost, found in the registrants list.
    pub fn recovered(&self) -> usize {
        self.count(|o| matches!(o, BulkOutcome::Recovered(_)))
    }

    /// How many failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, BulkOutcome::Failed { .. }))
    }

    fn count(&self, keep: impl Fn(&BulkOutcome) -> bool) -> usize {
        self.outcomes.iter().filter(|o| keep(o)).count()
    }
}

use super::request::{Settled, email_key, registered_from_list};

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

#[cfg(all(test, any(feature = "async", feature = "blocking")))]
mod tests {
    use super::*;
    use crate::sequel::error::ApiError;

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

    #[test]
    fn options_keep_at_least_one_in_flight() {
        assert_eq!(BulkOptions::new().concurrency, DEFAULT_CONCURRENCY);
        assert_eq!(BulkOptions::new().concurrency(0).concurrency, 1);
        assert_eq!(
            format!("{:?}", BulkOptions::new().on_progress(|_| {})),
            "BulkOptions { concurrency: 8, progress: true }"
        );
    }
}
