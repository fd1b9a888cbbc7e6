//! Cairn's configuration: defaults for the embedded setup, overridden by environment
//! variables (`CAIRN_*`, `DATABASE_URL`), validated once at start-up.

use crate::adapters::blob_s3::S3Settings;
use crate::domain::IpNetwork;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where chunk bytes live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobBackend {
    /// Files under a directory (the embedded default: `<data_dir>/chunks`).
    Disk(PathBuf),
    /// An S3 bucket.
    S3(S3Settings),
}

/// Where metadata lives.
#[derive(Clone, PartialEq, Eq)]
pub enum MetadataBackend {
    /// A SQLite file (the embedded default: `<data_dir>/cairn.db`).
    Sqlite(PathBuf),
    /// A PostgreSQL server, by URL.
    Postgres(String),
}

impl MetadataBackend {
    /// The sea-orm connection URL.
    pub fn url(&self) -> String {
        match self {
            MetadataBackend::Sqlite(path) => format!("sqlite://{}?mode=rwc", path.display()),
            MetadataBackend::Postgres(url) => url.clone(),
        }
    }
}

impl std::fmt::Debug for MetadataBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetadataBackend::Sqlite(path) => write!(f, "Sqlite({})", path.display()),
            // The URL may carry a password.
            MetadataBackend::Postgres(_) => f.write_str("Postgres(<redacted>)"),
        }
    }
}

/// Where journal notifications travel between the server's listeners.
#[derive(Clone, PartialEq, Eq)]
pub enum EventsBackend {
    /// Inside the process (the embedded default): one server.
    InProcess,
    /// Redis pub/sub at this URL (`REDIS_URL`): every replica sharing the database
    /// hears every commit.
    Redis(String),
}

