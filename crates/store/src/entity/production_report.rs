//! Table `production_report`: the history of what firms report about their production.
use sea_orm::entity::prelude::*;

/// A row of `production_report`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "production_report")]
pub struct Model {
    /// Surrogate key (order of reports).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The firm.
    pub firm_id: i64,
    /// Capacity running, 0 to 100.
    pub capacity_percent: i32,
    /// Staff on site.
    pub staff_on_site: i32,
    /// Staff in total.
    pub staff_total: i32,
    /// Free text.
    pub note: String,
    /// When.
    pub at: DateTimeUtc,
    /// The reporting account.
    pub account_id: i64,
    /// Its username then.
    pub actor: String,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
