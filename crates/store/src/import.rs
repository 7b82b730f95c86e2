//! Bulk import of firms and links (upsert by natural key) inside the caller's transaction.
//!
//! Rows arrive validated (domain types) with their line numbers. What can only be checked against
//! the database, a link naming a firm that is neither in the file nor registered, is checked
//! before anything is written, so a rejected import writes nothing. Unchanged rows are left alone:
//! importing the same files twice changes nothing, not even versions.
use std::collections::{HashMap, HashSet};

use chrono::Utc;
use linchpin_domain::{ChainCode, ErrorCode, FirmDraft, FirmId, FirmRow, LinkRow, RowError, Verification};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use tracing::instrument;

use crate::entity::{firm, firm_chain, supply_link};
use crate::links::NewLink;
use crate::{StoreError, chains, firms, links, rows_per_insert};

/// Tables a bulk import writes (for `Store::refresh_statistics`).
pub const TABLES: [&str; 4] = ["firm", "firm_chain", "chain", "supply_link"];

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Firms registered.
    pub firms_created: u64,
    /// Firms whose fields changed.
    pub firms_updated: u64,
    /// Firms already registered as in the file.
    pub firms_unchanged: u64,
    /// Links created.
    pub links_created: u64,
    /// Links whose value or essentiality changed.
    pub links_updated: u64,
    /// Links already stored as in the file.
    pub links_unchanged: u64,
}

/// Why [`apply`] wrote nothing.
#[derive(Debug)]
pub enum ImportFailure {
    /// Rows failed checks against the database (and `skip_invalid` was off).
    Rejected(Vec<RowError>),
    /// The database failed.
    Store(StoreError),
}

impl From<StoreError> for ImportFailure {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<sea_orm::DbErr> for ImportFailure {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Store(e.into())
    }
}