impl std::fmt::Debug for EventsBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventsBackend::InProcess => f.write_str("InProcess"),
            // The URL may carry a password.
            EventsBackend::Redis(_) => f.write_str("Redis(<redacted>)"),
        }
    }
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`CAIRN_BIND`, default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// Directory for the SQLite file and chunk files (`CAIRN_DATA_DIR`, default `./data`).
    pub data_dir: PathBuf,
    /// Metadata database (`DATABASE_URL`, default SQLite under `data_dir`).
    pub metadata: MetadataBackend,
    /// Chunk storage: `<data_dir>/chunks`, or an S3 bucket when `CAIRN_S3_ENDPOINT`
    /// is set (with `CAIRN_S3_BUCKET`, `CAIRN_S3_ACCESS_KEY_ID`,
    /// `CAIRN_S3_SECRET_ACCESS_KEY`, and optionally `CAIRN_S3_REGION`, default
    /// `us-east-1`, and `CAIRN_S3_PREFIX`).
    pub blobs: BlobBackend,
    /// Journal notifications: in the process, or Redis pub/sub when `REDIS_URL` is
    /// set (`redis://[:password@]host:port[/db]`).
    pub events: EventsBackend,
    /// The built web assets: `pkg/` with the WASM bundles, styles, worker script
    /// (`CAIRN_SITE_DIR`, default `target/site`).
    pub site_dir: PathBuf,
    /// How long an unfinished upload can be resumed, in seconds
    /// (`CAIRN_UPLOAD_TTL_SECS`, default 7 days).
    pub upload_ttl_secs: u64,
    /// How long a chunk nothing references any more is kept before garbage
    /// collection deletes it, in seconds (`CAIRN_CHUNK_GRACE_SECS`, default 1 day).
    pub chunk_grace_secs: u64,
    /// How often garbage collection runs, in seconds (`CAIRN_GC_INTERVAL_SECS`,
    /// default 1 hour).
    pub gc_interval_secs: u64,
    /// The storage quota of a new account, in bytes (`CAIRN_QUOTA_BYTES`, default
    /// 100 GiB).
    pub quota_bytes: u64,
    /// How many files and folders one account may keep, those in its trash included
    /// (`CAIRN_MAX_ENTRIES`, default 1,000,000): empty ones cost no quota.
    pub max_entries: u64,
    /// How many versions one file keeps, its current one included
    /// (`CAIRN_MAX_VERSIONS`, default 1,000); the oldest go first. Older versions
    /// cost no quota, but their bytes are kept within it: past it, the account's
    /// oldest old versions go.
    pub max_versions: u64,
    /// Serve `PUT /api/v1/bench/discard` (logged-in users only), a body sink that
    /// benchmarks compare uploads with (`CAIRN_BENCH_ENDPOINTS=1`; off by default).
    pub bench_endpoints: bool,
    /// The window in which wrong link passwords are counted, in seconds: a link
    /// takes 5 wrong passwords, and a client 20 over all links, per window
    /// (`CAIRN_SHARE_PASSWORD_WINDOW_SECS`, default 60).
    pub share_password_window_secs: u64,
    /// How many unfinished uploads an account may have open at once
    /// (`CAIRN_MAX_OPEN_UPLOADS`, default 1,000); their bytes count against its
    /// quota until they commit, are cancelled or expire.
    pub max_open_uploads: u64,
    /// How many unfinished uploads an account's file-request links may have open at
    /// once, all links together (`CAIRN_MAX_OPEN_LINK_UPLOADS`, default 100).
    pub max_open_link_uploads: u64,
    /// How long a client may take to send a request's headers, in seconds, before
    /// its connection is closed (`CAIRN_HEADER_TIMEOUT_SECS`, default 30).
    pub header_timeout_secs: u64,
    /// How long a request body may go without a byte arriving, in seconds, before
    /// the request is cut and what it sent of an unfinished chunk discarded
    /// (`CAIRN_BODY_IDLE_TIMEOUT_SECS`, default 30).
    pub body_idle_timeout_secs: u64,
    /// How many change streams one user may hold open at once on this server
    /// (`CAIRN_MAX_STREAMS_PER_USER`, default 20; a browser tab holds one).
    pub max_streams_per_user: u64,
    /// The window in which failed log-ins are counted, in seconds
    /// (`CAIRN_LOGIN_WINDOW_SECS`, default 300). A username or client that reaches
    /// its limit within it is locked out for the window, then twice as long each
    /// further time, up to an hour.
    pub login_window_secs: u64,
    /// Failed log-ins one username takes per window (`CAIRN_LOGIN_FAILURES_PER_USER`,
    /// default 5; 0 for no limit).
    pub login_failures_per_user: u32,
    /// Failed log-ins one client address may make per window, over all usernames
    /// (`CAIRN_LOGIN_FAILURES_PER_CLIENT`, default 20; 0 for no limit).
    pub login_failures_per_client: u32,
    /// Accounts one client address may create per hour (`CAIRN_SIGNUPS_PER_HOUR`,
    /// default 20; 0 for no limit).
    pub signups_per_hour: u32,
    /// Argon2 computations (log-ins, sign-ups, link passwords) running at once
    /// (`CAIRN_PASSWORD_HASHES`, default the number of CPU cores).
    pub password_hashes: usize,
    /// Requests that may wait for a turn at Argon2; more are answered 503 with
    /// `Retry-After` (`CAIRN_PASSWORD_QUEUE`, default 64).
    pub password_queue: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client
    /// (`CAIRN_TRUSTED_PROXIES`: comma-separated addresses or networks such as
    /// `127.0.0.1,10.0.0.0/8`; default none, so the header is never believed).
    pub trusted_proxies: Vec<IpNetwork>,
    /// The origin browsers reach Cairn at, `scheme://host[:port]`
    /// (`CAIRN_PUBLIC_URL`, e.g. `https://files.example.org`); when unset, a
    /// request's own `Host` is taken as Cairn's, over http or https. State-changing
    /// browser requests from any other origin are refused.
    pub public_url: Option<String>,
}

