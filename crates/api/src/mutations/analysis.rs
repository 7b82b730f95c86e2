//! `runAnalysis`: the key-node analysis on demand (ADMIN, BUREAU).
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use linchpin_domain::Role;
use linchpin_graph::StabilityParams;

use super::{Outcome, Write, payload, respond};
use crate::audit_log::Change;
use crate::error::{ApiError, UserError};
use crate::guard::{self, require};
use crate::ids::{self, Kind};
use crate::limits::{Decision, Rule};
use crate::types::assessment::AnalysisRun;

/// The level at which suppliers count as substitutes (GB/T 4754-2017).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::IndustryLevel")]
pub enum IndustryLevel {
    /// Section letter and two digits (`C36`).
    Division,
    /// Three digits (`C367`).
    Group,
    /// Four digits (`C3670`): the code as registered.
    Class,
}

/// Which links an analysis counts.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "linchpin_domain::LinkTrust")]
pub enum LinkTrust {
    /// Confirmed, declared by the customer, or imported by a bureau or operator (the default).
    CustomerBacked,
    /// Confirmed links only.
    Confirmed,
    /// Every link, whoever declared it (ADMIN only).
    All,
}

/// How a run checks its list's stability.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct StabilityInput {
    /// Relative noise on link values, and the chance to drop a non-essential link, 0 to 0.9.
    #[graphql(default = 0.2)]
    pub noise: f64,
    /// Perturbed replicates, 1 to 100.
    #[graphql(default = 10)]
    pub replicates: i32,
}

/// Settings of one run; what is omitted comes from the server's settings.
#[derive(InputObject, Debug, Default)]
pub struct RunAnalysisInput {
    /// The level at which suppliers count as substitutes.
    pub industry_level: Option<IndustryLevel>,
    /// Length of the stored list.
    pub budget: Option<crate::candidates::BudgetInput>,
    /// Check the list's stability under noisy link values.
    pub stability: Option<StabilityInput>,
    /// Which links count (anything but the server's setting needs ADMIN).
    pub link_trust: Option<LinkTrust>,
}

/// Result of `runAnalysis`.
#[derive(SimpleObject, Default)]
pub struct RunAnalysisPayload {
    /// The stored run.
    pub analysis_run: Option<AnalysisRun>,
    /// Always empty today; kept for the mutation convention.
    pub user_errors: Vec<UserError>,
}

payload!(RunAnalysisPayload, analysis_run: AnalysisRun);

async fn run_analysis(ctx: &Context<'_>, input: RunAnalysisInput) -> Outcome<AnalysisRun> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Bureau))?;
    let state = guard::state(ctx)?;
    let mut params = state.analysis;
    if let Some(level) = input.industry_level {
        params.industry_level = level.into();
    }
    if let Some(b) = input.budget {
        params.budget = b.budget()?;
    }
    if let Some(st) = input.stability {
        if !(0.0..=0.9).contains(&st.noise) || !(1..=100).contains(&st.replicates) {
            return Err(
                ApiError::Validation("stability needs a noise from 0 to 0.9 and 1 to 100 replicates".into()).into()
            );
        }
        params.stability =
            Some(StabilityParams { noise: st.noise, replicates: st.replicates as usize, ..StabilityParams::DEFAULT });
    }
    let trust = input.link_trust.map_or(state.link_trust, Into::into);
    // Which links count decides who ranks first: only an operator may count other links.
    require(trust == state.link_trust || viewer.role() == Role::Admin)?;
    if let Decision::Limited { retry_after_secs } =
        state.limiter.acquire(&format!("analysis:{}", viewer.account_id), Rule::ANALYSIS).await
    {
        crate::metrics::rate_limited("analysis");
        return Err(ApiError::RateLimited { retry_after_secs }.into());
    }
    // The run is long and stored on its own; the audit event follows in its own transaction.
    let run =
        crate::analysis::run(state, params, trust, format!("runAnalysis by {}", viewer.username.as_str())).await?;
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
    /// `input` overrides the server's settings for this run (substitution level, list budget,
    /// stability check; which links count only for ADMIN).
    #[graphql(complexity = "crate::limits::cost::ANALYSIS_RUN + child_complexity")]
    async fn run_analysis(
        &self,
        ctx: &Context<'_>,
        input: Option<RunAnalysisInput>,
    ) -> Result<RunAnalysisPayload, ApiError> {
        respond(run_analysis(ctx, input.unwrap_or_default()).await)
    }
}
