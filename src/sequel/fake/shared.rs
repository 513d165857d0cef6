//! What the fake's server, its deliveries and its handle share.

use std::sync::Mutex;

use super::faults::Faults;
use super::records::{Delivered, LoggedRequest};
use super::state::State;

pub(super) struct Shared {
    pub(super) state: Mutex<State>,
    pub(super) faults: Mutex<Faults>,
    pub(super) log: Mutex<Vec<LoggedRequest>>,
    pub(super) in_flight: InFlight,
    pub(super) deliveries: Mutex<Vec<Delivered>>,
    pub(super) deliver_twice: std::sync::atomic::AtomicBool,
    /// The waits before each retry of a delivery answered `429` or `5xx`, or not at all.
    pub(super) delivery_retries: Mutex<Vec<std::time::Duration>>,
    /// The client deliveries go through, built at the first delivery: building it loads the
    /// TLS roots (about 90 ms), which a fake that delivers nothing should not pay at start.
    /// `None` if it could not be built; each attempt is then logged as unanswered.
    pub(super) webhook_client: std::sync::OnceLock<Option<reqwest::Client>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

/// How many requests are being answered right now, and the most there have been at once.
#[derive(Default)]
pub(super) struct InFlight {
    pub(super) now: std::sync::atomic::AtomicUsize,
    pub(super) most: std::sync::atomic::AtomicUsize,
}

/// Counts one request as in flight until dropped, however its answer ends.
pub(super) struct Answering<'a>(&'a InFlight);

impl<'a> Answering<'a> {
    pub(super) fn start(in_flight: &'a InFlight) -> Answering<'a> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = in_flight.now.fetch_add(1, SeqCst) + 1;
        in_flight.most.fetch_max(now, SeqCst);
        Answering(in_flight)
    }
}

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}
