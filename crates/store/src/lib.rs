//! Persistence of Linchpin on SQLite and PostgreSQL.
//!
//! Repository functions take any sea-orm connection or transaction (`&impl ConnectionTrait`) and
//! return domain types; entities never leave this crate. [`Store`] owns the connection pool and
//! runs migrations.

pub mod accounts;
pub mod analysis;
pub mod audit;
pub mod blockage;
pub mod chains;
mod entity;
mod error;
pub mod firms;
pub mod import;
pub mod links;
pub mod production;
mod rows;
pub mod supplier_list;
pub mod whitelist;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use linchpin_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, Database, DatabaseBackend, DatabaseConnection};

pub use error::StoreError;
pub use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, TransactionTrait};

/// How long a SQLite write waits by default for another process's write (an import) before giving
/// up with `StoreError::Busy`.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a pooled connection may sit idle before it is pinged on checkout.
pub const POOL_PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// Connection settings beyond the URL.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// SQLite: how long a write waits for another process's write.
    pub sqlite_busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { sqlite_busy_timeout: SQLITE_BUSY_TIMEOUT }
    }
}

/// The database, with a counter of executed statements (exposed for tests and diagnostics).
///
/// On SQLite, which allows one writer at a time, every write transaction of this process passes
/// one gate ([`Store::begin_write`]), so concurrent mutations queue in the process instead of
/// failing with "database is locked"; readers are never held up (WAL). PostgreSQL has no gate.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    statements: Arc<AtomicU64>,
    write_gate: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// A write transaction: commit it, or drop it to roll back. Holds the SQLite write gate, if any,
