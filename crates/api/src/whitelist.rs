//! The whitelist, read side: `WhitelistEntry` and its history, batches, `whitelist`,
//! `whitelistCandidates`, `Firm.whitelist`, the `whitelistChanged` subscription, and what the
//! server builds on them (the export, the public check, the expiry job). The steps are in
//! `mutations::whitelist`; the rules in `linchpin_domain::whitelist`.
//!
//! Visibility: every signed-in account sees published entries that are on, or were on, the list
//! (mutual recognition across regions); nominations, reviews and rejections only within the
//! jurisdiction that decides them, by the firm itself and by the enterprise that recommended it.
//! The deliberation behind an entry (justification, evidence, history) stays with admins and the
//! bureaus and coordinators covering the firm.
use std::collections::HashMap;

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use linchpin_domain::whitelist::{EntryScope, WhitelistAction as DomainAction, WhitelistStatus as DomainStatus};
use linchpin_domain::{ChainCode, FirmId, Jurisdiction, Role, Viewer};
use linchpin_graph::RenderedReason;
use linchpin_interchange::{WhitelistRow, number_cell};
use linchpin_store::analysis::{self, AssessmentRecord, RunRecord, Unlisted};
use linchpin_store::whitelist::{self as repo, Basis, BatchRecord, EntryQuery, EntryRecord, EventRecord};
use linchpin_store::{ConnectionTrait, Store, firms};
use serde::{Deserialize, Serialize};

use crate::candidates::{BudgetInput, CandidateCursor, CandidateFilter, ListRequest};
use crate::connection::{IdCursor, connection, page_args};
use crate::error::ApiError;
use crate::events::{NetworkEvent, NetworkEventKind, WhitelistNote};
use crate::guard::{self, require};
use crate::ids::{self, Kind};
use crate::state::ApiState;
use crate::types::assessment::Assessment;
use crate::types::firm::{Firm, SizeClass};

/// Where a whitelist entry stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::whitelist::WhitelistStatus")]
pub enum WhitelistStatus {
    /// Proposed by a bureau, or recommended by a chain leader; awaiting review.
    Nominated,
    /// A bureau is reviewing it.
    UnderReview,
    /// On the whitelist until `validUntil`.
    Approved,
    /// Not admitted.
    Rejected,
    /// Off the list for now; may be reinstated.
    Suspended,
    /// Off the list for good.
    Revoked,
    /// Its validity ran out; may be renewed.
    Expired,
}

/// A step of the whitelist workflow.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::whitelist::WhitelistAction")]
pub enum WhitelistAction {
    /// A bureau nominated the firm.
    Nominate,
    /// A chain-leading enterprise recommended its supplier.
    Recommend,
    /// A bureau took the nomination up.
    StartReview,
    /// Admitted until a date.
    Approve,
    /// Not admitted.
    Reject,
    /// Taken off the list for now.
    Suspend,
    /// Back on the list.
    Reinstate,
    /// Off the list for good.
    Revoke,
    /// Validity extended, or an expired entry admitted again.
    Renew,
    /// The validity ran out.
    Expire,
    /// Published in a numbered batch of its province.
    Publish,
}

/// A named reference supporting a nomination: a commitment letter, a production plan (一企一案),
/// by document number or address.
#[derive(SimpleObject, Debug, Clone)]
pub struct Evidence {
    /// What it is.
    pub title: String,
    /// Where to find it: a document number or an address.
    pub reference: String,
}

/// The analysis behind a step, frozen as it was: the firm's assessment and its run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Frozen {
    record: AssessmentRecord,
    run: RunRecord,
}

impl Frozen {
    fn read(basis: &Basis) -> Option<Self> {
        let json = basis.assessment.as_deref()?;
        match serde_json::from_str(json) {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::error!(error = %e, "a frozen assessment does not parse");
                None
            }
        }
    }

    fn assessment(self) -> Assessment {
        Assessment::of(self.record, self.run)
    }

    fn reasons_zh(&self) -> String {
        let reasons: Vec<RenderedReason> = serde_json::from_str(&self.record.reasons).unwrap_or_default();
        reasons.into_iter().map(|r| r.zh).collect::<Vec<_>>().join("；")
    }
}

