//! `runAnalysis`: the key-node analysis on demand (ADMIN, BUREAU).
use async_graphql::{Context, Object, SimpleObject};
use linchpin_domain::Role;

use super::{Outcome, Write, payload, respond};
use crate::audit_log::Change;
use crate::error::{ApiError, UserError};
use crate::guard::{self, require};
use crate::ids::{self, Kind};
use crate::limits::{Decision, Rule};
use crate::types::assessment::AnalysisRun;

/// Result of `runAnalysis`.
#[derive(SimpleObject, Default)]
pub struct RunAnalysisPayload {
    /// The stored run.
    pub analysis_run: Option<AnalysisRun>,
    /// Always empty today; kept for the mutation convention.
    pub user_errors: Vec<UserError>,
}

payload!(RunAnalysisPayload, analysis_run: AnalysisRun);

async fn run_analysis(ctx: &Context<'_>) -> Outcome<AnalysisRun> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Bureau))?;
    let state = guard::state(ctx)?;
    if let Decision::Limited { retry_after_secs } =
        state.limiter.acquire(&format!("analysis:{}", viewer.account_id), Rule::ANALYSIS).await
    {
        crate::metrics::rate_limited("analysis");
        return Err(ApiError::RateLimited { retry_after_secs }.into());
    }
    // The run is long and stored on its own; the audit event follows in its own transaction.
    let run =
        crate::analysis::run(state, state.analysis, format!("runAnalysis by {}", viewer.username.as_str())).await?;
    let w = Write::begin(ctx).await?;
    let change = Change {
        action: "analysis.run",
        object_type: "analysis_run",
        object_id: ids::encode(Kind::AnalysisRun, run.id).0,
        regions: vec![],
        before: None::<&()>,
        after: Some(&serde_json::json!({"firms": run.firms, "links": run.links, "duration_ms": run.duration_ms})),
    };
    w.commit(viewer, change, None).await?;
    Ok(run.into())
}

/// Running the key-node analysis on demand.
#[derive(Default)]
pub struct AnalysisMutations;

/// Running the key-node analysis on demand (ADMIN, BUREAU).
#[Object]
impl AnalysisMutations {
    /// Analyses the current network now (off the request's runtime thread), stores the run with
    /// per-firm results, and returns it. One run at a time per replica: asking while one runs
    /// returns that run. Each account may start 3, then one every five minutes (RATE_LIMITED with
    /// `extensions.retryAfterSeconds`). Costs 1,000 of the 2,000 complexity budget of a request.
    #[graphql(complexity = "crate::limits::cost::ANALYSIS_RUN + child_complexity")]
    async fn run_analysis(&self, ctx: &Context<'_>) -> Result<RunAnalysisPayload, ApiError> {
        respond(run_analysis(ctx).await)
    }
}
