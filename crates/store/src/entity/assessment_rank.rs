//! Table `assessment_rank`: a firm's rank in one scope of a run (`all`, `province:33`, `chain:NEV`).
use sea_orm::entity::prelude::*;

/// A row of `assessment_rank`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_rank")]
pub struct Model {
    /// The run.
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: i64,
    /// The scope.
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    /// 1-based rank within the scope.
    #[sea_orm(primary_key, auto_increment = false)]
    pub rank: i32,
    /// The firm.
    pub firm_id: i64,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
