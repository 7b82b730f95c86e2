//! Repository of analysis runs and their per-firm results (with each firm's rank in every scope),
//! and the bulk read of the network an analysis needs.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use linchpin_domain::{ChainCode, Essentiality, FirmId, IndustryCode, Jurisdiction, LinkStatus, SizeClass};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::{
    analysis_run, analysis_scope, assessment_rank, firm, firm_assessment, firm_chain, supply_link, whitelist_entry,
};
use crate::error::corrupt;
use crate::{Page, StoreError, rows_per_insert};

/// Tables an analysis run writes (for `Store::refresh_statistics`).
pub const TABLES: [&str; 4] = ["analysis_run", "analysis_scope", "firm_assessment", "assessment_rank"];

/// A firm as the analysis reads it.
#[derive(Debug, Clone)]
pub struct NetworkFirm {
    /// Id.
    pub id: FirmId,
    /// GB/T 4754 industry code as registered (the analysis cuts it to its substitution level).
    pub industry: IndustryCode,
    /// Size class.
    pub size: SizeClass,
    /// Employees (0 when unknown).
    pub employees: u32,
    /// Two-digit province of its region.
    pub province: String,
    /// Chains it belongs to.
    pub chains: Vec<ChainCode>,
}

/// A link as the analysis reads it.
#[derive(Debug, Clone)]
pub struct NetworkLink {
    /// Id.
    pub id: linchpin_domain::LinkId,
    /// Selling firm.
    pub supplier: FirmId,
    /// Buying firm.
    pub customer: FirmId,
    /// Annual value.
    pub value: f64,
    /// Essentiality.
    pub essentiality: Essentiality,
    /// Declared or confirmed.
    pub status: LinkStatus,
    /// The end that declared it (`None`: imported or declared by an operator).
    pub declared_by: Option<FirmId>,
}

const SCAN: u64 = 50_000;

/// id, supplier, customer, value, essentiality, status, declared by.
type LinkColumns = (i64, i64, i64, f64, String, String, Option<i64>);

/// Every firm and link, read in id-ordered pages of 50,000 rows.
pub async fn load_network(conn: &impl ConnectionTrait) -> Result<(Vec<NetworkFirm>, Vec<NetworkLink>), StoreError> {
    let mut firms = Vec::new();
    let mut after = 0i64;
    loop {
        // PENDING firms (from a supplier list, not yet verified) and their links never enter an
        // analysis
        let rows: Vec<(i64, String, String, Option<i64>, String)> = firm::Entity::find()
            .filter(firm::Column::Verification.eq(linchpin_domain::Verification::Verified.as_str()))
            .select_only()
            .columns([
                firm::Column::Id,
                firm::Column::IndustryCode,
                firm::Column::SizeClass,
                firm::Column::Employees,
                firm::Column::RegionCode,
            ])
            .filter(firm::Column::Id.gt(after))
            .order_by_asc(firm::Column::Id)
            .limit(SCAN)
            .into_tuple()
            .all(conn)
            .await?;
        let done = (rows.len() as u64) < SCAN;
        for (id, industry, size, employees, region) in rows {
            after = id;
            let industry = IndustryCode::parse(&industry).map_err(|e| corrupt("firm industry", e))?;
            firms.push(NetworkFirm {
                id: FirmId(id),
                industry,
                size: SizeClass::from_wire(&size).ok_or_else(|| corrupt("firm size_class", &size))?,
                employees: employees.and_then(|e| u32::try_from(e).ok()).unwrap_or(0),
                province: region.get(..2).unwrap_or_default().to_owned(),
                chains: Vec::new(),
            });
        }
        if done {
            break;
        }
    }
    // chain memberships, read in the same id order and attached by position
    let position: HashMap<i64, usize> = firms.iter().enumerate().map(|(i, f)| (f.id.0, i)).collect();
    let mut after = (0i64, String::new());
    loop {
        let rows: Vec<(i64, String)> = firm_chain::Entity::find()
            .select_only()
            .columns([firm_chain::Column::FirmId, firm_chain::Column::ChainCode])
            .filter(
                Condition::any().add(firm_chain::Column::FirmId.gt(after.0)).add(
                    Condition::all()
                        .add(firm_chain::Column::FirmId.eq(after.0))
                        .add(firm_chain::Column::ChainCode.gt(after.1.clone())),
                ),
            )
            .order_by_asc(firm_chain::Column::FirmId)
            .order_by_asc(firm_chain::Column::ChainCode)
            .limit(SCAN)
            .into_tuple()
            .all(conn)
            .await?;
        let done = (rows.len() as u64) < SCAN;
        for (id, code) in rows {
            let chain = ChainCode::parse(&code).map_err(|e| corrupt("firm_chain", e))?;
            if let Some(&i) = position.get(&id) {
                firms[i].chains.push(chain);
            }
            after = (id, code);
        }
        if done {
            break;
        }
    }
    let mut links = Vec::new();
    let mut after = 0i64;
    loop {
        let rows: Vec<LinkColumns> = supply_link::Entity::find()
            .select_only()
            .columns([
                supply_link::Column::Id,
                supply_link::Column::SupplierId,
                supply_link::Column::CustomerId,
                supply_link::Column::AnnualValue10kCny,
                supply_link::Column::Essentiality,
                supply_link::Column::Status,
                supply_link::Column::DeclaredByFirmId,
            ])
            .filter(supply_link::Column::Id.gt(after))
            .order_by_asc(supply_link::Column::Id)
            .limit(SCAN)
            .into_tuple()
            .all(conn)
            .await?;
        let done = (rows.len() as u64) < SCAN;
        for (id, s, c, value, e, status, declared_by) in rows {
            after = id;
            if !position.contains_key(&s) || !position.contains_key(&c) {
                continue;
            }
            links.push(NetworkLink {
                id: linchpin_domain::LinkId(id),
                supplier: FirmId(s),
                customer: FirmId(c),
                value,
                essentiality: Essentiality::from_wire(&e).ok_or_else(|| corrupt("link essentiality", &e))?,
                status: LinkStatus::from_wire(&status).ok_or_else(|| corrupt("link status", &status))?,
                declared_by: declared_by.map(FirmId),
            });
        }
        if done {
            break;
        }
    }
    Ok((firms, links))
}

