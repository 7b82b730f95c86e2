//! The whitelist: entries per (firm, chain), their append-only history, and published batches.
//!
//! `open_key` is `<firm>:<chain>` while an entry is open (NOMINATED, UNDER_REVIEW, APPROVED,
//! SUSPENDED) and null once it is closed; a unique index on it keeps one open entry per firm and
//! chain on SQLite and PostgreSQL alike (both allow many nulls in a unique index). `basis` is the
//! firm's assessment (JSON) as it stood when the entry was nominated, approved or renewed, frozen;
//! each history event keeps its own copy too.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_firms::Firm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WhitelistBatch {
    Table,
    Id,
    Province,
    ChainCode,
    Number,
    Title,
    PublishedAt,
    PublishedBy,
    PublishedByName,
    Entries,
}

#[derive(DeriveIden)]
enum WhitelistEntry {
    Table,
    Id,
    FirmId,
    ChainCode,
    RegionCode,
    Province,
    Status,
    Version,
    OpenKey,
    ProposerAccountId,
    ProposerName,
    ProposerLevel,
    RecommenderFirmId,
    Justification,
    Evidence,
    SizeOverrideReason,
    ValidUntil,
    BatchId,
    BasisRunId,
    Basis,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WhitelistEvent {
    Table,
    Id,
    EntryId,
    At,
    AccountId,
    Actor,
    Action,
    FromStatus,
    ToStatus,
    Comment,
    ValidUntil,
    RunId,
    Assessment,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WhitelistBatch::Table)
                    .col(big_pk_auto(WhitelistBatch::Id))
                    .col(string_len(WhitelistBatch::Province, 2))
                    .col(string_len_null(WhitelistBatch::ChainCode, 32))
                    .col(integer(WhitelistBatch::Number))
                    .col(string_len(WhitelistBatch::Title, 200))
                    .col(timestamp_with_time_zone(WhitelistBatch::PublishedAt))
                    .col(big_integer(WhitelistBatch::PublishedBy))
                    .col(string_len(WhitelistBatch::PublishedByName, 64))
                    .col(big_integer(WhitelistBatch::Entries))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_whitelist_batch_province_number")
                    .table(WhitelistBatch::Table)
                    .col(WhitelistBatch::Province)
                    .col(WhitelistBatch::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WhitelistEntry::Table)
                    .col(big_pk_auto(WhitelistEntry::Id))
                    .col(big_integer(WhitelistEntry::FirmId))
                    .col(string_len(WhitelistEntry::ChainCode, 32))
                    .col(string_len(WhitelistEntry::RegionCode, 6))
                    .col(string_len(WhitelistEntry::Province, 2))
                    .col(string_len(WhitelistEntry::Status, 16))
                    .col(integer(WhitelistEntry::Version))
                    .col(string_len_null(WhitelistEntry::OpenKey, 64))
                    .col(big_integer(WhitelistEntry::ProposerAccountId))
                    .col(string_len(WhitelistEntry::ProposerName, 64))
                    .col(integer_null(WhitelistEntry::ProposerLevel))
                    .col(big_integer_null(WhitelistEntry::RecommenderFirmId))
                    .col(text(WhitelistEntry::Justification))
                    .col(text(WhitelistEntry::Evidence))
                    .col(text_null(WhitelistEntry::SizeOverrideReason))
                    .col(timestamp_with_time_zone_null(WhitelistEntry::ValidUntil))
                    .col(big_integer_null(WhitelistEntry::BatchId))
                    .col(big_integer_null(WhitelistEntry::BasisRunId))
                    .col(text_null(WhitelistEntry::Basis))
                    .col(timestamp_with_time_zone(WhitelistEntry::CreatedAt))
                    .col(timestamp_with_time_zone(WhitelistEntry::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_whitelist_entry_firm")
                            .from(WhitelistEntry::Table, WhitelistEntry::FirmId)
                            .to(Firm::Table, Firm::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_whitelist_entry_batch")
                            .from(WhitelistEntry::Table, WhitelistEntry::BatchId)
                            .to(WhitelistBatch::Table, WhitelistBatch::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("uq_whitelist_entry_open", vec![WhitelistEntry::OpenKey]),
            (
                "idx_whitelist_entry_province_status",
                vec![WhitelistEntry::Province, WhitelistEntry::Status, WhitelistEntry::Id],
            ),
            ("idx_whitelist_entry_firm", vec![WhitelistEntry::FirmId]),
            ("idx_whitelist_entry_batch", vec![WhitelistEntry::BatchId, WhitelistEntry::Id]),
            ("idx_whitelist_entry_status_valid", vec![WhitelistEntry::Status, WhitelistEntry::ValidUntil]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(WhitelistEntry::Table);
            for c in cols {
                idx.col(c);
            }
            if name.starts_with("uq_") {
                idx.unique();
            }
            manager.create_index(idx.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(WhitelistEvent::Table)
                    .col(big_pk_auto(WhitelistEvent::Id))
                    .col(big_integer(WhitelistEvent::EntryId))
                    .col(timestamp_with_time_zone(WhitelistEvent::At))
                    .col(big_integer_null(WhitelistEvent::AccountId))
                    .col(string_len(WhitelistEvent::Actor, 64))
                    .col(string_len(WhitelistEvent::Action, 16))
                    .col(string_len_null(WhitelistEvent::FromStatus, 16))
                    .col(string_len(WhitelistEvent::ToStatus, 16))
                    .col(text(WhitelistEvent::Comment))
                    .col(timestamp_with_time_zone_null(WhitelistEvent::ValidUntil))
                    .col(big_integer_null(WhitelistEvent::RunId))
                    .col(text_null(WhitelistEvent::Assessment))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_whitelist_event_entry")
                            .from(WhitelistEvent::Table, WhitelistEvent::EntryId)
                            .to(WhitelistEntry::Table, WhitelistEntry::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_whitelist_event_entry")
                    .table(WhitelistEvent::Table)
                    .col(WhitelistEvent::EntryId)
                    .col(WhitelistEvent::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WhitelistEvent::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WhitelistEntry::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WhitelistBatch::Table).to_owned()).await
    }
}
