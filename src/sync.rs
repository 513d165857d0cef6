//! Locks that outlive a panic.

/// Locks a mutex whose data stays whole even if a thread panicked holding it: everything done
/// under these locks (the fake's state, the in-memory webhook store) is one step, so a panic
/// leaves nothing half-done.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
