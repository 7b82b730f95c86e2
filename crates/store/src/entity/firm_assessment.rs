//! Table `firm_assessment`: per-firm results of an analysis run.
use sea_orm::entity::prelude::*;

/// A row of `firm_assessment`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "firm_assessment")]
pub struct Model {
    /// The run.
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: i64,
    /// The firm.
    #[sea_orm(primary_key, auto_increment = false)]
    pub firm_id: i64,
    /// ESRI.
    pub esri: f64,
    /// ESRI through missing inputs.
    pub esri_down: f64,
    /// ESRI through missing customers.
    pub esri_up: f64,
    /// ESRI / own output share.
    pub systemic_multiplier: Option<f64>,
    /// Firms dominated.
    pub dominated_firms: i64,
    /// LARGE firms dominated.
    pub dominated_large_firms: i64,
    /// Customers it is the sole essential supplier of.
    pub sole_essential_customers: i64,
    /// Firms downstream.
    pub downstream_firms: f64,
    /// Employees downstream.
    pub downstream_employees: f64,
    /// Key-node candidate.
    pub key_node: bool,
    /// Reasons (JSON array of {code, zh, en, customer}).
    pub reasons: String,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
