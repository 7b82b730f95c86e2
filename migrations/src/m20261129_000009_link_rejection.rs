//! Column `supply_link.rejection_reason`: why the other end rejected a declared link (status
//! REJECTED), and an index for a supplier's confirmation inbox.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SupplyLink {
    Table,
    RejectionReason,
    Status,
    SupplierId,
    CustomerId,
    Id,
}

const BY_SUPPLIER: &str = "idx_supply_link_status_supplier";
const BY_CUSTOMER: &str = "idx_supply_link_status_customer";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(SupplyLink::Table).add_column(string_null(SupplyLink::RejectionReason)).to_owned(),
            )
            .await?;
        // the inbox: DECLARED links of one firm on either side, in id order
        for (name, side) in [(BY_SUPPLIER, SupplyLink::SupplierId), (BY_CUSTOMER, SupplyLink::CustomerId)] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(SupplyLink::Table)
                        .col(SupplyLink::Status)
                        .col(side)
                        .col(SupplyLink::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [BY_SUPPLIER, BY_CUSTOMER] {
            manager.drop_index(Index::drop().name(name).table(SupplyLink::Table).to_owned()).await?;
        }
        manager
            .alter_table(Table::alter().table(SupplyLink::Table).drop_column(SupplyLink::RejectionReason).to_owned())
            .await
    }
}
