//! Settings: read once from `OCOP_*` variables and command-line flags at
//! start-up, then passed by reference to whatever needs them. Nothing here is
//! global, so tests can run many instances side by side.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::Rng;

use crate::domain::net::IpRange;

/// Flags shared by every subcommand; each falls back to its `OCOP_*`
/// variable, then to the default documented in the README.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArgs {
    /// `development` (default) or `production`; production refuses to start
    /// without an explicit secret key.
    #[arg(long, env = "OCOP_ENV", default_value = "development", global = true)]
    pub env: String,
    /// Address and port the HTTP server listens on.
    #[arg(
        long,
        env = "OCOP_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,
    /// Folder for the SQLite database, the generated secret and the mail outbox.
    #[arg(
        long,
        env = "OCOP_DATA_DIR",
        default_value = "./ocop-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// `postgres://...` for PostgreSQL; otherwise a SQLite file path
    /// (default `$OCOP_DATA_DIR/ocop.db`).
    #[arg(long, env = "OCOP_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// The address buyers and mail recipients use to reach this service.
    #[arg(long, env = "OCOP_PUBLIC_BASE_URL", global = true)]
    pub public_base_url: Option<String>,
    /// Key that signs sessions and links (at least 32 characters).
    #[arg(long, env = "OCOP_SECRET_KEY", global = true, hide_env_values = true)]
    pub secret_key: Option<String>,
    /// `smtp://host:port`, `smtps://user:pass@host`, ...; unset writes mails
    /// as .eml files under `$OCOP_DATA_DIR/outbox/`.
    #[arg(long, env = "OCOP_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender address of every mail.
    #[arg(
        long,
        env = "OCOP_MAIL_FROM",
        default_value = "OCOP <no-reply@ocop.local>",
        global = true
    )]
    pub mail_from: String,
    /// HTTP worker threads (0: one per core).
    #[arg(long, env = "OCOP_WORKERS", default_value_t = 0, global = true)]
    pub workers: usize,
    /// Database connections kept in the pool.
    #[arg(long, env = "OCOP_DB_POOL_SIZE", default_value_t = 8, global = true)]
    pub db_pool_size: u32,
    /// Threads for heavy work (image decoding, spreadsheet parsing); 0 = one per core.
    #[arg(long, env = "OCOP_CPU_THREADS", default_value_t = 0, global = true)]
    pub cpu_threads: usize,
    /// Heavy jobs that may wait beyond those running; more answer 503.
    #[arg(long, env = "OCOP_CPU_QUEUE", default_value_t = 16, global = true)]
    pub cpu_queue: usize,
    /// Memory budget of heavy work in MB, reserved from each job's estimate.
    #[arg(long, env = "OCOP_CPU_MEMORY_MB", default_value_t = 768, global = true)]
    pub cpu_memory_mb: u64,
    /// Hours a login stays valid.
    #[arg(long, env = "OCOP_SESSION_HOURS", default_value_t = 12, global = true)]
    pub session_hours: i64,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy
    /// you run); otherwise the socket peer address is used for throttling.
    #[arg(long, env = "OCOP_TRUST_PROXY", default_value_t = false, global = true)]
    pub trust_proxy: bool,
    /// With `OCOP_TRUST_PROXY`: the proxies whose `X-Forwarded-For` hops are
    /// believed, comma-separated addresses or CIDR ranges (default loopback).
    #[arg(long, env = "OCOP_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
    /// Seconds an SMTP connect or command may take before the attempt fails
    /// and is retried later.
    #[arg(long, env = "OCOP_SMTP_TIMEOUT", default_value_t = 20, global = true)]
    pub smtp_timeout: u64,
    /// Seconds before the first retry of an undelivered mail; each further
    /// retry waits twice as long (at most 2 hours), 10 tries in all.
    #[arg(long, env = "OCOP_MAIL_RETRY", default_value_t = 60, global = true)]
    pub mail_retry: u64,
    /// A stamp scanned more often than this is reported as a possible copy.
    #[arg(
        long,
        env = "OCOP_COPY_SCAN_LIMIT",
        default_value_t = 200,
        global = true
    )]
    pub copy_scan_limit: i32,
    /// A stamp scanned from more networks than this within 24 hours is
    /// reported as a possible copy.
    #[arg(long, env = "OCOP_COPY_NETWORKS", default_value_t = 5, global = true)]
    pub copy_networks: i64,
    /// Label files rendered at once across the instance (at least 1).
    #[arg(long, env = "OCOP_LABEL_THREADS", default_value_t = 2, global = true)]
    pub label_threads: usize,
    /// Label renders that may wait for a thread; past that, 503.
    #[arg(long, env = "OCOP_LABEL_QUEUE", default_value_t = 16, global = true)]
    pub label_queue: usize,
}

/// Where the data lives; chosen from the URL's scheme, never by trying each
/// backend in turn (SQLite would accept any string as a file name).
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses `OCOP_DATABASE_URL`; `sqlite://` prefixes are accepted and
    /// stripped, anything not PostgreSQL is a file path.
    pub fn parse(url: &str) -> DatabaseUrl {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseUrl::Postgres(url.to_owned())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            DatabaseUrl::Sqlite(PathBuf::from(path))
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }
}

/// Prints the backend and location without a password.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            DatabaseUrl::Postgres(u) => {
                let shown = match (u.find("://"), u.rfind('@')) {
                    (Some(s), Some(at)) if at > s => format!("postgres://***@{}", &u[at + 1..]),
                    _ => u.clone(),
                };
                f.write_str(&shown)
            }
        }
    }
}