/// A finished run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    /// Id.
    pub id: i64,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub finished_at: DateTime<Utc>,
    /// What started it.
    pub trigger: String,
    /// Firms analysed.
    pub firms: i64,
    /// Links analysed.
    pub links: i64,
    /// Parameters (JSON).
    pub parameters: String,
    /// Duration in ms.
    pub duration_ms: i64,
}

/// The per-firm result of a run (serialisable, so a whitelist decision can keep it frozen).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AssessmentRecord {
    /// The run.
    pub run_id: i64,
    /// The firm.
    pub firm_id: FirmId,
    /// ESRI.
    pub esri: f64,
    /// ESRI_down.
    pub esri_down: f64,
    /// ESRI_up.
    pub esri_up: f64,
    /// ESRI / own output share.
    pub systemic_multiplier: Option<f64>,
    /// Firms dominated.
    pub dominated_firms: i64,
    /// LARGE firms dominated.
    pub dominated_large_firms: i64,
    /// Sole-supply customers.
    pub sole_essential_customers: i64,
    /// Firms downstream.
    pub downstream_firms: f64,
    /// Employees downstream.
    pub downstream_employees: f64,
    /// In the run's default national list.
    pub key_node: bool,
    /// Reasons (JSON).
    pub reasons: String,
    /// The firm's own output (10,000 CNY).
    pub own_output: f64,
    /// The firm's own employees.
    pub own_jobs: f64,
    /// Output at stake (10,000 CNY).
    pub output_at_stake: f64,
    /// Jobs at stake.
    pub jobs_at_stake: f64,
    /// Priority score.
    pub priority_score: f64,
    /// National rank among SMEs (none when not an SME or without impact).
    pub rank: Option<i32>,
    /// National percentile.
    pub percentile: Option<f64>,
    /// Stability of the listing, when computed.
    pub stability: Option<f64>,
    /// Links of the firm (as supplier) counted by the analysis that are not confirmed.
    pub unconfirmed_links: i64,
    /// Whether the firm is an SME.
    pub sme: bool,
}

