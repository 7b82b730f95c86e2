//! `keyNodeCandidates`: the ranked list of a run, in one scope, cut at a budget.
//!
//! Every run stores each SME's rank in the whole network, in its province and in each of its
//! chains (`analysis_scope`, `assessment_rank`). A request picks the scope from its filter and the
//! viewer's jurisdiction: a chain filter ranks within the chain; otherwise a region (the filter's or
//! the viewer's jurisdiction) ranks within its province, and a city or county sees its firms in the
//! province's order; otherwise the whole network. The budget (2% of the scope's SMEs unless the
//! request says otherwise) cuts the ranks; other filters (region below the province, size class,
//! reason) then narrow the list without re-ranking it, so a rank always means the same thing.
use async_graphql::connection::{Connection, CursorType};
use async_graphql::{Enum, InputObject, OneofObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use linchpin_domain::{ChainCode, Jurisdiction, Reach, Viewer};
use linchpin_graph::{Budget, REASON_CODES};
use linchpin_store::analysis::{self, CandidateAfter, CandidateOrder, CandidateQuery};

use crate::analysis::{SCOPE_ALL, chain_scope, province_scope};
use crate::connection::{BadCursor, connection, page_args};
use crate::error::ApiError;
use crate::state::ApiState;
use crate::types::assessment::Assessment;
use crate::types::firm::SizeClass;

/// Filters of `keyNodeCandidates`.
#[derive(InputObject, Debug, Default)]
pub struct CandidateFilter {
    /// Rank within this chain (code), instead of the whole network or a province.
    pub chain: Option<String>,
    /// GB/T 2260 prefix of 2, 4 or 6 digits: rank within its province, list the firms inside it.
    pub region_prefix: Option<String>,
    /// Only firms of this size class.
    pub size_class: Option<SizeClass>,
    /// Only firms with a reason of this code (OUTPUT_AT_STAKE, DOMINATES_LARGE_FIRM,
    /// SOLE_ESSENTIAL_SUPPLIER_OF_LARGE_FIRM, SOLE_ESSENTIAL_SUPPLIER_OF_HUB).
    pub reason: Option<String>,
}

/// How long a candidate list is: a number of firms, or a share of the scope's SMEs.
#[derive(OneofObject, Debug, Clone, Copy)]
pub enum BudgetInput {
    /// This many firms (1 to 100,000).
    Count(i32),
    /// This share of the SMEs in scope, in (0, 1] (0.02 is the default 2%).
    Share(f64),
}

impl BudgetInput {
    /// The budget, validated.
    pub fn budget(self) -> Result<Budget, ApiError> {
        match self {
            Self::Count(n) if (1..=100_000).contains(&n) => Ok(Budget::Count(n as usize)),
            Self::Share(s) if s.is_finite() && s > 0.0 && s <= 1.0 => Ok(Budget::Share(s)),
            _ => Err(ApiError::Validation("a budget is a count from 1 to 100000 or a share in (0, 1]".into())),
        }
    }
}

/// The order of a candidate list.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CandidateOrderBy {
    /// By rank: the priority score, highest first.
    #[default]
    Priority,
    /// By output at stake, highest first.
    OutputAtStake,
    /// By jobs at stake, highest first.
    JobsAtStake,
}

impl From<CandidateOrderBy> for CandidateOrder {
    fn from(o: CandidateOrderBy) -> Self {
        match o {
            CandidateOrderBy::Priority => Self::Priority,
            CandidateOrderBy::OutputAtStake => Self::OutputAtStake,
            CandidateOrderBy::JobsAtStake => Self::JobsAtStake,
        }
    }
}

/// Cursor over a candidate list: a rank, or a value of the order's key and a firm id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CandidateCursor(pub CandidateAfter);

impl CursorType for CandidateCursor {
    type Error = BadCursor;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| BadCursor)?;
        let text = String::from_utf8(raw).map_err(|_| BadCursor)?;
        let rest = text.strip_prefix("candidate:").ok_or(BadCursor)?;
        if let Some(r) = rest.strip_prefix("r:") {
            return Ok(Self(CandidateAfter::Rank(r.parse().map_err(|_| BadCursor)?)));
        }
        let v = rest.strip_prefix("v:").ok_or(BadCursor)?;
        let (bits, id) = v.split_once(':').ok_or(BadCursor)?;
        let value = f64::from_bits(bits.parse().map_err(|_| BadCursor)?);
        Ok(Self(CandidateAfter::Value(value, id.parse().map_err(|_| BadCursor)?)))
    }

    fn encode_cursor(&self) -> String {
        let text = match self.0 {
            CandidateAfter::Rank(r) => format!("candidate:r:{r}"),
            CandidateAfter::Value(v, id) => format!("candidate:v:{}:{id}", v.to_bits()),
        };
        URL_SAFE_NO_PAD.encode(text)
    }
}

