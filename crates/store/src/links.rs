//! Repository of supply links.
use std::collections::HashMap;

use chrono::Utc;
use linchpin_domain::{Essentiality, FirmId, LinkId, LinkScope, LinkStatus, Product, SupplyLinkRecord, Value10kCny};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use tracing::instrument;

use crate::entity::{firm, supply_link};
use crate::firms::ChainsNotRead;
use crate::rows::link_from_row;
use crate::{Page, StoreError};

/// Which side of a firm a listing looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Links on which the firm buys (its suppliers).
    Suppliers,
    /// Links on which the firm sells (its customers).
    Customers,
}

/// A new link between two stored firms. The domain has already refused self-links.
#[derive(Debug, Clone)]
pub struct NewLink {
    /// Selling firm.
    pub supplier_id: FirmId,
    /// Buying firm.
    pub customer_id: FirmId,
    /// What flows.
    pub product: Product,
    /// Annual value.
    pub annual_value: Value10kCny,
    /// Essentiality.
    pub essentiality: Essentiality,
    /// The end that declares it (`None` for imports and operators).
    pub declared_by: Option<FirmId>,
}

/// Columns of a `supply_link` row, for sizing multi-row inserts under the databases' parameter
/// limits.
pub(crate) const COLUMNS: usize = 12;

pub(crate) fn active_model(l: &NewLink) -> supply_link::ActiveModel {
    let now = Utc::now();
    supply_link::ActiveModel {
        id: Default::default(),
        supplier_id: Set(l.supplier_id.0),
        customer_id: Set(l.customer_id.0),
        product: Set(l.product.as_str().to_owned()),
        annual_value_10k_cny: Set(l.annual_value.get()),
        essentiality: Set(l.essentiality.as_str().to_owned()),
        status: Set(LinkStatus::Declared.as_str().to_owned()),
        version: Set(1),
        declared_by_firm_id: Set(l.declared_by.map(|f| f.0)),
        rejection_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Declares a link. Fails with `Duplicate` when the same supplier already sells the same product
/// to the same customer, `NotFound` when a firm is missing.
#[instrument(skip_all, fields(supplier = link.supplier_id.0, customer = link.customer_id.0))]
pub async fn insert(conn: &impl ConnectionTrait, link: &NewLink) -> Result<SupplyLinkRecord, StoreError> {
    let dup =
        || StoreError::Duplicate(format!("link of `{}` from this supplier to this customer", link.product.as_str()));
    if supplies_product(conn, link.supplier_id, link.customer_id, link.product.as_str()).await? {
        return Err(dup());
    }
    let res =
        supply_link::Entity::insert(active_model(link)).exec(conn).await.map_err(|e| match StoreError::from(e) {
            StoreError::Duplicate(_) => dup(),
            other => other,
        })?;
    get(conn, LinkId(res.last_insert_id)).await
}

/// One link by id.
pub async fn get(conn: &impl ConnectionTrait, id: LinkId) -> Result<SupplyLinkRecord, StoreError> {
    let row = supply_link::Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("supply link {}", id.0)))?;
    link_from_row(row)
}

/// Sets a DECLARED link to CONFIRMED if its version is still `expected_version`.
#[instrument(skip_all, fields(id = id.0))]
pub async fn confirm(
    conn: &impl ConnectionTrait,
    id: LinkId,
    expected_version: i32,
) -> Result<SupplyLinkRecord, StoreError> {
    let current = get(conn, id).await?;
    set_status(conn, &current, expected_version, current.status.confirm()?, None).await
}

/// Sets a DECLARED link to REJECTED, with the other end's reason, if its version is still
/// `expected_version`.
#[instrument(skip_all, fields(id = id.0))]
pub async fn reject(
    conn: &impl ConnectionTrait,
    id: LinkId,
    expected_version: i32,
    reason: &str,
) -> Result<SupplyLinkRecord, StoreError> {
    let current = get(conn, id).await?;
    set_status(conn, &current, expected_version, current.status.reject()?, Some(reason)).await
}

