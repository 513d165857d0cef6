//! The PostgreSQL the store's tests run against: `DATABASE_URL`, a fresh schema per store so
//! tests share it without meeting, and, for the pause and restart, the server's data directory
//! (`PGDATA`) and binaries (`PG_BIN`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use event_sso::sequel::webhook::{PostgresOptions, PostgresStore};

/// How to get a PostgreSQL for these tests.
const HOW: &str = "Run `bash .ci/run`, or start a PostgreSQL and run \
    `DATABASE_URL=postgres://postgres:password@127.0.0.1:5432/postgres PGDATA=<its data directory> \
    PG_BIN=/usr/lib/postgresql/15/bin cargo test --features blocking,tracing,fake,postgres \
    --test webhook_store --test webhook_postgres`";

/// `DATABASE_URL`, or a failure that says how to get one.
pub fn url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| panic!("DATABASE_URL is not set: these tests need a PostgreSQL. {HOW}"))
}

/// A schema no other test uses.
pub fn fresh_schema() -> String {
    static NONCE: AtomicUsize = AtomicUsize::new(0);
    format!(
        "test_{}_{}",
        std::process::id(),
        NONCE.fetch_add(1, Ordering::SeqCst)
    )
}

pub fn options(schema: &str) -> PostgresOptions {
    PostgresOptions::new()
        .schema(schema)
        .timeout(Duration::from_secs(1))
        .max_connections(4)
}

/// A store on a fresh schema, with its own pool.
pub async fn store() -> PostgresStore {
    PostgresStore::connect_with(&url(), options(&fresh_schema()))
        .await
        .unwrap()
}

/// The server's data directory and `pg_ctl`, for the tests that pause or restart it.
pub struct Server {
    data: String,
    pg_ctl: String,
}

impl Server {
    pub fn from_env() -> Server {
        let data = std::env::var("PGDATA")
            .unwrap_or_else(|_| panic!("PGDATA is not set: this test pauses and restarts the server. {HOW}"));
        let bin = std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".to_owned());
        Server {
            data,
            pg_ctl: format!("{bin}/pg_ctl"),
        }
    }

    /// The postmaster's process id, from its pid file.
    fn postmaster(&self) -> String {
        let pid = std::fs::read_to_string(format!("{}/postmaster.pid", self.data)).unwrap();
        pid.lines().next().unwrap().trim().to_owned()
    }

    /// Sends `signal` to the postmaster and every backend it forked: the whole server.
    pub fn signal(&self, signal: &str) {
        let postmaster = self.postmaster();
        let children = std::process::Command::new("pkill")
            .args([&format!("-{signal}"), "-P", &postmaster])
            .status()
            .unwrap();
        assert!(children.code().is_some_and(|code| code <= 1), "pkill -{signal}");
        assert!(
            std::process::Command::new("kill")
                .args([&format!("-{signal}"), &postmaster])
                .status()
                .unwrap()
                .success()
        );
    }

    /// An immediate shutdown (as a crash: no checkpoint, clients cut off), then a start with
    /// the same options.
    pub fn crash_and_restart(&self) {
        // `restart` starts it again with the options it was started with.
        self.pg_ctl(&[
            "restart",
            "-m",
            "immediate",
            "-w",
            "-l",
            &format!("{}/restart.log", self.data),
        ]);
    }

    /// Runs `pg_ctl`, as the data directory's owner when this is root (PostgreSQL refuses root).
    fn pg_ctl(&self, args: &[&str]) {
        let mut all = vec![self.pg_ctl.as_str(), "-D", self.data.as_str()];
        all.extend_from_slice(args);
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .unwrap()
            .stdout
            == b"0\n";
        let status = match root {
            true => std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .args(&all)
                .status(),
            false => std::process::Command::new(all[0]).args(&all[1..]).status(),
        };
        assert!(status.unwrap().success(), "pg_ctl {args:?}");
    }
}
