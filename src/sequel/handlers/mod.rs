//! The calls of Sequel's larger areas, grouped as handlers that borrow a client (as octocrab
//! groups by area): `client.networking()`, `client.companies()`, `client.customizations()`
//! and `client.media()`, on the async and the blocking client alike.
//!
//! Each area is one [`area!`] list: a call's name, its arguments, its result and the
//! [`Api`](super::request::Api) method that makes it. From that one line come the async
//! method, the blocking one and the accessor on each client, so the two clients cannot drift.

/// A handler type, its accessor on each client, and its calls on each.
macro_rules! area {
    (
        $(#[$doc:meta])*
        pub struct $handler:ident, reached by $accessor:ident;
        $(
            $(#[$op_doc:meta])*
            fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty = $call:ident;
        )*
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $handler<'a, C> {
            client: &'a C,
        }

        #[cfg(feature = "async")]
        impl crate::sequel::client::Client {
            #[doc = concat!("The ", stringify!($accessor), " calls: see [`", stringify!($handler), "`].")]
            pub fn $accessor(&self) -> $handler<'_, Self> {
                $handler { client: self }
            }
        }

        #[cfg(feature = "async")]
        impl $handler<'_, crate::sequel::client::Client> {
            $(
                $(#[$op_doc])*
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$out, crate::sequel::error::Error> {
                    self.client.execute(self.client.api().$call($($arg),*)?).await
                }
            )*
        }

        #[cfg(feature = "blocking")]
        impl crate::sequel::blocking::Client {
            #[doc = concat!("The ", stringify!($accessor), " calls: see [`", stringify!($handler), "`].")]
            pub fn $accessor(&self) -> $handler<'_, Self> {
                $handler { client: self }
            }
        }

        #[cfg(feature = "blocking")]
        impl $handler<'_, crate::sequel::blocking::Client> {
            $(
                $(#[$op_doc])*
                pub fn $name(&self, $($arg: $ty),*) -> Result<$out, crate::sequel::error::Error> {
                    let engine = self.client.engine();
                    self.client.run(engine.execute(engine.api().$call($($arg),*)?))?
                }
            )*
        }
    };
}

mod companies;
mod customizations;
mod media;
mod networking;

pub use companies::Companies;
pub use customizations::Customizations;
pub use media::Media;
pub use networking::Networking;