async fn set_status(
    conn: &impl ConnectionTrait,
    current: &SupplyLinkRecord,
    expected_version: i32,
    next: LinkStatus,
    reason: Option<&str>,
) -> Result<SupplyLinkRecord, StoreError> {
    let id = current.id;
    if current.version != expected_version {
        return Err(StoreError::VersionConflict { expected: expected_version, current: current.version });
    }
    let res = supply_link::Entity::update_many()
        .col_expr(supply_link::Column::Status, Expr::value(next.as_str()))
        .col_expr(supply_link::Column::RejectionReason, Expr::value(reason.map(str::to_owned)))
        .col_expr(supply_link::Column::Version, Expr::col(supply_link::Column::Version).add(1))
        .col_expr(supply_link::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(supply_link::Column::Id.eq(id.0))
        .filter(supply_link::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        let now = get(conn, id).await?;
        return Err(StoreError::VersionConflict { expected: expected_version, current: now.version });
    }
    get(conn, id).await
}

/// Deletes a link if its version is still `expected_version`; returns what was removed.
#[instrument(skip_all, fields(id = id.0))]
pub async fn remove(
    conn: &impl ConnectionTrait,
    id: LinkId,
    expected_version: i32,
) -> Result<SupplyLinkRecord, StoreError> {
    let current = get(conn, id).await?;
    let res = supply_link::Entity::delete_many()
        .filter(supply_link::Column::Id.eq(id.0))
        .filter(supply_link::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::VersionConflict { expected: expected_version, current: current.version });
    }
    Ok(current)
}

/// Pages of the links of many firms on one side that `scope` may see, each ordered by link id and
/// starting after `after`, each link with the firm at its other end (without that firm's chains): one
/// statement for all of them (a window numbering each firm's links, cut at `limit + 1`, joined to
/// the other ends), answered from the (customer, id) and (supplier, id) indexes. Firms without a
/// visible link get an empty page.
#[instrument(skip_all, fields(firms = firms.len(), ?side, limit))]
pub async fn pages_for_firms(
    conn: &impl ConnectionTrait,
    firms: &[FirmId],
    side: Side,
    scope: &LinkScope,
    after: Option<LinkId>,
    limit: u64,
) -> Result<HashMap<FirmId, Page<(SupplyLinkRecord, ChainsNotRead)>>, StoreError> {
    let mut out: HashMap<FirmId, Page<(SupplyLinkRecord, ChainsNotRead)>> =
        firms.iter().map(|f| (*f, Page::empty())).collect();
    for chunk in firms.chunks(1_000) {
        let stmt = pages_statement(conn.get_database_backend(), chunk, side, scope, after, limit);
        for r in conn.query_all_raw(stmt).await? {
            let m = supply_link::Model::from_query_result(&r, "")?;
            let other = firm::Model::from_query_result(&r, "f_")?;
            let parent = FirmId(match side {
                Side::Suppliers => m.customer_id,
                Side::Customers => m.supplier_id,
            });
            let row = |(m, other): (supply_link::Model, firm::Model)| -> Result<_, StoreError> {
                Ok((link_from_row(m)?, ChainsNotRead::from_row(other)?))
            };
            out.entry(parent).or_insert_with(Page::empty).push_windowed(limit, (m, other), row)?;
        }
    }
    Ok(out)
}

