//! The ranked candidate list: what each firm puts at stake (columns of `firm_assessment`), its rank
//! in every scope (`assessment_rank`: the whole network, each province, each chain) and the number
//! of SMEs of each scope (`analysis_scope`), so a list of any budget is an index range.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FirmAssessment {
    Table,
    OwnOutput,
    OwnJobs,
    OutputAtStake,
    JobsAtStake,
    PriorityScore,
    Rank,
    Percentile,
    Stability,
    UnconfirmedLinks,
    Sme,
}

#[derive(DeriveIden)]
enum AnalysisRun {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AssessmentRank {
    Table,
    RunId,
    Scope,
    Rank,
    FirmId,
}

#[derive(DeriveIden)]
enum AnalysisScope {
    Table,
    RunId,
    Scope,
    Smes,
}

fn columns() -> Vec<ColumnDef> {
    vec![
        double(FirmAssessment::OwnOutput).default(0.0).to_owned(),
        double(FirmAssessment::OwnJobs).default(0.0).to_owned(),
        double(FirmAssessment::OutputAtStake).default(0.0).to_owned(),
        double(FirmAssessment::JobsAtStake).default(0.0).to_owned(),
        double(FirmAssessment::PriorityScore).default(0.0).to_owned(),
        integer_null(FirmAssessment::Rank),
        double_null(FirmAssessment::Percentile),
        double_null(FirmAssessment::Stability),
        big_integer(FirmAssessment::UnconfirmedLinks).default(0).to_owned(),
        boolean(FirmAssessment::Sme).default(false).to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // one column per statement: SQLite alters one at a time
        for mut c in columns() {
            manager.alter_table(Table::alter().table(FirmAssessment::Table).add_column(&mut c).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AssessmentRank::Table)
                    .col(big_integer(AssessmentRank::RunId))
                    .col(string_len(AssessmentRank::Scope, 64))
                    .col(integer(AssessmentRank::Rank))
                    .col(big_integer(AssessmentRank::FirmId))
                    .primary_key(
                        Index::create().col(AssessmentRank::RunId).col(AssessmentRank::Scope).col(AssessmentRank::Rank),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_assessment_rank_run")
                            .from(AssessmentRank::Table, AssessmentRank::RunId)
                            .to(AnalysisRun::Table, AnalysisRun::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assessment_rank_run_firm")
                    .table(AssessmentRank::Table)
                    .col(AssessmentRank::RunId)
                    .col(AssessmentRank::FirmId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AnalysisScope::Table)
                    .col(big_integer(AnalysisScope::RunId))
                    .col(string_len(AnalysisScope::Scope, 64))
                    .col(big_integer(AnalysisScope::Smes))
                    .primary_key(Index::create().col(AnalysisScope::RunId).col(AnalysisScope::Scope))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_analysis_scope_run")
                            .from(AnalysisScope::Table, AnalysisScope::RunId)
                            .to(AnalysisRun::Table, AnalysisRun::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AnalysisScope::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AssessmentRank::Table).to_owned()).await?;
        for c in [
            FirmAssessment::OwnOutput,
            FirmAssessment::OwnJobs,
            FirmAssessment::OutputAtStake,
            FirmAssessment::JobsAtStake,
            FirmAssessment::PriorityScore,
            FirmAssessment::Rank,
            FirmAssessment::Percentile,
            FirmAssessment::Stability,
            FirmAssessment::UnconfirmedLinks,
            FirmAssessment::Sme,
        ] {
            manager.alter_table(Table::alter().table(FirmAssessment::Table).drop_column(c).to_owned()).await?;
        }
        Ok(())
    }
}
