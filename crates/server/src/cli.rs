//! The command line: parses `linchpin <command>` and hands it to the module that owns it.
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::config::{DatabaseConfig, ServeConfig};

/// Linchpin: the key-node SME whitelist and blockage coordination service.
#[derive(Parser, Debug)]
#[command(name = "linchpin", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API (migrates the database first).
    Serve(ServeConfig),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseConfig),
    /// Print the GraphQL schema (SDL); `schema/schema.graphql` holds the same text.
    Schema,
    /// Import firms and links from CSV or XLSX files (upsert by USCC; all or nothing).
    Import(crate::import::ImportArgs),
    /// Write a realistic synthetic network as firms.csv and links.csv.
    GenNetwork(crate::generate::GenArgs),
    /// Manage accounts directly on the database (bootstrap the first admin).
    #[command(subcommand)]
    Account(crate::accounts::AccountCommand),
    /// Key-node analysis of firms.csv and links.csv, offline: one row per firm.
    Analyze(crate::analyze::AnalyzeArgs),
    /// Export a list (the whitelist) as CSV or XLSX.
    #[command(subcommand)]
    Export(crate::export::ExportCommand),
    /// Benchmarks (figures for docs/benchmarks.md).
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli.command));
    // background work still running (a job's round, a blocking computation) is not waited for
    // beyond this: its transaction, if any, rolls back
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match outcome {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one subcommand.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(cfg) => crate::startup::serve(cfg).await,
        Command::Migrate(db) => {
            let store = crate::startup::connect_store(&db.database_url, db.store_options()).await?;
            store.migrate().await.context("migration failed")?;
            writeln!(std::io::stdout(), "database {} is up to date", db.redacted())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema => {
            write!(std::io::stdout(), "{}", linchpin_api::sdl())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(args) => crate::import::run(args).await,
        Command::GenNetwork(args) => crate::generate::run(args),
        Command::Account(cmd) => crate::accounts::run(cmd).await,
        Command::Analyze(args) => tokio::task::spawn_blocking(move || crate::analyze::run(args)).await?,
        Command::Export(cmd) => crate::export::run(cmd).await,
        Command::Bench(cmd) => crate::bench::run(cmd).await,
    }
}
