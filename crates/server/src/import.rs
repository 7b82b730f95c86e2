//! `linchpin import`: firms and links from CSV or XLSX into the database, all or nothing (or the
//! good rows with `--skip-invalid`), with a progress bar on a terminal.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use linchpin_domain::RowError;
use linchpin_store::audit::{self, NewAuditEvent};
use linchpin_store::import::{self, ImportFailure, ImportSummary};
use serde_json::json;
use sha2::{Digest, Sha256};

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

/// Hex SHA-256 of a file, read in blocks.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The audit event of an import: who ran it, which files (path, SHA-256, rows), what changed.
pub fn import_event(actor: &str, files: serde_json::Value, s: &ImportSummary, skipped: usize) -> NewAuditEvent {
    let digest: String =
        Sha256::digest(files.to_string().as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect();
    NewAuditEvent {
        account_id: None,
        actor: actor.to_owned(),
        action: "import",
        object_type: "import",
        object_id: digest,
        regions: vec![],
        before: None,
        after: Some(
            json!({
                "files": files,
                "firms": {"created": s.firms_created, "updated": s.firms_updated, "unchanged": s.firms_unchanged},
                "links": {"created": s.links_created, "updated": s.links_updated, "unchanged": s.links_unchanged},
                "skipped_rows": skipped,
            })
            .to_string(),
        ),
        request_id: "cli".into(),
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

    let mut files = Vec::new();
    for (name, path, rows) in [("firms", &args.firms, firm_rows.len()), ("links", &args.links, link_rows.len())] {
        if let Some(p) = path {
            let sha = sha256_file(p).with_context(|| format!("cannot read {}", p.display()))?;
            files.push(json!({"file": name, "path": p.display().to_string(), "sha256": sha, "rows": rows}));
        }
    }
    let store = crate::startup::connect_store(&args.db.database_url, args.db.store_options()).await?;
    store.migrate().await.context("cannot migrate the database")?;
    let bar = Bar::new();
    let txn = store.begin_write().await?;
    let outcome = match import::apply(&*txn, &firm_rows, &link_rows, args.skip_invalid, &bar).await {
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
    let event = import_event(&crate::accounts::operator(), json!(files), &outcome.summary, outcome.skipped.len());
    audit::append(&*txn, event).await.context("import failed; nothing was written")?;
    txn.commit().await.context("import failed at commit; nothing was written")?;
    store.refresh_statistics(&linchpin_store::import::TABLES).await;
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