/// The firm's assessment in the latest run, frozen for a step (empty before the first run or for a
/// firm the run did not see).
pub async fn basis_now(conn: &impl ConnectionTrait, firm: FirmId) -> Result<Basis, ApiError> {
    let Some(run) = analysis::latest_run(conn).await? else { return Ok(Basis::default()) };
    let Some(record) = analysis::assessment(conn, run.id, firm).await? else {
        return Ok(Basis { run_id: Some(run.id), assessment: None });
    };
    let run_id = run.id;
    let json = serde_json::to_string(&Frozen { record, run }).map_err(|e| ApiError::internal(&e))?;
    Ok(Basis { run_id: Some(run_id), assessment: Some(json) })
}

/// A published batch (第N批) of one province's whitelist. Immutable once published.
#[derive(Debug, Clone)]
pub struct WhitelistBatch(pub BatchRecord);

/// A published batch of one province's whitelist.
#[Object]
impl WhitelistBatch {
    /// Opaque global id.
    async fn id(&self) -> ID {
        ids::encode(Kind::WhitelistBatch, self.0.id)
    }

    /// The province (2-digit GB/T 2260 prefix).
    async fn province(&self) -> &str {
        &self.0.province
    }

    /// The chain the batch was limited to; null for every chain.
    async fn chain(&self) -> Option<&str> {
        self.0.chain.as_ref().map(ChainCode::as_str)
    }

    /// Its number within the province: 1, 2, ...
    async fn number(&self) -> i32 {
        self.0.number
    }

    /// `第N批`.
    async fn label(&self) -> String {
        format!("第{}批", self.0.number)
    }

    /// The title it was published under.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// When it was published.
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }

    /// The account that published it.
    async fn published_by(&self) -> &str {
        &self.0.published_by.name
    }

    /// Entries published in it.
    async fn entries(&self) -> i64 {
        self.0.entries
    }
}

/// One step in a whitelist entry's history, as it was taken.
#[derive(Debug, Clone)]
pub struct WhitelistStep(pub EventRecord);

/// One step in an entry's history: who, when, why, and the analysis that supported it, frozen.
#[Object]
impl WhitelistStep {
    /// What was done.
    async fn action(&self) -> WhitelistAction {
        self.0.action.into()
    }

    /// Status before (null for the first step).
    async fn from_status(&self) -> Option<WhitelistStatus> {
        self.0.from.map(Into::into)
    }

    /// Status after.
    async fn to_status(&self) -> WhitelistStatus {
        self.0.to.into()
    }

    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// The acting account's username, or `system` for the expiry job.
    async fn actor(&self) -> &str {
        &self.0.actor.name
    }

    /// Why (the justification of a nomination, the comment of a decision).
    async fn comment(&self) -> &str {
        &self.0.comment
    }

    /// The validity the step set (approve, renew).
    async fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.0.valid_until
    }

    /// The firm's assessment when the step was taken, as it was then (a later analysis does not
    /// change it); null when no analysis had assessed the firm.
    async fn assessment(&self) -> Option<Assessment> {
        Frozen::read(&self.0.basis).map(Frozen::assessment)
    }
}

/// One firm on one key chain's whitelist, and where its nomination stands.
#[derive(Debug, Clone)]
pub struct WhitelistEntry {
    pub(crate) record: EntryRecord,
    pub(crate) now: DateTime<Utc>,
}

impl WhitelistEntry {
    pub(crate) fn new(record: EntryRecord, now: DateTime<Utc>) -> Self {
        Self { record, now }
    }

    fn details(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        Ok(guard::viewer(ctx)?.can_see_whitelist_details(&self.record.region))
    }
}

/// One firm on one key chain's whitelist (重点产业链供应链"白名单"), and where its nomination
/// stands. Pass `version` back to every step.
#[Object]
impl WhitelistEntry {
    /// Opaque global id (`node(id:)` resolves it).
    pub async fn id(&self) -> ID {
        ids::encode(Kind::WhitelistEntry, self.record.id)
    }

    /// The firm.
    async fn firm(&self, ctx: &Context<'_>) -> Result<Firm, ApiError> {
        crate::loaders::firm(ctx, self.record.firm_id).await
    }

    /// The chain code.
    async fn chain(&self) -> &str {
        self.record.chain.as_str()
    }

    /// The firm's region code when it was nominated.
    async fn region_code(&self) -> &str {
        self.record.region.as_str()
    }

