//! `StoreError`, and the one place where database constraint violations become typed errors.
use linchpin_domain::{ErrorCode, ValidationError};
use sea_orm::{DbErr, SqlErr};
use thiserror::Error;

/// Errors of the persistence layer.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The object does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A unique key is already taken.
    #[error("{0} already exists")]
    Duplicate(String),
    /// The caller's version is stale.
    #[error("version conflict: expected {expected}, current {current}")]
    VersionConflict {
        /// The version the caller presented.
        expected: i32,
        /// The version in the database.
        current: i32,
    },
    /// A value failed domain validation (input, or a business rule such as a state change).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A stored row no longer parses as a domain value: the database was edited by hand.
    #[error("stored row is corrupt: {0}")]
    Corrupt(String),
    /// The database is busy with another process's write (SQLite) or has no free connection for
    /// longer than the wait allows; retrying later can succeed.
    #[error("the database is busy")]
    Busy,
    /// The database failed.
    #[error("database error")]
    Database(#[source] DbErr),
}

impl StoreError {
    /// The stable code a client sees for this error, or `None` for internal failures.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::NotFound(_) => Some(ErrorCode::NotFound),
            Self::Duplicate(_) => Some(ErrorCode::Duplicate),
            Self::VersionConflict { .. } => Some(ErrorCode::VersionConflict),
            Self::Invalid(e) => Some(e.code),
            Self::Corrupt(_) | Self::Database(_) | Self::Busy => None,
        }
    }
}

impl From<DbErr> for StoreError {
    /// The one place where database constraint violations become typed errors.
    fn from(e: DbErr) -> Self {
        if is_busy(&e) {
            return Self::Busy;
        }
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Duplicate("an object with the same key".into()),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Self::NotFound("a referenced object".into()),
            _ => Self::Database(e),
        }
    }
}

/// SQLITE_BUSY and SQLITE_LOCKED (with their extended codes), and a pool with no free
/// connection in time: the database is there but cannot take this work now.
fn is_busy(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{ConnAcquireErr, RuntimeErr};
    let runtime = match e {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => return true,
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx) = runtime else { return false };
    match sqlx.as_ref() {
        Sqlx::PoolTimedOut => true,
        Sqlx::Database(d) => d.code().and_then(|c| c.parse::<u32>().ok()).is_some_and(|c| matches!(c & 0xff, 5 | 6)),
        _ => false,
    }
}

pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}
