//! The metrics Linchpin records, named in one place. They go through the `metrics` facade; the
//! server installs a Prometheus recorder and serves them at `/metrics` (docs/operations.md lists
//! each one). Without a recorder (tests, the CLI) recording costs nothing.
use std::time::Duration;

/// GraphQL operations: `operation` (the first root field), `transport` (`http` or `ws`) and
/// `outcome` (`ok`, or the first error's code).
pub const REQUESTS: &str = "linchpin_graphql_requests_total";
/// Seconds per GraphQL operation, by `operation` and `transport`.
pub const LATENCY: &str = "linchpin_graphql_request_duration_seconds";
/// Requests refused by a rate limit, by `bucket` (`account`, `address`, `login`, `analysis`).
pub const RATE_LIMITED: &str = "linchpin_rate_limited_total";
/// Finished analysis runs, by `outcome`.
pub const ANALYSIS_RUNS: &str = "linchpin_analysis_runs_total";
/// Seconds per analysis run.
pub const ANALYSIS_SECONDS: &str = "linchpin_analysis_run_duration_seconds";
/// 1 while Redis answers, 0 while this replica runs on its in-process fallback.
pub const REDIS_UP: &str = "linchpin_redis_up";
/// Connections in the database pool, and how many are idle.
pub const DB_POOL_CONNECTIONS: &str = "linchpin_db_pool_connections";
/// Idle connections in the database pool.
pub const DB_POOL_IDLE: &str = "linchpin_db_pool_idle_connections";
/// Open graphql-ws connections' tokens on this replica.
pub const LIVE_SESSIONS: &str = "linchpin_live_session_tokens";

/// Records one GraphQL operation.
pub fn request(operation: &str, transport: &'static str, outcome: &str, elapsed: Duration) {
    metrics::counter!(REQUESTS, "operation" => operation.to_owned(), "transport" => transport, "outcome" => outcome.to_owned())
        .increment(1);
    metrics::histogram!(LATENCY, "operation" => operation.to_owned(), "transport" => transport)
        .record(elapsed.as_secs_f64());
}

/// Records a refusal by a rate limit.
pub fn rate_limited(bucket: &'static str) {
    metrics::counter!(RATE_LIMITED, "bucket" => bucket).increment(1);
}

/// Records a finished analysis run.
pub fn analysis_run(ok: bool, elapsed: Duration) {
    metrics::counter!(ANALYSIS_RUNS, "outcome" => if ok { "ok" } else { "error" }).increment(1);
    metrics::histogram!(ANALYSIS_SECONDS).record(elapsed.as_secs_f64());
}

/// Records whether Redis answers.
pub fn redis_up(up: bool) {
    metrics::gauge!(REDIS_UP).set(if up { 1.0 } else { 0.0 });
}
