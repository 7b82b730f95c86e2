//! `Chain`: a key industrial chain with its firm count.
use async_graphql::SimpleObject;
use linchpin_store::chains::ChainSummary;

/// A key industrial chain (重点产业链), such as new-energy vehicles.
#[derive(SimpleObject, Debug, Clone)]
pub struct Chain {
    /// Chain code, e.g. `NEV`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Number of firms registered on the chain.
    pub firm_count: i64,
}

impl From<ChainSummary> for Chain {
    fn from(c: ChainSummary) -> Self {
        Self { code: c.code.as_str().to_owned(), name: c.name, firm_count: c.firm_count }
    }
}
