//! The Linchpin server and command-line tool.
//!
//! [`cli`] parses the command line (every flag also read from a `LINCHPIN_*` variable) and
//! dispatches to the module that owns the command: [`startup`] (`serve`: build the app on a bound
//! port, serve until SIGTERM), [`demo`] (`serve --demo`), [`import`], [`analyze`], [`bench`],
//! [`generate`] (`gen-network`), [`export`] (`export whitelist`) and [`accounts`]. [`config`] holds the typed settings, [`app`] the
//! HTTP routes ([`whitelist_http`] the whitelist's check and download), [`progress`] the terminal progress bar, [`telemetry`] logging.

pub mod accounts;
pub mod analyze;
pub mod app;
pub mod bench;
pub mod bench_blockages;
pub mod bench_suppliers;
pub mod bench_whitelist;
pub mod cli;
pub mod config;
pub mod demo;
pub mod demo_blockages;
pub mod demo_whitelist;
pub mod export;
pub mod generate;
pub mod import;
pub mod progress;
pub mod startup;
pub mod telemetry;
pub mod whitelist_http;

/// Exit code for input that failed validation (bad rows, bad header).
pub const EXIT_INVALID: u8 = 2;
