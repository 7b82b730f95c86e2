//! Tables `analysis_run` and `firm_assessment`.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_firms::Firm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnalysisRun {
    Table,
    Id,
    StartedAt,
    FinishedAt,
    Trigger,
    Firms,
    Links,
    Parameters,
    DurationMs,
}

#[derive(DeriveIden)]
enum FirmAssessment {
    Table,
    RunId,
    FirmId,
    Esri,
    EsriDown,
    EsriUp,
    SystemicMultiplier,
    DominatedFirms,
    DominatedLargeFirms,
    SoleEssentialCustomers,
    DownstreamFirms,
    DownstreamEmployees,
    KeyNode,
    Reasons,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnalysisRun::Table)
                    .col(big_pk_auto(AnalysisRun::Id))
                    .col(timestamp_with_time_zone(AnalysisRun::StartedAt))
                    .col(timestamp_with_time_zone(AnalysisRun::FinishedAt))
                    .col(string_len(AnalysisRun::Trigger, 64))
                    .col(big_integer(AnalysisRun::Firms))
                    .col(big_integer(AnalysisRun::Links))
                    .col(text(AnalysisRun::Parameters))
                    .col(big_integer(AnalysisRun::DurationMs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FirmAssessment::Table)
                    .col(big_integer(FirmAssessment::RunId))
                    .col(big_integer(FirmAssessment::FirmId))
                    .col(double(FirmAssessment::Esri))
                    .col(double(FirmAssessment::EsriDown))
                    .col(double(FirmAssessment::EsriUp))
                    .col(double_null(FirmAssessment::SystemicMultiplier))
                    .col(big_integer(FirmAssessment::DominatedFirms))
                    .col(big_integer(FirmAssessment::DominatedLargeFirms))
                    .col(big_integer(FirmAssessment::SoleEssentialCustomers))
                    .col(double(FirmAssessment::DownstreamFirms))
                    .col(double(FirmAssessment::DownstreamEmployees))
                    .col(boolean(FirmAssessment::KeyNode))
                    .col(text(FirmAssessment::Reasons))
                    .primary_key(Index::create().col(FirmAssessment::RunId).col(FirmAssessment::FirmId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_firm_assessment_run")
                            .from(FirmAssessment::Table, FirmAssessment::RunId)
                            .to(AnalysisRun::Table, AnalysisRun::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_firm_assessment_firm")
                            .from(FirmAssessment::Table, FirmAssessment::FirmId)
                            .to(Firm::Table, Firm::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_firm_assessment_run_esri")
                    .table(FirmAssessment::Table)
                    .col(FirmAssessment::RunId)
                    .col(FirmAssessment::Esri)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FirmAssessment::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AnalysisRun::Table).to_owned()).await
    }
}
