//! Repository of the whitelist: entries, their append-only history, and published batches.
//!
//! Every change is version-checked in its `UPDATE ... WHERE version = ?`, so of two reviewers
//! deciding on the same entry at once one wins and the other gets `VersionConflict`, on SQLite
//! and PostgreSQL alike; every change appends its event in the same transaction. The rules (who
//! may take which step) are the domain's (`linchpin_domain::whitelist`); this module only keeps
//! what they decided.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use linchpin_domain::whitelist::{
    EntryScope, EntryView, Evidence, Proposer, WhitelistAction, WhitelistStatus, effective_status,
};
use linchpin_domain::{ChainCode, ErrorCode, FirmId, Jurisdiction, RegionCode, SizeClass, ValidationError};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use tracing::instrument;

use crate::entity::{firm, whitelist_batch as batch, whitelist_entry as entry, whitelist_event as event};
use crate::error::corrupt;
use crate::{Page, StoreError, rows_per_insert};

/// Tables of the whitelist (for `Store::refresh_statistics` after a bulk load).
pub const TABLES: [&str; 3] = ["whitelist_batch", "whitelist_entry", "whitelist_event"];

/// The analysis behind a step: the run, and the firm's assessment in it as JSON, frozen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Basis {
    /// The analysis run.
    pub run_id: Option<i64>,
    /// The assessment, as JSON.
    pub assessment: Option<String>,
}

/// Who takes a step: an account, or the system (the expiry job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account; `None` for the system.
    pub account_id: Option<i64>,
    /// Its username, or `system`.
    pub name: String,
}

impl Actor {
    /// The signed-in account `viewer`.
    pub fn of(viewer: &linchpin_domain::Viewer) -> Self {
        Self { account_id: Some(viewer.account_id), name: viewer.username.as_str().to_owned() }
    }

    /// The expiry job.
    pub fn system() -> Self {
        Self { account_id: None, name: "system".to_owned() }
    }
}

/// A whitelist entry as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRecord {
    /// Id.
    pub id: i64,
    /// The firm.
    pub firm_id: FirmId,
    /// The chain.
    pub chain: ChainCode,
    /// The firm's region when nominated.
    pub region: RegionCode,
    /// The stored status; see [`EntryRecord::status_at`].
    pub status: WhitelistStatus,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Who proposed it, as the rules need it.
    pub proposer: Proposer,
    /// The proposing account's username.
    pub proposer_name: String,
    /// The recommending firm, for a recommendation.
    pub recommender: Option<FirmId>,
    /// Why the firm was nominated.
    pub justification: String,
    /// Named references.
    pub evidence: Vec<Evidence>,
    /// Why a LARGE or UNKNOWN-size firm is treated as an SME.
    pub size_override_reason: Option<String>,
    /// End of validity.
    pub valid_until: Option<DateTime<Utc>>,
    /// The published batch.
    pub batch_id: Option<i64>,
    /// The assessment when nominated, approved or renewed.
    pub basis: Basis,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl EntryRecord {
    /// The status at `now`: APPROVED past its validity is EXPIRED.
    pub fn status_at(&self, now: DateTime<Utc>) -> WhitelistStatus {
        effective_status(self.status, self.valid_until.map(|t| t.timestamp()), now.timestamp())
    }

    /// The entry as the visibility rule needs it, at `now`.
    pub fn view(&self, now: DateTime<Utc>) -> EntryView<'_> {
        EntryView {
            region: &self.region,
            firm: self.firm_id,
            recommender: self.recommender,
            status: self.status_at(now),
            published: self.batch_id.is_some(),
        }
    }
}

/// One step in an entry's history.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// Id (the order of events).
    pub id: i64,
    /// The entry.
    pub entry_id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// What.
    pub action: WhitelistAction,
    /// Status before (none for the first step).
    pub from: Option<WhitelistStatus>,
    /// Status after.
    pub to: WhitelistStatus,
    /// Why.
    pub comment: String,
    /// Validity the step set.
    pub valid_until: Option<DateTime<Utc>>,
    /// The analysis behind the step, frozen.
    pub basis: Basis,
}

