//! Repository of production reports (复工达产): an append-only history per firm; the latest
//! report is the firm's status.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use linchpin_domain::FirmId;
use linchpin_domain::production::Report;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::StoreError;
use crate::entity::{firm_chain, production_report as row};
use crate::whitelist::Actor;

/// A stored report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRecord {
    /// Id (the order of reports).
    pub id: i64,
    /// The firm.
    pub firm_id: FirmId,
    /// What was reported.
    pub report: Report,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
}

fn from_row(m: row::Model) -> ReportRecord {
    ReportRecord {
        id: m.id,
        firm_id: FirmId(m.firm_id),
        report: Report {
            capacity_percent: m.capacity_percent,
            staff_on_site: m.staff_on_site,
            staff_total: m.staff_total,
            note: m.note,
        },
        at: m.at,
        actor: Actor { account_id: Some(m.account_id), name: m.actor },
    }
}

/// Appends a report.
pub async fn insert(
    conn: &impl ConnectionTrait,
    firm: FirmId,
    report: &Report,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<ReportRecord, StoreError> {
    let model = row::ActiveModel {
        id: Default::default(),
        firm_id: Set(firm.0),
        capacity_percent: Set(report.capacity_percent),
        staff_on_site: Set(report.staff_on_site),
        staff_total: Set(report.staff_total),
        note: Set(report.note.clone()),
        at: Set(at),
        account_id: Set(actor.account_id.unwrap_or(0)),
        actor: Set(actor.name.clone()),
    };
    let id = row::Entity::insert(model).exec(conn).await?.last_insert_id;
    Ok(ReportRecord { id, firm_id: firm, report: report.clone(), at, actor: actor.clone() })
}

/// The latest report of each of `firms` that has one.
pub async fn latest(
    conn: &impl ConnectionTrait,
    firms: &[FirmId],
) -> Result<HashMap<FirmId, ReportRecord>, StoreError> {
    let mut out = HashMap::with_capacity(firms.len());
    for chunk in firms.chunks(5_000) {
        let newest = Query::select()
            .expr(row::Column::Id.max())
            .from(row::Entity)
            .and_where(row::Column::FirmId.is_in(chunk.iter().map(|f| f.0)))
            .group_by_col(row::Column::FirmId)
            .to_owned();
        for m in row::Entity::find().filter(row::Column::Id.in_subquery(newest)).all(conn).await? {
            let r = from_row(m);
            out.insert(r.firm_id, r);
        }
    }
    Ok(out)
}

/// The latest report of every firm on `chain` (or every firm) whose region starts with `prefix`
/// (if given), with each firm's revenue: what `chainResumption` sums up.
pub async fn firms_in_scope(
    conn: &impl ConnectionTrait,
    chain: Option<&str>,
    prefix: Option<&linchpin_domain::Jurisdiction>,
) -> Result<Vec<(FirmId, Option<f64>)>, StoreError> {
    use crate::entity::firm::Column as F;
    let mut q = crate::entity::firm::Entity::find()
        .select_only()
        .column(F::Id)
        .column(F::Revenue10kCny)
        .filter(F::Verification.ne("PENDING"));
    if let Some(c) = chain {
        let on_chain = Query::select()
            .column(firm_chain::Column::FirmId)
            .from(firm_chain::Entity)
            .and_where(firm_chain::Column::ChainCode.eq(c))
            .to_owned();
        q = q.filter(F::Id.in_subquery(on_chain));
    }
    if let Some(p) = prefix {
        q = q.filter(crate::in_region(F::RegionCode, p));
    }
    let rows: Vec<(i64, Option<f64>)> = q.into_tuple().all(conn).await?;
    Ok(rows.into_iter().map(|(id, r)| (FirmId(id), r)).collect())
}

/// The most recent reports of a firm, newest first, up to `limit`.
pub async fn history(conn: &impl ConnectionTrait, firm: FirmId, limit: u64) -> Result<Vec<ReportRecord>, StoreError> {
    Ok(row::Entity::find()
        .filter(row::Column::FirmId.eq(firm.0))
        .order_by_desc(row::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(from_row)
        .collect())
}

/// One report.
pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<ReportRecord>, StoreError> {
    Ok(row::Entity::find_by_id(id).one(conn).await?.map(from_row))
}