    /// The status now: an APPROVED entry past `validUntil` reads EXPIRED even before the expiry
    /// job has written it.
    async fn status(&self) -> WhitelistStatus {
        self.record.status_at(self.now).into()
    }

    /// Optimistic-concurrency version: pass it back to the next step.
    async fn version(&self) -> i32 {
        self.record.version
    }

    /// End of validity (set by approval and renewal).
    async fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.record.valid_until
    }

    /// The published batch the entry is in; null until published.
    async fn batch(&self, ctx: &Context<'_>) -> Result<Option<WhitelistBatch>, ApiError> {
        let Some(id) = self.record.batch_id else { return Ok(None) };
        crate::loaders::whitelist_batch(ctx, id).await
    }

    /// The chain-leading enterprise that recommended the firm (携手行动); null for a bureau's
    /// nomination.
    async fn recommended_by(&self, ctx: &Context<'_>) -> Result<Option<Firm>, ApiError> {
        match self.record.recommender {
            Some(f) => Ok(Some(crate::loaders::firm(ctx, f).await?)),
            None => Ok(None),
        }
    }

    /// The firm's assessment as it stood when the entry was nominated, or last approved or
    /// renewed: the reasons it is on the list. Frozen; null when no analysis had assessed it.
    async fn basis(&self) -> Option<Assessment> {
        Frozen::read(&self.record.basis).map(Frozen::assessment)
    }

    /// When the entry was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.record.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.record.updated_at
    }

    /// Why the firm was nominated; null unless the viewer sees the deliberation (admins,
    /// bureaus and coordinators covering the firm).
    async fn justification(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        Ok(self.details(ctx)?.then_some(self.record.justification.as_str()))
    }

    /// The references supporting the nomination; null unless the viewer sees the deliberation.
    async fn evidence(&self, ctx: &Context<'_>) -> Result<Option<Vec<Evidence>>, ApiError> {
        Ok(self.details(ctx)?.then(|| {
            self.record
                .evidence
                .iter()
                .map(|e| Evidence { title: e.title.clone(), reference: e.reference.clone() })
                .collect()
        }))
    }

    /// Why a LARGE or UNKNOWN-size firm is on a list of SMEs; null for SMEs or unless the viewer
    /// sees the deliberation.
    async fn size_override_reason(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        Ok(self.details(ctx)?.then_some(self.record.size_override_reason.as_deref()).flatten())
    }

    /// The account that nominated or recommended it; null unless the viewer sees the
    /// deliberation.
    async fn proposed_by(&self, ctx: &Context<'_>) -> Result<Option<&str>, ApiError> {
        Ok(self.details(ctx)?.then_some(self.record.proposer_name.as_str()))
    }

    /// Every step, oldest first, each with who, when, why and the analysis behind it; null
    /// unless the viewer sees the deliberation. Loaded in one batch for a whole page.
    async fn history(&self, ctx: &Context<'_>) -> Result<Option<Vec<WhitelistStep>>, ApiError> {
        if !self.details(ctx)? {
            return Ok(None);
        }
        Ok(Some(crate::loaders::whitelist_history(ctx, self.record.id).await?))
    }
}

/// Filters of `whitelist`; every given filter must hold.
#[derive(InputObject, Debug, Default)]
pub struct WhitelistFilter {
    /// Chain code.
    pub chain: Option<String>,
    /// GB/T 2260 prefix of 2, 4 or 6 digits where the firm is registered.
    pub region_prefix: Option<String>,
    /// Status now (APPROVED excludes entries past their validity; EXPIRED includes them).
    pub status: Option<WhitelistStatus>,
    /// Batch number (第N批): in the province of `regionPrefix`, or in every province.
    pub batch: Option<i32>,
    /// Size class of the firm.
    pub size_class: Option<SizeClass>,
}

