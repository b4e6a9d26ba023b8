//! Storage: one connection type over SQLite and PostgreSQL, its pool, the
//! embedded migrations, and the models with their queries. Everything above
//! this module writes one query and runs it on either backend.

pub mod models;
pub mod schema;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;

/// A connection to whichever backend the instance runs on.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConn {
    /// `Connection::transaction`, which this shadows for every caller, except
    /// that on SQLite the outermost transaction begins IMMEDIATE: a deferred
    /// one that reads and then writes (a slug check, then the insert) fails
    /// at once with "database is locked" when another connection wrote in
    /// between, whatever the busy timeout.
    pub fn transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        type Transactions = <DbConn as Connection>::TransactionManager;
        let DbConn::Sqlite(c) = self else {
            return Connection::transaction(self, f);
        };
        if AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()?
            .is_some()
        {
            return Connection::transaction(self, f);
        }
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
        // The rest as diesel's own `TransactionManager::transaction` does it.
        match f(self) {
            Ok(value) => {
                Transactions::commit_transaction(self)?;
                Ok(value)
            }
            Err(error) => match Transactions::rollback_transaction(self) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
                Err(rollback) => Err(rollback.into()),
            },
        }
    }
}

/// Runs `$body` with `$c` bound to the concrete connection, for the few
/// statements `MultiConnection` cannot express (multi-row INSERTs). Inside a
/// transaction of the `DbConn` the statement runs in that transaction.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}

/// The pool handed to request handlers and commands.
pub type Pool = r2d2::Pool<Manager>;
/// A connection borrowed from the pool.
pub type PooledConn = r2d2::PooledConnection<Manager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any advisory-lock id will do, as long as every instance uses the same one.
const MIGRATION_LOCK_ID: i64 = 0x0c0b_2025;

/// How long a SQLite writer waits for another before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// Opens connections for the pool, choosing the backend from the URL rather
/// than letting `MultiConnection::establish` guess.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Manager { url }
    }

    /// Opens one connection, with the SQLite pragmas every connection needs:
    /// WAL so readers never wait for the writer, foreign keys enforced, and a
    /// busy timeout instead of an immediate "database is locked".
    pub fn connect(url: &DatabaseUrl) -> Result<DbConn, DbError> {
        match url {
            DatabaseUrl::Postgres(u) => Ok(DbConn::Pg(PgConnection::establish(u)?)),
            DatabaseUrl::Sqlite(path) => {
                let path = path
                    .to_str()
                    .ok_or_else(|| DbError::Config("the SQLite path is not valid UTF-8".into()))?;
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"
                ))?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        Manager::connect(&self.url).map_err(|e| match e {
            DbError::Connection(c) => r2d2::Error::ConnectionError(c),
            DbError::Query(q) => r2d2::Error::QueryError(q),
            other => r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                other.to_string(),
            )),
        })
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// Failures of the storage layer; all of them are the operator's problem,
/// never the user's, except the constraint violations services translate.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database: {0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("database configuration: {0}")]
    Config(String),
}

/// Builds the pool. SQLite gets its parent folder created first.
pub fn build_pool(url: &DatabaseUrl, size: u32) -> Result<Pool, DbError> {
    if let DatabaseUrl::Sqlite(path) = url
        && let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbError::Config(format!("cannot create {}: {e}", parent.display())))?;
    }
    Ok(r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        .build(Manager::new(url.clone()))?)
}

/// Applies every pending migration of this backend. On PostgreSQL an
/// advisory lock makes instances that start together take turns.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, DbError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.len())
            .map_err(|e| DbError::Migration(e.to_string()))?,
        DbConn::Pg(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_ID})"))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len())
                .map_err(|e| DbError::Migration(e.to_string()));
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_ID})"))?;
            result?
        }
    };
    Ok(applied)
}

/// True when `e` is a unique-constraint violation, which services turn into
/// a "already taken" field error instead of a server error.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// True when `e` violates a unique constraint on `column`: PostgreSQL names
/// the constraint (`products_seller_sku`), SQLite the columns
/// (`UNIQUE constraint failed: products.seller_id, products.sku`).
pub fn violates_unique(e: &diesel::result::Error, column: &str) -> bool {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        ) => {
            info.constraint_name().is_some_and(|c| c.contains(column))
                || info.message().contains(&format!(".{column}"))
        }
        _ => false,
    }
}