const KNOWN_VARIABLES: [&str; 30] = [
    "CAIRN_MAX_STREAMS_PER_USER",
    "CAIRN_HEADER_TIMEOUT_SECS",
    "CAIRN_BODY_IDLE_TIMEOUT_SECS",
    "CAIRN_MAX_OPEN_UPLOADS",
    "CAIRN_MAX_OPEN_LINK_UPLOADS",
    "CAIRN_LOGIN_WINDOW_SECS",
    "CAIRN_LOGIN_FAILURES_PER_USER",
    "CAIRN_LOGIN_FAILURES_PER_CLIENT",
    "CAIRN_SIGNUPS_PER_HOUR",
    "CAIRN_PASSWORD_HASHES",
    "CAIRN_PASSWORD_QUEUE",
    "CAIRN_TRUSTED_PROXIES",
    "CAIRN_PUBLIC_URL",
    "CAIRN_SHARE_PASSWORD_WINDOW_SECS",
    "CAIRN_BENCH_ENDPOINTS",
    "CAIRN_QUOTA_BYTES",
    "CAIRN_S3_ENDPOINT",
    "CAIRN_S3_BUCKET",
    "CAIRN_S3_REGION",
    "CAIRN_S3_PREFIX",
    "CAIRN_S3_ACCESS_KEY_ID",
    "CAIRN_S3_SECRET_ACCESS_KEY",
    "CAIRN_BIND",
    "CAIRN_DATA_DIR",
    "CAIRN_SITE_DIR",
    "CAIRN_UPLOAD_TTL_SECS",
    "CAIRN_CHUNK_GRACE_SECS",
    "CAIRN_GC_INTERVAL_SECS",
    "CAIRN_MAX_ENTRIES",
    "CAIRN_MAX_VERSIONS",
];

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{variable}={value:?} is invalid: {reason}")]
pub struct ConfigError {
    variable: &'static str,
    value: String,
    reason: String,
}

