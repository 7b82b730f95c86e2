//! `linchpin serve`. Build and serve are separate: [`Application::build`] connects, migrates and
//! binds (port 0 in tests); [`Application::run_until_stopped`] serves until SIGTERM or Ctrl-C.
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use linchpin_api::redis_link::RedisLink;
use linchpin_api::{ApiState, EventBus, Limits, RedisBus, RedisLimiter, Rule, build_schema};
use linchpin_store::{Store, StoreOptions};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use crate::app::{AppState, app};
use crate::config::{ServeConfig, redact, redact_in};

/// How long start-up waits for the database before it gives up, naming the host and the cause.
pub const DATABASE_START_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(8);

/// `host:port` of a PostgreSQL URL (5432 when the port is omitted).
fn postgres_host(url: &str) -> Option<(String, u16)> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.is_empty() {
        return None;
    }
    if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok()).unwrap_or(5432);
        return Some((host.to_owned(), port));
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) => Some((h.to_owned(), p.parse().ok()?)),
        None => Some((hostport.to_owned(), 5432)),
    }
}

/// Connects to the database, or fails within [`DATABASE_START_TIMEOUT`] with an error that names
/// the host and the cause (and never the password).
pub async fn connect_store(url: &str, options: StoreOptions) -> anyhow::Result<Store> {
    let url = crate::config::database_url(url).map_err(|e| anyhow::anyhow!(e))?;
    let url = url.as_str();
    let shown = redact(url);
    if url.starts_with("postgres") {
        let Some((host, port)) = postgres_host(url) else {
            anyhow::bail!("the database URL {shown} names no host");
        };
        match tokio::time::timeout(DATABASE_START_TIMEOUT, tokio::net::TcpStream::connect((host.as_str(), port))).await
        {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => anyhow::bail!("cannot reach PostgreSQL at {host}:{port}: {e}"),
            Err(_) => anyhow::bail!(
                "PostgreSQL at {host}:{port} did not answer within {} s",
                DATABASE_START_TIMEOUT.as_secs()
            ),
        }
    }
    match tokio::time::timeout(DATABASE_START_TIMEOUT * 2, Store::connect_with(url, options)).await {
        Ok(Ok(store)) => Ok(store),
        Ok(Err(e)) => {
            let cause = redact_in(&format!("{:#}", anyhow::Error::new(e)), url);
            anyhow::bail!("cannot connect to the database {shown}: {cause}")
        }
        Err(_) => anyhow::bail!("the database {shown} did not accept a connection in time"),
    }
}

/// The process's Prometheus recorder (installed once; later calls get the same handle).
fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<PrometheusHandle>> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::warn!(error = %e, "metrics are off: cannot install the recorder");
                None
            }
        })
        .clone()
}

/// Runs `linchpin serve`: builds the application, seeds the demo when asked, prints where it
/// listens, and serves until stopped.
pub async fn serve(cfg: ServeConfig) -> anyhow::Result<ExitCode> {
    let app = Application::build(&cfg).await?;
    if cfg.demo {
        crate::demo::seed(&app).await?;
    }
    let addr = app.local_addr()?;
    let mut out = std::io::stdout();
    writeln!(out, "Linchpin is listening on http://{addr}")?;
    writeln!(out, "GraphiQL: http://{addr}/graphql  (queries: POST /graphql, subscriptions: ws://{addr}/graphql/ws)")?;
    out.flush()?;
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

/// A built, bound, not yet serving application.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    grace: std::time::Duration,
    /// Resolver state, for callers that seed data before serving.
    pub api: ApiState,
}

