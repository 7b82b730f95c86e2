//! Repository of firms.
use std::collections::HashMap;

use chrono::Utc;
use linchpin_domain::{ChainCode, FirmDraft, FirmId, FirmRecord, Jurisdiction, LinkScope, SizeClass, Verification};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use tracing::instrument;

use crate::entity::{firm, firm_chain, supply_link};
use crate::rows::firm_from_row;
use crate::{Page, StoreError, chains};

/// Filters of a firm listing; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct FirmFilter {
    /// Region code starts with this jurisdiction prefix.
    pub region_prefix: Option<Jurisdiction>,
    /// Firm belongs to this chain.
    pub chain: Option<ChainCode>,
    /// Firm has this size class.
    pub size_class: Option<SizeClass>,
    /// Name contains this text (case-insensitive for ASCII letters).
    pub name_contains: Option<String>,
    /// Which PENDING firms may be listed: those this scope reaches (in the jurisdiction, or
    /// linked to this firm); none when `None`.
    pub pending: Option<LinkScope>,
}

/// Columns of a `firm` row, for sizing multi-row inserts under the databases' parameter limits.
pub(crate) const COLUMNS: usize = 13;

pub(crate) fn active_model(d: &FirmDraft, version: i32) -> firm::ActiveModel {
    let now = Utc::now();
    firm::ActiveModel {
        id: Default::default(),
        uscc: Set(d.uscc.as_str().to_owned()),
        name: Set(d.name.as_str().to_owned()),
        region_code: Set(d.region.as_str().to_owned()),
        industry_code: Set(d.industry.as_str().to_owned()),
        employees: Set(d.indicators.employees.map(i64::from)),
        revenue_10k_cny: Set(d.indicators.revenue_10k_cny),
        assets_10k_cny: Set(d.indicators.assets_10k_cny),
        size_class: Set(d.size_class().as_str().to_owned()),
        version: Set(version),
        verification: Set(Verification::Verified.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The `UPDATE` that writes a draft's fields, bumps the version and stamps the time; callers add
/// the `WHERE`.
pub(crate) fn update_fields(d: &FirmDraft) -> sea_orm::UpdateMany<firm::Entity> {
    firm::Entity::update_many()
        .col_expr(firm::Column::Name, Expr::value(d.name.as_str()))
        .col_expr(firm::Column::RegionCode, Expr::value(d.region.as_str()))
        .col_expr(firm::Column::IndustryCode, Expr::value(d.industry.as_str()))
        .col_expr(firm::Column::Employees, Expr::value(d.indicators.employees.map(i64::from)))
        .col_expr(firm::Column::Revenue10kCny, Expr::value(d.indicators.revenue_10k_cny))
        .col_expr(firm::Column::Assets10kCny, Expr::value(d.indicators.assets_10k_cny))
        .col_expr(firm::Column::SizeClass, Expr::value(d.size_class().as_str()))
        .col_expr(firm::Column::Version, Expr::col(firm::Column::Version).add(1))
        .col_expr(firm::Column::UpdatedAt, Expr::value(Utc::now()))
}

/// Registers a new firm. Fails with `Duplicate` when the USCC is taken.
#[instrument(skip_all, fields(uscc = %draft.uscc))]
pub async fn insert(conn: &impl ConnectionTrait, draft: &FirmDraft) -> Result<FirmRecord, StoreError> {
    if find_by_uscc(conn, draft.uscc.as_str()).await?.is_some() {
        return Err(StoreError::Duplicate(format!("firm with USCC {}", draft.uscc)));
    }
    let res = firm::Entity::insert(active_model(draft, 1)).exec(conn).await.map_err(|e| match StoreError::from(e) {
        StoreError::Duplicate(_) => StoreError::Duplicate(format!("firm with USCC {}", draft.uscc)),
        other => other,
    })?;
    chains::set_for_firm(conn, res.last_insert_id, &draft.chains).await?;
    get(conn, FirmId(res.last_insert_id)).await
}

/// Replaces a firm's fields (not its USCC) if its version is still `expected_version`.
#[instrument(skip_all, fields(id = id.0))]
pub async fn update(
    conn: &impl ConnectionTrait,
    id: FirmId,
    expected_version: i32,
    draft: &FirmDraft,
) -> Result<FirmRecord, StoreError> {
    let res = update_fields(draft)
        .filter(firm::Column::Id.eq(id.0))
        .filter(firm::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        let current = get(conn, id).await?;
        return Err(StoreError::VersionConflict { expected: expected_version, current: current.version });
    }
    chains::set_for_firm(conn, id.0, &draft.chains).await?;
    get(conn, id).await
}

/// Marks a PENDING firm VERIFIED (a bureau stands behind it now).
pub async fn set_verified(conn: &impl ConnectionTrait, id: FirmId) -> Result<FirmRecord, StoreError> {
    firm::Entity::update_many()
        .col_expr(firm::Column::Verification, Expr::value(Verification::Verified.as_str()))
        .filter(firm::Column::Id.eq(id.0))
        .exec(conn)
        .await?;
    get(conn, id).await
}

/// One firm by id.
pub async fn get(conn: &impl ConnectionTrait, id: FirmId) -> Result<FirmRecord, StoreError> {
    get_many(conn, &[id]).await?.remove(&id).ok_or_else(|| StoreError::NotFound(format!("firm {}", id.0)))
}

/// One firm by USCC, if registered.
pub async fn find_by_uscc(conn: &impl ConnectionTrait, uscc: &str) -> Result<Option<FirmRecord>, StoreError> {
    Ok(fetch_with_chains(conn, firm::Entity::find().filter(firm::Column::Uscc.eq(uscc))).await?.pop())
}

/// Many firms by id, with their chains, in one statement. Missing ids are absent.
#[instrument(skip_all, fields(n = ids.len()))]
pub async fn get_many(conn: &impl ConnectionTrait, ids: &[FirmId]) -> Result<HashMap<FirmId, FirmRecord>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let select = firm::Entity::find().filter(firm::Column::Id.is_in(ids.iter().map(|i| i.0)));
    Ok(fetch_with_chains(conn, select).await?.into_iter().map(|f| (f.id, f)).collect())
}

/// Ids of the firms with these USCCs (missing ones are absent), in chunks that keep each
/// statement's parameters bounded.
pub async fn ids_by_uscc(conn: &impl ConnectionTrait, usccs: &[&str]) -> Result<HashMap<String, i64>, StoreError> {
    let mut out = HashMap::with_capacity(usccs.len());
    for chunk in usccs.chunks(5_000) {
        let rows: Vec<(i64, String)> = firm::Entity::find()
            .select_only()
            .column(firm::Column::Id)
            .column(firm::Column::Uscc)
            .filter(firm::Column::Uscc.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows.into_iter().map(|(id, u)| (u, id)));
    }
    Ok(out)
}

/// A page of firms ordered by id, after `after` (exclusive), at most `limit`.
#[instrument(skip_all, fields(limit))]
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &FirmFilter,
    after: Option<FirmId>,
    limit: u64,
) -> Result<Page<FirmRecord>, StoreError> {
    let rows = fetch_with_chains(conn, list_select(filter, after, limit)).await?;
    Ok(Page::from_overfetch(rows, limit))
}

/// A firm read by a statement that left its chains out, for a caller that does not show them:
/// the chain sub-select costs a fifth of a firm page. The record's `firm.chains` is empty, not
/// the firm's chains; read them with [`chains::of_firms`] when they are wanted after all.
#[derive(Debug, Clone)]
pub struct ChainsNotRead(FirmRecord);

impl ChainsNotRead {
    /// The firm of a row read without the chains column.
    pub(crate) fn from_row(m: firm::Model) -> Result<Self, StoreError> {
        Ok(Self(firm_from_row(m, Vec::new())?))
    }

    /// The firm's id.
    pub fn id(&self) -> FirmId {
        self.0.id
    }

    /// The record, whose `firm.chains` is empty whatever the firm's chains are.
    pub fn into_record_without_chains(self) -> FirmRecord {
        self.0
    }
}

/// [`list`] without each firm's chains.
#[instrument(skip_all, fields(limit))]
pub async fn list_without_chains(
    conn: &impl ConnectionTrait,
    filter: &FirmFilter,
    after: Option<FirmId>,
    limit: u64,
) -> Result<Page<ChainsNotRead>, StoreError> {
    use sea_orm::FromQueryResult;
    let stmt = crate::page_statement(list_select(filter, after, limit), conn.get_database_backend());
    let mut rows = Vec::new();
    for r in conn.query_all_raw(stmt).await? {
        rows.push(ChainsNotRead::from_row(firm::Model::from_query_result(&r, "")?)?);
    }
    Ok(Page::from_overfetch(rows, limit))
}

/// Each firm's chain codes as one comma-separated column of the same statement (no second
/// statement per list), for the firm table named `owner` in the query; the chain codes themselves
/// never contain a comma. On PostgreSQL an `ARRAY(...)` sub-select, which costs a third less per
/// row than an aggregate (no aggregate node to set up for each firm).
fn chains_column(backend: sea_orm::DatabaseBackend, owner: &str) -> String {
    match backend {
        sea_orm::DatabaseBackend::Sqlite => {
            format!("(SELECT group_concat(chain_code, ',') FROM firm_chain WHERE firm_chain.firm_id = {owner}.id)")
        }
        _ => format!(
            "array_to_string(ARRAY(SELECT chain_code FROM firm_chain WHERE firm_chain.firm_id = {owner}.id), ',')"
        ),
    }
}

/// The chain codes of [`chains_column`], sorted.
fn chains_from_csv(csv: Option<&str>) -> Result<Vec<ChainCode>, StoreError> {
    let mut chains = csv
        .iter()
        .flat_map(|c| c.split(','))
        .filter(|c| !c.is_empty())
        .map(|c| ChainCode::parse(c).map_err(|e| crate::error::corrupt("firm_chain", e)))
        .collect::<Result<Vec<_>, _>>()?;
    chains.sort();
    Ok(chains)
}

/// The firms `select` picks, with their chains, in one statement.
async fn fetch_with_chains(
    conn: &impl ConnectionTrait,
    select: sea_orm::Select<firm::Entity>,
) -> Result<Vec<FirmRecord>, StoreError> {
    use sea_orm::FromQueryResult;
    let mut out = Vec::new();
    for r in conn.query_all_raw(with_chains_statement(select, conn.get_database_backend())).await? {
        let m = firm::Model::from_query_result(&r, "")?;
        let csv: Option<String> = r.try_get("", "chains_csv")?;
        out.push(firm_from_row(m, chains_from_csv(csv.as_deref())?)?);
    }
    Ok(out)
}

/// `select` with each firm's chains as the column `chains_csv`, and a page's LIMIT in its text
/// (`crate::literal_limit`).
fn with_chains_statement(
    select: sea_orm::Select<firm::Entity>,
    backend: sea_orm::DatabaseBackend,
) -> sea_orm::Statement {
    crate::page_statement(select.expr_as(Expr::cust(chains_column(backend, "firm")), "chains_csv"), backend)
}

/// The statement of [`list`] (public for the query-plan tests).
pub fn list_statement(
    backend: sea_orm::DatabaseBackend,
    filter: &FirmFilter,
    after: Option<FirmId>,
    limit: u64,
) -> sea_orm::Statement {
    with_chains_statement(list_select(filter, after, limit), backend)
}

fn list_select(filter: &FirmFilter, after: Option<FirmId>, limit: u64) -> sea_orm::Select<firm::Entity> {
    let mut cond = Condition::all();
    if let Some(after) = after {
        cond = cond.add(firm::Column::Id.gt(after.0));
    }
    if let Some(p) = &filter.region_prefix {
        cond = cond.add(in_jurisdiction(p));
    }
    if let Some(s) = filter.size_class {
        cond = cond.add(firm::Column::SizeClass.eq(s.as_str()));
    }
    if let Some(c) = &filter.chain {
        let members = Query::select()
            .column(firm_chain::Column::FirmId)
            .from(firm_chain::Entity)
            .and_where(firm_chain::Column::ChainCode.eq(c.as_str()))
            .to_owned();
        cond = cond.add(firm::Column::Id.in_subquery(members));
    }
    if let Some(text) = filter.name_contains.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        cond = cond.add(
            Expr::expr(Func::lower(Expr::col(firm::Column::Name)))
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    cond = cond.add(visible(filter.pending.as_ref()));
    firm::Entity::find().filter(cond).order_by_asc(firm::Column::Id).limit(limit + 1)
}

/// The firm lies inside `j`, in the form an index of migration 13 answers in id order: the
/// province's or the city's prefix of the code (`substr(region_code, 1, 2 or 4)`, the indexed
/// expression, with its lengths written as numbers), or the county's code itself.
fn in_jurisdiction(j: &Jurisdiction) -> sea_orm::sea_query::SimpleExpr {
    match j.as_str().len() {
        6 => firm::Column::RegionCode.eq(j.as_str()),
        // 2 or 4, from a validated jurisdiction
        len => Expr::cust(format!("substr(\"firm\".\"region_code\", 1, {len})")).eq(j.as_str()),
    }
}

/// VERIFIED firms, and the PENDING ones `scope` reaches.
fn visible(scope: Option<&LinkScope>) -> Condition {
    let verified = Condition::any().add(firm::Column::Verification.eq(Verification::Verified.as_str()));
    match scope {
        None => verified,
        Some(LinkScope::All) => Condition::all(),
        Some(LinkScope::Jurisdiction(j)) => verified.add(crate::in_region(firm::Column::RegionCode, j)),
        Some(LinkScope::Firm(f)) => {
            let suppliers = Query::select()
                .column(supply_link::Column::SupplierId)
                .from(supply_link::Entity)
                .and_where(supply_link::Column::CustomerId.eq(f.0))
                .to_owned();
            let customers = Query::select()
                .column(supply_link::Column::CustomerId)
                .from(supply_link::Entity)
                .and_where(supply_link::Column::SupplierId.eq(f.0))
                .to_owned();
            verified
                .add(firm::Column::Id.eq(f.0))
                .add(firm::Column::Id.in_subquery(suppliers))
                .add(firm::Column::Id.in_subquery(customers))
        }
    }
}

/// Whether `a` and `b` are the two ends of some link (either direction, any status).
pub async fn linked(conn: &impl ConnectionTrait, a: FirmId, b: FirmId) -> Result<bool, StoreError> {
    use sea_orm::PaginatorTrait;
    let n = supply_link::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(supply_link::Column::SupplierId.eq(a.0))
                        .add(supply_link::Column::CustomerId.eq(b.0)),
                )
                .add(
                    Condition::all()
                        .add(supply_link::Column::SupplierId.eq(b.0))
                        .add(supply_link::Column::CustomerId.eq(a.0)),
                ),
        )
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// Number of firms.
pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(firm::Entity::find().count(conn).await?)
}

/// Names and USCCs of firms by id (missing ids are absent), in bounded chunks.
pub async fn names(
    conn: &impl ConnectionTrait,
    ids: &[FirmId],
) -> Result<HashMap<FirmId, (String, String)>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(5_000) {
        let rows: Vec<(i64, String, String)> = firm::Entity::find()
            .select_only()
            .columns([firm::Column::Id, firm::Column::Name, firm::Column::Uscc])
            .filter(firm::Column::Id.is_in(chunk.iter().map(|i| i.0)))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows.into_iter().map(|(id, name, uscc)| (FirmId(id), (name, uscc))));
    }
    Ok(out)
}
