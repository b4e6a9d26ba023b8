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
    ///
    /// It also keeps the first error. SQLite ends a transaction by itself on
    /// some failures (a full disk: "database or disk is full"); diesel's own
    /// `transaction` then reports the failed ROLLBACK instead, and a nested
    /// one "Cannot perform this operation outside of a transaction", which
    /// hid the full disk from the log. Here the error of the work is
    /// returned, the rollback's only logged; a COMMIT that finds the
    /// transaction already gone is an error, never a silent success.
    pub fn transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        use diesel::result::Error;
        type Transactions = <DbConn as Connection>::TransactionManager;
        let sqlite_outermost = match self {
            DbConn::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
                .transaction_depth()?
                .is_none(),
            DbConn::Pg(_) => false,
        };
        match self {
            DbConn::Sqlite(c) if sqlite_outermost => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            }
            _ => Transactions::begin_transaction(self)?,
        }
        match f(self) {
            Ok(value) => match Transactions::commit_transaction(self) {
                Ok(()) => Ok(value),
                Err(Error::NotInTransaction) => Err(Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::Unknown,
                    Box::new(
                        "the database ended the transaction before COMMIT; nothing was written"
                            .to_owned(),
                    ),
                )
                .into()),
                Err(e) => Err(e.into()),
            },
            Err(error) => {
                match Transactions::rollback_transaction(self) {
                    Ok(()) | Err(Error::NotInTransaction) => {}
                    Err(rollback) => {
                        tracing::warn!(cause = %rollback, "rollback after a failed transaction failed");
                    }
                }
                Err(error)
            }
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

    /// A connection left inside a transaction, or whose transaction state
    /// diesel lost track of, is dropped instead of going back to the pool,
    /// where every later request on it would fail.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        let depth = match conn {
            DbConn::Sqlite(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
            DbConn::Pg(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
        };
        !matches!(depth, Ok(None))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    /// SQLite's page limit gives the same SQLITE_FULL as a full disk.
    #[test]
    fn a_full_database_names_the_full_disk_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let url = DatabaseUrl::Sqlite(dir.path().join("full.db"));
        let mut conn = Manager::connect(&url).expect("connect");
        conn.batch_execute("CREATE TABLE t (b BLOB NOT NULL); PRAGMA max_page_count = 40;")
            .expect("setup");
        for nested in [false, true] {
            let r: Result<(), AppError> = conn.transaction(|c| {
                diesel::sql_query("INSERT INTO t VALUES (zeroblob(1000))").execute(c)?;
                let fill = |c: &mut DbConn| -> Result<(), AppError> {
                    for _ in 0..200 {
                        diesel::sql_query("INSERT INTO t VALUES (zeroblob(4000))").execute(c)?;
                    }
                    Ok(())
                };
                if nested { c.transaction(fill) } else { fill(c) }
            });
            match r {
                Err(AppError::InsufficientStorage(cause)) => {
                    assert!(cause.contains("database or disk is full"), "{cause}")
                }
                other => panic!("nested={nested}: {other:?}"),
            }
            let rows: i64 = diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "(SELECT COUNT(*) FROM t)",
            ))
            .get_result(&mut conn)
            .expect("the connection still works");
            assert_eq!(rows, 0, "nothing half-written");
        }
    }
}
