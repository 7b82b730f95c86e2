//! The supply network of Linchpin and its analyses.
//!
//! [`SupplyNetwork`] wraps a petgraph graph with side indexes from database ids to graph indices,
//! so the server can apply every firm and link change incrementally. The analyses (ESRI,
//! dominators, sole essential suppliers, reach) build on it, and [`analyse`] runs them all as one
//! pipeline for every caller. Pure: no IO.

mod assess;
mod bottleneck;
mod csr;
mod dominators;
mod esri;
mod network;
mod pipeline;
mod rank;
mod reach;
mod stability;

pub use assess::{
    Assessment, Lang, REASON_CODES, Reason, RenderedReason, SoleSupply, Thresholds, assess, priority_score,
    sole_essential_suppliers,
};
pub use bottleneck::{Upstream, essential_upstream, held_back};
pub use csr::{AnalysisGraph, EdgeSpec, GraphBuilder, Node, NodeSpec};
pub use dominators::{Dominators, dominators};
pub use esri::{Esri, EsriParams, EsriScore, MAX_THREADS, ScenarioOutcome, esri_reference, esri_reference_score};
pub use network::{FirmNode, GraphError, LinkEdge, Snapshot, SupplyNetwork};
pub use pipeline::{
    Analysis, AnalysisParams, DEFAULT_EXACT_REACH_LIMIT, Observer, Quiet, Scope, Step, Timings, analyse, within,
};
pub use rank::{Budget, Ranking, rank};
pub use reach::{Reach, components, downstream_reach};
pub use stability::{StabilityParams, perturbed, stability};
