//! Table `supply_link`.
use sea_orm::entity::prelude::*;

/// A row of `supply_link`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "supply_link")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Selling firm.
    pub supplier_id: i64,
    /// Buying firm.
    pub customer_id: i64,
    /// What flows.
    pub product: String,
    /// Annual value in 10,000 CNY.
    pub annual_value_10k_cny: f64,
    /// Essentiality (wire name).
    pub essentiality: String,
    /// Status (wire name).
    pub status: String,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// The end that declared the link (null: imported or declared by an operator).
    pub declared_by_firm_id: Option<i64>,
    /// Why the other end rejected it (status REJECTED).
    pub rejection_reason: Option<String>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