/// The statement of [`pages_for_firms`] (public for the query-plan tests).
pub fn pages_statement(
    backend: sea_orm::DatabaseBackend,
    firms: &[FirmId],
    side: Side,
    scope: &LinkScope,
    after: Option<LinkId>,
    limit: u64,
) -> sea_orm::Statement {
    use sea_orm::sea_query::{Alias, Asterisk, Order};
    let parent = match side {
        Side::Suppliers => supply_link::Column::CustomerId,
        Side::Customers => supply_link::Column::SupplierId,
    };
    let parent_name = match side {
        Side::Suppliers => "customer_id",
        Side::Customers => "supplier_id",
    };
    let mut inner = supply_link::Entity::find().filter(parent.is_in(firms.iter().map(|f| f.0))).filter(visible(scope));
    if let Some(a) = after {
        inner = inner.filter(supply_link::Column::Id.gt(a.0));
    }
    let inner = inner
        .expr_as(Expr::cust(format!("ROW_NUMBER() OVER (PARTITION BY {parent_name} ORDER BY id)")), "rn")
        .into_query();
    let other_name = match side {
        Side::Suppliers => "supplier_id",
        Side::Customers => "customer_id",
    };
    let (t, f) = (Alias::new("t"), Alias::new("f"));
    let mut outer = Query::select();
    outer.column((t.clone(), Asterisk));
    for c in <firm::Column as sea_orm::Iterable>::iter() {
        outer.expr_as(Expr::col((f.clone(), c)), Alias::new(format!("f_{}", sea_orm::IdenStatic::as_str(&c))));
    }
    outer
        .from_subquery(inner, t.clone())
        .join_as(
            sea_orm::sea_query::JoinType::InnerJoin,
            firm::Entity,
            f.clone(),
            Expr::col((f.clone(), firm::Column::Id)).equals((t.clone(), Alias::new(other_name))),
        )
        .and_where(
            Expr::col((t.clone(), Alias::new("rn"))).lte(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1)),
        )
        .order_by((t.clone(), Alias::new(parent_name)), Order::Asc)
        .order_by((t, Alias::new("id")), Order::Asc);
    backend.build(&outer)
}

/// A page of the links `scope` may see, ordered by id.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &LinkScope,
    after: Option<LinkId>,
    limit: u64,
) -> Result<Page<SupplyLinkRecord>, StoreError> {
    page(conn, supply_link::Entity::find().filter(visible(scope)), after, limit).await
}

/// The SQL form of a viewer's link visibility, so pages are filtered in the database and a
/// hidden link never leaves it.
fn visible(scope: &LinkScope) -> Condition {
    match scope {
        LinkScope::All => Condition::all(),
        LinkScope::Firm(f) => {
            Condition::any().add(supply_link::Column::SupplierId.eq(f.0)).add(supply_link::Column::CustomerId.eq(f.0))
        }
        LinkScope::Jurisdiction(j) => {
            let inside = || {
                Query::select()
                    .column(firm::Column::Id)
                    .from(firm::Entity)
                    .and_where(crate::in_region(firm::Column::RegionCode, j))
                    .to_owned()
            };
            Condition::any()
                .add(supply_link::Column::SupplierId.in_subquery(inside()))
                .add(supply_link::Column::CustomerId.in_subquery(inside()))
        }
    }
}

async fn page(
    conn: &impl ConnectionTrait,
    mut q: sea_orm::Select<supply_link::Entity>,
    after: Option<LinkId>,
    limit: u64,
) -> Result<Page<SupplyLinkRecord>, StoreError> {
    if let Some(after) = after {
        q = q.filter(supply_link::Column::Id.gt(after.0));
    }
    let rows = crate::fetch_page(conn, q.order_by_asc(supply_link::Column::Id).limit(limit + 1)).await?;
    let page = Page::from_overfetch(rows, limit);
    Ok(Page { items: page.items.into_iter().map(link_from_row).collect::<Result<_, _>>()?, has_next: page.has_next })
}

/// A page of the DECLARED links that wait for `firm` to confirm or reject them: links of which it
/// is one end and which it did not declare itself (declared by the other end, or imported), in id
/// order.
pub async fn awaiting(
    conn: &impl ConnectionTrait,
    firm: FirmId,
    after: Option<LinkId>,
    limit: u64,
) -> Result<Page<SupplyLinkRecord>, StoreError> {
    use supply_link::Column as C;
    let not_by = || Condition::any().add(C::DeclaredByFirmId.is_null()).add(C::DeclaredByFirmId.ne(firm.0));
    let mine = Condition::any()
        .add(Condition::all().add(C::SupplierId.eq(firm.0)).add(not_by()))
        .add(Condition::all().add(C::CustomerId.eq(firm.0)).add(not_by()));
    let q = supply_link::Entity::find().filter(C::Status.eq(LinkStatus::Declared.as_str())).filter(mine);
    page(conn, q, after, limit).await
}

