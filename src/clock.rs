//! Durations turned into instants and numbers without overflow: every deadline, timeout,
//! lease and wait the crate is given saturates, so `Duration::MAX` means "as long as can be"
//! and never panics.

use std::time::{Duration, Instant};

/// The longest span anything here measures: 100 years. A longer one is the same in practice,
/// and fits every clock, database interval and Redis expiry it is turned into.
pub(crate) const LONGEST: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// `span`, at most [`LONGEST`].
pub(crate) fn capped(span: Duration) -> Duration {
    span.min(LONGEST)
}

/// The instant `span` after `from`, saturating.
pub(crate) fn after(from: Instant, span: Duration) -> Instant {
    from.checked_add(capped(span)).unwrap_or(from)
}

/// The time `span` after now, since the Unix epoch, saturating: for a server judging a
/// deadline by its own clock.
#[cfg(feature = "redis")]
pub(crate) fn unix_after(span: Duration) -> Duration {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    now.saturating_add(capped(span))
}

/// Waits `span` on tokio's timer. Outside a tokio runtime, or in a build with no tokio (no
/// feature that brings it), there is no timer, and this never ends: what waits on it, such as
/// a lease's renewal, never happens.
pub(crate) async fn sleep(span: Duration) {
    #[cfg(any(
        feature = "async",
        feature = "blocking",
        feature = "redis",
        feature = "postgres",
        feature = "fake"
    ))]
    match tokio::runtime::Handle::try_current() {
        Ok(_) => tokio::time::sleep(capped(span)).await,
        Err(_) => std::future::pending::<()>().await,
    }
    #[cfg(not(any(
        feature = "async",
        feature = "blocking",
        feature = "redis",
        feature = "postgres",
        feature = "fake"
    )))]
    {
        let _ = span;
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_spans_saturate() {
        let now = Instant::now();
        assert_eq!(after(now, Duration::MAX), now + LONGEST);
        assert_eq!(after(now, Duration::ZERO), now);
        assert_eq!(capped(Duration::MAX), LONGEST);
        assert_eq!(capped(Duration::from_secs(5)), Duration::from_secs(5));
    }
}
