//! Logging: `tracing` to stderr, filtered by `LINCHPIN_LOG` (default `info,sqlx=warn`).
use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls are ignored (tests build many apps).
pub fn init() {
    let filter = EnvFilter::try_from_env("LINCHPIN_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
