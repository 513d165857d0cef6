//! Registering many people at once: options, progress, and a report that accounts for every
//! registration given, in the order given.

use std::fmt;

use super::error::Error;
use super::models::{Registrant, Registration};

/// How many registrations [`register_all`](super::Client::register_all) sends at once unless
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
    /// Failed for another reason.
    pub failed: usize,
}

/// What happened to one registration.
#[derive(Debug)]
#[non_exhaustive]
pub enum BulkOutcome {
    /// Newly registered.
    Registered(Registrant),
    /// Already registered before; the existing registration, join URL included.
    AlreadyRegistered(Registrant),
    /// Not registered. The registration is handed back so nothing is lost. An
    /// already-registered e-mail whose registration could not be found afterwards ends here
    /// too, with the refusal as its error.
    Failed {
        /// The registration as given.
        registration: Registration,
        /// Why it failed.
        error: Error,
    },
}

impl BulkOutcome {
    /// The registrant, unless it failed.
    pub fn registrant(&self) -> Option<&Registrant> {
        match self {
            BulkOutcome::Registered(registrant) | BulkOutcome::AlreadyRegistered(registrant) => {
                Some(registrant)
            }
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

    /// Why the registrants list could not be read, when some registrations were refused as
    /// already registered and their join URLs therefore could not be recovered (those appear
    /// as [`BulkOutcome::Failed`], with the refusal).
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

    /// How many failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, BulkOutcome::Failed { .. }))
    }

    fn count(&self, keep: impl Fn(&BulkOutcome) -> bool) -> usize {
        self.outcomes.iter().filter(|o| keep(o)).count()
    }
}

#[cfg(any(feature = "async", feature = "blocking"))]
use super::models::email_key;

/// Collects results as they complete, in any order, and settles them into a report.
#[cfg(any(feature = "async", feature = "blocking"))]
pub(crate) struct Tally<'a> {
    pending: Vec<Option<Pending>>,
    progress: Progress,
    callback: Option<ProgressCallback<'a>>,
}

#[cfg(any(feature = "async", feature = "blocking"))]
enum Pending {
    Registered(Registrant),
    AlreadyRegistered(Registration, Error),
    Failed(Registration, Error),
}

#[cfg(any(feature = "async", feature = "blocking"))]
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

    /// Records the result of registration number `index`.
    pub(crate) fn record(
        &mut self,
        index: usize,
        registration: Registration,
        result: Result<Registrant, Error>,
    ) {
        let pending = match result {
            Ok(registrant) => {
                self.progress.registered += 1;
                Pending::Registered(registrant)
            }
            Err(error) if error.is_already_registered() => {
                self.progress.already_registered += 1;
                Pending::AlreadyRegistered(registration, error)
            }
            Err(error) => {
                self.progress.failed += 1;
                Pending::Failed(registration, error)
            }
        };
        if self.pending.len() <= index {
            self.pending.resize_with(index + 1, || None);
        }
        self.pending[index] = Some(pending);
        self.progress.done += 1;
        if let Some(callback) = &mut self.callback {
            callback(&self.progress);
        }
    }

    /// Whether any registration was refused as a duplicate, so the registrants list is needed.
    pub(crate) fn needs_registrants(&self) -> bool {
        self.progress.already_registered > 0
    }

    /// The report, with duplicates matched by e-mail, without regard to case, to `registrants`
    /// (fetched when [`needs_registrants`](Self::needs_registrants) said so).
    pub(crate) fn finish(self, registrants: Result<Vec<Registrant>, Error>) -> BulkReport {
        let (registrants, lookup_error) = match registrants {
            Ok(registrants) => (registrants, None),
            Err(error) => (Vec::new(), Some(error)),
        };
        let by_email: std::collections::HashMap<String, Registrant> = registrants
            .into_iter()
            .map(|registrant| (email_key(&registrant.email), registrant))
            .collect();
        let outcomes = self
            .pending
            .into_iter()
            .flatten()
            .map(|pending| match pending {
                Pending::Registered(registrant) => BulkOutcome::Registered(registrant),
                Pending::AlreadyRegistered(registration, error) => {
                    match by_email.get(&email_key(&registration.email)) {
                        Some(existing) => BulkOutcome::AlreadyRegistered(existing.clone()),
                        None => BulkOutcome::Failed { registration, error },
                    }
                }
                Pending::Failed(registration, error) => BulkOutcome::Failed { registration, error },
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
    fn results_in_any_order_settle_in_input_order_and_nothing_is_lost() {
        let mut seen = Vec::new();
        let mut tally = Tally::new((4, Some(4)), Some(Box::new(|p: &Progress| seen.push(*p))));
        tally.record(2, Registration::new("c", "c@x.co"), Err(refusal(500, "boom")));
        tally.record(0, Registration::new("a", "a@x.co"), Ok(registrant("a@x.co")));
        tally.record(3, Registration::new("d", "D@X.co"), Err(refusal(409, "")));
        tally.record(
            1,
            Registration::new("b", "b@x.co"),
            Err(refusal(400, "already registered")),
        );
        assert!(tally.needs_registrants());
        let report = tally.finish(Ok(vec![registrant("d@x.co")]));
        assert!(report.lookup_error().is_none());

        assert_eq!(report.len(), 4);
        assert_eq!(
            (report.registered(), report.already_registered(), report.failed()),
            (1, 1, 2)
        );
        assert!(matches!(&report.outcomes()[0], BulkOutcome::Registered(r) if r.email == "a@x.co"));
        assert!(
            matches!(&report.outcomes()[1], BulkOutcome::Failed { registration, error } if registration.email == "b@x.co" && error.is_already_registered())
        );
        assert!(
            matches!(&report.outcomes()[2], BulkOutcome::Failed { registration, .. } if registration.email == "c@x.co")
        );
        assert!(matches!(&report.outcomes()[3], BulkOutcome::AlreadyRegistered(r) if r.email == "d@x.co"));

        let last = seen.last().unwrap();
        assert_eq!(
            (
                seen.len(),
                last.total,
                last.done,
                last.registered,
                last.already_registered,
                last.failed
            ),
            (4, Some(4), 4, 1, 2, 1)
        );
        assert!(seen.windows(2).all(|w| w[1].done == w[0].done + 1));
    }

    #[test]
    fn a_failed_lookup_is_reported_and_its_duplicates_kept() {
        let mut tally = Tally::new((0, None), None);
        tally.record(0, Registration::new("a", "a@x.co"), Err(refusal(409, "")));
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
        let found = crate::sequel::models::find_registrant(list(), "élodie@example.fr");
        assert!(found.is_some());
        let mut tally = Tally::new((1, Some(1)), None);
        tally.record(
            0,
            Registration::new("É", "élodie@example.fr"),
            Err(refusal(409, "")),
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