/// The instance secret; never printed.
#[derive(Clone)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// Everything the service needs to know about its surroundings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub production: bool,
    pub bind: String,
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    /// Without a trailing slash, e.g. `https://ocop.example.vn`.
    pub public_base_url: String,
    pub secret_key: SecretKey,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub workers: usize,
    pub db_pool_size: u32,
    /// The heavy-work pool: threads, queue and memory budget.
    pub cpu: crate::cpu::CpuLimits,
    pub session_hours: i64,
    pub trust_proxy: bool,
    /// Proxies whose `X-Forwarded-For` hops count; empty unless `trust_proxy`.
    pub trusted_proxies: Vec<IpRange>,
    pub smtp_timeout_secs: u64,
    pub mail_retry_secs: u64,
    pub copy_scan_limit: i32,
    pub copy_networks: i64,
    pub label_threads: usize,
    pub label_queue: usize,
}

/// Why the settings could not be made; printed to the operator at start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("OCOP_ENV must be `development` or `production`, not `{0}`")]
    BadEnv(String),
    #[error("OCOP_SECRET_KEY is required when OCOP_ENV=production")]
    MissingSecret,
    #[error("OCOP_SECRET_KEY must be at least 32 characters")]
    ShortSecret,
    #[error("OCOP_PUBLIC_BASE_URL must start with http:// or https://")]
    BadPublicUrl,
    #[error("OCOP_TRUSTED_PROXIES: {0:?} is not an address or CIDR range")]
    BadTrustedProxy(String),
    #[error("cannot use data dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

const SECRET_FILE: &str = "secret.key";

impl Settings {
    /// Resolves the flags into settings, creating the data dir and, in
    /// development only, a persistent generated secret key.
    pub fn from_args(args: ConfigArgs) -> Result<Settings, ConfigError> {
        let production = match args.env.as_str() {
            "development" | "dev" => false,
            "production" | "prod" => true,
            other => return Err(ConfigError::BadEnv(other.to_owned())),
        };
        std::fs::create_dir_all(&args.data_dir).map_err(|source| ConfigError::DataDir {
            path: args.data_dir.clone(),
            source,
        })?;
        let secret_key = match args.secret_key {
            Some(s) if s.len() < 32 => return Err(ConfigError::ShortSecret),
            Some(s) => SecretKey(s.into_bytes()),
            None if production => return Err(ConfigError::MissingSecret),
            None => load_or_create_secret(&args.data_dir)?,
        };
        let database = match args.database_url.as_deref() {
            Some(url) if !url.trim().is_empty() => DatabaseUrl::parse(url.trim()),
            _ => DatabaseUrl::Sqlite(args.data_dir.join("ocop.db")),
        };
        let public_base_url = args
            .public_base_url
            .unwrap_or_else(|| format!("http://{}", args.bind))
            .trim_end_matches('/')
            .to_owned();
        if !(public_base_url.starts_with("http://") || public_base_url.starts_with("https://")) {
            return Err(ConfigError::BadPublicUrl);
        }
        let trusted_proxies = if !args.trust_proxy {
            Vec::new()
        } else {
            match args.trusted_proxies.as_deref().map(str::trim) {
                None | Some("") => crate::domain::net::loopback(),
                Some(list) => list
                    .split(',')
                    .map(|r| {
                        IpRange::parse(r)
                            .ok_or_else(|| ConfigError::BadTrustedProxy(r.trim().to_owned()))
                    })
                    .collect::<Result<_, _>>()?,
            }
        };
        Ok(Settings {
            production,
            bind: args.bind,
            data_dir: args.data_dir,
            database,
            public_base_url,
            secret_key,
            smtp_url: args.smtp_url.filter(|s| !s.trim().is_empty()),
            mail_from: args.mail_from,
            workers: args.workers,
            db_pool_size: args.db_pool_size.max(1),
            cpu: crate::cpu::CpuLimits {
                threads: args.cpu_threads,
                queue: args.cpu_queue,
                memory_bytes: args.cpu_memory_mb.max(16).saturating_mul(1024 * 1024),
            },
            session_hours: args.session_hours.clamp(1, 24 * 30),
            trust_proxy: args.trust_proxy,
            trusted_proxies,
            smtp_timeout_secs: args.smtp_timeout.clamp(1, 600),
            mail_retry_secs: args.mail_retry.clamp(1, 24 * 3600),
            copy_scan_limit: args.copy_scan_limit.max(1),
            copy_networks: args.copy_networks.max(1),
            label_threads: args.label_threads.clamp(1, 64),
            label_queue: args.label_queue.min(10_000),
        })
    }

    /// Cookies get the `Secure` flag when buyers and staff reach us over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }

    /// Folder where mails are written when no SMTP server is configured.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

/// Reads the development secret from the data dir, or makes one that only the
/// owner can read, so sessions survive a restart.
fn load_or_create_secret(dir: &Path) -> Result<SecretKey, ConfigError> {
    let path = dir.join(SECRET_FILE);
    let io_err = |source| ConfigError::DataDir {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 32 => return Ok(SecretKey(s.trim().as_bytes().to_vec())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(e)),
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let hex = crate::util::hex(&bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io_err)?;
    file.write_all(hex.as_bytes()).map_err(io_err)?;
    tracing::info!(path = %path.display(), "generated a new development secret key");
    Ok(SecretKey(hex.into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_is_chosen_by_scheme() {
        assert!(DatabaseUrl::parse("postgres://u@h/db").is_postgres());
        assert!(DatabaseUrl::parse("postgresql://u@h/db").is_postgres());
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db"),
            DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("data/ocop.db"),
            DatabaseUrl::Sqlite(PathBuf::from("data/ocop.db"))
        );
    }

    #[test]
    fn postgres_password_is_not_printed() {
        let url = DatabaseUrl::parse("postgres://ocop:hunter2@db:5432/ocop");
        assert_eq!(format!("{url:?}"), "postgres://***@db:5432/ocop");
    }
}