impl Config {
    /// The embedded default under `data_dir`.
    pub fn embedded(data_dir: PathBuf) -> Config {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metadata: MetadataBackend::Sqlite(data_dir.join("cairn.db")),
            blobs: BlobBackend::Disk(data_dir.join("chunks")),
            events: EventsBackend::InProcess,
            data_dir,
            site_dir: PathBuf::from("target/site"),
            upload_ttl_secs: 7 * 24 * 3600,
            chunk_grace_secs: 24 * 3600,
            gc_interval_secs: 3600,
            quota_bytes: 100 * 1024 * 1024 * 1024,
            max_entries: 1_000_000,
            max_versions: 1000,
            bench_endpoints: false,
            share_password_window_secs: 60,
            max_open_uploads: 1000,
            max_open_link_uploads: 100,
            header_timeout_secs: 30,
            body_idle_timeout_secs: 30,
            max_streams_per_user: 20,
            login_window_secs: 300,
            login_failures_per_user: 5,
            login_failures_per_client: 20,
            signups_per_hour: 20,
            password_hashes: std::thread::available_parallelism().map_or(1, usize::from),
            password_queue: 64,
            trusted_proxies: Vec::new(),
            public_url: None,
        }
    }

    /// Reads the environment over the defaults.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(std::env::vars())
    }

    /// Reads the given variables over the defaults.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars.into_iter().collect();
        let get = |name: &str| {
            vars.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .filter(|value| !value.is_empty())
        };
        for (key, _) in &vars {
            if key.starts_with("CAIRN_") && !KNOWN_VARIABLES.contains(&key.as_str()) {
                tracing::warn!(
                    "unknown variable {key} is ignored; known ones are {}",
                    KNOWN_VARIABLES.join(", ")
                );
            }
        }
        let mut config = Config::embedded(
            get("CAIRN_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from),
        );
        if let Some(bind) = get("CAIRN_BIND") {
            config.bind = bind.parse().map_err(|e| ConfigError {
                variable: "CAIRN_BIND",
                value: bind.clone(),
                reason: format!("{e}; use an address and port such as 127.0.0.1:8080"),
            })?;
        }
        if let Some(url) = get("DATABASE_URL") {
            config.metadata = if url.starts_with("postgres://") || url.starts_with("postgresql://")
            {
                MetadataBackend::Postgres(url)
            } else if let Some(path) = url.strip_prefix("sqlite://") {
                MetadataBackend::Sqlite(PathBuf::from(path.split('?').next().unwrap_or(path)))
            } else {
                return Err(ConfigError {
                    variable: "DATABASE_URL",
                    value: "<redacted>".into(),
                    reason: "use postgres://user@host/db or sqlite://path/to/cairn.db".into(),
                });
            };
        }
        if let Some(endpoint) = get("CAIRN_S3_ENDPOINT") {
            let required = |variable: &'static str| {
                get(variable).ok_or_else(|| ConfigError {
                    variable,
                    value: String::new(),
                    reason: "must be set when CAIRN_S3_ENDPOINT is".into(),
                })
            };
            config.blobs = BlobBackend::S3(S3Settings {
                endpoint,
                region: get("CAIRN_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                bucket: required("CAIRN_S3_BUCKET")?,
                prefix: get("CAIRN_S3_PREFIX").unwrap_or_default(),
                access_key_id: required("CAIRN_S3_ACCESS_KEY_ID")?,
                secret_access_key: required("CAIRN_S3_SECRET_ACCESS_KEY")?,
            });
        }
        if let Some(url) = get("REDIS_URL") {
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(ConfigError {
                    variable: "REDIS_URL",
                    value: "<redacted>".into(),
                    reason: "use redis://host:6379 (or rediss:// for TLS), or unset it for a single server".into(),
                });
            }
            config.events = EventsBackend::Redis(url);
        }
        config.bench_endpoints = get("CAIRN_BENCH_ENDPOINTS").as_deref() == Some("1");
        if let Some(site) = get("CAIRN_SITE_DIR") {
            config.site_dir = PathBuf::from(site);
        }
        for (variable, field) in [
            ("CAIRN_UPLOAD_TTL_SECS", &mut config.upload_ttl_secs),
            ("CAIRN_CHUNK_GRACE_SECS", &mut config.chunk_grace_secs),
            ("CAIRN_GC_INTERVAL_SECS", &mut config.gc_interval_secs),
            (
                "CAIRN_SHARE_PASSWORD_WINDOW_SECS",
                &mut config.share_password_window_secs,
            ),
            ("CAIRN_QUOTA_BYTES", &mut config.quota_bytes),
            ("CAIRN_MAX_ENTRIES", &mut config.max_entries),
            ("CAIRN_MAX_VERSIONS", &mut config.max_versions),
            ("CAIRN_MAX_OPEN_UPLOADS", &mut config.max_open_uploads),
            ("CAIRN_HEADER_TIMEOUT_SECS", &mut config.header_timeout_secs),
            (
                "CAIRN_MAX_STREAMS_PER_USER",
                &mut config.max_streams_per_user,
            ),
            (
                "CAIRN_BODY_IDLE_TIMEOUT_SECS",
                &mut config.body_idle_timeout_secs,
            ),
            (
                "CAIRN_MAX_OPEN_LINK_UPLOADS",
                &mut config.max_open_link_uploads,
            ),
            ("CAIRN_LOGIN_WINDOW_SECS", &mut config.login_window_secs),
        ] {
            if let Some(value) = get(variable) {
                *field = value.parse().map_err(|_| ConfigError {
                    variable,
                    value: value.clone(),
                    reason: "use a whole number".into(),
                })?;
            }
        }
        for (variable, field) in [
            (
                "CAIRN_LOGIN_FAILURES_PER_USER",
                &mut config.login_failures_per_user,
            ),
            (
                "CAIRN_LOGIN_FAILURES_PER_CLIENT",
                &mut config.login_failures_per_client,
            ),
            ("CAIRN_SIGNUPS_PER_HOUR", &mut config.signups_per_hour),
        ] {
            if let Some(value) = get(variable) {
                *field = value.parse().map_err(|_| ConfigError {
                    variable,
                    value: value.clone(),
                    reason: "use a whole number, or 0 for no limit".into(),
                })?;
            }
        }
        for (variable, field) in [
            ("CAIRN_PASSWORD_HASHES", &mut config.password_hashes),
            ("CAIRN_PASSWORD_QUEUE", &mut config.password_queue),
        ] {
            if let Some(value) = get(variable) {
                *field = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ConfigError {
                        variable,
                        value: value.clone(),
                        reason: "use a whole number of at least 1".into(),
                    })?;
            }
        }
        if config.login_window_secs == 0 {
            return Err(ConfigError {
                variable: "CAIRN_LOGIN_WINDOW_SECS",
                value: "0".into(),
                reason: "use a whole number of seconds of at least 1".into(),
            });
        }
        if let Some(list) = get("CAIRN_TRUSTED_PROXIES") {
            config.trusted_proxies = list
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(IpNetwork::parse)
                .collect::<Result<_, _>>()
                .map_err(|reason| ConfigError {
                    variable: "CAIRN_TRUSTED_PROXIES",
                    value: list.clone(),
                    reason: format!(
                        "{reason}; list the proxies' addresses or networks, comma-separated, such as 127.0.0.1,10.0.0.0/8"
                    ),
                })?;
        }
        if let Some(url) = get("CAIRN_PUBLIC_URL") {
            config.public_url = Some(public_origin(&url).ok_or_else(|| ConfigError {
                variable: "CAIRN_PUBLIC_URL",
                value: url.clone(),
                reason: "use the address browsers open Cairn at, scheme and host only, such as https://files.example.org or http://192.0.2.7:8080".into(),
            })?);
        }
        Ok(config)
    }
}

