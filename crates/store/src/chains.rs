//! Repository of key industrial chains.
use std::collections::{HashMap, HashSet};

use linchpin_domain::ChainCode;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, QueryStatementBuilder};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::StoreError;
use crate::entity::{chain, firm_chain};

/// A chain with the number of firms on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSummary {
    /// Chain code.
    pub code: ChainCode,
    /// Display name.
    pub name: String,
    /// Firms on the chain.
    pub firm_count: i64,
}

#[derive(FromQueryResult)]
struct ChainRow {
    code: String,
    name: String,
    firm_count: i64,
}

/// Every chain with its firm count, ordered by code. Chains are few (tens), so this is bounded.
pub async fn list(conn: &impl ConnectionTrait) -> Result<Vec<ChainSummary>, StoreError> {
    let count = Query::select()
        .expr(Func::count(Expr::col(firm_chain::Column::FirmId)))
        .from(firm_chain::Entity)
        .and_where(
            Expr::col((firm_chain::Entity, firm_chain::Column::ChainCode)).equals((chain::Entity, chain::Column::Code)),
        )
        .to_owned();
    let rows = chain::Entity::find()
        .select_only()
        .column(chain::Column::Code)
        .column(chain::Column::Name)
        .column_as(Expr::SubQuery(None, Box::new(count.into_sub_query_statement())), "firm_count")
        .order_by_asc(chain::Column::Code)
        .into_model::<ChainRow>()
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ChainSummary {
                code: ChainCode::parse(&r.code).map_err(|e| crate::error::corrupt("chain code", e))?,
                name: r.name,
                firm_count: r.firm_count,
            })
        })
        .collect()
}

/// The chains of each of `firms`, sorted, in one statement per 5,000 firms (firms on no chain
/// get an empty list; unknown ids too).
pub async fn of_firms(
    conn: &impl ConnectionTrait,
    firms: &[linchpin_domain::FirmId],
) -> Result<HashMap<linchpin_domain::FirmId, Vec<ChainCode>>, StoreError> {
    let mut out: HashMap<_, Vec<ChainCode>> = firms.iter().map(|f| (*f, Vec::new())).collect();
    for chunk in firms.chunks(5_000) {
        let rows: Vec<(i64, String)> = firm_chain::Entity::find()
            .select_only()
            .column(firm_chain::Column::FirmId)
            .column(firm_chain::Column::ChainCode)
            .filter(firm_chain::Column::FirmId.is_in(chunk.iter().map(|f| f.0)))
            .into_tuple()
            .all(conn)
            .await?;
        for (firm, code) in rows {
            let code = ChainCode::parse(&code).map_err(|e| crate::error::corrupt("firm_chain", e))?;
            out.entry(linchpin_domain::FirmId(firm)).or_default().push(code);
        }
    }
    out.values_mut().for_each(|c| c.sort());
    Ok(out)
}

/// Creates the chains in `codes` that do not exist yet (named by their code).
pub async fn ensure(conn: &impl ConnectionTrait, codes: &[ChainCode]) -> Result<(), StoreError> {
    if codes.is_empty() {
        return Ok(());
    }
    let wanted: HashSet<&str> = codes.iter().map(ChainCode::as_str).collect();
    let existing: HashSet<String> = chain::Entity::find()
        .filter(chain::Column::Code.is_in(wanted.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();
    let mut missing: Vec<&str> = wanted.into_iter().filter(|c| !existing.contains(*c)).collect();
    missing.sort_unstable();
    if missing.is_empty() {
        return Ok(());
    }
    let models = missing.into_iter().map(|c| chain::ActiveModel { code: Set(c.to_owned()), name: Set(c.to_owned()) });
    chain::Entity::insert_many(models).exec(conn).await?;
    Ok(())
}

/// Replaces the chain memberships of `firm_id` with `codes` (creating unknown chains).
pub async fn set_for_firm(conn: &impl ConnectionTrait, firm_id: i64, codes: &[ChainCode]) -> Result<(), StoreError> {
    ensure(conn, codes).await?;
    firm_chain::Entity::delete_many().filter(firm_chain::Column::FirmId.eq(firm_id)).exec(conn).await?;
    if !codes.is_empty() {
        let rows = codes
            .iter()
            .map(|c| firm_chain::ActiveModel { firm_id: Set(firm_id), chain_code: Set(c.as_str().to_owned()) });
        firm_chain::Entity::insert_many(rows).exec(conn).await?;
    }
    Ok(())
}

/// Sets the display name of an existing chain.
pub async fn set_name(conn: &impl ConnectionTrait, code: &str, name: &str) -> Result<(), StoreError> {
    let res = chain::Entity::update_many()
        .col_expr(chain::Column::Name, Expr::value(name))
        .filter(chain::Column::Code.eq(code))
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound(format!("chain {code}")));
    }
    Ok(())
}