/// until it ends.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    /// Commits (and opens the gate for the next writer).
    pub async fn commit(self) -> Result<(), StoreError> {
        self.txn.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://...`). A SQLite file is created
    /// when missing. Does not migrate.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, StoreOptions::default()).await
    }

    /// [`Store::connect`] with explicit settings.
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false).connect_timeout(Duration::from_secs(5)).acquire_timeout(Duration::from_secs(8));
        // A pooled connection is pinged before use only once it has sat idle (when a restart, a
        // proxy or a firewall may have dropped it): pinging on every checkout would cost each
        // statement a second round trip to the database.
        opts.test_before_acquire_if_idle_for(POOL_PING_AFTER_IDLE);
        let sqlite = url.starts_with("sqlite:");
        if sqlite {
            // Every pooled connection gets the same settings (a PRAGMA run once would reach one).
            let busy = options.sqlite_busy_timeout;
            opts.max_connections(4).min_connections(1).map_sqlx_sqlite_opts(move |o| {
                o.foreign_keys(true).journal_mode(SqliteJournalMode::Wal).busy_timeout(busy)
            });
        } else {
            opts.max_connections(16);
        }
        let mut db = Database::connect(opts).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&statements);
        db.set_metric_callback(move |_info| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let write_gate = sqlite.then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Self { db, statements, write_gate })
    }

    /// Begins a write transaction, after the writes of this process queued before it (SQLite).
    pub async fn begin_write(&self) -> Result<WriteTxn, StoreError> {
        let gate = match &self.write_gate {
            Some(g) => Some(Arc::clone(g).lock_owned().await),
            None => None,
        };
        // SQLite: take the write lock at BEGIN (IMMEDIATE), so a write that meets another
        // process's write waits up to the busy timeout instead of failing at its first INSERT.
        let options = sea_orm::TransactionOptions {
            sqlite_transaction_mode: gate.is_some().then_some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let txn = self.db.begin_with_options(options).await?;
        Ok(WriteTxn { txn, _gate: gate })
    }

    /// Connections in the pool and how many are idle (for metrics); `None` when unknown.
    pub fn pool_state(&self) -> Option<(u32, usize)> {
        match self.backend() {
            DatabaseBackend::Postgres => {
                let p = self.db.get_postgres_connection_pool();
                Some((p.size(), p.num_idle()))
            }
            DatabaseBackend::Sqlite => {
                let p = self.db.get_sqlite_connection_pool();
                Some((p.size(), p.num_idle()))
            }
            _ => None,
        }
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// The connection pool.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Which database this is.
    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    /// The query plan of `stmt` as text, one line per plan node (PostgreSQL `EXPLAIN`, SQLite
    /// `EXPLAIN QUERY PLAN`), for diagnostics and the tests that pin the lists to their indexes.
    /// `avoid` names PostgreSQL planner switches to turn off for the plan (`enable_seqscan`,
    /// `enable_sort`), so a small test table shows which index a query can use, and whether it
    /// gives the order, at national scale; SQLite ignores them.
    pub async fn explain(&self, stmt: &sea_orm::Statement, avoid: &[&str]) -> Result<String, StoreError> {
        use sea_orm::ConnectionTrait as _;
        let backend = self.backend();
        let prefix = match backend {
            DatabaseBackend::Sqlite => "EXPLAIN QUERY PLAN ",
            _ => "EXPLAIN ",
        };
        let txn = self.db.begin().await?;
        if backend == DatabaseBackend::Postgres {
            for switch in avoid {
                if !switch.starts_with("enable_") || !switch.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    return Err(StoreError::Corrupt(format!("not a planner switch: {switch}")));
                }
                txn.execute_unprepared(&format!("SET LOCAL {switch} = off")).await?;
            }
        }
        let explain = sea_orm::Statement {
            sql: format!("{prefix}{}", stmt.sql),
            values: stmt.values.clone(),
            db_backend: backend,
        };
        let rows = txn.query_all_raw(explain).await?;
        let mut lines = Vec::with_capacity(rows.len());
        for r in rows {
            let line: String = match backend {
                DatabaseBackend::Sqlite => r.try_get("", "detail")?,
                _ => r.try_get("", "QUERY PLAN")?,
            };
            lines.push(line);
        }
        txn.rollback().await?;
        Ok(lines.join("\n"))
    }

    /// Refreshes the planner's statistics of `tables` after a bulk write (an import, an analysis
    /// run). Without them a planner that has not yet sampled the new rows (PostgreSQL with
    /// autovacuum off or not yet round, SQLite always) picks scans over indexes: measured on
    /// 100,000 firms, a page of the whitelist took 20 ms before and 5 ms after. Best effort: a
    /// failure is logged, never returned, as the data is already committed.
    pub async fn refresh_statistics(&self, tables: &[&str]) {
        // inside a write transaction: on SQLite, ANALYZE writes and must queue behind other writes
        let result: Result<(), StoreError> = async {
            let txn = self.begin_write().await?;
            for table in tables {
                debug_assert!(table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "table name {table}");
                txn.execute_unprepared(&format!("ANALYZE {table}")).await?;
            }
            txn.commit().await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(?tables, error = %e, "cannot refresh planner statistics");
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }

    /// How many SQL statements this store has executed so far.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Closes the pool.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await?;
        Ok(())
    }
}

/// One page of a keyset-paginated listing, ordered by id.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Whether more items follow the last one.
    pub has_next: bool,
}

impl<T> Page<T> {
    /// An empty last page.
    pub fn empty() -> Self {
        Self { items: Vec::new(), has_next: false }
    }

    /// Adds the next row of an over-fetched window (`limit + 1` rows per parent): the row beyond
    /// `limit` only says that more follow. `row` converts it when it is kept.
    pub(crate) fn push_windowed<R>(
        &mut self,
        limit: u64,
        raw: R,
        row: impl FnOnce(R) -> Result<T, StoreError>,
    ) -> Result<(), StoreError> {
        if self.items.len() as u64 >= limit {
            self.has_next = true;
        } else {
            self.items.push(row(raw)?);
        }
        Ok(())
    }

    /// Splits `limit + 1` fetched rows into a page of `limit` and the has-next flag.
    pub(crate) fn from_overfetch(mut items: Vec<T>, limit: u64) -> Self {
        let has_next = items.len() as u64 > limit;
        items.truncate(limit as usize);
        Self { items, has_next }
    }
}

