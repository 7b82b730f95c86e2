//! What the analysis says about a firm (`Assessment`, `Reason`) and the run that said it
//! (`AnalysisRun`).
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use linchpin_graph::RenderedReason;
use linchpin_store::analysis::{AssessmentRecord, RunRecord};

use crate::error::ApiError;
use crate::ids::{self, Kind};
use crate::types::firm::Firm;

/// Language of a reason's sentence.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 中文.
    #[default]
    Zh,
    /// English.
    En,
}

/// One stored run of the key-node analysis: what was analysed, how, and when.
#[derive(SimpleObject, Debug, Clone)]
pub struct AnalysisRun {
    /// Opaque global id (`node(id:)` resolves it).
    #[graphql(owned)]
    pub id: ID,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// What started it: `changes` (after edits) or `runAnalysis by <user>`.
    pub trigger: String,
    /// Firms analysed.
    pub firms: i64,
    /// Supply links analysed.
    pub links: i64,
    /// Parameters (JSON: tolerance, rationing, thresholds).
    pub parameters: String,
    /// Duration in milliseconds.
    pub duration_ms: i64,
}

impl From<RunRecord> for AnalysisRun {
    fn from(r: RunRecord) -> Self {
        Self {
            id: ids::encode(Kind::AnalysisRun, r.id),
            started_at: r.started_at,
            finished_at: r.finished_at,
            trigger: r.trigger,
            firms: r.firms,
            links: r.links,
            parameters: r.parameters,
            duration_ms: r.duration_ms,
        }
    }
}

/// Why a firm is a key-node candidate: a reason as the analysis rendered and stored it.
#[derive(Debug, Clone)]
pub struct Reason(RenderedReason);

/// A reason, with a sentence a bureau can paste into a nomination.
#[Object]
impl Reason {
    /// Stable code: OUTPUT_AT_STAKE, DOMINATES_LARGE_FIRM, SOLE_ESSENTIAL_SUPPLIER_OF_LARGE_FIRM or
    /// SOLE_ESSENTIAL_SUPPLIER_OF_HUB.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The sentence, in Chinese (default) or English.
    async fn message(&self, #[graphql(default)] lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.0.zh,
            Lang::En => &self.0.en,
        }
    }
}

/// What the latest analysis run says about a firm. Methods are in docs/analysis.md.
pub struct Assessment {
    pub(crate) record: AssessmentRecord,
    pub(crate) run: RunRecord,
    /// Rank in the scope of a candidate list and that scope's SMEs (national rank otherwise).
    pub(crate) scope: Option<(i32, i64)>,
}

impl Assessment {
    /// A firm's assessment as `Firm.assessment` shows it (national rank).
    pub fn of(record: AssessmentRecord, run: RunRecord) -> Self {
        Self { record, run, scope: None }
    }

    /// A firm's assessment as a candidate list in a scope shows it.
    pub fn ranked(record: AssessmentRecord, run: RunRecord, rank: i32, smes: i64) -> Self {
        Self { record, run, scope: Some((rank, smes)) }
    }
}

/// What the latest analysis run says about a firm: what its stoppage puts at stake, its priority
/// score and rank, ESRI, dominance, sole supply, reach, and whether it is a key-node candidate,
/// with reasons.
#[Object]
impl Assessment {
    /// Output at stake if the firm stops, in 10,000 CNY a year: Σ r_i (1 − f_i), its own included
    /// (the numerator of ESRI).
    #[graphql(name = "outputAtStake10kCny")]
    async fn output_at_stake_10k_cny(&self) -> f64 {
        self.record.output_at_stake
    }

    /// The firm's own yearly output in the network, 10,000 CNY (compare with the output at stake
    /// to see the amplification).
    #[graphql(name = "ownOutput10kCny")]
    async fn own_output_10k_cny(&self) -> f64 {
        self.record.own_output
    }

