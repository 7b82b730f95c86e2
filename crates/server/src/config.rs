//! Typed configuration of every command: the database, `serve`'s settings, and the analysis
//! settings shared by `serve`, `analyze` and `bench`. Defaults work on a laptop (a SQLite file,
//! no Redis); analysis defaults come from `linchpin_graph::AnalysisParams::DEFAULT`.
use std::net::SocketAddr;

use clap::Args;
use linchpin_domain::IndustryLevel;
use linchpin_graph::{AnalysisParams, Budget, EsriParams, MAX_THREADS, StabilityParams, Thresholds};

/// Default database: a SQLite file in the working directory, created when missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://linchpin.db?mode=rwc";

/// Where the data lives.
#[derive(Args, Debug, Clone)]
pub struct DatabaseConfig {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded default) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "LINCHPIN_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
    /// SQLite only: seconds a write waits for another process's write (an import) before it is
    /// refused with CONFLICT ("busy, retry").
    #[arg(long, env = "LINCHPIN_SQLITE_BUSY_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub sqlite_busy_timeout_secs: u64,
}

impl DatabaseConfig {
    /// The URL with any password replaced, safe to log.
    pub fn redacted(&self) -> String {
        redact(&self.database_url)
    }

    /// Connection settings beyond the URL.
    pub fn store_options(&self) -> linchpin_store::StoreOptions {
        linchpin_store::StoreOptions {
            sqlite_busy_timeout: std::time::Duration::from_secs(self.sqlite_busy_timeout_secs),
        }
    }
}

/// The password of a URL, wherever it is written: `scheme://user:password@host`,
/// `scheme://:password@host`, or a `password=` query parameter.
fn password_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let before_path = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if let Some((userinfo, _)) = before_path.rsplit_once('@')
        && let Some((_, pw)) = userinfo.split_once(':')
        && !pw.is_empty()
    {
        return Some(pw);
    }
    let query = url.split_once('?').map(|(_, q)| q)?;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        matches!(k.to_ascii_lowercase().as_str(), "password" | "pass" | "pwd").then_some(v).filter(|v| !v.is_empty())
    })
}

/// Replaces the password of a URL with `***`, whatever the scheme, so the URL is safe to log.
pub fn redact(url: &str) -> String {
    match password_of(url) {
        Some(pw) => url.replacen(pw, "***", 1),
        None => url.to_owned(),
    }
}

