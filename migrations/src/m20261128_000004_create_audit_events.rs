//! Table `audit_event`, the append-only audit trail.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    At,
    AccountId,
    Actor,
    Action,
    ObjectType,
    ObjectId,
    Regions,
    Before,
    After,
    RequestId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Append-only: the application has no code path that updates or deletes these rows.
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(big_pk_auto(AuditEvent::Id))
                    .col(timestamp_with_time_zone(AuditEvent::At))
                    .col(big_integer_null(AuditEvent::AccountId))
                    .col(string_len(AuditEvent::Actor, 64))
                    .col(string_len(AuditEvent::Action, 64))
                    .col(string_len(AuditEvent::ObjectType, 32))
                    .col(string_len(AuditEvent::ObjectId, 64))
                    .col(string_len(AuditEvent::Regions, 32))
                    .col(text_null(AuditEvent::Before))
                    .col(text_null(AuditEvent::After))
                    .col(string_len(AuditEvent::RequestId, 64))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditEvent::Table).to_owned()).await
    }
}
