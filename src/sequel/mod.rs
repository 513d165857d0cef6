//! A typed client for Sequel's REST API (`api.introvoke.com`): per-user embed URLs,
//! registrants, and the presenters and organizers that raise a user's role.
//!
//! [`Client`] is async (feature `async`, on by default); [`blocking::Client`] (feature
//! `blocking`) has the same builder and the same methods without `.await`. Both are thin
//! transports over [`request`], which renders each endpoint as a plain value and parses
//! Sequel's answers without doing I/O. With both features on, both clients work side by side.
//!
//! Sequel's areas and where their calls are (on [`blocking::Client`] too):
//!
//! | area | reached by | calls |
//! |---|---|---|
//! | events and registrants | `client` | `embed_url`, `register`, `register_or_get`, `register_all`, `registrants`, `registrant`, `unregister`, `add_presenter`, `remove_presenter`, `add_organizer`, `remove_organizer`, `event`, `company_events`, `create_event`, `update_event`, `clone_event`, `delete_event`, `available_replays` |
//! | networking hubs | `client.networking()` ([`Networking`]) | `embed_url`, `register`, `unregister`, `participants`, `invite`, `set_user_profile`, `clear_chat`, `circle_recording`, `create`, `get`, `update` |
//! | companies | `client.companies()` ([`Companies`]) | `get`, `update`, `create_child`, `children`, `update_metadata`, `circle_recordings` |
//! | customizations and themes | `client.customizations()` ([`Customizations`]) | `company`, `set_company`, `delete_company`, `event`, `set_event`, `delete_event`, `default_theme`, `fonts`, `add_font`, `delete_font`, `suggested_palettes`, `company_theme`, `event_theme` |
//! | simulive and media | `client.media()` ([`Media`]) | `set_simulive`, `remove_simulive`, `create_asset`, `upload_asset` |
//! | analytics | `client` | `user_activity`, `user_activity_pages`, `top_participants`, `video_views` |
//! | webhook subscriptions | `client` | `subscribe_webhook`, `webhook_subscription`, `update_webhook`, `renew_webhook`, `keep_webhook_alive`, `unsubscribe_webhook` |
//!
//! Authentication is OAuth client credentials: the client asks Sequel for an access token,
//! caches it, renews it before it expires (or after a `401`), and sends it as
//! `Authorization: Bearer` on every call.
//!
//! ```no_run
//! # #[cfg(feature = "async")]
//! # async fn run() -> Result<(), event_sso::sequel::Error> {
//! use event_sso::sequel::{Client, EventId, Registration, Viewer};
//!
//! let client = Client::builder_from_env()?.build()?; // SEQUEL_CLIENT_ID, SEQUEL_CLIENT_SECRET
//! let event = EventId::new("6f1c...");
//!
//! // The embed path: your backend vouches for the user.
//! let embed = client.embed_url(&event, &Viewer::new("user-42", "Ada Lovelace")).await?;
//!
//! // The registration path: Sequel issues a join URL per e-mail, once per event.
//! let registrant = client.register_or_get(&event, &Registration::new("Ada Lovelace", "ada@example.com")).await?;
//!
//! // Raise her to presenter; it applies at her next join.
//! client.add_presenter(&event, "ada@example.com").await?;
//! # let _ = (embed, registrant);
//! # Ok(()) }
//! ```
//!
//! # Traces and metrics
//!
//! With the `tracing` feature, the crate's spans carry OpenTelemetry's names, for
//! `tracing-opentelemetry` to export as they are (all at `INFO`; numbers are recorded as
//! integers, which it exports as integers):
//!
//! - `sequel`: one per call, `otel.name` its name (`POST /event/{eventId}/registrant`), and on
//!   failure `error.type`, `otel.status_code = "ERROR"` and the error's message as the status's
//!   description, with an `exception` event holding it as `exception.message`. The token
//!   request a call needed is a call inside it.
//! - `sequel.request`: one per HTTP request, inside its call, as the HTTP client conventions
//!   name it: `otel.name` (`POST /api/v1/event/{eventId}/registrant`), `otel.kind = "client"`,
//!   `http.request.method`, `url.template`, `url.full`, `server.address`, `server.port`,
//!   `http.response.status_code`, `http.request.resend_count` on a resent request, and
//!   `error.type` (the status, or `connect`, `timeout`, `transport`, `decode`, ...) on failure.
//! - `sequel.webhook`: one per delivery given to [`Receiver::handle`](webhook::Receiver::handle),
//!   with `sequel.webhook.type`, `sequel.webhook.occurrence`, `sequel.webhook.outcome`
//!   (`done`, `stored`, `repeat`, `held`, `fenced_out`, `not_committed`, `failed`, `refused`,
//!   `unavailable`), `http.response.status_code` (the answer to Sequel),
//!   `sequel.webhook.store.duration` (seconds spent in the store) and `error.type`. Your
//!   handler runs inside it.
//!
//! With the `metrics` feature, three instruments on the application's global meter provider
//! (`opentelemetry::global`, the `opentelemetry` crate 0.33), scope `event-sso`:
//!
//! | instrument | kind, unit | attributes |
//! |---|---|---|
//! | `http.client.request.duration` | histogram, `s`, the conventions' advised buckets | `http.request.method`, `server.address`, `server.port`, `http.response.status_code`, `error.type` |
//! | `sequel.webhook.deliveries` | counter, `{delivery}` | `sequel.webhook.type`, `sequel.webhook.outcome`, `http.response.status_code` |
//! | `sequel.webhook.store.duration` | histogram, `s` | `sequel.webhook.outcome` |
//!
//! The request histogram gets a point per HTTP request of either client and of the
//! [`Driver`](request::Driver), each resend included. An app that sets a global meter provider
//! gets them with no other wiring, whenever it sets it: the crate makes its instruments again
//! for a provider set later.
//!
//! Decisions where the conventions leave room, each with its reason:
//!
//! - **`url.full`** is the scheme, host and port with Sequel's path template
//!   (`https://api.introvoke.com:443/api/v1/event/{eventId}/presenter/{presenterId}`), not the
//!   URL sent: some paths hold an e-mail, and every one an id.
//! - **`sequel.webhook.occurrence`** is the receiver's key for the occurrence: the type and
//!   Sequel's `correlationId` (or, when there is none, its invocation id), random ids Sequel
//!   makes, neither secret nor about a person. It is what ties a delivery's retries together.
//! - **No trace context is sent to Sequel** (no `traceparent`), even with a propagator set:
//!   Sequel does not read it, and an app's trace ids are its own. A mesh or an egress proxy that
//!   stitches traces sees the request spans from the app's side.
//!
//! No span, event or metric holds a secret, a token, a person's id, name or e-mail, or the
//! login part of an embed or join URL: only templates, hosts, statuses, Sequel's own ids for
//! webhook occurrences, and messages the crate built from its own parts.
//!
// Built without the feature an item needs, the docs link it on docs.rs rather than leave it broken.
#![cfg_attr(
    not(feature = "async"),
    doc = "\n[`Client`]: https://docs.rs/event-sso/latest/event_sso/sequel/struct.Client.html"
)]
#![cfg_attr(
    not(feature = "blocking"),
    doc = "\n[`blocking::Client`]: https://docs.rs/event-sso/latest/event_sso/sequel/blocking/struct.Client.html"
)]
#![cfg_attr(
    not(any(feature = "async", feature = "blocking")),
    doc = "\n[`Networking`]: https://docs.rs/event-sso/latest/event_sso/sequel/struct.Networking.html\n[`Companies`]: https://docs.rs/event-sso/latest/event_sso/sequel/struct.Companies.html\n[`Customizations`]: https://docs.rs/event-sso/latest/event_sso/sequel/struct.Customizations.html\n[`Media`]: https://docs.rs/event-sso/latest/event_sso/sequel/struct.Media.html"
)]

