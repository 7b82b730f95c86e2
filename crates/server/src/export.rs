//! `linchpin export whitelist` and the same list as an HTTP download (`GET /whitelist/export`):
//! one row per entry with Chinese column headers, as CSV or XLSX
//! (`linchpin_interchange::write_whitelist_xlsx`). Every export is in the audit trail (who, which
//! filter, how many rows, the SHA-256 of the file).
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use linchpin_api::ExportFilter;
use linchpin_domain::whitelist::WhitelistStatus;
use linchpin_domain::{ChainCode, Jurisdiction, Viewer};
use linchpin_interchange::{WhitelistRow, write_whitelist_csv, write_whitelist_xlsx};
use linchpin_store::Store;
use linchpin_store::audit::{self, NewAuditEvent};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::DatabaseConfig;

/// What `export` writes.
#[derive(clap::Subcommand, Debug)]
pub enum ExportCommand {
    /// The whitelist: one row per entry (on the list now, unless `--status` says otherwise).
    Whitelist(WhitelistExportArgs),
}

/// File format of an export.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// UTF-8 CSV with a byte-order mark.
    Csv,
    /// An XLSX workbook.
    Xlsx,
}

impl Format {
    /// The `format` query parameter of the download.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// Arguments of `export whitelist`.
#[derive(clap::Args, Debug)]
pub struct WhitelistExportArgs {
    /// Database.
    #[command(flatten)]
    pub db: DatabaseConfig,
    /// csv or xlsx.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Only this chain (code).
    #[arg(long)]
    pub chain: Option<String>,
    /// Only firms inside this GB/T 2260 prefix (2, 4 or 6 digits).
    #[arg(long)]
    pub region: Option<String>,
    /// Only this batch number (第N批; of the province of `--region`, or of every province).
    #[arg(long, value_parser = clap::value_parser!(i32).range(1..))]
    pub batch: Option<i32>,
    /// Entries in this status now (default APPROVED: on the list).
    #[arg(long, value_parser = parse_status)]
    pub status: Option<WhitelistStatus>,
    /// Where to write (default: standard output, CSV only).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn parse_status(s: &str) -> Result<WhitelistStatus, String> {
    WhitelistStatus::from_wire(&s.to_ascii_uppercase()).ok_or_else(|| {
        let all: Vec<&str> = WhitelistStatus::ALL.iter().map(|s| s.as_str()).collect();
        format!("`{s}` is not a status: use one of {}", all.join(", "))
    })
}

/// Checks an export filter's values (the same rules as the GraphQL filter).
pub fn check_filter(f: &ExportFilter) -> Result<(), String> {
    if let Some(c) = &f.chain {
        ChainCode::parse(c).map_err(|e| e.message)?;
    }
    if let Some(r) = &f.region {
        Jurisdiction::parse(r).map_err(|e| e.message)?;
    }
    if f.batch.is_some_and(|b| b < 1) {
        return Err("`batch` is a batch number, 1 or more".into());
    }
    Ok(())
}

/// The file's bytes.
pub fn render(rows: &[WhitelistRow], format: Format) -> anyhow::Result<Vec<u8>> {
    match format {
        Format::Csv => {
            let mut buf = Vec::new();
            write_whitelist_csv(&mut buf, rows).context("cannot write the CSV")?;
            Ok(buf)
        }
        Format::Xlsx => write_whitelist_xlsx(rows).map_err(|e| anyhow::anyhow!("cannot write the XLSX: {e}")),
    }
}

/// A file name for a download.
pub fn file_name(format: Format, now: DateTime<Utc>) -> String {
    format!("whitelist-{}.{}", now.format("%Y%m%d"), format.extension())
}

/// The audit event of an export.
pub fn export_event(
    actor: &str,
    account_id: Option<i64>,
    filter: &ExportFilter,
    format: Format,
    rows: usize,
    bytes: &[u8],
    request_id: &str,
) -> NewAuditEvent {
    let sha: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    NewAuditEvent {
        account_id,
        actor: actor.to_owned(),
        action: "whitelist.export",
        object_type: "whitelist_export",
        object_id: sha[..16].to_owned(),
        regions: filter.region.iter().cloned().collect(),
        before: None,
        after: Some(
            json!({
                "format": format.extension(),
                "chain": filter.chain,
                "region": filter.region,
                "batch": filter.batch,
                "status": filter.status.unwrap_or(WhitelistStatus::Approved).as_str(),
                "rows": rows,
                "sha256": sha,
            })
            .to_string(),
        ),
        request_id: request_id.to_owned(),
    }
}

/// Builds an export for `viewer` (everything for an operator), records it, and returns the bytes
/// and the number of rows.
pub async fn build(
    store: &Store,
    viewer: Option<&Viewer>,
    actor: &str,
    filter: ExportFilter,
    format: Format,
    now: DateTime<Utc>,
    request_id: &str,
) -> anyhow::Result<Result<(Vec<u8>, usize), linchpin_api::ApiError>> {
    let rows = match linchpin_api::export_rows(store, viewer, filter.clone(), now).await {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let n = rows.len();
    let bytes = tokio::task::spawn_blocking(move || render(&rows, format)).await??;
    let event = export_event(actor, viewer.map(|v| v.account_id), &filter, format, n, &bytes, request_id);
    audit::append(store.db(), event).await.context("cannot record the export in the audit trail")?;
    Ok(Ok((bytes, n)))
}

/// Runs `linchpin export`.
pub async fn run(cmd: ExportCommand) -> anyhow::Result<ExitCode> {
    let ExportCommand::Whitelist(args) = cmd;
    let filter =
        ExportFilter { chain: args.chain.clone(), region: args.region.clone(), batch: args.batch, status: args.status };
    check_filter(&filter).map_err(|e| anyhow::anyhow!(e))?;
    if args.out.is_none() && args.format == Format::Xlsx {
        anyhow::bail!("an XLSX export needs --out FILE");
    }
    let store = crate::startup::connect_store(&args.db.database_url, args.db.store_options()).await?;
    store.migrate().await.context("cannot migrate the database")?;
    let actor = crate::accounts::operator();
    let (bytes, n) = build(&store, None, &actor, filter, args.format, Utc::now(), "cli")
        .await?
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    match &args.out {
        Some(path) => {
            // all or nothing: a half-written file never takes the name
            let tmp = path.with_extension(format!("{}.partial", args.format.extension()));
            std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(std::io::stderr(), "wrote {n} entries to {}", path.display())?;
        }
        None => {
            std::io::stdout().write_all(&bytes)?;
            writeln!(std::io::stderr(), "wrote {n} entries")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
