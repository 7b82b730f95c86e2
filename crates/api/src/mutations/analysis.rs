use async_graphql::{Context, Object, Result, SimpleObject};
use linchpin_domain::Role;
use linchpin_store::TransactionTrait;

use crate::audit_log::{self, Change};
use crate::error::{ApiError, UserError};
use crate::guard::{self, require};
use crate::schema::ApiState;
use crate::types::assessment::AnalysisRun;

/// Result of `runAnalysis`.
#[derive(SimpleObject, Default)]
pub struct RunAnalysisPayload {
    /// The stored run.
    pub analysis_run: Option<AnalysisRun>,
    /// Always empty today; kept for the mutation convention.
    pub user_errors: Vec<UserError>,
}

/// Running the key-node analysis on demand.
#[derive(Default)]
pub struct AnalysisMutations;

/// Running the key-node analysis on demand (ADMIN, BUREAU).
#[Object]
impl AnalysisMutations {
    /// Analyses the current network now (off the request's runtime thread), stores the run with
    /// per-firm results, and returns it. One run at a time per replica.
    async fn run_analysis(&self, ctx: &Context<'_>) -> Result<RunAnalysisPayload> {
        let viewer = guard::viewer(ctx)?;
        require(matches!(viewer.role(), Role::Admin | Role::Bureau))?;
        let state = ctx.data::<ApiState>()?;
        let run =
            crate::analysis::run(state, state.analysis, format!("runAnalysis by {}", viewer.username.as_str())).await?;
        let txn = state.store.db().begin().await.map_err(ApiError::from)?;
        let change = Change {
            action: "analysis.run",
            object_type: "analysis_run",
            object_id: run.id.to_string(),
            regions: vec![],
            before: None::<&()>,
            after: Some(&serde_json::json!({"firms": run.firms, "links": run.links, "duration_ms": run.duration_ms})),
        };
        audit_log::record(&txn, ctx, viewer, change).await?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(RunAnalysisPayload { analysis_run: Some(run.into()), user_errors: vec![] })
    }
}