/// A filter as the store takes it, for `scope` at `now`.
pub(crate) fn entry_query(f: WhitelistFilter, scope: EntryScope, now: DateTime<Utc>) -> Result<EntryQuery, ApiError> {
    let invalid = |e: linchpin_domain::ValidationError| ApiError::Validation(e.message);
    if f.batch.is_some_and(|b| b < 1) {
        return Err(ApiError::Validation("`batch` is a batch number, 1 or more".into()));
    }
    Ok(EntryQuery {
        scope,
        chain: f.chain.as_deref().map(ChainCode::parse).transpose().map_err(invalid)?,
        within: f.region_prefix.as_deref().map(Jurisdiction::parse).transpose().map_err(invalid)?,
        status: f.status.map(Into::into),
        batch: f.batch,
        size_class: f.size_class.map(Into::into),
        firm: None,
        now,
    })
}

/// A page of whitelist entries.
pub type WhitelistConnection = Connection<IdCursor, WhitelistEntry>;

/// `whitelist`: the entries the viewer may see, by id.
pub(crate) async fn list(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    filter: WhitelistFilter,
) -> Result<WhitelistConnection, ApiError> {
    let viewer = guard::viewer(ctx)?;
    let state = guard::state(ctx)?;
    let (limit, after) = page_args(first, after)?;
    let now = state.clock.now();
    let q = entry_query(filter, viewer.whitelist_scope(), now)?;
    let page = repo::list(state.store.db(), &q, after, limit).await?;
    Ok(connection(page, after.is_some(), |e| IdCursor(e.id), |e| WhitelistEntry::new(e, now)))
}

/// Most entries `Firm.whitelist` lists (a firm is on a handful of chains).
pub(crate) const FIRM_ENTRIES: usize = 100;

/// `Firm.whitelist`: the firm's entries the viewer may see, oldest first; the entries of a whole
/// list of firms are read in one statement.
pub(crate) async fn of_firm(ctx: &Context<'_>, firm: FirmId) -> Result<Vec<WhitelistEntry>, ApiError> {
    let viewer = guard::viewer(ctx)?;
    let state = guard::state(ctx)?;
    let now = state.clock.now();
    let key = crate::loaders::FirmEntriesKey { firm, scope: viewer.whitelist_scope() };
    let entries = crate::loaders::firm_entries(ctx, key).await?;
    Ok(entries.into_iter().map(|e| WhitelistEntry::new(e, now)).collect())
}

/// `node(id:)` for an entry: null when missing or hidden.
pub(crate) async fn node(state: &ApiState, viewer: &Viewer, id: i64) -> Result<Option<WhitelistEntry>, ApiError> {
    let now = state.clock.now();
    match repo::get(state.store.db(), id).await {
        Ok(e) if viewer.can_see_whitelist_entry(&e.view(now)) => Ok(Some(WhitelistEntry::new(e, now))),
        Ok(_) | Err(linchpin_store::StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `whitelistCandidates`: the candidate list without the firms already nominated or listed.
pub(crate) async fn candidates(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<CandidateFilter>,
    budget: Option<BudgetInput>,
) -> Result<Connection<CandidateCursor, Assessment>, ApiError> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Bureau | Role::Coordinator))?;
    let state = guard::state(ctx)?;
    let filter = filter.unwrap_or_default();
    let unlisted = match filter.chain.as_deref().map(ChainCode::parse).transpose() {
        Ok(Some(c)) => Unlisted::Chain(c.as_str().to_owned()),
        Ok(None) => Unlisted::AnyChain,
        Err(e) => return Err(ApiError::Validation(e.message)),
    };
    let req = ListRequest { first, after, filter, budget, order: Default::default(), unlisted: Some(unlisted) };
    crate::candidates::list(state, viewer, req).await
}

/// `whitelistBatches`: published batches (public), of a province if given.
pub(crate) async fn batches(ctx: &Context<'_>, province: Option<String>) -> Result<Vec<WhitelistBatch>, ApiError> {
    guard::viewer(ctx)?;
    let state = guard::state(ctx)?;
    let province = province
        .as_deref()
        .map(Jurisdiction::parse)
        .transpose()
        .map_err(|e| ApiError::Validation(e.message))?
        .map(|j| j.as_str()[..2].to_owned());
    let found = repo::list_batches(state.store.db(), province.as_deref()).await?;
    Ok(found.into_iter().map(WhitelistBatch).collect())
}

