//! Runs the key-node analysis on the stored network, off the async runtime, and stores the run
//! with its per-firm results so every number shown can be traced to the run that produced it.
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;
use linchpin_domain::FirmId;
use linchpin_graph::{
    AnalysisGraph, Esri, EsriParams, Lang, Node, Reason, Thresholds, assess, dominators, downstream_reach,
    sole_essential_suppliers,
};
use linchpin_store::analysis::{self, AssessmentRecord, RunRecord};
use linchpin_store::{TransactionTrait, firms};
use serde_json::json;

use crate::error::ApiError;
use crate::schema::ApiState;

/// Parameters of server-side analysis runs.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisConfig {
    /// ESRI parameters.
    pub esri: EsriParams,
    /// Candidate thresholds.
    pub thresholds: Thresholds,
    /// Threads for ESRI.
    pub threads: usize,
    /// Components up to which reach is exact.
    pub exact_reach_limit: usize,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        Self {
            esri: EsriParams::default(),
            thresholds: Thresholds::default(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            exact_reach_limit: 30_000,
        }
    }
}

/// The stored network as an analysis graph, with the firm id of every node.
pub(crate) struct Loaded {
    pub graph: AnalysisGraph,
    pub ids: Vec<FirmId>,
    pub index: HashMap<FirmId, Node>,
}

/// A snapshot of the live network as an analysis graph, built on a blocking thread. With
/// `fresh`, the live network is first reloaded from the store (the source of truth).
pub(crate) async fn load(state: &ApiState, fresh: bool) -> Result<Loaded, ApiError> {
    if fresh {
        state.network.reload(&state.store).await.map_err(ApiError::from)?;
    }
    let network = state.network.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = network.read(|n| n.snapshot()).ok_or(ApiError::Internal)?;
        let (graph, ids) = snapshot.map_err(|e| {
            tracing::error!(error = %e, "the live network does not form a valid graph");
            ApiError::Internal
        })?;
        let index: HashMap<FirmId, Node> = ids.iter().enumerate().map(|(i, id)| (*id, i as Node)).collect();
        Ok(Loaded { graph, ids, index })
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
}

fn referenced(reasons: &[Reason]) -> Vec<Node> {
    reasons
        .iter()
        .flat_map(|r| match r {
            Reason::DominatesLargeFirms { examples, .. } => examples.clone(),
            Reason::SoleEssentialSupplier { customer, .. } => vec![*customer],
            Reason::HighSystemicMultiplier { .. } => vec![],
        })
        .collect()
}

/// Runs the analysis now and stores it. `trigger` says why (kept with the run).
pub async fn run(state: &ApiState, config: AnalysisConfig, trigger: String) -> Result<RunRecord, ApiError> {
    let _one_at_a_time = state.analysis_lock.lock().await;
    let started_at = Utc::now();
    let clock = Instant::now();
    let loaded = load(state, true).await?;
    let Loaded { graph, ids, .. } = loaded;
    let (graph, results) = tokio::task::spawn_blocking(move || {
        let esri = Esri::new(&graph, config.esri).all(config.threads, &|_| {});
        let dom = dominators(&graph);
        let sole = sole_essential_suppliers(&graph, config.thresholds.sole_share);
        let reach = downstream_reach(&graph, config.exact_reach_limit);
        let results = assess(&graph, &esri, &dom, &sole, &reach, &config.thresholds);
        (graph, results)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    // names of the firms the sentences mention
    let mentioned: HashSet<FirmId> =
        results.iter().flat_map(|a| referenced(&a.reasons)).map(|v| ids[v as usize]).collect();
    let mentioned: Vec<FirmId> = mentioned.into_iter().collect();
    let names = firms::names(state.store.db(), &mentioned).await.map_err(ApiError::from)?;
    let name = |v: Node| {
        names.get(&ids[v as usize]).map_or_else(|| format!("#{}", ids[v as usize].0), |(n, u)| format!("{n} ({u})"))
    };
    let industry = |k: u32| graph.industry_name(k).to_owned();
    let rows: Vec<AssessmentRecord> = results
        .iter()
        .enumerate()
        .map(|(v, a)| {
            let reasons: Vec<serde_json::Value> = a
                .reasons
                .iter()
                .map(|r| json!({"code": r.code(), "zh": r.message(Lang::Zh, &name, &industry), "en": r.message(Lang::En, &name, &industry)}))
                .collect();
            AssessmentRecord {
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
                reasons: serde_json::Value::Array(reasons).to_string(),
            }
        })
        .collect();
    let params = json!({
        "tol": config.esri.tol,
        "rationing": config.esri.rationing,
        "multiplier": config.thresholds.multiplier,
        "min_esri": config.thresholds.min_esri,
        "sole_share": config.thresholds.sole_share,
        "hub_downstream": config.thresholds.hub_downstream,
        "exact_reach_limit": config.exact_reach_limit,
    });
    let run = RunRecord {
        id: 0,
        started_at,
        finished_at: Utc::now(),
        trigger,
        firms: graph.node_count() as i64,
        links: graph.edge_count() as i64,
        parameters: params.to_string(),
        duration_ms: clock.elapsed().as_millis() as i64,
    };
    let txn = state.store.db().begin().await.map_err(ApiError::from)?;
    let saved = analysis::save_run(&txn, run, &rows).await.map_err(ApiError::from)?;
    txn.commit().await.map_err(ApiError::from)?;
    tracing::info!(run = saved.id, firms = saved.firms, links = saved.links, ms = saved.duration_ms, "analysis stored");
    Ok(saved)
}

/// Runs the analysis in the background after changes: once no change has arrived for
/// `debounce`, one replica (the one that takes the lock) analyses the network.
pub fn spawn_background(state: ApiState, config: AnalysisConfig, debounce: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = state.events.subscribe();
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
            if let Err(e) = run(&state, config, "changes".into()).await {
                tracing::error!(error = ?e, "background analysis failed");
            }
        }
    })
}