/// A published batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRecord {
    /// Id.
    pub id: i64,
    /// Province (2 digits).
    pub province: String,
    /// The chain it was limited to.
    pub chain: Option<ChainCode>,
    /// Its number in the province.
    pub number: i32,
    /// Title.
    pub title: String,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// Who published it.
    pub published_by: Actor,
    /// Entries in it.
    pub entries: i64,
}

/// A new entry (a nomination or recommendation) and its first step.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// The firm.
    pub firm_id: FirmId,
    /// The chain.
    pub chain: ChainCode,
    /// The firm's region.
    pub region: RegionCode,
    /// Who proposes it.
    pub proposer: Proposer,
    /// The proposing account.
    pub actor: Actor,
    /// NOMINATE or RECOMMEND.
    pub action: WhitelistAction,
    /// The recommending firm.
    pub recommender: Option<FirmId>,
    /// Why.
    pub justification: String,
    /// References.
    pub evidence: Vec<Evidence>,
    /// Why a non-SME belongs.
    pub size_override_reason: Option<String>,
    /// The assessment behind it.
    pub basis: Basis,
    /// When.
    pub at: DateTime<Utc>,
}

/// A step on an existing entry.
#[derive(Debug, Clone)]
pub struct Step {
    /// What.
    pub action: WhitelistAction,
    /// The status it leads to (the domain's transition).
    pub to: WhitelistStatus,
    /// Who.
    pub actor: Actor,
    /// Why.
    pub comment: String,
    /// New validity (approve, renew).
    pub valid_until: Option<DateTime<Utc>>,
    /// The assessment at the step; stored on the entry too when `replaces_basis`.
    pub basis: Basis,
    /// Whether the entry's standing basis becomes this one (approve, renew).
    pub replaces_basis: bool,
    /// When.
    pub at: DateTime<Utc>,
}

fn open_key(firm: FirmId, chain: &ChainCode) -> String {
    format!("{}:{}", firm.0, chain.as_str())
}

