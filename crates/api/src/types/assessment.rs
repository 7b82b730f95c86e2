//! What the analysis says about a firm (`Assessment`, `Reason`), the run that said it
//! (`AnalysisRun`), and the cursor of the candidate list.
use async_graphql::connection::CursorType;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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
    /// Stable code: HIGH_SYSTEMIC_MULTIPLIER, DOMINATES_LARGE_FIRM,
    /// SOLE_ESSENTIAL_SUPPLIER_OF_LARGE_FIRM or SOLE_ESSENTIAL_SUPPLIER_OF_HUB.
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
}

/// What the latest analysis run says about a firm: ESRI, dominance, sole supply, reach, and
/// whether it is a key-node candidate, with reasons.
#[Object]
impl Assessment {
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

    /// An SME with at least one reason.
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

/// Cursor over candidates ordered by ESRI then firm id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CandidateCursor(pub f64, pub i64);

impl CursorType for CandidateCursor {
    type Error = crate::connection::BadCursor;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bad = || crate::connection::BadCursor;
        let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let text = String::from_utf8(raw).map_err(|_| bad())?;
        let rest = text.strip_prefix("candidate:").ok_or_else(bad)?;
        let (bits, id) = rest.split_once(':').ok_or_else(bad)?;
        Ok(Self(f64::from_bits(bits.parse().map_err(|_| bad())?), id.parse().map_err(|_| bad())?))
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("candidate:{}:{}", self.0.to_bits(), self.1))
    }
}
