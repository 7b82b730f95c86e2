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
    /// In the run's default national list.
    pub key_node: bool,
    /// Reasons (JSON array of {code, zh, en}).
    pub reasons: String,
    /// The firm's own output (10,000 CNY).
    pub own_output: f64,
    /// The firm's own employees.
    pub own_jobs: f64,
    /// Output at stake (10,000 CNY).
    pub output_at_stake: f64,
    /// Jobs at stake.
    pub jobs_at_stake: f64,
    /// Priority score.
    pub priority_score: f64,
    /// National rank among SMEs.
    pub rank: Option<i32>,
    /// National percentile.
    pub percentile: Option<f64>,
    /// Stability of the listing.
    pub stability: Option<f64>,
    /// Links of the firm counted by the analysis that are not confirmed.
    pub unconfirmed_links: i64,
    /// Whether the firm is an SME.
    pub sme: bool,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