fn entry_from_row(m: entry::Model) -> Result<EntryRecord, StoreError> {
    let ctx = |f: &str| format!("whitelist_entry {} {f}", m.id);
    Ok(EntryRecord {
        id: m.id,
        firm_id: FirmId(m.firm_id),
        chain: ChainCode::parse(&m.chain_code).map_err(|e| corrupt(&ctx("chain_code"), e))?,
        region: RegionCode::parse(&m.region_code).map_err(|e| corrupt(&ctx("region_code"), e))?,
        status: WhitelistStatus::from_wire(&m.status).ok_or_else(|| corrupt(&ctx("status"), &m.status))?,
        version: m.version,
        proposer: Proposer {
            account_id: m.proposer_account_id,
            level: m.proposer_level.map(|l| u8::try_from(l).unwrap_or(u8::MAX)),
        },
        proposer_name: m.proposer_name,
        recommender: m.recommender_firm_id.map(FirmId),
        justification: m.justification,
        evidence: serde_json::from_str(&m.evidence).map_err(|e| corrupt(&ctx("evidence"), e))?,
        size_override_reason: m.size_override_reason,
        valid_until: m.valid_until,
        batch_id: m.batch_id,
        basis: Basis { run_id: m.basis_run_id, assessment: m.basis },
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn event_from_row(m: event::Model) -> Result<EventRecord, StoreError> {
    let ctx = |f: &str| format!("whitelist_event {} {f}", m.id);
    let status = |s: &str| WhitelistStatus::from_wire(s).ok_or_else(|| corrupt(&ctx("status"), s));
    Ok(EventRecord {
        id: m.id,
        entry_id: m.entry_id,
        at: m.at,
        actor: Actor { account_id: m.account_id, name: m.actor },
        action: WhitelistAction::from_wire(&m.action).ok_or_else(|| corrupt(&ctx("action"), &m.action))?,
        from: m.from_status.as_deref().map(status).transpose()?,
        to: status(&m.to_status)?,
        comment: m.comment,
        valid_until: m.valid_until,
        basis: Basis { run_id: m.run_id, assessment: m.assessment },
    })
}

fn batch_from_row(m: batch::Model) -> Result<BatchRecord, StoreError> {
    Ok(BatchRecord {
        id: m.id,
        chain: m
            .chain_code
            .as_deref()
            .map(ChainCode::parse)
            .transpose()
            .map_err(|e| corrupt(&format!("whitelist_batch {} chain_code", m.id), e))?,
        province: m.province,
        number: m.number,
        title: m.title,
        published_at: m.published_at,
        published_by: Actor { account_id: Some(m.published_by), name: m.published_by_name },
        entries: m.entries,
    })
}

#[allow(clippy::too_many_arguments)]
fn event_model(
    entry_id: i64,
    actor: &Actor,
    action: WhitelistAction,
    from: Option<WhitelistStatus>,
    to: WhitelistStatus,
    comment: &str,
    valid_until: Option<DateTime<Utc>>,
    basis: &Basis,
    at: DateTime<Utc>,
) -> event::ActiveModel {
    event::ActiveModel {
        id: Default::default(),
        entry_id: Set(entry_id),
        at: Set(at),
        account_id: Set(actor.account_id),
        actor: Set(actor.name.clone()),
        action: Set(action.as_str().to_owned()),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.as_str().to_owned()),
        comment: Set(comment.to_owned()),
        valid_until: Set(valid_until),
        run_id: Set(basis.run_id),
        assessment: Set(basis.assessment.clone()),
    }
}

fn taken(chain: &ChainCode) -> StoreError {
    StoreError::Duplicate(format!("an open whitelist entry for this firm on chain {}", chain.as_str()))
}

/// Creates a NOMINATED entry with its first event. `Duplicate` when the firm already has an open
/// entry on the chain.
#[instrument(skip_all, fields(firm = new.firm_id.0, chain = new.chain.as_str()))]
pub async fn insert(conn: &impl ConnectionTrait, new: &NewEntry) -> Result<EntryRecord, StoreError> {
    let key = open_key(new.firm_id, &new.chain);
    let exists = entry::Entity::find().filter(entry::Column::OpenKey.eq(key.as_str())).count(conn).await?;
    if exists > 0 {
        return Err(taken(&new.chain));
    }
    let evidence = serde_json::to_string(&new.evidence).map_err(|e| corrupt("evidence", e))?;
    let model = entry::ActiveModel {
        id: Default::default(),
        firm_id: Set(new.firm_id.0),
        chain_code: Set(new.chain.as_str().to_owned()),
        region_code: Set(new.region.as_str().to_owned()),
        province: Set(new.region.province().to_owned()),
        status: Set(WhitelistStatus::Nominated.as_str().to_owned()),
        version: Set(1),
        open_key: Set(Some(key)),
        proposer_account_id: Set(new.proposer.account_id),
        proposer_name: Set(new.actor.name.clone()),
        proposer_level: Set(new.proposer.level.map(i32::from)),
        recommender_firm_id: Set(new.recommender.map(|f| f.0)),
        justification: Set(new.justification.clone()),
        evidence: Set(evidence),
        size_override_reason: Set(new.size_override_reason.clone()),
        valid_until: Set(None),
        batch_id: Set(None),
        basis_run_id: Set(new.basis.run_id),
        basis: Set(new.basis.assessment.clone()),
        created_at: Set(new.at),
        updated_at: Set(new.at),
    };
    let id = entry::Entity::insert(model)
        .exec(conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => taken(&new.chain),
            other => other,
        })?
        .last_insert_id;
    let first = event_model(
        id,
        &new.actor,
        new.action,
        None,
        WhitelistStatus::Nominated,
        &new.justification,
        None,
        &new.basis,
        new.at,
    );
    event::Entity::insert(first).exec_without_returning(conn).await?;
    get(conn, id).await
}

/// One entry.
pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<EntryRecord, StoreError> {
    entry::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(entry_from_row)
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("whitelist entry {id}")))
}

/// Entries by id (missing ones are absent).
pub async fn get_many(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<HashMap<i64, EntryRecord>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(5_000) {
        for m in entry::Entity::find().filter(entry::Column::Id.is_in(chunk.iter().copied())).all(conn).await? {
            let r = entry_from_row(m)?;
            out.insert(r.id, r);
        }
    }
    Ok(out)
}