fn run_record(m: analysis_run::Model) -> RunRecord {
    RunRecord {
        id: m.id,
        started_at: m.started_at,
        finished_at: m.finished_at,
        trigger: m.trigger,
        firms: m.firms,
        links: m.links,
        parameters: m.parameters,
        duration_ms: m.duration_ms,
    }
}

fn assessment_record(m: firm_assessment::Model) -> AssessmentRecord {
    AssessmentRecord {
        run_id: m.run_id,
        firm_id: FirmId(m.firm_id),
        esri: m.esri,
        esri_down: m.esri_down,
        esri_up: m.esri_up,
        systemic_multiplier: m.systemic_multiplier,
        dominated_firms: m.dominated_firms,
        dominated_large_firms: m.dominated_large_firms,
        sole_essential_customers: m.sole_essential_customers,
        downstream_firms: m.downstream_firms,
        downstream_employees: m.downstream_employees,
        key_node: m.key_node,
        reasons: m.reasons,
        own_output: m.own_output,
        own_jobs: m.own_jobs,
        output_at_stake: m.output_at_stake,
        jobs_at_stake: m.jobs_at_stake,
        priority_score: m.priority_score,
        rank: m.rank,
        percentile: m.percentile,
        stability: m.stability,
        unconfirmed_links: m.unconfirmed_links,
        sme: m.sme,
    }
}

/// The ranked SMEs of one scope of a run: `all`, `province:33` or `chain:NEV`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeRanking {
    /// The scope's key.
    pub scope: String,
    /// SMEs in the scope (the base of a budget).
    pub smes: i64,
    /// SMEs with impact, best first.
    pub order: Vec<FirmId>,
}

/// Stores a run, its results (`run_id` of the rows is ignored) and its rankings in the caller's
/// transaction.
pub async fn save_run(
    conn: &impl ConnectionTrait,
    run: RunRecord,
    rows: &[AssessmentRecord],
    rankings: &[ScopeRanking],
) -> Result<RunRecord, StoreError> {
    let model = analysis_run::ActiveModel {
        id: Default::default(),
        started_at: Set(run.started_at),
        finished_at: Set(run.finished_at),
        trigger: Set(run.trigger),
        firms: Set(run.firms),
        links: Set(run.links),
        parameters: Set(run.parameters),
        duration_ms: Set(run.duration_ms),
    };
    let id = analysis_run::Entity::insert(model).exec(conn).await?.last_insert_id;
    for chunk in rows.chunks(rows_per_insert(23)) {
        let models = chunk.iter().map(|r| firm_assessment::ActiveModel {
            run_id: Set(id),
            firm_id: Set(r.firm_id.0),
            esri: Set(r.esri),
            esri_down: Set(r.esri_down),
            esri_up: Set(r.esri_up),
            systemic_multiplier: Set(r.systemic_multiplier),
            dominated_firms: Set(r.dominated_firms),
            dominated_large_firms: Set(r.dominated_large_firms),
            sole_essential_customers: Set(r.sole_essential_customers),
            downstream_firms: Set(r.downstream_firms),
            downstream_employees: Set(r.downstream_employees),
            key_node: Set(r.key_node),
            reasons: Set(r.reasons.clone()),
            own_output: Set(r.own_output),
            own_jobs: Set(r.own_jobs),
            output_at_stake: Set(r.output_at_stake),
            jobs_at_stake: Set(r.jobs_at_stake),
            priority_score: Set(r.priority_score),
            rank: Set(r.rank),
            percentile: Set(r.percentile),
            stability: Set(r.stability),
            unconfirmed_links: Set(r.unconfirmed_links),
            sme: Set(r.sme),
        });
        firm_assessment::Entity::insert_many(models).exec_without_returning(conn).await?;
    }
    for r in rankings {
        let scope = analysis_scope::ActiveModel { run_id: Set(id), scope: Set(r.scope.clone()), smes: Set(r.smes) };
        analysis_scope::Entity::insert(scope).exec_without_returning(conn).await?;
        let ranked: Vec<(i32, FirmId)> = r.order.iter().enumerate().map(|(i, f)| (i as i32 + 1, *f)).collect();
        for chunk in ranked.chunks(rows_per_insert(4)) {
            let models = chunk.iter().map(|&(rank, f)| assessment_rank::ActiveModel {
                run_id: Set(id),
                scope: Set(r.scope.clone()),
                rank: Set(rank),
                firm_id: Set(f.0),
            });
            assessment_rank::Entity::insert_many(models).exec_without_returning(conn).await?;
        }
    }
    analysis_run::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(run_record)
        .ok_or_else(|| StoreError::NotFound(format!("analysis run {id}")))
}