/// The event announcing `action` on `entry`.
pub(crate) fn entry_event(entry: &EntryRecord, action: DomainAction, now: DateTime<Utc>) -> NetworkEvent {
    let mut e =
        NetworkEvent::now(NetworkEventKind::WhitelistChanged, Some(ids::encode(Kind::WhitelistEntry, entry.id)));
    e.whitelist = Some(WhitelistNote {
        entry: Some(entry.id),
        batch: entry.batch_id,
        firm: Some(entry.firm_id.0),
        recommender: entry.recommender.map(|f| f.0),
        region: entry.region.as_str().to_owned(),
        chain: Some(entry.chain.as_str().to_owned()),
        action: action.as_str().to_owned(),
        status: Some(entry.status_at(now).as_str().to_owned()),
        published: entry.batch_id.is_some(),
    });
    e
}

/// The event announcing a published batch.
pub(crate) fn batch_event(batch: &BatchRecord) -> NetworkEvent {
    let mut e =
        NetworkEvent::now(NetworkEventKind::WhitelistChanged, Some(ids::encode(Kind::WhitelistBatch, batch.id)));
    e.whitelist = Some(WhitelistNote {
        entry: None,
        batch: Some(batch.id),
        firm: None,
        recommender: None,
        region: batch.province.clone(),
        chain: batch.chain.as_ref().map(|c| c.as_str().to_owned()),
        action: DomainAction::Publish.as_str().to_owned(),
        status: None,
        published: true,
    });
    e
}

/// A whitelist change as a subscriber receives it.
#[derive(Debug, Clone)]
pub struct WhitelistChange {
    note: WhitelistNote,
    at: DateTime<Utc>,
}

/// A whitelist step or a published batch.
#[Object]
impl WhitelistChange {
    /// What was done (PUBLISH for a batch).
    async fn action(&self) -> Option<WhitelistAction> {
        DomainAction::from_wire(&self.note.action).map(Into::into)
    }

    /// The entry's status after the step; null for a batch.
    async fn status(&self) -> Option<WhitelistStatus> {
        self.note.status.as_deref().and_then(DomainStatus::from_wire).map(Into::into)
    }

    /// The firm's region code, or the batch's province.
    async fn region_code(&self) -> &str {
        &self.note.region
    }

    /// The chain (null for a batch of every chain).
    async fn chain(&self) -> Option<&str> {
        self.note.chain.as_deref()
    }

    /// When the change was committed.
    async fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The entry as it is when the change is delivered (null for a batch, or when the viewer may
    /// no longer see it).
    async fn entry(&self, ctx: &Context<'_>) -> Result<Option<WhitelistEntry>, ApiError> {
        let Some(id) = self.note.entry else { return Ok(None) };
        node(guard::state(ctx)?, guard::viewer(ctx)?, id).await
    }

    /// The published batch (publications only).
    async fn batch(&self, ctx: &Context<'_>) -> Result<Option<WhitelistBatch>, ApiError> {
        match (self.note.entry, self.note.batch) {
            (None, Some(id)) => crate::loaders::whitelist_batch(ctx, id).await,
            _ => Ok(None),
        }
    }
}

/// The `whitelistChanged` stream of the caller.
pub(crate) fn changes(
    ctx: &Context<'_>,
    region_prefix: Option<String>,
) -> Result<impl Stream<Item = WhitelistChange> + use<>, ApiError> {
    let viewer = guard::viewer(ctx)?.clone();
    let state = guard::state(ctx)?;
    let prefix = guard::region_prefix(region_prefix.as_deref())?;
    Ok(state.events.subscribe().filter_map(move |e| {
        let change = e.whitelist.filter(|n| n.visible_to(&viewer) && prefix.as_deref().is_none_or(|p| n.within(p)));
        std::future::ready(change.map(|note| WhitelistChange { note, at: e.at }))
    }))
}

/// Most entries one pass of the expiry job writes (it runs again until none is due).
const EXPIRY_BATCH: u64 = 500;

/// Writes EXPIRED on every APPROVED entry past its validity, each in its own version-checked step
/// with an event, an audit record and an announcement. Safe to run on several replicas at once:
/// an entry another replica expired first is skipped. Returns how many this call expired.
pub async fn expire_due(state: &ApiState) -> Result<usize, ApiError> {
    let mut total = 0;
    loop {
        let now = state.clock.now();
        let due = repo::due_for_expiry(state.store.db(), now, None, EXPIRY_BATCH).await?;
        if due.is_empty() {
            return Ok(total);
        }
        let n = due.len();
        for entry in due {
            if expire_one(state, &entry, now).await? {
                total += 1;
            }
        }
        if (n as u64) < EXPIRY_BATCH {
            return Ok(total);
        }
    }
}

/// Expires one entry; false when another writer changed it first.
async fn expire_one(state: &ApiState, entry: &EntryRecord, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let txn = state.store.begin_write().await?;
    let after = match expire_in(&*txn, entry, now).await {
        Ok(after) => after,
        Err(linchpin_store::StoreError::VersionConflict { .. }) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let change = crate::audit_log::Change {
        action: DomainAction::Expire.audit_name(),
        object_type: "whitelist_entry",
        object_id: ids::encode(Kind::WhitelistEntry, entry.id).0,
        regions: vec![entry.region.as_str().to_owned()],
        before: Some(&serde_json::json!({"status": "APPROVED", "version": entry.version})),
        after: Some(&serde_json::json!({"status": "EXPIRED", "version": after.version})),
    };
    linchpin_store::audit::append(&*txn, crate::audit_log::job_event("expiry", change)?).await?;
    txn.commit().await?;
    state.announce(entry_event(&after, DomainAction::Expire, now)).await;
    Ok(true)
}

/// Runs [`expire_due`] every `every` for as long as the process lives. With several replicas on
/// one Redis, one of them takes each round (a lock held for the round), and an entry is expired
/// once whichever replica gets to it.
pub fn spawn_expiry(state: ApiState, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !state.events.try_lock("whitelist-expiry", every).await {
                continue;
            }
            match expire_due(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(entries = n, "whitelist entries expired"),
                Err(e) => tracing::error!(error = ?e, "the whitelist expiry job failed; retrying next round"),
            }
        }
    })
}