/// Takes `step` on `current` if its version is still `expected_version`; appends the event. The
/// caller has checked the rules and the transition; `VersionConflict` when someone else changed
/// the entry first, `Duplicate` when an expired entry is renewed while a newer one holds its slot.
#[instrument(skip_all, fields(id = current.id, action = step.action.as_str()))]
pub async fn advance(
    conn: &impl ConnectionTrait,
    current: &EntryRecord,
    expected_version: i32,
    step: &Step,
) -> Result<EntryRecord, StoreError> {
    if current.version != expected_version {
        return Err(StoreError::VersionConflict { expected: expected_version, current: current.version });
    }
    let from = current.status_at(step.at);
    let key = step.to.is_open().then(|| open_key(current.firm_id, &current.chain));
    let mut update = entry::Entity::update_many()
        .col_expr(entry::Column::Status, Expr::value(step.to.as_str()))
        .col_expr(entry::Column::Version, Expr::col(entry::Column::Version).add(1))
        .col_expr(entry::Column::OpenKey, Expr::value(key))
        .col_expr(entry::Column::UpdatedAt, Expr::value(step.at));
    if let Some(until) = step.valid_until {
        update = update.col_expr(entry::Column::ValidUntil, Expr::value(until));
    }
    if step.replaces_basis {
        update = update
            .col_expr(entry::Column::BasisRunId, Expr::value(step.basis.run_id))
            .col_expr(entry::Column::Basis, Expr::value(step.basis.assessment.clone()));
    }
    let res = update
        .filter(entry::Column::Id.eq(current.id))
        .filter(entry::Column::Version.eq(expected_version))
        .exec(conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => taken(&current.chain),
            other => other,
        })?;
    if res.rows_affected == 0 {
        let now = get(conn, current.id).await?;
        return Err(StoreError::VersionConflict { expected: expected_version, current: now.version });
    }
    let ev = event_model(
        current.id,
        &step.actor,
        step.action,
        Some(from),
        step.to,
        &step.comment,
        step.valid_until,
        &step.basis,
        step.at,
    );
    event::Entity::insert(ev).exec_without_returning(conn).await?;
    get(conn, current.id).await
}

/// The history of entries, oldest step first, by entry.
pub async fn histories(
    conn: &impl ConnectionTrait,
    entries: &[i64],
) -> Result<HashMap<i64, Vec<EventRecord>>, StoreError> {
    let mut out: HashMap<i64, Vec<EventRecord>> = HashMap::new();
    for chunk in entries.chunks(5_000) {
        let rows = event::Entity::find()
            .filter(event::Column::EntryId.is_in(chunk.iter().copied()))
            .order_by_asc(event::Column::EntryId)
            .order_by_asc(event::Column::Id)
            .all(conn)
            .await?;
        for m in rows {
            let e = event_from_row(m)?;
            out.entry(e.entry_id).or_default().push(e);
        }
    }
    Ok(out)
}

/// What a listing of entries asks for; every given filter must hold.
#[derive(Debug, Clone)]
pub struct EntryQuery {
    /// Which entries the viewer sees besides the published ones.
    pub scope: EntryScope,
    /// Only this chain.
    pub chain: Option<ChainCode>,
    /// Only firms whose region starts with this prefix.
    pub within: Option<Jurisdiction>,
    /// Only entries in this status (effective at `now`).
    pub status: Option<WhitelistStatus>,
    /// Only entries of batches with this number (in the province of `within`, or any).
    pub batch: Option<i32>,
    /// Only firms of this size class.
    pub size_class: Option<SizeClass>,
    /// Only this firm.
    pub firm: Option<FirmId>,
    /// The clock of effective statuses.
    pub now: DateTime<Utc>,
}

const PUBLIC_STATUSES: [&str; 4] = ["APPROVED", "SUSPENDED", "REVOKED", "EXPIRED"];

