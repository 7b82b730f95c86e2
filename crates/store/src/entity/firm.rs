//! Table `firm`.
use sea_orm::entity::prelude::*;

/// A row of `firm`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "firm")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unified social credit code, unique.
    #[sea_orm(unique)]
    pub uscc: String,
    /// Registered name.
    pub name: String,
    /// GB/T 2260 region code.
    pub region_code: String,
    /// GB/T 4754-2017 industry code.
    pub industry_code: String,
    /// Employees, if known.
    pub employees: Option<i64>,
    /// Revenue in 10,000 CNY, if known.
    pub revenue_10k_cny: Option<f64>,
    /// Assets in 10,000 CNY, if known.
    pub assets_10k_cny: Option<f64>,
    /// Derived size class (wire name).
    pub size_class: String,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// VERIFIED or PENDING (wire name).
    pub verification: String,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
