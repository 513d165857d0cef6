//! Running one scenario on both transports: the async client driven by `block_on` on a
//! runtime of the test's own, the blocking client called from the test thread (never from
//! inside a runtime, where reqwest's blocking client panics).
// Every test binary compiles `common`; only some of them use these.
#![allow(dead_code, unused_macros, unused_imports)]

use std::sync::Arc;

use event_sso::sequel;
use tokio::runtime::Runtime;

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Async,
    Blocking,
}

pub enum Client {
    Async(sequel::Client),
    Blocking(sequel::blocking::Client),
}

impl Client {
    /// Builds a client of `kind`, with `configure` applied to whichever builder it is.
    pub fn build(
        kind: Kind,
        credentials: sequel::Credentials,
        configure: impl Fn(Settings) -> Settings,
    ) -> Client {
        let settings = configure(Settings::default());
        match kind {
            Kind::Async => Client::Async(
                apply!(settings, sequel::Client::builder(credentials))
                    .build()
                    .unwrap(),
            ),
            Kind::Blocking => Client::Blocking(
                apply!(settings, sequel::blocking::Client::builder(credentials))
                    .build()
                    .unwrap(),
            ),
        }
    }

    pub fn debug(&self) -> String {
        match self {
            Client::Async(client) => format!("{client:?}"),
            Client::Blocking(client) => format!("{client:?}"),
        }
    }
}

/// Settings applied to both kinds of builder alike.
#[derive(Default, Clone)]
pub struct Settings {
    pub base_url: Option<String>,
    pub analytics_url: Option<String>,
    pub timeout: Option<std::time::Duration>,
    pub retry: Option<sequel::RetryPolicy>,
    pub max_response_bytes: Option<usize>,
    pub deadline: Option<std::time::Duration>,
    pub platform_url: Option<String>,
}

macro_rules! apply {
    ($settings:expr, $builder:expr) => {{
        let mut builder = $builder;
        if let Some(base_url) = $settings.base_url.clone() {
            builder = builder.base_url(base_url);
        }
        if let Some(analytics_url) = $settings.analytics_url.clone() {
            builder = builder.analytics_url(analytics_url);
        }
        if let Some(timeout) = $settings.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(retry) = $settings.retry.clone() {
            builder = builder.retry(retry);
        }
        if let Some(limit) = $settings.max_response_bytes {
            builder = builder.max_response_bytes(limit);
        }
        if let Some(deadline) = $settings.deadline {
            builder = builder.deadline(deadline);
        }
        if let Some(platform_url) = $settings.platform_url.clone() {
            builder = builder.platform_url(platform_url);
        }
        builder
    }};
}
use apply;

pub fn runtime() -> Arc<Runtime> {
    Arc::new(Runtime::new().unwrap())
}

/// Calls a client method the same way on either kind: `call!(bed, method(args))`, where `bed`
/// has a `client: Client` and a `runtime: Arc<Runtime>`.
macro_rules! call {
    ($bed:expr, $area:ident().$method:ident($($arg:expr),*)) => {
        match &$bed.client {
            common::clients::Client::Async(client) => $bed.runtime.block_on(client.$area().$method($($arg),*)),
            common::clients::Client::Blocking(client) => client.$area().$method($($arg),*),
        }
    };
    ($bed:expr, $method:ident($($arg:expr),*)) => {
        match &$bed.client {
            common::clients::Client::Async(client) => $bed.runtime.block_on(client.$method($($arg),*)),
            common::clients::Client::Blocking(client) => client.$method($($arg),*),
        }
    };
}
pub(crate) use call;

/// Generates `async_client::x` and `blocking_client::x` tests for each scenario `fn x(Kind)`.
macro_rules! on_both_transports {
    ($($scenario:ident),* $(,)?) => {
        mod async_client {
            $(#[test] fn $scenario() { super::$scenario(super::common::clients::Kind::Async) })*
        }
        mod blocking_client {
            $(#[test] fn $scenario() { super::$scenario(super::common::clients::Kind::Blocking) })*
        }
    };
}
pub(crate) use on_both_transports;

/// A fake Sequel and a client of one kind pointed at it (every root at the fake), with quick
/// retries. When it goes, every exchange with the fake is checked against Sequel's published
/// contract.
pub struct Bed {
    pub fake: event_sso::sequel::fake::FakeSequel,
    pub client: Client,
    pub runtime: Arc<Runtime>,
}

impl Drop for Bed {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            super::contract::check_fake_exchanges(&self.fake.requests()).unwrap();
        }
    }
}

impl Bed {
    pub fn new(kind: Kind) -> Bed {
        Bed::with(kind, |settings| settings)
    }

    pub fn with(kind: Kind, configure: impl Fn(Settings) -> Settings) -> Bed {
        let fake = event_sso::sequel::fake::FakeSequel::start().unwrap();
        let client = Client::build(kind, fake.credentials(), |settings| {
            configure(Settings {
                base_url: Some(fake.base_url().to_owned()),
                analytics_url: Some(fake.base_url().to_owned()),
                retry: Some(
                    sequel::RetryPolicy::default().initial_backoff(std::time::Duration::from_millis(5)),
                ),
                ..settings
            })
        });
        Bed {
            fake,
            client,
            runtime: runtime(),
        }
    }
}