fn condition(q: &EntryQuery) -> Condition {
    use entry::Column as C;
    let published = Condition::all().add(C::BatchId.is_not_null()).add(C::Status.is_in(PUBLIC_STATUSES));
    let visible = match &q.scope {
        EntryScope::All => Condition::all(),
        EntryScope::Jurisdiction(j) => Condition::any().add(published).add(region_condition(j)),
        EntryScope::Firm(f) => Condition::any().add(published).add(C::FirmId.eq(f.0)).add(C::RecommenderFirmId.eq(f.0)),
        EntryScope::PublishedOnly => published,
    };
    let mut cond = Condition::all().add(visible);
    if let Some(c) = &q.chain {
        cond = cond.add(C::ChainCode.eq(c.as_str()));
    }
    if let Some(j) = &q.within {
        cond = cond.add(region_condition(j));
    }
    if let Some(f) = q.firm {
        cond = cond.add(C::FirmId.eq(f.0));
    }
    if let Some(s) = q.status {
        cond = cond.add(status_condition(s, q.now));
    }
    if let Some(n) = q.batch {
        let mut numbered = Query::select();
        numbered.column(batch::Column::Id).from(batch::Entity).and_where(batch::Column::Number.eq(n));
        if let Some(j) = &q.within {
            numbered.and_where(batch::Column::Province.eq(&j.as_str()[..2]));
        }
        cond = cond.add(C::BatchId.in_subquery(numbered.to_owned()));
    }
    if let Some(size) = q.size_class {
        let sized = Query::select()
            .column(firm::Column::Id)
            .from(firm::Entity)
            .and_where(firm::Column::SizeClass.eq(size.as_str()))
            .to_owned();
        cond = cond.add(C::FirmId.in_subquery(sized));
    }
    cond
}

/// The province column narrows by index; a longer prefix then narrows by region.
fn region_condition(j: &Jurisdiction) -> Condition {
    let province = &j.as_str()[..2];
    let mut c = Condition::all().add(entry::Column::Province.eq(province));
    if j.as_str().len() > 2 {
        c = c.add(crate::in_region(entry::Column::RegionCode, j));
    }
    c
}

/// An effective status in SQL: APPROVED means not yet past its validity, EXPIRED includes
/// APPROVED entries past it that the expiry job has not written yet.
fn status_condition(s: WhitelistStatus, now: DateTime<Utc>) -> Condition {
    use entry::Column as C;
    match s {
        WhitelistStatus::Approved => Condition::all()
            .add(C::Status.eq("APPROVED"))
            .add(Condition::any().add(C::ValidUntil.is_null()).add(C::ValidUntil.gt(now))),
        WhitelistStatus::Expired => Condition::any()
            .add(C::Status.eq("EXPIRED"))
            .add(Condition::all().add(C::Status.eq("APPROVED")).add(C::ValidUntil.lte(now))),
        other => Condition::all().add(C::Status.eq(other.as_str())),
    }
}

/// A page of the entries a query selects, by id.
#[instrument(skip_all, fields(limit))]
pub async fn list(
    conn: &impl ConnectionTrait,
    q: &EntryQuery,
    after: Option<i64>,
    limit: u64,
) -> Result<Page<EntryRecord>, StoreError> {
    let mut sel = entry::Entity::find().filter(condition(q));
    if let Some(after) = after {
        sel = sel.filter(entry::Column::Id.gt(after));
    }
    let rows = crate::fetch_page(conn, sel.order_by_asc(entry::Column::Id).limit(limit + 1)).await?;
    let page = Page::from_overfetch(rows, limit);
    Ok(Page { items: page.items.into_iter().map(entry_from_row).collect::<Result<_, _>>()?, has_next: page.has_next })
}

/// The entries of each of `firms` that `q` selects (its `firm` is ignored), each firm's by id: one
/// statement for a whole list of firms (`Firm.whitelist` under `firms`). A firm is on a handful of
/// chains, so at most `per_firm` entries of each are kept.
pub async fn of_firms(
    conn: &impl ConnectionTrait,
    q: &EntryQuery,
    firms: &[FirmId],
    per_firm: usize,
) -> Result<HashMap<FirmId, Vec<EntryRecord>>, StoreError> {
    let mut out: HashMap<FirmId, Vec<EntryRecord>> = HashMap::new();
    let q = EntryQuery { firm: None, ..q.clone() };
    for chunk in firms.chunks(5_000) {
        let rows = entry::Entity::find()
            .filter(condition(&q))
            .filter(entry::Column::FirmId.is_in(chunk.iter().map(|f| f.0)))
            .order_by_asc(entry::Column::FirmId)
            .order_by_asc(entry::Column::Id)
            .all(conn)
            .await?;
        for m in rows {
            let e = entry_from_row(m)?;
            let list = out.entry(e.firm_id).or_default();
            if list.len() < per_firm {
                list.push(e);
            }
        }
    }
    Ok(out)
}

