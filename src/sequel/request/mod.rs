//! Sequel's endpoints as plain values, with no I/O.
//!
//! [`Api`] renders each endpoint as a [`Call`]: [`Call::to_request`] gives the
//! `http::Request` to send, and [`Call::parse`] turns the `http::Response` into the typed
//! result or an [`Error`](crate::sequel::Error). The crate's own clients are thin transports over these; use them
//! directly to drive Sequel's API from another HTTP client.
//!
//! With a blocking HTTP client, [`Driver`] runs the whole loop (the token, the retries, the
//! deadline, the bodies' limits, the registration rule, the lists read element by element,
//! `register_all`, the pages) around a [`Transport`] of yours that only sends:
//! `examples/ureq_transport.rs` is ureq's in 45 lines of code (13 of them configure its
//! agent). The pieces the driver is made of
//! ([`Attempts`], [`TokenCache`], [`Settled`], [`ActivityPages`]) are here too, for an async
//! client's own loop.
//!
//! ```
//! use event_sso::sequel::request::Api;
//! use event_sso::sequel::{AccessToken, EventId, Viewer};
//!
//! let api = Api::new("https://api.introvoke.com")?;
//! let call = api.embed_url(&EventId::new("6f1c"), &Viewer::new("user-42", "Ada Lovelace"))?;
//! # let token = AccessToken::new("from Api::token");
//! let request = call.to_request(Some(&token))?; // every call but the token's needs one
//! assert_eq!(request.method(), "POST");
//! assert_eq!(request.uri(), "https://api.introvoke.com/api/v1/event/6f1c/embedCode");
//!
//! let response = event_sso::http::Response::builder()
//!     .status(200)
//!     .body(br#""https://embed.sequel.io/event/6f1c?authKey=x""#.to_vec())?;
//! let embed = call.parse(response, std::time::SystemTime::now())?;
//! assert_eq!(embed.as_url().host_str(), Some("embed.sequel.io"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Hosts
//!
//! Sequel's reference lists its operations under one server, `https://api.introvoke.com/api/v1`.
//! The crate sends them to three roots, each a setting:
//!
//! | root | default | operations | evidence |
//! |---|---|---|---|
//! | [`base_url`](Api::base_url) | [`DEFAULT_BASE_URL`] | `{base}/api/v1/...`: events, registrants, hubs, companies, customizations; `{base}/api/oauth/token` | evidenced (the reference's server; Sequel's own samples) |
//! | [`analytics_url`](Api::analytics_url) | [`DEFAULT_ANALYTICS_URL`] | `{analytics}/api/analytics/...` | user activity evidenced by real use; the other two reports inferred to live beside it |
//! | [`platform_url`](Api::platform_url) | the base URL | `{platform}/api/client/...` (simulive), `{platform}/api/media/...` (media), `{platform}/api/v3/...` (the public themes, sent without the token) | inferred: joined literally under `/api/v1` they would give `/api/v1/api/...` and `/api/v1/v3/...`; analytics' `/api/...` paths live at a host root, and Sequel's own code calls `{api}/api/v3` |

mod analytics;
mod call;
mod companies;
mod customizations;
mod driver;
mod events;
mod list;
mod media;
mod networking;
mod registrants;
mod retry;
mod roles;
mod tally;
mod token;
mod webhooks;

pub use analytics::ActivityPages;
#[cfg(any(feature = "async", feature = "blocking"))]
pub(crate) use call::Outgoing;
pub use call::{
    Api, Call, DEFAULT_ANALYTICS_URL, DEFAULT_AUDIENCE, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, USER_AGENT,
};
#[cfg(any(feature = "async", feature = "blocking"))]
pub(crate) use driver::DeadlinePassed;
pub use driver::{Driver, Transport};
pub use list::{DEFAULT_MAX_ELEMENT_BYTES, ListReader};
#[cfg(any(feature = "async", feature = "blocking"))]
pub(crate) use registrants::Lookup;
#[cfg(any(feature = "async", feature = "blocking"))]
pub(crate) use registrants::registered_from_list;
pub use registrants::{Settled, find_registrant};
pub use retry::{Attempts, Next, RetryPolicy, jitter};
#[cfg(any(feature = "async", feature = "blocking"))]
pub(crate) use tally::Tally;
pub use token::{DEFAULT_TOKEN_LIFETIME, TokenCache};
