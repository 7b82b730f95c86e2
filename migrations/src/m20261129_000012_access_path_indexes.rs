//! Indexes that match the access paths of the lists (issue #12).
//!
//! - A firm's link pages read `WHERE customer_id IN (..) ORDER BY id` (its suppliers) and
//!   `WHERE supplier_id IN (..) ORDER BY id` (its customers): (customer_id, id) replaces the
//!   index on customer_id alone, and (supplier_id, id) is new, so a firm with few links never makes
//!   PostgreSQL walk the primary key of every link.
//! - Region filters are ranges on the six-digit code (`Jurisdiction::code_range`), which ordinary
//!   indexes answer in every collation: `firm.region_code` already has one; the blockage queue's
//!   three region columns get theirs.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SupplyLink {
    Table,
    Id,
    SupplierId,
    CustomerId,
}

#[derive(DeriveIden)]
enum Blockage {
    Table,
    RegionCode,
    OriginCode,
    DestinationCode,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_supply_link_customer").table(SupplyLink::Table).to_owned()).await?;
        for (name, side) in [
            ("idx_supply_link_customer_id", SupplyLink::CustomerId),
            ("idx_supply_link_supplier_id", SupplyLink::SupplierId),
        ] {
            manager
                .create_index(
                    Index::create().name(name).table(SupplyLink::Table).col(side).col(SupplyLink::Id).to_owned(),
                )
                .await?;
        }
        for (name, col) in [
            ("idx_blockage_region", Blockage::RegionCode),
            ("idx_blockage_origin", Blockage::OriginCode),
            ("idx_blockage_destination", Blockage::DestinationCode),
        ] {
            manager.create_index(Index::create().name(name).table(Blockage::Table).col(col).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_blockage_region", "idx_blockage_origin", "idx_blockage_destination"] {
            manager.drop_index(Index::drop().name(name).table(Blockage::Table).to_owned()).await?;
        }
        for name in ["idx_supply_link_customer_id", "idx_supply_link_supplier_id"] {
            manager.drop_index(Index::drop().name(name).table(SupplyLink::Table).to_owned()).await?;
        }
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
}