/// `column` holds a region code inside `j`, as a range an ordinary index answers (see
/// `Jurisdiction::code_range`).
pub(crate) fn in_region<C: sea_orm::ColumnTrait>(
    column: C,
    j: &linchpin_domain::Jurisdiction,
) -> sea_orm::sea_query::SimpleExpr {
    let (lo, hi) = j.code_range();
    column.between(lo, hi)
}

/// The largest page (`first` + 1) whose LIMIT [`literal_limit`] writes into the SQL; a larger
/// one stays a parameter, so the statement caches hold a bounded number of page shapes.
const LITERAL_LIMIT_MAX: u64 = 201;

/// `stmt` with its final `LIMIT` parameter written into the SQL as a number.
///
/// PostgreSQL plans a prepared statement once for all parameters only when that generic plan
/// costs no more than the plans it made for the actual values; a LIMIT it cannot see is assumed
/// to fetch a tenth of the rows, so every page of a keyset listing was planned anew at each
/// execution (a fifth of the database's time under load). With the page size in the text, the
/// generic plan is the ordered index walk and is kept. The limit is an integer the caller
/// computed, never client text. Statements without a trailing `LIMIT` parameter are returned
/// unchanged.
pub(crate) fn literal_limit(mut stmt: sea_orm::Statement) -> sea_orm::Statement {
    use sea_orm::Value;
    let Some(values) = stmt.values.as_mut() else { return stmt };
    let placeholder = match stmt.db_backend {
        DatabaseBackend::Postgres => format!(" LIMIT ${}", values.0.len()),
        DatabaseBackend::Sqlite => " LIMIT ?".to_owned(),
        _ => return stmt,
    };
    let limit = match values.0.last() {
        Some(Value::BigUnsigned(Some(n))) => *n,
        Some(Value::Unsigned(Some(n))) => u64::from(*n),
        Some(Value::BigInt(Some(n))) => u64::try_from(*n).unwrap_or(u64::MAX),
        _ => return stmt,
    };
    if limit > LITERAL_LIMIT_MAX || !stmt.sql.ends_with(&placeholder) {
        return stmt;
    }
    values.0.pop();
    stmt.sql.truncate(stmt.sql.len() - placeholder.len());
    stmt.sql.push_str(&format!(" LIMIT {limit}"));
    stmt
}

/// A keyset page's `select`, built for `backend` with [`literal_limit`].
pub(crate) fn page_statement<E: sea_orm::EntityTrait>(
    select: sea_orm::Select<E>,
    backend: DatabaseBackend,
) -> sea_orm::Statement {
    literal_limit(sea_orm::QueryTrait::build(&select, backend))
}

/// Runs a keyset page's `select` ([`page_statement`]) and returns its models.
pub(crate) async fn fetch_page<E: sea_orm::EntityTrait>(
    conn: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
) -> Result<Vec<E::Model>, StoreError> {
    let stmt = page_statement(select, conn.get_database_backend());
    Ok(E::find().from_raw_sql(stmt).all(conn).await?)
}

/// How many rows to insert per statement so that `columns` bind parameters per row stay below
/// both SQLite's (32,766) and PostgreSQL's (65,535) limits.
pub(crate) fn rows_per_insert(columns: usize) -> usize {
    (30_000 / columns.max(1)).max(1)
}

/// Database names this crate creates and drops: lower-case letters, digits and `_`, so they can be
/// written into `CREATE`/`DROP DATABASE` without quoting.
fn check_database_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err(StoreError::Invalid(linchpin_domain::ValidationError::new(
            linchpin_domain::ErrorCode::InvalidText,
            "database names are lower-case letters, digits and `_`",
        )));
    }
    Ok(())
}

/// Creates an empty PostgreSQL database `name` through `admin_url` (any database on the same
/// server) and returns the URL of the new one. For tests that need a fresh database each.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, StoreError> {
    check_database_name(name)?;
    let admin = Database::connect(admin_url).await?;
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
    admin.close().await?;
    Ok(with_database(admin_url, name))
}

/// Drops the PostgreSQL database `name` through `admin_url`, closing any connection still open
/// to it (PostgreSQL 13 or later).
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), StoreError> {
    check_database_name(name)?;
    let admin = Database::connect(admin_url).await?;
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
    admin.close().await?;
    Ok(())
}

