//! Runs the key-node analysis on the stored network, off the async runtime, and stores the run
//! with its per-firm results so every number shown can be traced to the run that produced it.
//! The steps themselves are `linchpin_graph::analyse`, the one pipeline `linchpin analyze` and
//! `linchpin bench` also run.
//!
//! A run takes the whole network and both cores for a while, so there is at most one in flight per
//! replica: whoever asks while one runs (a second `runAnalysis`, the background job) gets that
//! run's result instead of starting another.
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::future::{BoxFuture, Shared};
use futures_util::{FutureExt, StreamExt};
use linchpin_domain::{FirmId, LinkTrust};
use linchpin_graph::{AnalysisGraph, AnalysisParams, Node, Quiet, Scope, Snapshot, analyse, rank};
use linchpin_store::analysis::{self, AssessmentRecord, RunRecord, ScopeRanking};
use linchpin_store::firms;
use serde_json::json;

use crate::error::ApiError;
use crate::state::ApiState;

/// The stored network as an analysis graph, with the firm id of every node.
pub(crate) struct Loaded {
    pub snapshot: Snapshot,
    pub index: HashMap<FirmId, Node>,
}

impl Loaded {
    /// The graph.
    pub fn graph(&self) -> &AnalysisGraph {
        &self.snapshot.graph
    }

    /// Firm id of node `v`.
    pub fn id(&self, v: Node) -> FirmId {
        self.snapshot.ids[v as usize]
    }
}

/// A snapshot of the live network as an analysis graph (industries at the run's level, the links
/// `trust` counts), built on a blocking thread. With `fresh`, the live network is first reloaded
/// from the store (the source of truth).
pub(crate) async fn load(
    state: &ApiState,
    fresh: bool,
    level: linchpin_domain::IndustryLevel,
    trust: LinkTrust,
) -> Result<Loaded, ApiError> {
    if fresh {
        state.network.reload(&state.store).await?;
    }
    let network = state.network.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = network.read(|n| n.snapshot(level, trust)).ok_or(ApiError::Internal)?;
        let snapshot = snapshot.map_err(|e| {
            tracing::error!(error = %e, "the live network does not form a valid graph");
            ApiError::Internal
        })?;
        let index: HashMap<FirmId, Node> = snapshot.ids.iter().enumerate().map(|(i, id)| (*id, i as Node)).collect();
        Ok(Loaded { snapshot, index })
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
}

/// The parameters of a run as stored with it.
fn parameters(p: &AnalysisParams, trust: LinkTrust, left_out: usize) -> serde_json::Value {
    let budget = match p.budget {
        linchpin_graph::Budget::Share(s) => json!({"share": s}),
        linchpin_graph::Budget::Count(n) => json!({"count": n}),
    };
    json!({
        "tol": p.esri.tol,
        "rationing": p.esri.rationing,
        "sole_share": p.thresholds.sole_share,
        "hub_downstream": p.thresholds.hub_downstream,
        "exact_reach_limit": p.exact_reach_limit,
        "budget": budget,
        "industry_level": p.industry_level.as_str(),
        "link_trust": trust.as_str(),
        "links_left_out": left_out,
        "stability": p.stability.map(|s| json!({"noise": s.noise, "replicates": s.replicates, "seed": s.seed})),
    })
}

/// Scope keys of the stored rankings.
pub const SCOPE_ALL: &str = "all";

/// The scope key of a province's ranking.
pub fn province_scope(province: &str) -> String {
    format!("province:{province}")
}

/// The scope key of a chain's ranking.
pub fn chain_scope(chain: &str) -> String {
    format!("chain:{chain}")
}

type RunFuture = Shared<BoxFuture<'static, Result<RunRecord, ApiError>>>;

/// The run in flight on this replica, if any.
#[derive(Default)]
pub struct InFlight(Mutex<Option<RunFuture>>);

impl std::fmt::Debug for InFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let busy = self.0.lock().map(|s| s.is_some()).unwrap_or(false);
        f.debug_struct("InFlight").field("running", &busy).finish()
    }
}

impl InFlight {
    /// Whether a run is in flight now.
    pub fn running(&self) -> bool {
        self.0.lock().map(|s| s.is_some()).unwrap_or(false)
    }
}

/// Runs the analysis and stores it, or, when a run is already in flight on this replica, waits
/// for that one and returns it. `trigger` says why (kept with the run). The run goes on even if
/// the caller goes away.
pub async fn run(
    state: &ApiState,
    params: AnalysisParams,
    trust: LinkTrust,
    trigger: String,
) -> Result<RunRecord, ApiError> {
    let shared = {
        let mut slot = state.analysis_runs.0.lock().map_err(|_| ApiError::Internal)?;
        match slot.as_ref() {
            Some(running) => running.clone(),
            None => {
                let st = state.clone();
                let task = tokio::spawn(async move {
                    let clock = Instant::now();
                    let result = run_now(&st, params, trust, trigger).await;
                    crate::metrics::analysis_run(result.is_ok(), clock.elapsed());
                    if let Ok(mut slot) = st.analysis_runs.0.lock() {
                        *slot = None;
                    }
                    result
                });
                let fut: RunFuture =
                    async move { task.await.unwrap_or_else(|e| Err(ApiError::internal(&e))) }.boxed().shared();
                *slot = Some(fut.clone());
                fut
            }
        }
    };
    shared.await
}