    /// Jobs at stake if the firm stops: Σ employees_i (1 − f_i), its own included.
    async fn jobs_at_stake(&self) -> f64 {
        self.record.jobs_at_stake
    }

    /// The firm's own employees.
    async fn own_jobs(&self) -> f64 {
        self.record.own_jobs
    }

    /// Priority score: the average of the shares of the rest of the network's output and jobs
    /// that the firm's stoppage takes down, in percent (docs/analysis.md). 0 when nothing beyond
    /// itself is at stake.
    async fn priority_score(&self) -> f64 {
        self.record.priority_score
    }

    /// Rank among SMEs by priority score (1 is first): in the scope of the candidate list it was
    /// read from (a province, a chain), else in the whole network. Null for firms that are not
    /// SMEs or put nothing beyond themselves at stake.
    async fn rank(&self) -> Option<i32> {
        match self.scope {
            Some((r, _)) => Some(r),
            None => self.record.rank,
        }
    }

    /// Percentile of that rank: the share of the scope's SMEs ranked at or below the firm.
    async fn percentile(&self) -> Option<f64> {
        match self.scope {
            Some((r, smes)) if smes > 0 => Some(100.0 * (1.0 - f64::from(r - 1) / smes as f64)),
            Some(_) => None,
            None => self.record.percentile,
        }
    }

    /// Share of perturbed replicates (noisy link values) in which the firm stayed on the national
    /// list; null when the run did not check stability or the firm is not listed.
    async fn stability(&self) -> Option<f64> {
        self.record.stability
    }

    /// How many of the firm's sales links the analysis counted are not yet confirmed by the
    /// customer (declared by the customer or imported): the numbers rest on them.
    async fn unconfirmed_links(&self) -> i64 {
        self.record.unconfirmed_links
    }

    /// Economic systemic risk index: share of network output lost if the firm stops.
    async fn esri(&self) -> f64 {
        self.record.esri
    }

    /// ESRI through missing inputs (downstream).
    async fn esri_down(&self) -> f64 {
        self.record.esri_down
    }

    /// ESRI through missing customers (upstream).
    async fn esri_up(&self) -> f64 {
        self.record.esri_up
    }

    /// ESRI divided by the firm's own share of network output; null when it sells nothing in the
    /// network.
    async fn systemic_multiplier(&self) -> Option<f64> {
        self.record.systemic_multiplier
    }

    /// Firms every supply path to which passes through this firm.
    async fn dominated_firms(&self) -> i64 {
        self.record.dominated_firms
    }

    /// LARGE firms among those.
    async fn dominated_large_firms(&self) -> i64 {
        self.record.dominated_large_firms
    }

    /// Customers of which it supplies at least 80% of the essential input from its industry.
    async fn sole_essential_customers(&self) -> i64 {
        self.record.sole_essential_customers
    }

    /// Firms downstream (exact up to 30,000 strongly connected components, else an estimate).
    async fn downstream_firms(&self) -> f64 {
        self.record.downstream_firms
    }

    /// Employees of the firms downstream.
    async fn downstream_employees(&self) -> f64 {
        self.record.downstream_employees
    }

    /// An SME on the run's default national list (ranked within the run's budget).
    async fn key_node(&self) -> bool {
        self.record.key_node
    }

    /// The reasons (empty when none).
    async fn reasons(&self) -> Result<Vec<Reason>, ApiError> {
        let rendered: Vec<RenderedReason> =
            serde_json::from_str(&self.record.reasons).map_err(|e| ApiError::internal(&e))?;
        Ok(rendered.into_iter().map(Reason).collect())
    }

    /// The run that produced these numbers.
    async fn analysis_run(&self) -> AnalysisRun {
        self.run.clone().into()
    }

    /// The firm (read through the firm loader: one batch for a whole page of candidates).
    async fn firm(&self, ctx: &Context<'_>) -> Result<Firm, ApiError> {
        crate::loaders::firm(ctx, self.record.firm_id).await
    }
}
