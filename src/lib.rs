#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod frameable;

pub use time;
pub use url;

#[cfg(test)]
mod tests {
    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}

    #[test]
    fn shared_types_are_send_sync_clone() {
        use crate::frameable::*;
        assert_send_sync_clone::<SigningKey>();
        assert_send_sync_clone::<VerifyingKey>();
        assert_send_sync_clone::<Token>();
        assert_send_sync_clone::<Claims>();
        assert_send_sync_clone::<EventLink>();
        fn error_is_send_sync<E: Send + Sync + std::error::Error + 'static>() {}
        error_is_send_sync::<Error>();
    }
}
