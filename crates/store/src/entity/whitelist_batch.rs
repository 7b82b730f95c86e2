//! Table `whitelist_batch`: a published batch (第N批) of one province.
use sea_orm::entity::prelude::*;

/// A row of `whitelist_batch`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "whitelist_batch")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Province (2 digits).
    pub province: String,
    /// Chain the batch was limited to, if any.
    pub chain_code: Option<String>,
    /// The number within the province (1, 2, ...).
    pub number: i32,
    /// Title.
    pub title: String,
    /// When it was published.
    pub published_at: DateTimeUtc,
    /// The publishing account.
    pub published_by: i64,
    /// Its username then.
    pub published_by_name: String,
    /// Entries in the batch.
    pub entries: i64,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
