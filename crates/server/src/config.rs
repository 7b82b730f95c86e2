//! Typed configuration. Defaults work on a laptop: a SQLite file, no Redis.
use std::net::SocketAddr;

use clap::Args;

/// Default database: a SQLite file in the working directory, created when missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://linchpin.db?mode=rwc";

/// Where the data lives.
#[derive(Args, Debug, Clone)]
pub struct DatabaseConfig {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded default) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "LINCHPIN_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
}

impl DatabaseConfig {
    /// The URL with any password replaced, safe to log.
    pub fn redacted(&self) -> String {
        redact(&self.database_url)
    }
}

/// Replaces the password of a `scheme://user:password@host` URL with `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Settings of `linchpin serve`.
#[derive(Args, Debug, Clone)]
pub struct ServeConfig {
    /// Database.
    #[command(flatten)]
    pub db: DatabaseConfig,
    /// Address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, env = "LINCHPIN_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Redis URL for cross-replica events; without it events stay in process.
    #[arg(long, env = "LINCHPIN_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Seed a generated demo network (about 1,200 firms over 3 chains) when the database has no firms.
    #[arg(long, env = "LINCHPIN_DEMO")]
    pub demo: bool,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "LINCHPIN_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Deepest GraphQL selection accepted.
    #[arg(long, env = "LINCHPIN_MAX_DEPTH", default_value_t = 16)]
    pub max_depth: usize,
    /// Highest GraphQL query complexity accepted.
    #[arg(long, env = "LINCHPIN_MAX_COMPLEXITY", default_value_t = 2_000)]
    pub max_complexity: usize,
    /// Turn GraphQL introspection off (GraphiQL then cannot show the schema).
    #[arg(long, env = "LINCHPIN_NO_INTROSPECTION")]
    pub no_introspection: bool,
    /// Days a token issued by `login` stays valid.
    #[arg(long, env = "LINCHPIN_TOKEN_TTL_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub token_ttl_days: u32,
    /// Requests an account may burst before the rate limit applies.
    #[arg(long, env = "LINCHPIN_RATE_LIMIT_BURST", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub rate_limit_burst: u32,
    /// Seconds without changes after which the network is analysed again; 0 turns background
    /// analysis off (`runAnalysis` still works).
    #[arg(long, env = "LINCHPIN_ANALYSIS_DEBOUNCE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub analysis_debounce_secs: u64,
    /// Parameters of server-side analyses (the same flags as `linchpin analyze`).
    #[command(flatten)]
    pub analysis: crate::analyze::AnalysisOptions,
    /// Sustained requests per second allowed per account.
    #[arg(long, env = "LINCHPIN_RATE_LIMIT_PER_SECOND", default_value_t = 10.0, value_parser = positive_rate)]
    pub rate_limit_per_second: f64,
}

fn positive_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 100_000.0 => Ok(v),
        _ => Err(format!("`{s}` is not a rate between 0 (exclusive) and 100000 per second")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(redact("postgres://app:s3cret@db:5432/linchpin"), "postgres://app:***@db:5432/linchpin");
        assert_eq!(redact("postgres://app@db/linchpin"), "postgres://app@db/linchpin");
        assert_eq!(redact("sqlite://linchpin.db?mode=rwc"), "sqlite://linchpin.db?mode=rwc");
    }
}
