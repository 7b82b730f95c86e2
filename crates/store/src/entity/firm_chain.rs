//! Table `firm_chain`: which chains a firm belongs to.
use sea_orm::entity::prelude::*;

/// A row of `firm_chain`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "firm_chain")]
pub struct Model {
    /// The firm.
    #[sea_orm(primary_key, auto_increment = false)]
    pub firm_id: i64,
    /// The chain.
    #[sea_orm(primary_key, auto_increment = false)]
    pub chain_code: String,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
