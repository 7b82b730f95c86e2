//! A customer's supplier list (携手行动), applied in the caller's transaction: suppliers not yet
//! registered become PENDING firms, every (supplier, product) becomes a link DECLARED by the
//! customer, and a re-upload of the same list changes nothing. Links of the customer that the
//! list does not name are left as they are: a list adds and corrects, it never removes.
use std::collections::HashMap;

use chrono::Utc;
use linchpin_domain::{
    Essentiality, FirmDraft, FirmId, FirmRecord, Indicators, LinkStatus, SupplierRow, SupplyLinkRecord, Verification,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use tracing::instrument;

use crate::entity::{firm, supply_link};
use crate::links::{self, NewLink};
use crate::rows::link_from_row;
use crate::{StoreError, firms, rows_per_insert};

/// Counts of an applied (or dry-run) list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListSummary {
    /// Rows in the list.
    pub rows: u64,
    /// Links created.
    pub created: u64,
    /// Links whose value or essentiality changed (they wait for the supplier again).
    pub updated: u64,
    /// Links already as the list says.
    pub unchanged: u64,
    /// Suppliers registered as PENDING firms.
    pub pending_firms: u64,
}

/// What a list changed: counts, the new PENDING firms, and each changed link before and after.
#[derive(Debug, Default)]
pub struct ListOutcome {
    /// Counts.
    pub summary: ListSummary,
    /// Firms created as PENDING.
    pub pending: Vec<FirmRecord>,
    /// Links created (`None` before) or updated.
    pub changed: Vec<(Option<SupplyLinkRecord>, SupplyLinkRecord)>,
}

/// Largest number of values in one `IN (...)`.
const IN_CHUNK: usize = 1_000;

fn same_terms(link: &SupplyLinkRecord, value: f64, essentiality: Essentiality) -> bool {
    (link.annual_value.get() - value).abs() <= 1e-9 * value.abs().max(1.0) && link.essentiality == essentiality
}

