//! `importSupplierList`: a chain-leading enterprise uploads the list of its suppliers (携手行动) as
//! CSV or XLSX, read by the same parser and rules as `linchpin import`. All or nothing: a file with
//! any bad row writes nothing and reports every bad row; a good one registers unknown suppliers as
//! PENDING firms and declares each (supplier, product) as a link by the uploading firm. The same
//! file again changes nothing; `dryRun` reports what would change and writes nothing.
use std::io::Write as _;

use async_graphql::{Context, InputObject, Object, SimpleObject, Upload};
use linchpin_domain::{ErrorCode, Role, SupplierRow, Uscc, ValidationError};
use linchpin_interchange::{FileError, parse_supplier_list};
use linchpin_store::firms;
use linchpin_store::supplier_list::{self, ListSummary};
use sha2::{Digest, Sha256};
use tracing::instrument;

use super::{Outcome, Payload, Write, respond};
use crate::audit_log::{self, Change};
use crate::error::{ApiError, UserError, UserErrorCode};
use crate::events::{NetworkEvent, NetworkEventKind};
use crate::guard::{self, require};
use crate::ids::{self, Kind};

/// A supplier list to upload.
#[derive(InputObject)]
pub struct ImportSupplierListInput {
    /// The file (GraphQL multipart request): `.csv` (UTF-8, a BOM is fine) or `.xlsx`, with the
    /// header `supplier_uscc,supplier_name,region_code,industry_code,product,annual_value_10k_cny,essential`
    /// (docs/data-formats.md).
    pub file: Upload,
    /// Only report what would change; write nothing.
    #[graphql(default = false)]
    pub dry_run: bool,
}

/// What a supplier list changed, or would change on a dry run.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct SupplierListSummary {
    /// Rows in the file.
    pub rows: u64,
    /// Links created (DECLARED by the uploading firm).
    pub created: u64,
    /// Links whose value or essentiality changed; they wait for the supplier's confirmation again.
    pub updated: u64,
    /// Links already as the file says.
    pub unchanged: u64,
    /// Suppliers not yet registered, created as PENDING firms.
    pub pending_firms: u64,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
}

/// A bad row of an uploaded file.
#[derive(SimpleObject, Debug, Clone)]
pub struct FileRowError {
    /// 1-based line (the header is line 1; in a spreadsheet, the row number).
    pub line: u64,
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// Stable code.
    pub code: UserErrorCode,
    /// What is wrong.
    pub message: String,
}

/// Result of `importSupplierList`.
#[derive(SimpleObject, Debug, Default)]
pub struct ImportSupplierListPayload {
    /// What changed (or would, on a dry run); null when anything was refused.
    pub summary: Option<SupplierListSummary>,
    /// Every bad row with its line and column; when there is one, nothing is written.
    pub errors: Vec<FileRowError>,
    /// Why the upload was refused as a whole (file type, unreadable file, wrong header).
    pub user_errors: Vec<UserError>,
}

impl Payload for ImportSupplierListPayload {
    type Object = (Option<SupplierListSummary>, Vec<FileRowError>);
    fn done((summary, errors): Self::Object) -> Self {
        Self { summary, errors, user_errors: Vec::new() }
    }
    fn refused(user_errors: Vec<UserError>) -> Self {
        Self { user_errors, ..Self::default() }
    }
}

/// File types a list may have.
const EXTENSIONS: [&str; 5] = ["csv", "xlsx", "xlsm", "xls", "ods"];

fn on_file(code: ErrorCode, message: impl Into<String>) -> UserError {
    UserError::on("file", ValidationError::new(code, message.into()))
}

/// Writes the upload into a temporary file named with its extension (the reader tells CSV from
/// XLSX by it), hashes it, and parses it. Blocking: run it off the runtime.
fn read_list(
    content: &[u8],
    ext: &str,
    customer: &Uscc,
) -> Result<(Vec<SupplierRow>, Vec<FileRowError>, String), UserError> {
    let unreadable = |e: std::io::Error| on_file(ErrorCode::InvalidValue, format!("the upload cannot be read: {e}"));
    let mut tmp =
        tempfile::Builder::new().prefix("supplier-list-").suffix(&format!(".{ext}")).tempfile().map_err(unreadable)?;
    tmp.write_all(content).map_err(unreadable)?;
    tmp.flush().map_err(unreadable)?;
    let sha: String = Sha256::digest(content).iter().map(|b| format!("{b:02x}")).collect();
    let (rows, bad) = parse_supplier_list(tmp.path(), customer).map_err(|e| match e {
        // the messages name the temporary path; the client knows its own file
        FileError::BadHeader { reason, .. } => {
            on_file(ErrorCode::InvalidValue, format!("the header is wrong: {reason}"))
        }
        FileError::Unreadable { reason, .. } => {
            on_file(ErrorCode::InvalidValue, format!("the file cannot be read: {reason}"))
        }
        other => on_file(ErrorCode::InvalidValue, other.to_string()),
    })?;
    let errors = bad
        .into_iter()
        .map(|e| FileRowError { line: e.line as u64, column: e.column, code: e.code.into(), message: e.message })
        .collect();
    Ok((rows, errors, sha))
}

fn summary(s: ListSummary, dry_run: bool) -> SupplierListSummary {
    SupplierListSummary {
        rows: s.rows,
        created: s.created,
        updated: s.updated,
        unchanged: s.unchanged,
        pending_firms: s.pending_firms,
        dry_run,
    }
}