/// Removes the password of `url` (as written and percent-decoded) from `text`: error messages of
/// drivers sometimes quote the URL they were given.
pub fn redact_in(text: &str, url: &str) -> String {
    let Some(pw) = password_of(url) else { return text.to_owned() };
    let mut out = text.replace(pw, "***");
    let decoded = percent_decode(pw);
    if decoded != pw && !decoded.is_empty() {
        out = out.replace(&decoded, "***");
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The database URLs Linchpin speaks: SQLite files and PostgreSQL. Checked after parsing (not as
/// a clap value parser, whose error would quote the raw value, password included).
pub fn database_url(s: &str) -> Result<String, String> {
    let lower = s.trim().to_ascii_lowercase();
    if lower.starts_with("sqlite:") || lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        Ok(s.trim().to_owned())
    } else {
        Err(format!(
            "`{}` is not a supported database URL: use sqlite://FILE?mode=rwc or postgres://USER@HOST:PORT/DB",
            redact(s)
        ))
    }
}

/// Redis URLs as the Redis client reads them (checked after parsing, like [`database_url`]).
pub fn redis_url(s: &str) -> Result<String, String> {
    let lower = s.trim().to_ascii_lowercase();
    if ["redis://", "rediss://", "redis+unix://", "unix://"].iter().any(|p| lower.starts_with(p)) {
        Ok(s.trim().to_owned())
    } else {
        Err(format!("`{}` is not a Redis URL: use redis://HOST:PORT", redact(s)))
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
    /// Largest JSON request body accepted, in bytes.
    #[arg(long, env = "LINCHPIN_MAX_BODY_BYTES", default_value_t = 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..=1 << 30))]
    pub max_body_bytes: u64,
    /// Largest upload (a multipart request: supplier lists), in bytes.
    #[arg(long, env = "LINCHPIN_MAX_UPLOAD_BYTES", default_value_t = 20 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024..=1 << 30))]
    pub max_upload_bytes: u64,
    /// Do not serve `/metrics` (Prometheus).
    #[arg(long, env = "LINCHPIN_NO_METRICS")]
    pub no_metrics: bool,
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
    pub analysis: AnalysisOptions,
    /// Which links server-side analyses count: customer-backed (confirmed, declared by the
    /// customer, or imported by a bureau or operator; the default), confirmed, or all.
    #[arg(long, env = "LINCHPIN_ANALYSIS_LINKS", default_value = "customer-backed", value_parser = linchpin_domain::LinkTrust::parse)]
    pub analysis_links: linchpin_domain::LinkTrust,
    /// Sustained requests per second allowed per account.
    #[arg(long, env = "LINCHPIN_RATE_LIMIT_PER_SECOND", default_value_t = 10.0, value_parser = positive_rate)]
    pub rate_limit_per_second: f64,
    /// Switch off `GET /whitelist/check/{uscc}`, the tokenless check of one firm (it then answers
    /// 404).
    #[arg(long, env = "LINCHPIN_NO_PUBLIC_CHECK")]
    pub no_public_check: bool,
    /// Seconds between rounds of the whitelist expiry job (APPROVED entries past their validity
    /// become EXPIRED; reads show them EXPIRED at once regardless).
    #[arg(long, env = "LINCHPIN_WHITELIST_EXPIRY_EVERY_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub whitelist_expiry_every_secs: u64,
    /// Seconds between rounds of the blockage escalation job (open blockages past their SLA go to
    /// the parent jurisdiction; priorities are brought up to date in the same round).
    #[arg(long, env = "LINCHPIN_BLOCKAGE_ESCALATION_EVERY_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub blockage_escalation_every_secs: u64,
    /// Seconds that in-flight requests get to finish after SIGTERM or Ctrl-C; the process then
    /// stops anyway (an unfinished write transaction rolls back, nothing committed is lost).
    #[arg(long, env = "LINCHPIN_SHUTDOWN_GRACE_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub shutdown_grace_secs: u64,
    /// Hours to assign a blockage, per priority level LOW,MEDIUM,HIGH,CRITICAL (each 1 to 8784,
    /// not growing with urgency).
    #[arg(long, env = "LINCHPIN_SLA_ASSIGN_HOURS", default_value = "24,8,4,2", value_parser = sla_hours)]
    pub sla_assign_hours: SlaHours,
    /// Hours to resolve an assigned blockage, per priority level LOW,MEDIUM,HIGH,CRITICAL.
    #[arg(long, env = "LINCHPIN_SLA_RESOLVE_HOURS", default_value = "168,72,48,24", value_parser = sla_hours)]
    pub sla_resolve_hours: SlaHours,
}

/// Four SLA targets in hours, LOW first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaHours(pub [u32; 4]);

fn sla_hours(s: &str) -> Result<SlaHours, String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let [a, b, c, d] = parts.as_slice() else {
        return Err("give four hours, for LOW,MEDIUM,HIGH,CRITICAL, e.g. 24,8,4,2".into());
    };
    let mut out = [0u32; 4];
    for (slot, p) in out.iter_mut().zip([a, b, c, d]) {
        *slot = p.parse().map_err(|_| format!("`{p}` is not a whole number of hours"))?;
    }
    let sla = linchpin_domain::triage::Sla { assign_hours: out, resolve_hours: out };
    sla.check()?;
    Ok(SlaHours(out))
}

/// Analysis parameters shared by `serve`, `analyze` and `bench analyze`. Defaults are
/// `AnalysisParams::DEFAULT`'s.
#[derive(Args, Debug, Clone)]
pub struct AnalysisOptions {
    /// Turn ESRI's rationing off (σ = 1 for every firm that sells).
    #[arg(long, env = "LINCHPIN_NO_RATIONING")]
    pub no_rationing: bool,
    /// ESRI stops when no health value moves by this much in a step.
    #[arg(long, env = "LINCHPIN_TOL", default_value_t = EsriParams::DEFAULT.tol, value_parser = tolerance)]
    pub tol: f64,
    /// Threads for ESRI, 1 to 256 (default: one per core).
    #[arg(long, env = "LINCHPIN_THREADS", value_parser = thread_count)]
    pub threads: Option<usize>,
    /// Length of the candidate list: a count (`500`), a percentage (`2%`) or a share (`0.02`) of
    /// the SMEs in scope.
    #[arg(long, env = "LINCHPIN_BUDGET", default_value = "2%", value_parser = Budget::parse)]
    pub budget: Budget,
    /// Check the list's stability: relative noise on link values, and the chance to drop a
    /// non-essential link, in [0, 0.9] (default 0.2 when `--replicates` is given).
    #[arg(long, env = "LINCHPIN_NOISE", value_parser = noise)]
    pub noise: Option<f64>,
    /// Replicates of the stability check, 0 to 1,000 (default 10 when `--noise` is given; 0 turns
    /// the check off).
    #[arg(long, env = "LINCHPIN_REPLICATES", value_parser = clap::value_parser!(u64).range(0..=1_000))]
    pub replicates: Option<u64>,
    /// Seed of the stability check's random numbers.
    #[arg(long, env = "LINCHPIN_STABILITY_SEED", default_value_t = StabilityParams::DEFAULT.seed)]
    pub stability_seed: u64,
    /// The level at which suppliers count as substitutes: division (C36), group (C367) or class
    /// (C3670, the code as registered). A firm registered with a coarser code keeps its own.
    #[arg(long, env = "LINCHPIN_INDUSTRY_LEVEL", default_value = "class", value_parser = IndustryLevel::parse)]
    pub industry_level: IndustryLevel,
    /// Minimum share of a customer's essential input from one industry for a sole supplier.
    #[arg(long, env = "LINCHPIN_SOLE_SHARE", default_value_t = Thresholds::DEFAULT.sole_share, value_parser = share)]
    pub sole_share: f64,
    /// Firms downstream that make a customer a hub.
    #[arg(long, env = "LINCHPIN_HUB_DOWNSTREAM", default_value_t = Thresholds::DEFAULT.hub_downstream, value_parser = positive)]
    pub hub_downstream: f64,
    /// Largest number of strongly connected components for exact reach (HyperLogLog beyond).
    #[arg(long, env = "LINCHPIN_EXACT_REACH_LIMIT", default_value_t = AnalysisParams::DEFAULT.exact_reach_limit)]
    pub exact_reach_limit: usize,
}

impl AnalysisOptions {
    /// The pipeline's parameters.
    pub fn params(&self) -> AnalysisParams {
        let stability = match (self.noise, self.replicates) {
            (None, None) | (_, Some(0)) => None,
            (noise, replicates) => Some(StabilityParams {
                noise: noise.unwrap_or(StabilityParams::DEFAULT.noise),
                replicates: replicates.map_or(StabilityParams::DEFAULT.replicates, |r| r as usize),
                seed: self.stability_seed,
            }),
        };
        AnalysisParams {
            esri: EsriParams { tol: self.tol, rationing: !self.no_rationing, ..EsriParams::DEFAULT },
            thresholds: Thresholds { sole_share: self.sole_share, hub_downstream: self.hub_downstream },
            threads: self.threads.unwrap_or(0),
            exact_reach_limit: self.exact_reach_limit,
            budget: self.budget,
            stability,
            industry_level: self.industry_level,
        }
    }
}

fn noise(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=0.9).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a noise level between 0 and 0.9")),
    }
}