/// The most recent run.
pub async fn latest_run(conn: &impl ConnectionTrait) -> Result<Option<RunRecord>, StoreError> {
    Ok(analysis_run::Entity::find().order_by_desc(analysis_run::Column::Id).one(conn).await?.map(run_record))
}

/// A run by id.
pub async fn run(conn: &impl ConnectionTrait, id: i64) -> Result<Option<RunRecord>, StoreError> {
    Ok(analysis_run::Entity::find_by_id(id).one(conn).await?.map(run_record))
}

/// The result of `firm` in `run`.
pub async fn assessment(
    conn: &impl ConnectionTrait,
    run: i64,
    firm: FirmId,
) -> Result<Option<AssessmentRecord>, StoreError> {
    Ok(firm_assessment::Entity::find_by_id((run, firm.0)).one(conn).await?.map(assessment_record))
}

/// How a candidate list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateOrder {
    /// By rank in the scope (the priority score).
    Priority,
    /// By output at stake, highest first.
    OutputAtStake,
    /// By jobs at stake, highest first.
    JobsAtStake,
}

/// Where a candidate page starts: after this rank (priority order), or after this (value, firm id).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CandidateAfter {
    /// After this rank.
    Rank(i32),
    /// After this value of the order's key and firm id.
    Value(f64, i64),
}

/// What to list.
#[derive(Debug, Clone)]
pub struct CandidateQuery {
    /// The run.
    pub run: i64,
    /// The ranking scope (`all`, `province:33`, `chain:NEV`).
    pub scope: String,
    /// The list length in that scope (ranks 1 to this).
    pub size: i64,
    /// Only firms whose region starts with this prefix.
    pub within: Option<Jurisdiction>,
    /// Only firms of this size class.
    pub size_class: Option<SizeClass>,
    /// Only firms with a reason of this code.
    pub reason: Option<String>,
    /// Leave out firms that already have an open whitelist entry.
    pub unlisted: Option<Unlisted>,
    /// Order.
    pub order: CandidateOrder,
}

/// Which open whitelist entries take a firm off a candidate list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unlisted {
    /// An open entry on any chain.
    AnyChain,
    /// An open entry on this chain.
    Chain(String),
}

/// A listed firm: its results and its rank in the scope.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedRecord {
    /// The firm's results.
    pub record: AssessmentRecord,
    /// Its rank in the scope of the query.
    pub scope_rank: i32,
}

/// The number of SMEs of a scope of a run (`None` when the run has no such scope).
pub async fn scope_smes(conn: &impl ConnectionTrait, run: i64, scope: &str) -> Result<Option<i64>, StoreError> {
    Ok(analysis_scope::Entity::find_by_id((run, scope.to_owned())).one(conn).await?.map(|m| m.smes))
}