async fn run_now(
    state: &ApiState,
    params: AnalysisParams,
    trust: LinkTrust,
    trigger: String,
) -> Result<RunRecord, ApiError> {
    let started_at = Utc::now();
    let clock = Instant::now();
    let Loaded { snapshot, .. } = load(state, true, params.industry_level, trust).await?;
    let (snapshot, result, rankings) = tokio::task::spawn_blocking(move || {
        let g = &snapshot.graph;
        let result = analyse(g, &params, Scope::Full, &Quiet);
        // every province's and every chain's own ranking, besides the whole network's
        let mut groups: HashMap<String, Vec<Node>> = HashMap::new();
        for v in 0..g.node_count() as Node {
            groups.entry(province_scope(&snapshot.provinces[v as usize])).or_default().push(v);
            for c in &snapshot.chains[v as usize] {
                groups.entry(chain_scope(c.as_str())).or_default().push(v);
            }
        }
        let to_ids = |order: &[Node]| order.iter().map(|&v| snapshot.ids[v as usize]).collect::<Vec<_>>();
        let mut rankings = vec![ScopeRanking {
            scope: SCOPE_ALL.to_owned(),
            smes: result.ranking.smes as i64,
            order: to_ids(&result.ranking.order),
        }];
        let mut keys: Vec<&String> = groups.keys().collect();
        keys.sort();
        for key in keys {
            let r = rank(groups[key].iter().copied(), &result.assessments, |v| g.size(v).is_sme(), params.budget);
            rankings.push(ScopeRanking { scope: key.clone(), smes: r.smes as i64, order: to_ids(&r.order) });
        }
        (snapshot, result, rankings)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    let graph = &snapshot.graph;
    let ids = &snapshot.ids;
    // names of the firms the sentences mention
    let mentioned: HashSet<FirmId> = result
        .assessments
        .iter()
        .flat_map(|a| a.reasons.iter().flat_map(|r| r.mentioned_firms()))
        .map(|v| ids[v as usize])
        .collect();
    let mentioned: Vec<FirmId> = mentioned.into_iter().collect();
    let names = firms::names(state.store.db(), &mentioned).await?;
    let name = |v: Node| {
        names.get(&ids[v as usize]).map_or_else(|| format!("#{}", ids[v as usize].0), |(n, u)| format!("{n} ({u})"))
    };
    let industry = |k: u32| graph.industry_name(k).to_owned();
    let mut rows: Vec<AssessmentRecord> = Vec::with_capacity(result.assessments.len());
    for (v, a) in result.assessments.iter().enumerate() {
        let reasons: Vec<_> = a.reasons.iter().map(|r| r.render(&name, &industry)).collect();
        rows.push(AssessmentRecord {
            run_id: 0,
            firm_id: ids[v],
            esri: a.esri.esri,
            esri_down: a.esri.esri_down,
            esri_up: a.esri.esri_up,
            systemic_multiplier: a.systemic_multiplier,
            dominated_firms: i64::from(a.dominated_firms),
            dominated_large_firms: i64::from(a.dominated_large_firms),
            sole_essential_customers: a.sole_essential_customers.len() as i64,
            downstream_firms: a.downstream_firms,
            downstream_employees: a.downstream_employees,
            key_node: a.key_node,
            reasons: serde_json::to_string(&reasons).map_err(|e| ApiError::internal(&e))?,
            own_output: a.own_output,
            own_jobs: a.own_jobs,
            output_at_stake: a.esri.output_lost,
            jobs_at_stake: a.esri.jobs_lost,
            priority_score: a.priority_score,
            rank: a.rank.map(|r| r as i32),
            percentile: a.percentile,
            stability: a.stability,
            unconfirmed_links: i64::from(snapshot.unconfirmed[v]),
            sme: graph.size(v as Node).is_sme(),
        });
    }
    let run = RunRecord {
        id: 0,
        started_at,
        finished_at: Utc::now(),
        trigger,
        firms: graph.node_count() as i64,
        links: graph.edge_count() as i64,
        parameters: parameters(&params, trust, snapshot.left_out).to_string(),
        duration_ms: clock.elapsed().as_millis() as i64,
    };
    let txn = state.store.begin_write().await?;
    let saved = analysis::save_run(&*txn, run, &rows, &rankings).await?;
    txn.commit().await?;
    state.store.refresh_statistics(&analysis::TABLES).await;
    // the queue follows the new analysis at once
    match crate::blockage::rerank(state, None).await {
        Ok(n) => tracing::info!(blockages = n, "blockages re-ranked"),
        Err(e) => tracing::error!(error = ?e, "re-ranking blockages after the analysis failed"),
    }
    tracing::info!(run = saved.id, firms = saved.firms, links = saved.links, ms = saved.duration_ms, "analysis stored");
    Ok(saved)
}

/// Runs the analysis in the background after changes: once no change has arrived for
/// `debounce`, one replica (the one that takes the lock) analyses the network.
pub fn spawn_background(
    state: ApiState,
    params: AnalysisParams,
    trust: LinkTrust,
    debounce: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // changes to the network only: whitelist steps change no firm or link
        let mut events = state.events.subscribe().filter(|e| std::future::ready(e.is_network_change())).boxed();
        loop {
            // wait for a change
            if events.next().await.is_none() {
                return;
            }
            // then for quiet
            loop {
                match tokio::time::timeout(debounce, events.next()).await {
                    Ok(Some(_)) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            if !state.events.try_lock("analysis", debounce.max(Duration::from_secs(60))).await {
                tracing::info!("another replica is analysing the network");
                continue;
            }
            if let Err(e) = run(&state, params, trust, "changes".into()).await {
                tracing::error!(error = ?e, "background analysis failed");
            }
        }
    })
}