/// The customer's existing links from `suppliers`, by (supplier, product).
async fn existing_links(
    conn: &impl ConnectionTrait,
    customer: FirmId,
    suppliers: &[i64],
) -> Result<HashMap<(i64, String), SupplyLinkRecord>, StoreError> {
    let mut out = HashMap::new();
    for chunk in suppliers.chunks(IN_CHUNK) {
        let rows = supply_link::Entity::find()
            .filter(supply_link::Column::CustomerId.eq(customer.0))
            .filter(supply_link::Column::SupplierId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        for m in rows {
            let l = link_from_row(m)?;
            out.insert((l.supplier_id.0, l.product.as_str().to_owned()), l);
        }
    }
    Ok(out)
}

/// Applies `rows` (already validated, no (supplier, product) twice, none naming the customer) as
/// `customer`'s supplier list. Run it in a transaction; a dry run rolls that back.
#[instrument(skip_all, fields(customer = customer.0, rows = rows.len()))]
pub async fn apply(
    conn: &impl ConnectionTrait,
    customer: FirmId,
    rows: &[SupplierRow],
) -> Result<ListOutcome, StoreError> {
    let mut out = ListOutcome {
        summary: ListSummary { rows: rows.len() as u64, ..ListSummary::default() },
        ..ListOutcome::default()
    };
    // 1. suppliers: registered ones by id; the others become PENDING firms (first row wins)
    let usccs: Vec<&str> = rows.iter().map(|r| r.supplier.as_str()).collect();
    let mut ids = firms::ids_by_uscc(conn, &usccs).await?;
    let mut new: Vec<FirmDraft> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in rows {
        if !ids.contains_key(r.supplier.as_str()) && seen.insert(r.supplier.as_str()) {
            new.push(FirmDraft {
                uscc: r.supplier.clone(),
                name: r.name.clone(),
                region: r.region.clone(),
                industry: r.industry.clone(),
                indicators: Indicators::default(),
                chains: Vec::new(),
            });
        }
    }
    for chunk in new.chunks(rows_per_insert(firms::COLUMNS)) {
        let models = chunk.iter().map(|d| {
            let mut m = firms::active_model(d, 1);
            m.verification = Set(Verification::Pending.as_str().to_owned());
            m
        });
        firm::Entity::insert_many(models).exec_without_returning(conn).await?;
    }
    if !new.is_empty() {
        let created: Vec<&str> = new.iter().map(|d| d.uscc.as_str()).collect();
        let created_ids = firms::ids_by_uscc(conn, &created).await?;
        let mut list: Vec<FirmId> = created_ids.values().map(|&id| FirmId(id)).collect();
        list.sort_unstable();
        let records = firms::get_many(conn, &list).await?;
        out.pending = list.iter().filter_map(|id| records.get(id).cloned()).collect();
        out.summary.pending_firms = out.pending.len() as u64;
        ids.extend(created_ids);
    }
    // 2. links: new ones in bulk, changed ones one by one
    let mut supplier_ids: Vec<i64> = ids.values().copied().collect();
    supplier_ids.sort_unstable();
    supplier_ids.dedup();
    let existing = existing_links(conn, customer, &supplier_ids).await?;
    let mut to_insert: Vec<NewLink> = Vec::new();
    for r in rows {
        let supplier =
            *ids.get(r.supplier.as_str()).ok_or_else(|| StoreError::NotFound(format!("firm {}", r.supplier)))?;
        match existing.get(&(supplier, r.product.as_str().to_owned())) {
            None => to_insert.push(NewLink {
                supplier_id: FirmId(supplier),
                customer_id: customer,
                product: r.product.clone(),
                annual_value: r.value,
                essentiality: r.essentiality,
                declared_by: Some(customer),
            }),
            Some(l) if same_terms(l, r.value.get(), r.essentiality) => out.summary.unchanged += 1,
            Some(l) => {
                // new terms wait for the supplier again
                supply_link::Entity::update_many()
                    .col_expr(supply_link::Column::AnnualValue10kCny, Expr::value(r.value.get()))
                    .col_expr(supply_link::Column::Essentiality, Expr::value(r.essentiality.as_str()))
                    .col_expr(supply_link::Column::Status, Expr::value(LinkStatus::Declared.as_str()))
                    .col_expr(supply_link::Column::DeclaredByFirmId, Expr::value(customer.0))
                    .col_expr(supply_link::Column::RejectionReason, Expr::value(Option::<String>::None))
                    .col_expr(supply_link::Column::Version, Expr::col(supply_link::Column::Version).add(1))
                    .col_expr(supply_link::Column::UpdatedAt, Expr::value(Utc::now()))
                    .filter(supply_link::Column::Id.eq(l.id.0))
                    .exec(conn)
                    .await?;
                out.changed.push((Some(l.clone()), links::get(conn, l.id).await?));
                out.summary.updated += 1;
            }
        }
    }
    for chunk in to_insert.chunks(rows_per_insert(links::COLUMNS)) {
        supply_link::Entity::insert_many(chunk.iter().map(links::active_model)).exec_without_returning(conn).await?;
    }
    out.summary.created = to_insert.len() as u64;
    if !to_insert.is_empty() {
        let inserted: Vec<i64> = to_insert.iter().map(|l| l.supplier_id.0).collect();
        let now = existing_links(conn, customer, &inserted).await?;
        for l in &to_insert {
            let key = (l.supplier_id.0, l.product.as_str().to_owned());
            let created = now.get(&key).ok_or_else(|| StoreError::NotFound(format!("link of {}", key.1)))?;
            out.changed.push((None, created.clone()));
        }
    }
    Ok(out)
}

/// What merging a PENDING firm into a registered one did to its links.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    /// Links moved to the registered firm.
    pub moved: u64,
    /// Links dropped because the registered firm already had the same one (or it would link the
    /// registered firm to itself).
    pub dropped: u64,
}

/// Moves every link of the PENDING firm `pending` onto `into` and deletes `pending` (the row of a
/// supplier list had a typo in the USCC, and the supplier is registered under the right one).
#[instrument(skip_all, fields(pending = pending.0, into = into.0))]
pub async fn merge_pending(conn: &impl ConnectionTrait, pending: FirmId, into: FirmId) -> Result<Merged, StoreError> {
    use sea_orm::Condition;
    let mut merged = Merged::default();
    let rows = supply_link::Entity::find()
        .filter(
            Condition::any()
                .add(supply_link::Column::SupplierId.eq(pending.0))
                .add(supply_link::Column::CustomerId.eq(pending.0)),
        )
        .all(conn)
        .await?;
    for m in rows {
        let l = link_from_row(m)?;
        let as_supplier = l.supplier_id == pending;
        let (supplier, customer) = if as_supplier { (into, l.customer_id) } else { (l.supplier_id, into) };
        let clash =
            supplier == customer || links::supplies_product(conn, supplier, customer, l.product.as_str()).await?;
        if clash {
            supply_link::Entity::delete_by_id(l.id.0).exec(conn).await?;
            merged.dropped += 1;
            continue;
        }
        let column = if as_supplier { supply_link::Column::SupplierId } else { supply_link::Column::CustomerId };
        supply_link::Entity::update_many()
            .col_expr(column, Expr::value(into.0))
            .col_expr(supply_link::Column::Version, Expr::col(supply_link::Column::Version).add(1))
            .col_expr(supply_link::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(supply_link::Column::Id.eq(l.id.0))
            .exec(conn)
            .await?;
        merged.moved += 1;
    }
    firm::Entity::delete_by_id(pending.0).exec(conn).await?;
    Ok(merged)
}
