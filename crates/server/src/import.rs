//! `linchpin import`: firms and links from CSV or XLSX into the database, all or nothing (or the
//! good rows with `--skip-invalid`), with a progress bar on a terminal.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use linchpin_domain::RowError;
use linchpin_store::import::{self, ImportFailure};
use linchpin_store::{Store, TransactionTrait};

use crate::analyze::report;
use crate::config::DatabaseConfig;
use crate::progress::Bar;

/// Arguments of `import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Database.
    #[command(flatten)]
    pub db: DatabaseConfig,
    /// firms file (CSV or XLSX): uscc,name,region_code,industry_code,employees,revenue_10k_cny,chains[,assets_10k_cny].
    #[arg(long, env = "LINCHPIN_IMPORT_FIRMS")]
    pub firms: Option<PathBuf>,
    /// links file (CSV or XLSX): supplier_uscc,customer_uscc,product,annual_value_10k_cny,essential.
    #[arg(long, env = "LINCHPIN_IMPORT_LINKS")]
    pub links: Option<PathBuf>,
    /// Write the good rows and report the bad ones, instead of writing nothing when any row is bad.
    #[arg(long, env = "LINCHPIN_IMPORT_SKIP_INVALID")]
    pub skip_invalid: bool,
}

/// Reads one file with `parse`, adding its bad rows to `bad`; `None` (reported) when the file
/// cannot be read at all.
fn read<T>(
    path: &std::path::Path,
    parse: fn(&std::path::Path) -> linchpin_interchange::FileRows<T>,
    bad: &mut Vec<RowError>,
) -> Option<Vec<T>> {
    match parse(path) {
        Ok((good, errors)) => {
            bad.extend(errors);
            Some(good)
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            None
        }
    }
}

/// Runs `linchpin import`.
pub async fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    if args.firms.is_none() && args.links.is_none() {
        anyhow::bail!("nothing to import: give --firms FILE and/or --links FILE");
    }
    let started = std::time::Instant::now();
    let mut bad: Vec<RowError> = Vec::new();
    let mut firm_rows = Vec::new();
    let mut link_rows = Vec::new();
    if let Some(path) = &args.firms {
        let Some(good) = read(path, linchpin_interchange::parse_firms, &mut bad) else {
            return Ok(ExitCode::from(crate::EXIT_INVALID));
        };
        firm_rows = good;
    }
    if let Some(path) = &args.links {
        let Some(good) = read(path, linchpin_interchange::parse_links, &mut bad) else {
            return Ok(ExitCode::from(crate::EXIT_INVALID));
        };
        link_rows = good;
    }
    tracing::info!(firms = firm_rows.len(), links = link_rows.len(), bad = bad.len(), "files read");
    if !bad.is_empty() && !args.skip_invalid {
        report(&bad);
        let _ = writeln!(
            std::io::stderr(),
            "{} bad row(s); nothing was written (use --skip-invalid to write the good rows)",
            bad.len()
        );
        return Ok(ExitCode::from(crate::EXIT_INVALID));
    }

    let store = Store::connect(&args.db.database_url).await.context("cannot connect to the database")?;
    store.migrate().await.context("cannot migrate the database")?;
    let bar = Bar::new();
    let txn = store.db().begin().await?;
    let outcome = match import::apply(&txn, &firm_rows, &link_rows, args.skip_invalid, &bar).await {
        Ok(o) => o,
        Err(ImportFailure::Rejected(rows)) => {
            bar.finish();
            drop(txn);
            report(&rows);
            let _ = writeln!(std::io::stderr(), "{} bad row(s); nothing was written", rows.len());
            return Ok(ExitCode::from(crate::EXIT_INVALID));
        }
        Err(ImportFailure::Store(e)) => {
            return Err(anyhow::Error::new(e).context("import failed; nothing was written"));
        }
    };
    txn.commit().await.context("import failed at commit; nothing was written")?;
    bar.finish();
    bad.extend(outcome.skipped);
    bad.sort_by_key(|e| (e.file, e.line));
    report(&bad);
    let s = &outcome.summary;
    writeln!(
        std::io::stdout(),
        "imported in {:.1} s: firms {} created, {} updated, {} unchanged; links {} created, {} updated, {} unchanged; {} bad row(s) skipped",
        started.elapsed().as_secs_f64(),
        s.firms_created,
        s.firms_updated,
        s.firms_unchanged,
        s.links_created,
        s.links_updated,
        s.links_unchanged,
        bad.len()
    )?;
    Ok(ExitCode::SUCCESS)
}
