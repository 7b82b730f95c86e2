//! Column `firm.verification`: VERIFIED (registered by a bureau or an operator, the default for
//! every existing firm) or PENDING (created from a customer's supplier list, awaiting a bureau).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Firm {
    Table,
    Verification,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Firm::Table).add_column(string(Firm::Verification).default("VERIFIED")).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Firm::Table).drop_column(Firm::Verification).to_owned()).await
    }
}