/// A request for a candidate list, as the resolvers receive it.
pub(crate) struct ListRequest {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub filter: CandidateFilter,
    pub budget: Option<BudgetInput>,
    pub order: CandidateOrderBy,
    /// Leave out firms with an open whitelist entry.
    pub unlisted: Option<linchpin_store::analysis::Unlisted>,
}

/// The list, a page of it.
pub(crate) async fn list(
    state: &ApiState,
    viewer: &Viewer,
    req: ListRequest,
) -> Result<Connection<CandidateCursor, Assessment>, ApiError> {
    let (limit, _) = page_args(req.first, None)?;
    let after = req
        .after
        .map(|a| CandidateCursor::decode_cursor(&a))
        .transpose()
        .map_err(|e| ApiError::Validation(e.to_string()))?;
    let budget = req.budget.map(BudgetInput::budget).transpose()?;
    let invalid = |e: linchpin_domain::ValidationError| ApiError::Validation(e.message);
    let f = req.filter;
    let wanted = f.region_prefix.as_deref().map(Jurisdiction::parse).transpose().map_err(invalid)?;
    let chain = f.chain.as_deref().map(ChainCode::parse).transpose().map_err(invalid)?;
    if let Some(r) = &f.reason
        && !REASON_CODES.contains(&r.as_str())
    {
        return Err(ApiError::Validation(format!(
            "`{r}` is not a reason code: use one of {}",
            REASON_CODES.join(", ")
        )));
    }
    // the narrower of the filter and the viewer's jurisdiction; nothing when they are disjoint
    let within = match Jurisdiction::reach(viewer.binding.jurisdiction(), wanted) {
        Reach::Within(w) => w,
        Reach::Wider(mine) => Some(mine),
        Reach::Disjoint => return Ok(Connection::new(false, false)),
    };
    let (scope, region_filter) = match (&chain, &within) {
        (Some(c), w) => (chain_scope(c.as_str()), w.clone()),
        (None, Some(w)) => (province_scope(&w.as_str()[..2]), (w.as_str().len() > 2).then(|| w.clone())),
        (None, None) => (SCOPE_ALL.to_owned(), None),
    };
    let db = state.store.db();
    let Some(run) = analysis::latest_run(db).await? else {
        return Ok(Connection::new(false, false));
    };
    let Some(smes) = analysis::scope_smes(db, run.id, &scope).await? else {
        return Ok(Connection::new(false, false));
    };
    let stored_budget = stored_budget(&run.parameters);
    let size = budget.unwrap_or(stored_budget).size(usize::try_from(smes).unwrap_or(0)) as i64;
    let query = CandidateQuery {
        run: run.id,
        scope,
        size,
        within: region_filter,
        size_class: f.size_class.map(Into::into),
        reason: f.reason,
        unlisted: req.unlisted,
        order: req.order.into(),
    };
    // a cursor of another order names nothing in this one
    let after = after.filter(|c| {
        matches!((c.0, req.order), (CandidateAfter::Rank(_), CandidateOrderBy::Priority))
            || (matches!(c.0, CandidateAfter::Value(..)) && req.order != CandidateOrderBy::Priority)
    });
    let page = analysis::candidates(db, &query, after.map(|c| c.0), limit).await?;
    let order = req.order;
    Ok(connection(
        page,
        after.is_some(),
        |r| {
            CandidateCursor(match order {
                CandidateOrderBy::Priority => CandidateAfter::Rank(r.scope_rank),
                CandidateOrderBy::OutputAtStake => CandidateAfter::Value(r.record.output_at_stake, r.record.firm_id.0),
                CandidateOrderBy::JobsAtStake => CandidateAfter::Value(r.record.jobs_at_stake, r.record.firm_id.0),
            })
        },
        |r| Assessment::ranked(r.record, run.clone(), r.scope_rank, smes),
    ))
}

/// The budget a run was made with (the default when the record does not say).
fn stored_budget(parameters: &str) -> Budget {
    let v: serde_json::Value = serde_json::from_str(parameters).unwrap_or_default();
    if let Some(n) = v["budget"]["count"].as_u64() {
        return Budget::Count(n as usize);
    }
    v["budget"]["share"].as_f64().map_or(Budget::DEFAULT, Budget::Share)
}