/// Receives progress of a long import (a terminal progress bar, a log line).
pub trait Progress: Send + Sync {
    /// A stage starts with `total` units of work.
    fn stage(&self, name: &str, total: u64);
    /// `n` more units are done.
    fn advance(&self, n: u64);
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// The result of a successful [`apply`]: what changed, and the rows skipped under `skip_invalid`.
#[derive(Debug, Default)]
pub struct ImportOutcome {
    /// Counts of what was written.
    pub summary: ImportSummary,
    /// Link rows skipped because a firm they name is unknown (only with `skip_invalid`).
    pub skipped: Vec<RowError>,
}

/// Upserts `firms` by USCC and `links` by (supplier, customer, product) inside `conn` (which
/// should be a transaction the caller commits only on `Ok`).
#[instrument(skip_all, fields(firms = firm_rows.len(), links = link_rows.len()))]
pub async fn apply(
    conn: &impl ConnectionTrait,
    firm_rows: &[FirmRow],
    link_rows: &[LinkRow],
    skip_invalid: bool,
    progress: &dyn Progress,
) -> Result<ImportOutcome, ImportFailure> {
    // 1. Resolve every firm the links name; unknown ones reject their rows before any write.
    let in_file: HashSet<&str> = firm_rows.iter().map(|r| r.firm.uscc.as_str()).collect();
    let elsewhere: Vec<&str> = link_rows
        .iter()
        .flat_map(|r| [r.link.supplier().as_str(), r.link.customer().as_str()])
        .filter(|u| !in_file.contains(u))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let registered = firms::ids_by_uscc(conn, &elsewhere).await?;
    let mut skipped = Vec::new();
    let mut usable: Vec<&LinkRow> = Vec::with_capacity(link_rows.len());
    for r in link_rows {
        let missing: Vec<&str> = [r.link.supplier().as_str(), r.link.customer().as_str()]
            .into_iter()
            .filter(|u| !in_file.contains(u) && !registered.contains_key(*u))
            .collect();
        if missing.is_empty() {
            usable.push(r);
        } else {
            skipped.push(RowError {
                file: "links",
                line: r.line,
                column: None,
                code: ErrorCode::NotFound,
                message: format!("firm {} is neither in the firms file nor registered", missing.join(" and ")),
            });
        }
    }
    if !skipped.is_empty() && !skip_invalid {
        return Err(ImportFailure::Rejected(skipped));
    }

    let mut summary = ImportSummary::default();
    upsert_firms(conn, firm_rows, &mut summary, progress).await?;
    upsert_links(conn, &usable, &mut summary, progress).await?;
    Ok(ImportOutcome { summary, skipped })
}

async fn upsert_firms(
    conn: &impl ConnectionTrait,
    rows: &[FirmRow],
    summary: &mut ImportSummary,
    progress: &dyn Progress,
) -> Result<(), StoreError> {
    progress.stage("firms", rows.len() as u64);
    let usccs: Vec<&str> = rows.iter().map(|r| r.firm.uscc.as_str()).collect();
    let mut existing: HashMap<String, firm::Model> = HashMap::new();
    for chunk in usccs.chunks(5_000) {
        for m in firm::Entity::find().filter(firm::Column::Uscc.is_in(chunk.iter().copied())).all(conn).await? {
            existing.insert(m.uscc.clone(), m);
        }
    }
    let mut existing_chains: HashMap<i64, Vec<String>> = HashMap::new();
    let ids: Vec<i64> = existing.values().map(|m| m.id).collect();
    for chunk in ids.chunks(5_000) {
        for m in
            firm_chain::Entity::find().filter(firm_chain::Column::FirmId.is_in(chunk.iter().copied())).all(conn).await?
        {
            existing_chains.entry(m.firm_id).or_default().push(m.chain_code);
        }
    }

    let all_chains: Vec<ChainCode> =
        rows.iter().flat_map(|r| r.firm.chains.iter().cloned()).collect::<HashSet<_>>().into_iter().collect();
    chains::ensure(conn, &all_chains).await?;

    let mut new: Vec<&FirmDraft> = Vec::new();
    for r in rows {
        let d = &r.firm;
        match existing.get(d.uscc.as_str()) {
            None => new.push(d),
            Some(m) => {
                let mut stored_chains = existing_chains.remove(&m.id).unwrap_or_default();
                stored_chains.sort_unstable();
                let mut file_chains: Vec<String> = d.chains.iter().map(|c| c.as_str().to_owned()).collect();
                file_chains.sort_unstable();
                let verified = m.verification == Verification::Verified.as_str();
                if same_firm(m, d) && stored_chains == file_chains && verified {
                    summary.firms_unchanged += 1;
                } else {
                    // an operator's registration file stands behind every firm in it
                    firms::update_fields(d)
                        .col_expr(firm::Column::Verification, Expr::value(Verification::Verified.as_str()))
                        .filter(firm::Column::Id.eq(m.id))
                        .exec(conn)
                        .await?;
                    chains::set_for_firm(conn, m.id, &d.chains).await?;
                    summary.firms_updated += 1;
                }
                progress.advance(1);
            }
        }
    }

    for chunk in new.chunks(rows_per_insert(firms::COLUMNS)) {
        firm::Entity::insert_many(chunk.iter().map(|d| firms::active_model(d, 1))).exec_without_returning(conn).await?;
        summary.firms_created += chunk.len() as u64;
        progress.advance(chunk.len() as u64);
    }
    // Chain memberships of the new firms need their ids.
    let new_usccs: Vec<&str> = new.iter().map(|d| d.uscc.as_str()).collect();
    let new_ids = firms::ids_by_uscc(conn, &new_usccs).await?;
    let memberships: Vec<(i64, &ChainCode)> = new
        .iter()
        .flat_map(|d| {
            let id = new_ids.get(d.uscc.as_str()).copied();
            d.chains.iter().filter_map(move |c| id.map(|id| (id, c)))
        })
        .collect();
    for chunk in memberships.chunks(rows_per_insert(2)) {
        let models = chunk
            .iter()
            .map(|(id, c)| firm_chain::ActiveModel { firm_id: Set(*id), chain_code: Set(c.as_str().to_owned()) });
        firm_chain::Entity::insert_many(models).exec_without_returning(conn).await?;
    }
    Ok(())
}

fn same_firm(m: &firm::Model, d: &FirmDraft) -> bool {
    m.name == d.name.as_str()
        && m.region_code == d.region.as_str()
        && m.industry_code == d.industry.as_str()
        && m.employees == d.indicators.employees.map(i64::from)
        && m.revenue_10k_cny == d.indicators.revenue_10k_cny
        && m.assets_10k_cny == d.indicators.assets_10k_cny
        && m.size_class == d.size_class().as_str()
}

async fn upsert_links(
    conn: &impl ConnectionTrait,
    rows: &[&LinkRow],
    summary: &mut ImportSummary,
    progress: &dyn Progress,
) -> Result<(), StoreError> {
    progress.stage("links", rows.len() as u64);
    let usccs: Vec<&str> = rows
        .iter()
        .flat_map(|r| [r.link.supplier().as_str(), r.link.customer().as_str()])
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let ids = firms::ids_by_uscc(conn, &usccs).await?;
    let id_of = |u: &str| ids.get(u).copied().ok_or_else(|| StoreError::NotFound(format!("firm {u}")));

    let mut suppliers: Vec<i64> = Vec::new();
    let mut resolved: Vec<NewLink> = Vec::with_capacity(rows.len());
    for r in rows {
        let s = id_of(r.link.supplier().as_str())?;
        suppliers.push(s);
        resolved.push(NewLink {
            supplier_id: FirmId(s),
            customer_id: FirmId(id_of(r.link.customer().as_str())?),
            product: r.link.product.clone(),
            annual_value: r.link.annual_value,
            essentiality: r.link.essentiality,
            declared_by: None,
        });
    }
    suppliers.sort_unstable();
    suppliers.dedup();
    let mut existing: HashMap<(i64, i64, String), (i64, f64, String)> = HashMap::new();
    for chunk in suppliers.chunks(5_000) {
        let found: Vec<(i64, i64, i64, String, f64, String)> = supply_link::Entity::find()
            .select_only()
            .columns([
                supply_link::Column::Id,
                supply_link::Column::SupplierId,
                supply_link::Column::CustomerId,
                supply_link::Column::Product,
                supply_link::Column::AnnualValue10kCny,
                supply_link::Column::Essentiality,
            ])
            .filter(supply_link::Column::SupplierId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, s, c, p, v, e) in found {
            existing.insert((s, c, p), (id, v, e));
        }
    }

    let mut new: Vec<&NewLink> = Vec::new();
    for l in &resolved {
        let key = (l.supplier_id.0, l.customer_id.0, l.product.as_str().to_owned());
        match existing.get(&key) {
            None => new.push(l),
            Some((id, v, e)) => {
                if *v == l.annual_value.get() && e == l.essentiality.as_str() {
                    summary.links_unchanged += 1;
                } else {
                    supply_link::Entity::update_many()
                        .col_expr(supply_link::Column::AnnualValue10kCny, Expr::value(l.annual_value.get()))
                        .col_expr(supply_link::Column::Essentiality, Expr::value(l.essentiality.as_str()))
                        .col_expr(supply_link::Column::Version, Expr::col(supply_link::Column::Version).add(1))
                        .col_expr(supply_link::Column::UpdatedAt, Expr::value(Utc::now()))
                        .filter(supply_link::Column::Id.eq(*id))
                        .exec(conn)
                        .await?;
                    summary.links_updated += 1;
                }
                progress.advance(1);
            }
        }
    }
    for chunk in new.chunks(rows_per_insert(links::COLUMNS)) {
        supply_link::Entity::insert_many(chunk.iter().map(|l| links::active_model(l)))
            .exec_without_returning(conn)
            .await?;
        summary.links_created += chunk.len() as u64;
        progress.advance(chunk.len() as u64);
    }
    Ok(())
}
