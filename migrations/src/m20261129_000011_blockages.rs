//! The blockage ledger (人员到厂难、物料运输难) and production reports (复工达产).
//!
//! `blockage` holds each blockage's current state; `blockage_event` its append-only timeline
//! (every step, escalation and comment); `production_report` the history of what firms report.
//! `queue_key` is the time-free priority key (`linchpin_domain::triage`): the triage queue is an
//! index walk over (`is_open`, `queue_key`, `id`). `due_at` is when the SLA is breached; the
//! escalation job reads it through its own index.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_firms::Firm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Blockage {
    Table,
    Id,
    FirmId,
    Kind,
    Status,
    Version,
    RegionCode,
    OriginCode,
    DestinationCode,
    CounterpartFirmId,
    LinkId,
    Cargo,
    Plates,
    Workers,
    HeldAt,
    ClosedLoop,
    Description,
    ReporterAccountId,
    ReporterName,
    AssigneeAccountId,
    AssigneeName,
    DuplicateOf,
    Level,
    PriorityPoints,
    PriorityLevel,
    PriorityFacts,
    QueueKey,
    IsOpen,
    SlaSince,
    DueAt,
    ReportedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BlockageEvent {
    Table,
    Id,
    BlockageId,
    At,
    AccountId,
    Actor,
    Action,
    FromStatus,
    ToStatus,
    Comment,
    AssigneeName,
    Level,
}

#[derive(DeriveIden)]
enum ProductionReport {
    Table,
    Id,
    FirmId,
    CapacityPercent,
    StaffOnSite,
    StaffTotal,
    Note,
    At,
    AccountId,
    Actor,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Blockage::Table)
                    .col(big_pk_auto(Blockage::Id))
                    .col(big_integer(Blockage::FirmId))
                    .col(string_len(Blockage::Kind, 16))
                    .col(string_len(Blockage::Status, 16))
                    .col(integer(Blockage::Version))
                    .col(string_len(Blockage::RegionCode, 6))
                    .col(string_len_null(Blockage::OriginCode, 6))
                    .col(string_len_null(Blockage::DestinationCode, 6))
                    .col(big_integer_null(Blockage::CounterpartFirmId))
                    .col(big_integer_null(Blockage::LinkId))
                    .col(string_len_null(Blockage::Cargo, 400))
                    .col(text_null(Blockage::Plates))
                    .col(integer_null(Blockage::Workers))
                    .col(string_len_null(Blockage::HeldAt, 400))
                    .col(boolean_null(Blockage::ClosedLoop))
                    .col(text(Blockage::Description))
                    .col(big_integer(Blockage::ReporterAccountId))
                    .col(string_len(Blockage::ReporterName, 64))
                    .col(big_integer_null(Blockage::AssigneeAccountId))
                    .col(string_len_null(Blockage::AssigneeName, 64))
                    .col(big_integer_null(Blockage::DuplicateOf))
                    .col(integer(Blockage::Level))
                    .col(double(Blockage::PriorityPoints))
                    .col(string_len(Blockage::PriorityLevel, 16))
                    .col(text(Blockage::PriorityFacts))
                    .col(double(Blockage::QueueKey))
                    .col(boolean(Blockage::IsOpen))
                    .col(timestamp_with_time_zone(Blockage::SlaSince))
                    .col(timestamp_with_time_zone_null(Blockage::DueAt))
                    .col(timestamp_with_time_zone(Blockage::ReportedAt))
                    .col(timestamp_with_time_zone(Blockage::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_blockage_firm")
                            .from(Blockage::Table, Blockage::FirmId)
                            .to(Firm::Table, Firm::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_blockage_queue", vec![Blockage::IsOpen, Blockage::QueueKey, Blockage::Id]),
            ("idx_blockage_due", vec![Blockage::IsOpen, Blockage::DueAt]),
            ("idx_blockage_firm", vec![Blockage::FirmId, Blockage::Id]),
            ("idx_blockage_assignee", vec![Blockage::AssigneeAccountId, Blockage::IsOpen]),
            ("idx_blockage_counterpart", vec![Blockage::CounterpartFirmId]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(Blockage::Table);
            for c in cols {
                idx.col(c);
            }
            manager.create_index(idx.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(BlockageEvent::Table)
                    .col(big_pk_auto(BlockageEvent::Id))
                    .col(big_integer(BlockageEvent::BlockageId))
                    .col(timestamp_with_time_zone(BlockageEvent::At))
                    .col(big_integer_null(BlockageEvent::AccountId))
                    .col(string_len(BlockageEvent::Actor, 64))
                    .col(string_len(BlockageEvent::Action, 16))
                    .col(string_len_null(BlockageEvent::FromStatus, 16))
                    .col(string_len_null(BlockageEvent::ToStatus, 16))
                    .col(text(BlockageEvent::Comment))
                    .col(string_len_null(BlockageEvent::AssigneeName, 64))
                    .col(integer_null(BlockageEvent::Level))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_blockage_event_blockage")
                            .from(BlockageEvent::Table, BlockageEvent::BlockageId)
                            .to(Blockage::Table, Blockage::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_blockage_event_blockage")
                    .table(BlockageEvent::Table)
                    .col(BlockageEvent::BlockageId)
                    .col(BlockageEvent::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProductionReport::Table)
                    .col(big_pk_auto(ProductionReport::Id))
                    .col(big_integer(ProductionReport::FirmId))
                    .col(integer(ProductionReport::CapacityPercent))
                    .col(integer(ProductionReport::StaffOnSite))
                    .col(integer(ProductionReport::StaffTotal))
                    .col(text(ProductionReport::Note))
                    .col(timestamp_with_time_zone(ProductionReport::At))
                    .col(big_integer(ProductionReport::AccountId))
                    .col(string_len(ProductionReport::Actor, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_production_report_firm")
                            .from(ProductionReport::Table, ProductionReport::FirmId)
                            .to(Firm::Table, Firm::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_production_report_firm")
                    .table(ProductionReport::Table)
                    .col(ProductionReport::FirmId)
                    .col(ProductionReport::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ProductionReport::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(BlockageEvent::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Blockage::Table).to_owned()).await
    }
}
