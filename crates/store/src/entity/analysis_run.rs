//! Table `analysis_run`: one row per key-node analysis, so every number shown can be traced.
use sea_orm::entity::prelude::*;

/// A row of `analysis_run`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "analysis_run")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// When it started.
    pub started_at: DateTimeUtc,
    /// When it finished.
    pub finished_at: DateTimeUtc,
    /// What started it (`change`, `runAnalysis by <user>`, ...).
    pub trigger: String,
    /// Firms analysed.
    pub firms: i64,
    /// Links analysed.
    pub links: i64,
    /// Parameters (JSON).
    pub parameters: String,
    /// Duration in milliseconds.
    pub duration_ms: i64,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