/// A page of a run's candidate list in one scope (ranks `1..=size`), filtered and ordered, after
/// the cursor. One statement: the rank index gives the list, the joins filter it.
pub async fn candidates(
    conn: &impl ConnectionTrait,
    q: &CandidateQuery,
    after: Option<CandidateAfter>,
    limit: u64,
) -> Result<Page<RankedRecord>, StoreError> {
    use assessment_rank::Column as R;
    use firm_assessment::Column as A;
    let (ar, fa, f) = (assessment_rank::Entity, firm_assessment::Entity, firm::Entity);
    let mut sel = Query::select();
    sel.column((fa, sea_orm::sea_query::Asterisk))
        .expr_as(Expr::col((ar, R::Rank)), sea_orm::sea_query::Alias::new("scope_rank"))
        .from(ar)
        .inner_join(
            fa,
            Expr::col((fa, A::RunId)).equals((ar, R::RunId)).and(Expr::col((fa, A::FirmId)).equals((ar, R::FirmId))),
        )
        .and_where(Expr::col((ar, R::RunId)).eq(q.run))
        .and_where(Expr::col((ar, R::Scope)).eq(q.scope.as_str()))
        .and_where(Expr::col((ar, R::Rank)).lte(q.size));
    if q.within.is_some() || q.size_class.is_some() {
        sel.inner_join(f, Expr::col((f, firm::Column::Id)).equals((ar, R::FirmId)));
        if let Some(j) = &q.within {
            let (lo, hi) = j.code_range();
            sel.and_where(Expr::col((f, firm::Column::RegionCode)).between(lo, hi));
        }
        if let Some(c) = q.size_class {
            sel.and_where(Expr::col((f, firm::Column::SizeClass)).eq(c.as_str()));
        }
    }
    if let Some(code) = &q.reason {
        // reasons are stored as serde_json of {code, zh, en}; a code is a known constant word
        sel.and_where(Expr::col((fa, A::Reasons)).like(format!("%\"code\":\"{code}\"%")));
    }
    if let Some(unlisted) = &q.unlisted {
        use whitelist_entry::Column as W;
        let we = whitelist_entry::Entity;
        let mut open = Query::select();
        open.expr(Expr::val(1))
            .from(we)
            .and_where(Expr::col((we, W::FirmId)).equals((ar, R::FirmId)))
            .and_where(Expr::col((we, W::OpenKey)).is_not_null());
        if let Unlisted::Chain(c) = unlisted {
            open.and_where(Expr::col((we, W::ChainCode)).eq(c.as_str()));
        }
        sel.and_where(Expr::exists(open.to_owned()).not());
    }
    let key = match q.order {
        CandidateOrder::Priority => None,
        CandidateOrder::OutputAtStake => Some(A::OutputAtStake),
        CandidateOrder::JobsAtStake => Some(A::JobsAtStake),
    };
    match (key, after) {
        (None, Some(CandidateAfter::Rank(r))) => {
            sel.and_where(Expr::col((ar, R::Rank)).gt(r));
        }
        (Some(k), Some(CandidateAfter::Value(v, id))) => {
            sel.and_where(Expr::col((fa, k)).lt(v).or(Expr::col((fa, k)).eq(v).and(Expr::col((fa, A::FirmId)).gt(id))));
        }
        _ => {}
    }
    match key {
        None => {
            sel.order_by((ar, R::Rank), Order::Asc);
        }
        Some(k) => {
            sel.order_by((fa, k), Order::Desc).order_by((fa, A::FirmId), Order::Asc);
        }
    }
    sel.limit(limit + 1);
    let rows = conn.query_all_raw(crate::literal_limit(conn.get_database_backend().build(&sel))).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let m = firm_assessment::Model::from_query_result(&row, "")?;
        let scope_rank: i32 = row.try_get("", "scope_rank")?;
        items.push(RankedRecord { record: assessment_record(m), scope_rank });
    }
    Ok(Page::from_overfetch(items, limit))
}

/// The results of many firms in `run` (missing firms are absent), in bounded chunks.
pub async fn assessments(
    conn: &impl ConnectionTrait,
    run: i64,
    firms: &[FirmId],
) -> Result<std::collections::HashMap<FirmId, AssessmentRecord>, StoreError> {
    let mut out = std::collections::HashMap::with_capacity(firms.len());
    for chunk in firms.chunks(5_000) {
        let rows = firm_assessment::Entity::find()
            .filter(firm_assessment::Column::RunId.eq(run))
            .filter(firm_assessment::Column::FirmId.is_in(chunk.iter().map(|f| f.0)))
            .all(conn)
            .await?;
        out.extend(rows.into_iter().map(|m| (FirmId(m.firm_id), assessment_record(m))));
    }
    Ok(out)
}

/// Every firm's own output and jobs and its output and jobs at stake in `run`: what a blockage's
/// priority ranks the firm among (one statement).
pub async fn stakes(conn: &impl ConnectionTrait, run: i64) -> Result<Vec<(FirmId, [f64; 4])>, StoreError> {
    use firm_assessment::Column as C;
    let rows: Vec<(i64, f64, f64, f64, f64)> = firm_assessment::Entity::find()
        .select_only()
        .columns([C::FirmId, C::OwnOutput, C::OwnJobs, C::OutputAtStake, C::JobsAtStake])
        .filter(C::RunId.eq(run))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(f, o, j, os, js)| (FirmId(f), [o, j, os, js])).collect())
}