async fn import_list(
    ctx: &Context<'_>,
    input: ImportSupplierListInput,
) -> Outcome<(Option<SupplierListSummary>, Vec<FileRowError>)> {
    let viewer = guard::viewer(ctx)?;
    require(viewer.role() == Role::Enterprise)?;
    let customer_id = viewer.binding.firm().ok_or(ApiError::Forbidden)?;
    let upload =
        input.file.value(ctx).map_err(|_| on_file(ErrorCode::InvalidValue, "no file was uploaded under `file`"))?;
    let file_name = upload.filename.clone();
    let ext = std::path::Path::new(&file_name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| EXTENSIONS.contains(&e.as_str()))
        .ok_or_else(|| {
            on_file(ErrorCode::InvalidValue, format!("the file must be .csv or .xlsx, not `{file_name}`"))
        })?;
    let state = guard::state(ctx)?;
    let customer = firms::get(state.store.db(), customer_id).await?;
    let uscc = customer.firm.uscc.clone();
    let content = upload.content;
    let (rows, errors, sha) = tokio::task::spawn_blocking(move || read_list(&content, &ext, &uscc))
        .await
        .map_err(|e| ApiError::internal(&e))??;
    if !errors.is_empty() {
        return Ok((None, errors));
    }
    let w = Write::begin(ctx).await?;
    let outcome = match supplier_list::apply(w.txn(), customer_id, &rows).await {
        Ok(o) => o,
        // another upload registered one of these suppliers or links at the same moment
        Err(linchpin_store::StoreError::Duplicate(_)) => {
            let e = UserError::general(
                UserErrorCode::VersionConflict,
                "another change to these suppliers was saved at the same moment; upload the file again",
            );
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    if input.dry_run {
        drop(w); // rolls back
        return Ok((Some(summary(outcome.summary, true)), Vec::new()));
    }
    let request_id = w.request_id().to_owned();
    let s = outcome.summary;
    let upload = serde_json::json!({"file": file_name, "sha256": sha, "rows": s.rows, "created": s.created,
        "updated": s.updated, "unchanged": s.unchanged, "pendingFirms": s.pending_firms});
    let mut events = vec![audit_log::event(
        viewer,
        request_id.clone(),
        Change {
            action: "supplier_list.import",
            object_type: "firm",
            object_id: ids::encode(Kind::Firm, customer_id.0).0,
            regions: vec![customer.firm.region.as_str().to_owned()],
            before: None::<&()>,
            after: Some(&upload),
        },
    )?];
    for f in &outcome.pending {
        let change = Change {
            action: "firm.register_pending",
            object_type: "firm",
            object_id: ids::encode(Kind::Firm, f.id.0).0,
            regions: vec![f.firm.region.as_str().to_owned()],
            before: None::<&()>,
            after: Some(&f.firm),
        };
        events.push(audit_log::event(viewer, request_id.clone(), change)?);
    }
    // each changed link: its audit event (both ends' regions, as for every link) and a notice for
    // its supplier's subscribers; then one notice for the whole list, on which every replica
    // reloads its network (as after an import)
    let mut supplier_ids: Vec<linchpin_domain::FirmId> = outcome.changed.iter().map(|(_, l)| l.supplier_id).collect();
    supplier_ids.sort_unstable();
    supplier_ids.dedup();
    let suppliers = firms::get_many(w.txn(), &supplier_ids).await?;
    let mut notices = Vec::new();
    for (before, after) in &outcome.changed {
        let supplier = suppliers.get(&after.supplier_id).ok_or(ApiError::Internal)?;
        let id = ids::encode(Kind::SupplyLink, after.id.0);
        let change = Change {
            action: if before.is_some() { "link.update" } else { "link.declare" },
            object_type: "supply_link",
            object_id: id.0.clone(),
            regions: vec![supplier.firm.region.as_str().to_owned(), customer.firm.region.as_str().to_owned()],
            before: before.as_ref(),
            after: Some(after),
        };
        events.push(audit_log::event(viewer, request_id.clone(), change)?);
        notices.push(
            NetworkEvent::now(NetworkEventKind::LinkDeclared, Some(id)).about_link(supplier, &customer).in_bulk(),
        );
    }
    // the IMPORTED notice last: a subscriber that falls behind on a long list drops the oldest
    // events, and the one that reloads the network must not be among them
    if s.created + s.updated + s.pending_firms > 0 {
        notices.push(NetworkEvent::now(NetworkEventKind::Imported, None));
    }
    w.commit_events(events, notices).await?;
    Ok((Some(summary(s, false)), Vec::new()))
}

/// Supplier lists of chain-leading enterprises (携手行动).
#[derive(Default)]
pub struct SupplierListMutations;

/// Supplier lists of chain-leading enterprises (携手行动).
#[Object]
impl SupplierListMutations {
    /// Uploads the caller's supplier list (an ENTERPRISE account; its firm is the customer of
    /// every row). All or nothing: any bad row refuses the file with every bad row in `errors`
    /// (line, column, code). Suppliers not yet registered become PENDING firms; each row becomes
    /// a link DECLARED by the caller's firm, waiting in the supplier's `pendingConfirmations`. The
    /// same file again changes nothing; a row with a new value or essentiality updates its link
    /// (it then waits for the supplier again). Links the file does not name are left alone.
    #[instrument(skip_all, fields(dry_run = input.dry_run))]
    async fn import_supplier_list(
        &self,
        ctx: &Context<'_>,
        input: ImportSupplierListInput,
    ) -> Result<ImportSupplierListPayload, ApiError> {
        respond(import_list(ctx, input).await)
    }
}