/// The EXPIRE step of `entry` in `conn` (also used when a nomination finds its slot held by an
/// entry past its validity).
pub(crate) async fn expire_in(
    conn: &impl ConnectionTrait,
    entry: &EntryRecord,
    now: DateTime<Utc>,
) -> Result<EntryRecord, linchpin_store::StoreError> {
    let step = repo::Step {
        action: DomainAction::Expire,
        to: DomainStatus::Expired,
        actor: repo::Actor::system(),
        comment: "有效期届满 (validity ended)".to_owned(),
        valid_until: None,
        basis: Basis::default(),
        replaces_basis: false,
        at: now,
    };
    repo::advance(conn, entry, entry.version, &step).await
}

/// What an export selects.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Chain code.
    pub chain: Option<String>,
    /// Region prefix.
    pub region: Option<String>,
    /// Batch number.
    pub batch: Option<i32>,
    /// Status now; APPROVED (on the list) when absent.
    pub status: Option<DomainStatus>,
}

/// Most entries one export holds.
pub const MAX_EXPORT: u64 = 200_000;

/// The rows of an export for `viewer` (every entry for an operator's command, `None`), ordered by
/// province, batch and entry: Chinese labels, the reasons of the analysis behind each entry.
pub async fn export_rows(
    store: &Store,
    viewer: Option<&Viewer>,
    filter: ExportFilter,
    now: DateTime<Utc>,
) -> Result<Vec<WhitelistRow>, ApiError> {
    let scope = viewer.map_or(EntryScope::All, Viewer::whitelist_scope);
    let wf = WhitelistFilter {
        chain: filter.chain,
        region_prefix: filter.region,
        status: Some(filter.status.unwrap_or(DomainStatus::Approved).into()),
        batch: filter.batch,
        size_class: None,
    };
    let q = entry_query(wf, scope, now)?;
    let db = store.db();
    let entries = repo::all(db, &q, MAX_EXPORT).await?;
    let mut firm_ids: Vec<FirmId> = entries.iter().flat_map(|e| [Some(e.firm_id), e.recommender]).flatten().collect();
    firm_ids.sort_unstable();
    firm_ids.dedup();
    let firms = firms::get_many(db, &firm_ids).await?;
    let mut batch_ids: Vec<i64> = entries.iter().filter_map(|e| e.batch_id).collect();
    batch_ids.sort_unstable();
    batch_ids.dedup();
    let batches: HashMap<i64, BatchRecord> = repo::batches(db, &batch_ids).await?;
    let mut keyed: Vec<((String, i32, i64), &EntryRecord)> = entries
        .iter()
        .map(|e| {
            let number = e.batch_id.and_then(|b| batches.get(&b)).map_or(i32::MAX, |b| b.number);
            ((e.region.province().to_owned(), number, e.id), e)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut rows = Vec::with_capacity(keyed.len());
    for (i, (_, e)) in keyed.into_iter().enumerate() {
        let firm = firms.get(&e.firm_id);
        let batch = e.batch_id.and_then(|b| batches.get(&b));
        let frozen = Frozen::read(&e.basis);
        rows.push(WhitelistRow {
            seq: (i + 1).to_string(),
            uscc: firm.map(|f| f.firm.uscc.as_str().to_owned()).unwrap_or_default(),
            name: firm.map(|f| f.firm.name.as_str().to_owned()).unwrap_or_default(),
            region_code: e.region.as_str().to_owned(),
            chain: e.chain.as_str().to_owned(),
            size_class: firm.map(|f| f.size_class.zh().to_owned()).unwrap_or_default(),
            status: e.status_at(now).zh().to_owned(),
            batch: batch.map(|b| format!("第{}批", b.number)).unwrap_or_default(),
            batch_title: batch.map(|b| b.title.clone()).unwrap_or_default(),
            valid_until: e.valid_until.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            reasons: frozen.as_ref().map(Frozen::reasons_zh).unwrap_or_default(),
            priority_score: frozen.as_ref().map(|f| number_cell(f.record.priority_score)).unwrap_or_default(),
            rank: frozen.as_ref().and_then(|f| f.record.rank).map(|r| r.to_string()).unwrap_or_default(),
            recommended_by: e
                .recommender
                .and_then(|r| firms.get(&r))
                .map(|f| f.firm.name.as_str().to_owned())
                .unwrap_or_default(),
        });
    }
    Ok(rows)
}

/// What the public check tells about one firm: status, chains, batch and validity, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicCheck {
    /// APPROVED when the firm is on a published list now; otherwise SUSPENDED, REVOKED or
    /// EXPIRED for a firm that was; NOT_LISTED for any other firm, registered or not.
    pub status: String,
    /// The chains of that status.
    pub chains: Vec<String>,
    /// The latest batch among them.
    pub batch: Option<PublicBatch>,
    /// The latest end of validity among them (YYYY-MM-DD).
    pub valid_until: Option<String>,
}

/// A batch as the public check names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicBatch {
    /// Province.
    pub province: String,
    /// Number in the province.
    pub number: i32,
    /// Title.
    pub title: String,
}