// From the bottom up: values; the endpoints as values (`request`, no I/O); the engine and
// the two clients that send them; the fake, which serves them. `webhook` receives, with no I/O.
mod analytics;
mod bulk;
mod company;
mod credentials;
mod customization;
mod error;
mod event;
mod models;
mod networking;
pub mod request;
mod subscription;
mod telemetry;

#[cfg(any(feature = "async", feature = "blocking"))]
mod builder;

// The engine of both clients; public as `Client` with the `async` feature.
#[cfg(any(feature = "async", feature = "blocking"))]
mod client;

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;

// The larger areas' calls, as handlers borrowing either client.
#[cfg(any(feature = "async", feature = "blocking"))]
mod handlers;

#[cfg(feature = "fake")]
#[cfg_attr(docsrs, doc(cfg(feature = "fake")))]
pub mod fake;

pub mod webhook;

pub use analytics::{
    ActivityPage, EngagementType, Participant, TopParticipants, TopParticipantsQuery, UserActivity,
    VideoViews,
};
#[cfg(any(feature = "async", feature = "blocking"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "async", feature = "blocking"))))]
pub use builder::ClientBuilder;
pub use bulk::{BulkOptions, BulkOutcome, BulkReport, DEFAULT_CONCURRENCY, Progress};
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub use client::Client;
pub use company::{Company, CompanyCircleRecording, CompanyUpdate, Metadata, NewCompany};
pub use credentials::{AccessToken, ClientSecret, Credentials, TokenGrant};
pub use customization::{
    Chat, Colors, CompanyFont, Countdown, EmailSettings, EmailTemplate, HubLook, Palette, ParticipantList,
    Presenter, Reaction, Reactions, Theme, ThemeFont, Toggle, VirtualStage, WarningNotices,
};
pub use error::{ApiError, Error, JsonError, TransportKind};
pub use event::{
    CloseCaptioningSettings, Event, EventClone, EventSecret, EventType, EventUpdate, NewEvent,
    PrivateEventInfo, Replay, Transcription,
};
#[cfg(any(feature = "async", feature = "blocking"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "async", feature = "blocking"))))]
pub use handlers::{Companies, Customizations, Media, Networking};
pub use models::{CompanyId, EmbedUrl, EventId, JoinUrl, Registered, Registrant, Registration, Viewer};
pub use networking::{
    ChannelCleared, ChatClearing, CircleRecording, DownloadUrl, HubId, HubParticipant, HubRoom, Invitation,
    NetworkingHub, NewHub, ParticipantMeta, Whitelabel,
};
pub use request::{
    DEFAULT_ANALYTICS_URL, DEFAULT_AUDIENCE, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DEADLINE,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, DEFAULT_TOKEN_LIFETIME, RetryPolicy,
};
pub use subscription::{
    KEEP_ALIVE_EXTENSION_DAYS, KeepAlive, KeptAlive, MAX_SUBSCRIPTION_DAYS, MIN_SUBSCRIPTION_DAYS,
    NewSubscription, Subscribed, SubscriptionId, SubscriptionUpdate, WebhookSubscription,
};
