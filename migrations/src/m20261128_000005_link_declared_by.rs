//! Column `supply_link.declared_by_firm_id`: which end declared a link.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SupplyLink {
    Table,
    DeclaredByFirmId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Which end declared a link (null: imported or declared by an operator), so that only the
        // other end confirms it.
        manager
            .alter_table(
                Table::alter()
                    .table(SupplyLink::Table)
                    .add_column(big_integer_null(SupplyLink::DeclaredByFirmId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(SupplyLink::Table).drop_column(SupplyLink::DeclaredByFirmId).to_owned())
            .await
    }
}
