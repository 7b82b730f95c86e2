//! Table `chain`: the key industrial chains.
use sea_orm::entity::prelude::*;

/// A row of `chain`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "chain")]
pub struct Model {
    /// Chain code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// Display name.
    pub name: String,
}

/// No relations are navigated through sea-orm; repositories write the joins they need.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