fn thread_count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(v) if (1..=MAX_THREADS).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a thread count between 1 and {MAX_THREADS}")),
    }
}

fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{s}` is not a positive number")),
    }
}

fn share(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a share between 0 and 1")),
    }
}

fn tolerance(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t.is_finite() && t > 0.0 && t < 1.0 => Ok(t),
        _ => Err(format!("`{s}` is not a tolerance in (0, 1)")),
    }
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
        // whatever the scheme, and wherever the password is written
        assert_eq!(redact("mysql://root:hunter2@db/x"), "mysql://root:***@db/x");
        assert_eq!(redact("redis://:s3cret@cache:6379/0"), "redis://:***@cache:6379/0");
        assert_eq!(redact("postgres://db/x?user=a&password=s3cret"), "postgres://db/x?user=a&password=***");
        assert_eq!(redact("not a url at all :s3cret@"), "not a url at all :***@");
    }

    #[test]
    fn passwords_are_scrubbed_from_error_texts_too() {
        let url = "postgres://app:p%40ss@db/x";
        let text = "error connecting to postgres://app:p%40ss@db/x: password p@ss rejected";
        let clean = redact_in(text, url);
        assert!(!clean.contains("p%40ss") && !clean.contains("p@ss"), "{clean}");
    }

    #[test]
    fn unsupported_urls_are_refused_without_showing_their_password() {
        let e = database_url("mysql://root:hunter2@db/x").unwrap_err();
        assert!(e.contains("mysql://root:***@db/x") && !e.contains("hunter2"), "{e}");
        assert!(database_url("postgres://u@h/db").is_ok() && database_url("sqlite://x.db?mode=rwc").is_ok());
        let e = redis_url("http://:s3cret@cache").unwrap_err();
        assert!(!e.contains("s3cret"), "{e}");
        assert!(redis_url("redis://127.0.0.1:6379").is_ok());
    }

    #[test]
    fn thread_counts_above_the_pool_limit_are_refused() {
        assert!(thread_count("256").is_ok());
        assert!(thread_count("257").unwrap_err().contains("between 1 and 256"));
        assert!(thread_count("0").is_err());
    }
}
