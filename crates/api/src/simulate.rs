//! `simulateDisruption`: what if these firms stop, or run at reduced capacity?
use async_graphql::{Context, InputObject, SimpleObject};
use linchpin_domain::{Role, Uscc};
use linchpin_graph::{Esri, Node};
use linchpin_store::firms;

use crate::analysis;
use crate::error::ApiError;
use crate::guard::{self, require};
use crate::types::firm::Firm;

/// Firms read per statement while filling the most-affected list.
const BATCH: usize = 100;

/// Most closures one simulation accepts.
pub const MAX_CLOSURES: usize = 1_000;

/// One firm of a scenario.
#[derive(InputObject, Debug)]
pub struct ClosureInput {
    /// USCC of the firm.
    pub uscc: String,
    /// Remaining capacity in [0, 1]: 0 closed, 0.4 at 40%.
    #[graphql(default)]
    pub capacity: f64,
}

/// A scenario.
#[derive(InputObject, Debug)]
pub struct SimulateDisruptionInput {
    /// The firms and their remaining capacity (1 to 1,000; a firm named twice keeps the lower).
    pub closures: Vec<ClosureInput>,
    /// How many of the most affected firms to list (at most 100).
    #[graphql(default = 10)]
    pub most_affected: i32,
}

/// A firm hit by the scenario.
#[derive(SimpleObject)]
pub struct AffectedFirm {
    /// The firm.
    pub firm: Firm,
    /// Remaining production share, min(upstream, downstream).
    pub health: f64,
    /// Health through customers (u).
    pub upstream_health: f64,
    /// Health through inputs (d).
    pub downstream_health: f64,
    /// Output lost, in 10,000 CNY a year.
    #[graphql(name = "outputLoss10kCny")]
    pub output_loss_10k_cny: f64,
}

/// The outcome of a scenario on the current network (ESRI iteration, docs/analysis.md).
#[derive(SimpleObject)]
pub struct DisruptionSimulation {
    /// Share of network output lost (the scenario's ESRI).
    pub output_loss_share: f64,
    /// Output lost, in 10,000 CNY a year.
    #[graphql(name = "outputLoss10kCny")]
    pub output_loss_10k_cny: f64,
    /// Share lost through missing inputs.
    pub output_loss_share_down: f64,
    /// Share lost through missing customers.
    pub output_loss_share_up: f64,
    /// Employees times lost production share, summed over affected firms.
    pub jobs_at_risk: f64,
    /// Firms whose health fell below 1.
    pub affected_firms: i64,
    /// The most affected firms (by output lost) the viewer may see: all for ADMIN, those in the
    /// jurisdiction for BUREAU and COORDINATOR.
    pub most_affected: Vec<AffectedFirm>,
}

pub(crate) async fn simulate(
    ctx: &Context<'_>,
    input: SimulateDisruptionInput,
) -> Result<DisruptionSimulation, ApiError> {
    let viewer = guard::viewer(ctx)?;
    require(matches!(viewer.role(), Role::Admin | Role::Bureau | Role::Coordinator))?;
    let state = guard::state(ctx)?;
    if input.closures.is_empty() || input.closures.len() > MAX_CLOSURES {
        return Err(ApiError::Validation(format!("give 1 to {MAX_CLOSURES} closures")));
    }
    if !(0..=100).contains(&input.most_affected) {
        return Err(ApiError::Validation("`mostAffected` must be between 0 and 100".into()));
    }
    let mut usccs = Vec::with_capacity(input.closures.len());
    for c in &input.closures {
        let u = Uscc::parse(&c.uscc).map_err(|e| ApiError::Validation(e.message))?;
        if !(c.capacity.is_finite() && (0.0..=1.0).contains(&c.capacity)) {
            return Err(ApiError::Validation(format!("capacity of {u} must be between 0 and 1, got {}", c.capacity)));
        }
        usccs.push(u);
    }
    let names: Vec<&str> = usccs.iter().map(Uscc::as_str).collect();
    let ids = firms::ids_by_uscc(state.store.db(), &names).await?;
    let loaded = analysis::load(state, false, state.analysis.industry_level, state.link_trust).await?;
    let mut closures: Vec<(Node, f64)> = Vec::new();
    for (u, c) in usccs.iter().zip(&input.closures) {
        let Some(node) = ids.get(u.as_str()).and_then(|id| loaded.index.get(&linchpin_domain::FirmId(*id))) else {
            return Err(ApiError::Validation(format!("no firm with USCC {u} is registered")));
        };
        match closures.iter_mut().find(|(n, _)| n == node) {
            Some(existing) => existing.1 = existing.1.min(c.capacity),
            None => closures.push((*node, c.capacity)),
        }
    }
    let params = state.analysis.esri;
    let (outcome, loaded) = tokio::task::spawn_blocking(move || {
        let outcome = Esri::new(loaded.graph(), params).scenario(&closures);
        (outcome, loaded)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    let outcome = outcome.map_err(|e| ApiError::Validation(e.to_string()))?;
    let graph = loaded.graph();
    let total: f64 = (0..graph.node_count() as Node).map(|v| graph.out_strength(v)).sum();
    let mut jobs = 0.0;
    let mut hit: Vec<(Node, f64, f64, f64)> = Vec::new();
    for &(v, u, d) in &outcome.damaged {
        let lost = 1.0 - u.min(d);
        jobs += f64::from(graph.employees(v)) * lost;
        hit.push((v, u, d, graph.out_strength(v) * lost));
    }
    hit.sort_by(|a, b| b.3.total_cmp(&a.3).then(a.0.cmp(&b.0)));
    // The most affected firms the viewer may see, read a batch at a time (one statement each).
    let mut most = Vec::new();
    let wanted = input.most_affected as usize;
    for batch in hit.chunks(BATCH) {
        if most.len() >= wanted {
            break;
        }
        let batch_ids: Vec<linchpin_domain::FirmId> = batch.iter().map(|h| loaded.id(h.0)).collect();
        let mut found = firms::get_many(state.store.db(), &batch_ids).await?;
        for &(v, u, d, loss) in batch {
            if most.len() >= wanted {
                break;
            }
            let Some(firm) = found.remove(&loaded.id(v)) else { continue };
            if !viewer.can_see_firm_details(firm.id, &firm.firm.region) {
                continue;
            }
            most.push(AffectedFirm {
                firm: Firm::of(firm),
                health: u.min(d),
                upstream_health: u,
                downstream_health: d,
                output_loss_10k_cny: loss,
            });
        }
    }
    Ok(DisruptionSimulation {
        output_loss_share: outcome.score.esri,
        output_loss_10k_cny: outcome.score.esri * total,
        output_loss_share_down: outcome.score.esri_down,
        output_loss_share_up: outcome.score.esri_up,
        jobs_at_risk: jobs,
        affected_firms: outcome.damaged.len() as i64,
        most_affected: most,
    })
}
