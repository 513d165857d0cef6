#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod frameable;
mod json;
mod secret_url;
pub mod sequel;

pub use http;
pub use secret_url::JoinUrl;
pub use time;
pub use url;

// Shared across threads and tasks by design: checked on every build, not only in tests.
const _: () = {
    const fn shareable<T: Send + Sync + Clone>() {}
    const fn error<E: Send + Sync + std::error::Error + 'static>() {}
    shareable::<frameable::SigningKey>();
    shareable::<frameable::VerifyingKey>();
    shareable::<frameable::Token>();
    shareable::<frameable::Claims>();
    shareable::<frameable::EventLink>();
    error::<frameable::Error>();
    error::<sequel::Error>();
    shareable::<sequel::Credentials>();
    shareable::<sequel::AccessToken>();
    shareable::<sequel::EmbedUrl>();
    shareable::<JoinUrl>();
    #[cfg(feature = "async")]
    shareable::<sequel::Client>();
    #[cfg(feature = "blocking")]
    shareable::<sequel::blocking::Client>();
};
