//! Registering many people at once: options, progress, and a report that accounts for every
//! registration given, in the order given.

use std::fmt;

use super::error::Error;
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
    pub(crate) outcomes: Vec<BulkOutcome>,
    pub(crate) lookup_error: Option<Error>,
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

#[cfg(test)]
mod tests {
    use super::*;

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
