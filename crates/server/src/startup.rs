//! `linchpin serve`. Build and serve are separate: [`Application::build`] connects, migrates and
//! binds (port 0 in tests); [`Application::run_until_stopped`] serves until SIGTERM or Ctrl-C.
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use linchpin_api::{ApiState, EventBus, Limits, RedisBus, RedisLimiter, Rule, build_schema};
use linchpin_store::Store;
use tokio::net::TcpListener;

use crate::app::{AppState, app};
use crate::config::ServeConfig;

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
    /// Resolver state, for callers that seed data before serving.
    pub api: ApiState,
}

impl Application {
    /// Connects to the database (migrating it) and to Redis when configured, and binds.
    pub async fn build(cfg: &ServeConfig) -> anyhow::Result<Self> {
        tracing::info!(database = %cfg.db.redacted(), "connecting to the database");
        let store = Store::connect(&cfg.db.database_url).await.context("cannot connect to the database")?;
        store.migrate().await.context("cannot migrate the database")?;
        let mut api = ApiState::new(store);
        if let Some(url) = &cfg.redis_url {
            tracing::info!(redis = %crate::config::redact(url), "using Redis for events and rate limits");
            let bus: Arc<dyn EventBus> = Arc::new(RedisBus::connect(url).await.context("cannot connect to Redis")?);
            api.events = bus;
            api.limiter = Arc::new(RedisLimiter::connect(url).await.context("cannot connect to Redis")?);
        }
        api.token_ttl = chrono::Duration::days(i64::from(cfg.token_ttl_days));
        api.account_rule = Rule { capacity: cfg.rate_limit_burst, per_second: cfg.rate_limit_per_second };
        api.analysis = cfg.analysis.params();
        let (firms, links) = api.network.reload(&api.store).await.context("cannot load the network")?;
        tracing::info!(firms, links, "live network loaded");
        api.network.follow(api.store.clone(), api.events.subscribe());
        if cfg.analysis_debounce_secs > 0 {
            linchpin_api::analysis::spawn_background(
                api.clone(),
                api.analysis,
                std::time::Duration::from_secs(cfg.analysis_debounce_secs),
            );
        }
        let limits =
            Limits { depth: cfg.max_depth, complexity: cfg.max_complexity, introspection: !cfg.no_introspection };
        let schema = build_schema(api.clone(), limits);
        let router = app(AppState { schema, api: api.clone() }, cfg.max_body_bytes);
        let listener = TcpListener::bind(cfg.bind).await.with_context(|| format!("cannot listen on {}", cfg.bind))?;
        Ok(Self { listener, router, api })
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until SIGTERM or Ctrl-C, letting in-flight requests finish.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await?;
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