impl Application {
    /// Connects to the database (migrating it) and to Redis when configured, and binds.
    pub async fn build(cfg: &ServeConfig) -> anyhow::Result<Self> {
        tracing::info!(database = %cfg.db.redacted(), "connecting to the database");
        let store = connect_store(&cfg.db.database_url, cfg.db.store_options()).await?;
        store.migrate().await.context("cannot migrate the database")?;
        let mut api = ApiState::new(store);
        if let Some(url) = &cfg.redis_url {
            crate::config::redis_url(url).map_err(|e| anyhow::anyhow!(e))?;
            tracing::info!(redis = %redact(url), "using Redis for events and rate limits");
            // Only a malformed URL fails here; an unreachable Redis starts the replica degraded.
            let link = RedisLink::connect(url)
                .await
                .map_err(|_| anyhow::anyhow!("LINCHPIN_REDIS_URL {} is not a valid Redis URL", redact(url)))?;
            let bus: Arc<dyn EventBus> = Arc::new(RedisBus::over(Arc::clone(&link)).await);
            api.events = bus;
            api.limiter = Arc::new(RedisLimiter::over(link));
        }
        api.token_ttl = chrono::Duration::days(i64::from(cfg.token_ttl_days));
        api.account_rule = Rule { capacity: cfg.rate_limit_burst, per_second: cfg.rate_limit_per_second };
        api.analysis = cfg.analysis.params();
        api.link_trust = cfg.analysis_links;
        api.sla = linchpin_domain::triage::Sla {
            assign_hours: cfg.sla_assign_hours.0,
            resolve_hours: cfg.sla_resolve_hours.0,
        };
        let (firms, links) = api.network.reload(&api.store).await.context("cannot load the network")?;
        tracing::info!(firms, links, "live network loaded");
        api.network.follow(api.store.clone(), api.events.subscribe());
        if cfg.analysis_debounce_secs > 0 {
            linchpin_api::analysis::spawn_background(
                api.clone(),
                api.analysis,
                api.link_trust,
                std::time::Duration::from_secs(cfg.analysis_debounce_secs),
            );
        }
        api.sessions.clone().spawn_sweeper(api.store.clone());
        linchpin_api::spawn_expiry(api.clone(), std::time::Duration::from_secs(cfg.whitelist_expiry_every_secs));
        linchpin_api::spawn_escalation(api.clone(), std::time::Duration::from_secs(cfg.blockage_escalation_every_secs));
        let limits = Limits {
            depth: cfg.max_depth,
            complexity: cfg.max_complexity,
            introspection: !cfg.no_introspection,
            ..Limits::default()
        };
        let schema = build_schema(api.clone(), limits);
        let state = AppState {
            schema,
            api: api.clone(),
            max_body_bytes: usize::try_from(cfg.max_body_bytes).unwrap_or(usize::MAX),
            max_upload_bytes: usize::try_from(cfg.max_upload_bytes).unwrap_or(usize::MAX),
            metrics: if cfg.no_metrics { None } else { metrics_handle() },
            public_check: !cfg.no_public_check,
        };
        let router = app(state);
        let listener = TcpListener::bind(cfg.bind).await.with_context(|| format!("cannot listen on {}", cfg.bind))?;
        Ok(Self { listener, router, api, grace: std::time::Duration::from_secs(cfg.shutdown_grace_secs) })
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish for up to the grace
    /// period (`--shutdown-grace-secs`) and stops, finished or not: a client that holds a
    /// connection open cannot keep the process alive.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let signalled = std::sync::Arc::new(tokio::sync::Notify::new());
        let notify = std::sync::Arc::clone(&signalled);
        let serve = axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                shutdown_signal().await;
                notify.notify_one();
            });
        let grace = self.grace;
        tokio::select! {
            served = serve => served?,
            () = async { signalled.notified().await; tokio::time::sleep(grace).await } => {
                tracing::warn!(grace_secs = grace.as_secs(), "requests still in flight after the grace period; stopping");
            }
        }
        tracing::info!("stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_hosts_are_read_from_urls() {
        assert_eq!(postgres_host("postgres://u:p@db.internal:6543/x"), Some(("db.internal".into(), 6543)));
        assert_eq!(postgres_host("postgres://u@db/x?sslmode=disable"), Some(("db".into(), 5432)));
        assert_eq!(postgres_host("postgresql://[::1]:5433/x"), Some(("::1".into(), 5433)));
        assert_eq!(postgres_host("postgres:///x"), None);
    }
}