/// A fresh PostgreSQL database for one test or benchmark, dropped when this guard is dropped,
/// whether the test passed or panicked. Dereferences to its URL.
#[derive(Debug)]
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Creates `<prefix>_<random>` on the server of `admin_url`.
    pub async fn create(admin_url: &str, prefix: &str) -> Result<Self, StoreError> {
        let name = format!("{prefix}_{:016x}", rand_u64());
        let url = create_postgres_database(admin_url, &name).await?;
        Ok(Self { admin_url: admin_url.to_owned(), name, url })
    }

    /// The URL of the database.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl std::ops::Deref for ScratchDatabase {
    type Target = str;
    fn deref(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        // Drop cannot await and may run inside a runtime: drop the database from a thread of its
        // own with a small runtime, and wait for it.
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            rt.block_on(drop_postgres_database(&admin, &name)).map_err(|e| e.to_string())
        })
        .join();
        if let Ok(Err(e)) | Err(e) = dropped.map_err(|_| "the dropping thread panicked".to_owned()) {
            tracing::warn!(database = %self.name, error = %e, "could not drop a scratch database");
        }
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded per process; mixing in the time and a counter makes names unique.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    h.finish()
}

/// `url` with its database name replaced by `name` (query parameters kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_and_path = &base[scheme_end..];
    let host = host_and_path.split('/').next().unwrap_or(host_and_path);
    let mut out = format!("{}{host}/{name}", &base[..scheme_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use sea_orm::{ColumnTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

    use crate::entity::firm;

    fn page(backend: DatabaseBackend, limit: u64) -> sea_orm::Statement {
        super::page_statement(
            firm::Entity::find().filter(firm::Column::Id.gt(7)).order_by_asc(firm::Column::Id).limit(limit),
            backend,
        )
    }

    #[test]
    fn page_limits_are_written_into_the_sql_on_both_backends() {
        for backend in [DatabaseBackend::Postgres, DatabaseBackend::Sqlite] {
            let stmt = page(backend, 21);
            assert!(stmt.sql.ends_with(" LIMIT 21"), "{backend:?}: {}", stmt.sql);
            // the filter's value is still a parameter
            assert_eq!(stmt.values.as_ref().map(|v| v.0.len()), Some(1), "{backend:?}");
            // beyond a page, the limit stays a parameter
            let big = page(backend, 5_000);
            assert!(!big.sql.contains("LIMIT 5000"), "{backend:?}: {}", big.sql);
            assert_eq!(big.values.as_ref().map(|v| v.0.len()), Some(2), "{backend:?}");
        }
    }

    #[test]
    fn statements_without_a_trailing_limit_are_unchanged() {
        for backend in [DatabaseBackend::Postgres, DatabaseBackend::Sqlite] {
            let with_offset = sea_orm::QueryTrait::build(
                &firm::Entity::find().order_by_asc(firm::Column::Id).limit(20).offset(40),
                backend,
            );
            assert_eq!(super::literal_limit(with_offset.clone()).sql, with_offset.sql);
            let no_limit = sea_orm::QueryTrait::build(&firm::Entity::find().filter(firm::Column::Id.eq(3)), backend);
            assert_eq!(super::literal_limit(no_limit.clone()).sql, no_limit.sql);
        }
    }

    #[tokio::test]
    async fn the_bundled_sqlite_keeps_no_memory_statistics() {
        // .cargo/config.toml compiles SQLite without them (a process-wide mutex on every
        // allocation otherwise); a build that lost the setting fails here
        use sea_orm::ConnectionTrait;
        let store = super::Store::connect("sqlite::memory:").await.unwrap();
        let rows = store
            .db()
            .query_all_raw(sea_orm::Statement::from_string(DatabaseBackend::Sqlite, "PRAGMA compile_options"))
            .await
            .unwrap();
        let options: Vec<String> = rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect();
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
    }

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(super::with_database("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(super::with_database("postgres://u@h:5432", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(
            super::with_database("postgres://u:p@h/db?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
    }
}
