//! Tables `firm`, `chain` and `firm_chain`.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Chain {
    Table,
    Code,
    Name,
}

#[derive(DeriveIden)]
pub(crate) enum Firm {
    Table,
    Id,
    Uscc,
    Name,
    RegionCode,
    IndustryCode,
    Employees,
    #[sea_orm(iden = "revenue_10k_cny")]
    Revenue10kCny,
    #[sea_orm(iden = "assets_10k_cny")]
    Assets10kCny,
    SizeClass,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FirmChain {
    Table,
    FirmId,
    ChainCode,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Chain::Table)
                    .col(string_len(Chain::Code, 32).primary_key())
                    .col(string_len(Chain::Name, 200))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Firm::Table)
                    .col(big_pk_auto(Firm::Id))
                    .col(string_len_uniq(Firm::Uscc, 18))
                    .col(string_len(Firm::Name, 200))
                    .col(string_len(Firm::RegionCode, 6))
                    .col(string_len(Firm::IndustryCode, 5))
                    .col(big_integer_null(Firm::Employees))
                    .col(double_null(Firm::Revenue10kCny))
                    .col(double_null(Firm::Assets10kCny))
                    .col(string_len(Firm::SizeClass, 8))
                    .col(integer(Firm::Version))
                    .col(timestamp_with_time_zone(Firm::CreatedAt))
                    .col(timestamp_with_time_zone(Firm::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_firm_region_code").table(Firm::Table).col(Firm::RegionCode).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FirmChain::Table)
                    .col(big_integer(FirmChain::FirmId))
                    .col(string_len(FirmChain::ChainCode, 32))
                    .primary_key(Index::create().col(FirmChain::FirmId).col(FirmChain::ChainCode))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_firm_chain_firm")
                            .from(FirmChain::Table, FirmChain::FirmId)
                            .to(Firm::Table, Firm::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_firm_chain_chain")
                            .from(FirmChain::Table, FirmChain::ChainCode)
                            .to(Chain::Table, Chain::Code)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_firm_chain_chain_code")
                    .table(FirmChain::Table)
                    .col(FirmChain::ChainCode)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FirmChain::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Firm::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Chain::Table).to_owned()).await
    }
}