/// The public answer for `uscc` (already validated) at `now`.
pub async fn public_check(store: &Store, uscc: &str, now: DateTime<Utc>) -> Result<PublicCheck, ApiError> {
    let not_listed = PublicCheck { status: "NOT_LISTED".into(), chains: Vec::new(), batch: None, valid_until: None };
    let db = store.db();
    let Some(firm) = firms::find_by_uscc(db, uscc).await? else { return Ok(not_listed) };
    let entries = repo::published_for_firm(db, firm.id).await?;
    // on the list now beats off it; among those off it, the latest change tells
    let pick = if entries.iter().any(|e| e.status_at(now) == DomainStatus::Approved) {
        DomainStatus::Approved
    } else {
        match entries.iter().max_by_key(|e| (e.updated_at, e.id)) {
            Some(e) => e.status_at(now),
            None => return Ok(not_listed),
        }
    };
    let chosen: Vec<&EntryRecord> = entries.iter().filter(|e| e.status_at(now) == pick).collect();
    let mut chains: Vec<String> = chosen.iter().map(|e| e.chain.as_str().to_owned()).collect();
    chains.sort();
    chains.dedup();
    let batch_ids: Vec<i64> = chosen.iter().filter_map(|e| e.batch_id).collect();
    let batches = repo::batches(db, &batch_ids).await?;
    let batch = batches.values().max_by_key(|b| (b.published_at, b.id)).map(|b| PublicBatch {
        province: b.province.clone(),
        number: b.number,
        title: b.title.clone(),
    });
    let valid_until = chosen.iter().filter_map(|e| e.valid_until).max().map(|t| t.format("%Y-%m-%d").to_string());
    Ok(PublicCheck { status: pick.as_str().to_owned(), chains, batch, valid_until })
}