/// `https://files.example.org` of `https://Files.example.org/`: an http or https
/// origin with no path, query or credentials.
fn public_origin(url: &str) -> Option<String> {
    let url = url.trim().to_ascii_lowercase();
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let config = Config::from_vars(vars(&[])).unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(
            config.metadata,
            MetadataBackend::Sqlite(PathBuf::from("data/cairn.db"))
        );
    }

    #[test]
    fn environment_overrides_and_errors_name_the_variable() {
        let config = Config::from_vars(vars(&[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1/cairn"),
            ("CAIRN_BIND", "127.0.0.1:9000"),
        ]))
        .unwrap();
        assert!(matches!(config.metadata, MetadataBackend::Postgres(_)));
        assert_eq!(format!("{:?}", config.metadata), "Postgres(<redacted>)");
        let error = Config::from_vars(vars(&[("CAIRN_BIND", "localhost")])).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("CAIRN_BIND=\"localhost\" is invalid"),
            "{error}"
        );
        assert!(Config::from_vars(vars(&[("DATABASE_URL", "mysql://x")])).is_err());
        assert_eq!(config.events, EventsBackend::InProcess);
        let config = Config::from_vars(vars(&[("REDIS_URL", "redis://127.0.0.1:6379")])).unwrap();
        assert_eq!(
            config.events,
            EventsBackend::Redis("redis://127.0.0.1:6379".into())
        );
        assert_eq!(format!("{:?}", config.events), "Redis(<redacted>)");
        let error = Config::from_vars(vars(&[("REDIS_URL", "127.0.0.1:6379")])).unwrap_err();
        assert!(error.to_string().starts_with("REDIS_URL="), "{error}");
        let error =
            Config::from_vars(vars(&[("CAIRN_S3_ENDPOINT", "http://127.0.0.1:3900")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "CAIRN_S3_BUCKET=\"\" is invalid: must be set when CAIRN_S3_ENDPOINT is"
        );
        let config = Config::from_vars(vars(&[
            ("CAIRN_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
            ("CAIRN_PUBLIC_URL", "https://Files.example.org/"),
            ("CAIRN_SIGNUPS_PER_HOUR", "0"),
        ]))
        .unwrap();
        assert_eq!(config.trusted_proxies.len(), 2);
        assert_eq!(
            config.public_url.as_deref(),
            Some("https://files.example.org")
        );
        assert_eq!(config.signups_per_hour, 0);
        let error =
            Config::from_vars(vars(&[("CAIRN_TRUSTED_PROXIES", "10.0.0.0/40")])).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("CAIRN_TRUSTED_PROXIES=\"10.0.0.0/40\" is invalid"),
            "{error}"
        );
        let error = Config::from_vars(vars(&[("CAIRN_PUBLIC_URL", "files.example.org/cairn")]))
            .unwrap_err();
        assert!(
            error.to_string().starts_with("CAIRN_PUBLIC_URL="),
            "{error}"
        );
        let error = Config::from_vars(vars(&[("CAIRN_PASSWORD_HASHES", "0")])).unwrap_err();
        assert!(
            error.to_string().starts_with("CAIRN_PASSWORD_HASHES="),
            "{error}"
        );
        let error = Config::from_vars(vars(&[("CAIRN_UPLOAD_TTL_SECS", "a week")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "CAIRN_UPLOAD_TTL_SECS=\"a week\" is invalid: use a whole number"
        );
    }
}
