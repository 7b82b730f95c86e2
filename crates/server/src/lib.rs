//! The Linchpin server and command-line tool.
//!
//! [`cli`] parses the command line (every flag also read from a `LINCHPIN_*` variable);
//! [`startup::Application`] builds the HTTP app on a bound port and serves it until SIGTERM;
//! [`interchange`] reads and validates the CSV/XLSX interchange files; [`generate`] makes
//! realistic synthetic networks for the demo and benchmarks.

pub mod accounts;
pub mod analyze;
pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod generate;
pub mod interchange;
pub mod startup;
pub mod telemetry;
