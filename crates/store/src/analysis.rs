//! Repository of analysis runs and their per-firm results, and the bulk read of the network an
//! analysis needs.
use chrono::{DateTime, Utc};
use linchpin_domain::{ChainCode, Essentiality, FirmId, IndustryCode, Jurisdiction, SizeClass};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::entity::{analysis_run, firm, firm_assessment, firm_chain, supply_link};
use crate::error::corrupt;
use crate::{Page, StoreError, rows_per_insert};

/// A firm as the analysis reads it.
#[derive(Debug, Clone)]
pub struct NetworkFirm {
    /// Id.
    pub id: FirmId,
    /// GB/T 4754 industry code as registered: the industry g(i) of the analysis.
    pub industry: String,
    /// Size class.
    pub size: SizeClass,
    /// Employees (0 when unknown).
    pub employees: u32,
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
}

const SCAN: u64 = 50_000;

/// Every firm and link, read in id-ordered pages of 50,000 rows.
pub async fn load_network(conn: &impl ConnectionTrait) -> Result<(Vec<NetworkFirm>, Vec<NetworkLink>), StoreError> {
    let mut firms = Vec::new();
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, String, String, Option<i64>)> = firm::Entity::find()
            .select_only()
            .columns([firm::Column::Id, firm::Column::IndustryCode, firm::Column::SizeClass, firm::Column::Employees])
            .filter(firm::Column::Id.gt(after))
            .order_by_asc(firm::Column::Id)
            .limit(SCAN)
            .into_tuple()
            .all(conn)
            .await?;
        let done = (rows.len() as u64) < SCAN;
        for (id, industry, size, employees) in rows {
            after = id;
            let industry = IndustryCode::parse(&industry).map_err(|e| corrupt("firm industry", e))?;
            firms.push(NetworkFirm {
                id: FirmId(id),
                industry: industry.as_str().to_owned(),
                size: SizeClass::from_wire(&size).ok_or_else(|| corrupt("firm size_class", &size))?,
                employees: employees.and_then(|e| u32::try_from(e).ok()).unwrap_or(0),
            });
        }
        if done {
            break;
        }
    }
    let mut links = Vec::new();
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, i64, i64, f64, String)> = supply_link::Entity::find()
            .select_only()
            .columns([
                supply_link::Column::Id,
                supply_link::Column::SupplierId,
                supply_link::Column::CustomerId,
                supply_link::Column::AnnualValue10kCny,
                supply_link::Column::Essentiality,
            ])
            .filter(supply_link::Column::Id.gt(after))
            .order_by_asc(supply_link::Column::Id)
            .limit(SCAN)
            .into_tuple()
            .all(conn)
            .await?;
        let done = (rows.len() as u64) < SCAN;
        for (id, s, c, value, e) in rows {
            after = id;
            links.push(NetworkLink {
                id: linchpin_domain::LinkId(id),
                supplier: FirmId(s),
                customer: FirmId(c),
                value,
                essentiality: Essentiality::from_wire(&e).ok_or_else(|| corrupt("link essentiality", &e))?,
            });
        }
        if done {
            break;
        }
    }
    Ok((firms, links))
}

/// A finished run.
#[derive(Debug, Clone, PartialEq)]
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

/// The per-firm result of a run.
#[derive(Debug, Clone, PartialEq)]
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
    /// Candidate.
    pub key_node: bool,
    /// Reasons (JSON).
    pub reasons: String,
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
    }
}

/// Stores a run and its results (`run_id` of the rows is ignored) in the caller's transaction.
pub async fn save_run(
    conn: &impl ConnectionTrait,
    run: RunRecord,
    rows: &[AssessmentRecord],
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
    for chunk in rows.chunks(rows_per_insert(13)) {
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
        });
        firm_assessment::Entity::insert_many(models).exec_without_returning(conn).await?;
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

/// Key-node candidates of `run`, highest ESRI first (ties by firm id), after the cursor
/// `(esri, firm id)`, optionally only in a jurisdiction and on a chain.
pub async fn candidates(
    conn: &impl ConnectionTrait,
    run: i64,
    within: Option<&Jurisdiction>,
    chain: Option<&ChainCode>,
    after: Option<(f64, i64)>,
    limit: u64,
) -> Result<Page<AssessmentRecord>, StoreError> {
    let mut cond =
        Condition::all().add(firm_assessment::Column::RunId.eq(run)).add(firm_assessment::Column::KeyNode.eq(true));
    if let Some((esri, id)) = after {
        cond = cond.add(Condition::any().add(firm_assessment::Column::Esri.lt(esri)).add(
            Condition::all().add(firm_assessment::Column::Esri.eq(esri)).add(firm_assessment::Column::FirmId.gt(id)),
        ));
    }
    if let Some(j) = within {
        let inside = Query::select()
            .column(firm::Column::Id)
            .from(firm::Entity)
            .and_where(firm::Column::RegionCode.starts_with(j.as_str()))
            .to_owned();
        cond = cond.add(firm_assessment::Column::FirmId.in_subquery(inside));
    }
    if let Some(c) = chain {
        let members = Query::select()
            .column(firm_chain::Column::FirmId)
            .from(firm_chain::Entity)
            .and_where(firm_chain::Column::ChainCode.eq(c.as_str()))
            .to_owned();
        cond = cond.add(firm_assessment::Column::FirmId.in_subquery(members));
    }
    let rows = firm_assessment::Entity::find()
        .filter(cond)
        .order_by_desc(firm_assessment::Column::Esri)
        .order_by_asc(firm_assessment::Column::FirmId)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let page = Page::from_overfetch(rows, limit);
    Ok(Page { items: page.items.into_iter().map(assessment_record).collect(), has_next: page.has_next })
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