/// Every entry a query selects, by id, up to `max` (an export); `OutOfRange` beyond it.
pub async fn all(conn: &impl ConnectionTrait, q: &EntryQuery, max: u64) -> Result<Vec<EntryRecord>, StoreError> {
    let rows =
        entry::Entity::find().filter(condition(q)).order_by_asc(entry::Column::Id).limit(max + 1).all(conn).await?;
    if rows.len() as u64 > max {
        return Err(StoreError::Invalid(ValidationError::new(
            ErrorCode::OutOfRange,
            format!("more than {max} entries match; narrow the export by chain, region or batch"),
        )));
    }
    rows.into_iter().map(entry_from_row).collect()
}

/// The firms among `firms` with an open entry (on `chain`, or on any chain).
pub async fn firms_with_open_entries(
    conn: &impl ConnectionTrait,
    firms: &[FirmId],
    chain: Option<&ChainCode>,
) -> Result<Vec<FirmId>, StoreError> {
    let mut q = entry::Entity::find()
        .select_only()
        .column(entry::Column::FirmId)
        .filter(entry::Column::OpenKey.is_not_null())
        .filter(entry::Column::FirmId.is_in(firms.iter().map(|f| f.0)));
    if let Some(c) = chain {
        q = q.filter(entry::Column::ChainCode.eq(c.as_str()));
    }
    Ok(q.into_tuple::<i64>().all(conn).await?.into_iter().map(FirmId).collect())
}

/// APPROVED entries whose validity ended at or before `now` and that the expiry job has not yet
/// written, oldest first, up to `limit`; only those of `firm` on `chain` when given.
pub async fn due_for_expiry(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    only: Option<(FirmId, &ChainCode)>,
    limit: u64,
) -> Result<Vec<EntryRecord>, StoreError> {
    let mut q = entry::Entity::find()
        .filter(entry::Column::Status.eq(WhitelistStatus::Approved.as_str()))
        .filter(entry::Column::ValidUntil.lte(now));
    if let Some((f, c)) = only {
        q = q.filter(entry::Column::OpenKey.eq(open_key(f, c)));
    }
    q.order_by_asc(entry::Column::ValidUntil).limit(limit).all(conn).await?.into_iter().map(entry_from_row).collect()
}