/// Every supplier link of `customer`, with its supplier's industry and verification: what
/// [`linchpin_domain::coverage::supplier_coverage`] needs.
pub async fn supply_inputs(
    conn: &impl ConnectionTrait,
    customer: FirmId,
) -> Result<Vec<linchpin_domain::coverage::SupplyInput>, StoreError> {
    use linchpin_domain::{IndustryCode, Verification};
    let rows = supply_link::Entity::find().filter(supply_link::Column::CustomerId.eq(customer.0)).all(conn).await?;
    let links: Vec<SupplyLinkRecord> = rows.into_iter().map(link_from_row).collect::<Result<_, _>>()?;
    let mut ids: Vec<i64> = links.iter().map(|l| l.supplier_id.0).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut suppliers: std::collections::HashMap<i64, (IndustryCode, Verification)> = std::collections::HashMap::new();
    for chunk in ids.chunks(1_000) {
        let found: Vec<(i64, String, String)> = firm::Entity::find()
            .select_only()
            .columns([firm::Column::Id, firm::Column::IndustryCode, firm::Column::Verification])
            .filter(firm::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, industry, verification) in found {
            let industry = IndustryCode::parse(&industry).map_err(|e| crate::error::corrupt("firm industry", e))?;
            let verification = Verification::from_wire(&verification)
                .ok_or_else(|| crate::error::corrupt("firm verification", &verification))?;
            suppliers.insert(id, (industry, verification));
        }
    }
    links
        .into_iter()
        .map(|l| {
            let (industry, verification) = suppliers
                .get(&l.supplier_id.0)
                .cloned()
                .ok_or_else(|| StoreError::NotFound(format!("firm {}", l.supplier_id.0)))?;
            Ok(linchpin_domain::coverage::SupplyInput {
                supplier: l.supplier_id,
                industry,
                verification,
                value: l.annual_value.get(),
                essentiality: l.essentiality,
                status: l.status,
            })
        })
        .collect()
}

/// Whether `supplier` already sells `product` to `customer` (any status).
pub async fn supplies_product(
    conn: &impl ConnectionTrait,
    supplier: FirmId,
    customer: FirmId,
    product: &str,
) -> Result<bool, StoreError> {
    let n = supply_link::Entity::find()
        .filter(supply_link::Column::SupplierId.eq(supplier.0))
        .filter(supply_link::Column::CustomerId.eq(customer.0))
        .filter(supply_link::Column::Product.eq(product))
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// Whether `supplier` sells to `customer` on a link in `status`.
pub async fn supplies(
    conn: &impl ConnectionTrait,
    supplier: FirmId,
    customer: FirmId,
    status: LinkStatus,
) -> Result<bool, StoreError> {
    let n = supply_link::Entity::find()
        .filter(supply_link::Column::SupplierId.eq(supplier.0))
        .filter(supply_link::Column::CustomerId.eq(customer.0))
        .filter(supply_link::Column::Status.eq(status.as_str()))
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// Number of links.
pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(supply_link::Entity::find().count(conn).await?)
}

/// For each of `suppliers`, how many LARGE firms it supplies an essential input to through a
/// CONFIRMED link (what a blockage's priority counts; unconfirmed claims count for nothing).
pub async fn large_essential_customers(
    conn: &impl ConnectionTrait,
    suppliers: &[FirmId],
) -> Result<HashMap<FirmId, u32>, StoreError> {
    use supply_link::Column as C;
    let mut out = HashMap::new();
    for chunk in suppliers.chunks(5_000) {
        let large = Query::select()
            .column(firm::Column::Id)
            .from(firm::Entity)
            .and_where(firm::Column::SizeClass.eq(linchpin_domain::SizeClass::Large.as_str()))
            .to_owned();
        let rows: Vec<(i64, i64)> = supply_link::Entity::find()
            .select_only()
            .column(C::SupplierId)
            .column_as(Expr::col(C::CustomerId).count_distinct(), "n")
            .filter(C::SupplierId.is_in(chunk.iter().map(|f| f.0)))
            .filter(C::Status.eq(LinkStatus::Confirmed.as_str()))
            .filter(C::Essentiality.eq(Essentiality::Essential.as_str()))
            .filter(C::CustomerId.in_subquery(large))
            .group_by(C::SupplierId)
            .into_tuple()
            .all(conn)
            .await?;
        for (s, n) in rows {
            out.insert(FirmId(s), u32::try_from(n).unwrap_or(u32::MAX));
        }
    }
    Ok(out)
}
