//! Table `supply_link`, with the domain's invariants repeated as constraints.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_firms::Firm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SupplyLink {
    Table,
    Id,
    SupplierId,
    CustomerId,
    Product,
    #[sea_orm(iden = "annual_value_10k_cny")]
    AnnualValue10kCny,
    Essentiality,
    Status,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SupplyLink::Table)
                    .col(big_pk_auto(SupplyLink::Id))
                    .col(big_integer(SupplyLink::SupplierId))
                    .col(big_integer(SupplyLink::CustomerId))
                    .col(string_len(SupplyLink::Product, 200))
                    .col(double(SupplyLink::AnnualValue10kCny))
                    .col(string_len(SupplyLink::Essentiality, 16))
                    .col(string_len(SupplyLink::Status, 16))
                    .col(integer(SupplyLink::Version))
                    .col(timestamp_with_time_zone(SupplyLink::CreatedAt))
                    .col(timestamp_with_time_zone(SupplyLink::UpdatedAt))
                    // The domain refuses self-links; the database refuses them too.
                    .check(Expr::col(SupplyLink::SupplierId).ne(Expr::col(SupplyLink::CustomerId)))
                    .check(Expr::col(SupplyLink::AnnualValue10kCny).gt(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_supply_link_supplier")
                            .from(SupplyLink::Table, SupplyLink::SupplierId)
                            .to(Firm::Table, Firm::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_supply_link_customer")
                            .from(SupplyLink::Table, SupplyLink::CustomerId)
                            .to(Firm::Table, Firm::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_supply_link_supplier_customer_product")
                    .table(SupplyLink::Table)
                    .col(SupplyLink::SupplierId)
                    .col(SupplyLink::CustomerId)
                    .col(SupplyLink::Product)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_supply_link_customer")
                    .table(SupplyLink::Table)
                    .col(SupplyLink::CustomerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SupplyLink::Table).to_owned()).await
    }
}