/// Publishes the APPROVED, unpublished entries of `province` (on `chain`, if given) valid at
/// `at` as the province's next numbered batch, and appends a PUBLISH event to each. Returns the
/// batch and its entries. `InvalidState` when no entry awaits publication.
#[instrument(skip_all, fields(province))]
pub async fn publish(
    conn: &impl ConnectionTrait,
    province: &str,
    chain: Option<&ChainCode>,
    title: &str,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<(BatchRecord, Vec<EntryRecord>), StoreError> {
    use entry::Column as C;
    let last: Option<Option<i32>> = batch::Entity::find()
        .select_only()
        .column_as(batch::Column::Number.max(), "n")
        .filter(batch::Column::Province.eq(province))
        .into_tuple()
        .one(conn)
        .await?;
    let number = last.flatten().unwrap_or(0) + 1;
    let model = batch::ActiveModel {
        id: Default::default(),
        province: Set(province.to_owned()),
        chain_code: Set(chain.map(|c| c.as_str().to_owned())),
        number: Set(number),
        title: Set(title.to_owned()),
        published_at: Set(at),
        published_by: Set(actor.account_id.unwrap_or(0)),
        published_by_name: Set(actor.name.clone()),
        entries: Set(0),
    };
    let id = batch::Entity::insert(model)
        .exec(conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            // another batch of the province took the number at the same moment
            StoreError::Duplicate(_) => StoreError::VersionConflict { expected: number, current: number },
            other => other,
        })?
        .last_insert_id;
    let mut waiting = entry::Entity::update_many()
        .col_expr(C::BatchId, Expr::value(id))
        .col_expr(C::Version, Expr::col(C::Version).add(1))
        .col_expr(C::UpdatedAt, Expr::value(at))
        .filter(C::Province.eq(province))
        .filter(C::BatchId.is_null())
        .filter(status_condition(WhitelistStatus::Approved, at));
    if let Some(c) = chain {
        waiting = waiting.filter(C::ChainCode.eq(c.as_str()));
    }
    let published = waiting.exec(conn).await?.rows_affected;
    if published == 0 {
        return Err(StoreError::Invalid(ValidationError::new(
            ErrorCode::InvalidState,
            format!("no approved entry of province {province} awaits publication"),
        )));
    }
    batch::Entity::update_many()
        .col_expr(batch::Column::Entries, Expr::value(published as i64))
        .filter(batch::Column::Id.eq(id))
        .exec(conn)
        .await?;
    let entries: Vec<EntryRecord> = entry::Entity::find()
        .filter(C::BatchId.eq(id))
        .order_by_asc(C::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(entry_from_row)
        .collect::<Result<_, _>>()?;
    let comment = format!("第{number}批: {title}");
    for chunk in entries.chunks(rows_per_insert(12)) {
        let events = chunk.iter().map(|e| {
            event_model(
                e.id,
                actor,
                WhitelistAction::Publish,
                Some(WhitelistStatus::Approved),
                WhitelistStatus::Approved,
                &comment,
                None,
                &Basis::default(),
                at,
            )
        });
        event::Entity::insert_many(events).exec_without_returning(conn).await?;
    }
    let batch = batch::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(batch_from_row)
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("whitelist batch {id}")))?;
    Ok((batch, entries))
}

/// Batches by id (missing ones are absent).
pub async fn batches(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<HashMap<i64, BatchRecord>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(5_000) {
        for m in batch::Entity::find().filter(batch::Column::Id.is_in(chunk.iter().copied())).all(conn).await? {
            let b = batch_from_row(m)?;
            out.insert(b.id, b);
        }
    }
    Ok(out)
}

/// The published batches, of `province` if given, by province and number.
pub async fn list_batches(conn: &impl ConnectionTrait, province: Option<&str>) -> Result<Vec<BatchRecord>, StoreError> {
    let mut q = batch::Entity::find();
    if let Some(p) = province {
        q = q.filter(batch::Column::Province.eq(p));
    }
    q.order_by_asc(batch::Column::Province)
        .order_by_asc(batch::Column::Number)
        .all(conn)
        .await?
        .into_iter()
        .map(batch_from_row)
        .collect()
}

/// The published entries of a firm (any chain), by id: what a public check may tell.
pub async fn published_for_firm(conn: &impl ConnectionTrait, firm: FirmId) -> Result<Vec<EntryRecord>, StoreError> {
    entry::Entity::find()
        .filter(entry::Column::FirmId.eq(firm.0))
        .filter(entry::Column::BatchId.is_not_null())
        .filter(entry::Column::Status.is_in(PUBLIC_STATUSES))
        .order_by_asc(entry::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(entry_from_row)
        .collect()
}

/// Number of entries.
pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(entry::Entity::find().count(conn).await?)
}

/// The firms among `firms` with an APPROVED entry valid at `now` (on any chain).
pub async fn approved_firms(
    conn: &impl ConnectionTrait,
    firms: &[FirmId],
    now: DateTime<Utc>,
) -> Result<Vec<FirmId>, StoreError> {
    let mut out = Vec::new();
    for chunk in firms.chunks(5_000) {
        let rows: Vec<i64> = entry::Entity::find()
            .select_only()
            .column(entry::Column::FirmId)
            .distinct()
            .filter(entry::Column::FirmId.is_in(chunk.iter().map(|f| f.0)))
            .filter(status_condition(WhitelistStatus::Approved, now))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows.into_iter().map(FirmId));
    }
    Ok(out)
}
