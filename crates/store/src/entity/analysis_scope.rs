//! Table `analysis_scope`: the number of SMEs in each scope of a run (the base of its budget).
use sea_orm::entity::prelude::*;

/// A row of `analysis_scope`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "analysis_scope")]
pub struct Model {
    /// The run.
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: i64,
    /// The scope.
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    /// SMEs in the scope.
    pub smes: i64,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
