//! The key-node analysis as one pipeline: ESRI of every firm (with the output and jobs at stake),
//! the dominator tree, sole essential suppliers, downstream reach, the assessment of every firm with
//! its reasons and priority score, the ranked candidate list within the budget, and, when asked,
//! the list's stability under noisy link values.
//!
//! Design: every caller (`linchpin analyze`, `linchpin bench`, the server's stored runs) builds an
//! [`AnalysisGraph`] its own way and then calls [`analyse`] with one [`AnalysisParams`], whose
//! defaults are declared here once. Progress and timings leave through an [`Observer`], so a
//! terminal progress bar, a log line and a benchmark table are all the same hook.
//!
//! Cost: ESRI dominates, O(Σ cascade sizes) over all firms on `threads` threads; the structural
//! steps are near-linear (see each module).
use std::time::Instant;

use linchpin_domain::IndustryLevel;

use crate::assess::SoleSupply;
use crate::assess::{Assessment, Thresholds, assess, sole_essential_suppliers};
use crate::csr::{AnalysisGraph, Node};
use crate::dominators::{Dominators, dominators};
use crate::esri::{Esri, EsriParams, EsriScore, MAX_THREADS};
use crate::rank::{Budget, Ranking, rank};
use crate::reach::{Reach, downstream_reach};
use crate::stability::{StabilityParams, stability};

/// Components up to which downstream reach is exact (HyperLogLog estimates beyond).
pub const DEFAULT_EXACT_REACH_LIMIT: usize = 30_000;

/// Everything that shapes an analysis run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalysisParams {
    /// ESRI iteration.
    pub esri: EsriParams,
    /// Candidate thresholds.
    pub thresholds: Thresholds,
    /// Threads for ESRI, 1 to [`MAX_THREADS`]; 0 means one per core.
    pub threads: usize,
    /// Components up to which reach is exact.
    pub exact_reach_limit: usize,
    /// Length of the candidate list.
    pub budget: Budget,
    /// The stability check of the list, if wanted.
    pub stability: Option<StabilityParams>,
    /// The level at which suppliers count as substitutes. Applied by whoever builds the graph (the
    /// industry of each node); kept here so that a run records it.
    pub industry_level: IndustryLevel,
}

impl AnalysisParams {
    /// The defaults, declared once.
    pub const DEFAULT: Self = Self {
        esri: EsriParams::DEFAULT,
        thresholds: Thresholds::DEFAULT,
        threads: 0,
        exact_reach_limit: DEFAULT_EXACT_REACH_LIMIT,
        budget: Budget::DEFAULT,
        stability: None,
        industry_level: IndustryLevel::Class,
    };

    /// The thread count in effect: `threads`, or one per core when it is 0.
    pub fn threads(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS)
        } else {
            self.threads.min(MAX_THREADS)
        }
    }
}

impl Default for AnalysisParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A step of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// ESRI of every firm.
    Esri,
    /// The dominator tree.
    Dominators,
    /// Sole essential suppliers.
    SoleSuppliers,
    /// Downstream reach.
    Reach,
    /// Assessments, reasons, the ranked list.
    Assess,
    /// The list's stability under noisy link values.
    Stability,
}

impl Step {
    /// A short name for progress output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Esri => "esri",
            Self::Dominators => "dominators",
            Self::SoleSuppliers => "sole suppliers",
            Self::Reach => "reach",
            Self::Assess => "assess",
            Self::Stability => "stability",
        }
    }
}

/// Receives progress and timings of a run. Every method has a default that does nothing.
pub trait Observer: Sync {
    /// `step` starts with `work` units (firms for ESRI, 1 otherwise).
    fn started(&self, _step: Step, _work: u64) {}
    /// `done` more units of `step` are finished (called from worker threads).
    fn advanced(&self, _step: Step, _done: u64) {}
    /// `step` took `seconds`.
    fn finished(&self, _step: Step, _seconds: f64) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Observer for Quiet {}

/// Seconds spent in each step (0 for a step not run).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Timings {
    /// ESRI of every firm.
    pub esri: f64,
    /// Dominator tree.
    pub dominators: f64,
    /// Sole essential suppliers.
    pub sole: f64,
    /// Downstream reach.
    pub reach: f64,
    /// Assessments and ranking.
    pub assess: f64,
    /// Stability replicates.
    pub stability: f64,
}

impl Timings {
    /// Seconds of the structural steps (dominators, sole suppliers, reach).
    pub fn structural(&self) -> f64 {
        self.dominators + self.sole + self.reach
    }
}

/// Which steps to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every step, ending with an assessment of every firm.
    Full,
    /// The structural steps only (no ESRI, no assessments): for very large networks and
    /// benchmarks.
    Structure,
}

/// The results of a run.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// ESRI of every firm (empty for [`Scope::Structure`]).
    pub esri: Vec<EsriScore>,
    /// The dominator tree.
    pub dominators: Dominators,
    /// Sole essential supplies of every firm.
    pub sole: Vec<Vec<SoleSupply>>,
    /// Downstream reach of every firm.
    pub reach: Reach,
    /// The assessment of every firm (empty for [`Scope::Structure`]): with its rank, percentile,
    /// list membership (`key_node`) and stability filled in.
    pub assessments: Vec<Assessment>,
    /// The ranking of the whole network's SMEs (empty for [`Scope::Structure`]).
    pub ranking: Ranking,
    /// Where the time went.
    pub timings: Timings,
}

fn timed<T>(obs: &dyn Observer, step: Step, work: u64, f: impl FnOnce() -> T) -> (T, f64) {
    obs.started(step, work);
    let start = Instant::now();
    let out = f();
    let secs = start.elapsed().as_secs_f64();
    obs.finished(step, secs);
    (out, secs)
}

/// Runs the pipeline on `g`.
pub fn analyse(g: &AnalysisGraph, p: &AnalysisParams, scope: Scope, obs: &dyn Observer) -> Analysis {
    let mut t = Timings::default();
    let esri = if scope == Scope::Full {
        let (esri, secs) = timed(obs, Step::Esri, g.node_count() as u64, || {
            Esri::new(g, p.esri).all(p.threads(), &|k| obs.advanced(Step::Esri, k as u64))
        });
        t.esri = secs;
        esri
    } else {
        Vec::new()
    };
    let (dom, secs) = timed(obs, Step::Dominators, 1, || dominators(g));
    t.dominators = secs;
    let (sole, secs) = timed(obs, Step::SoleSuppliers, 1, || sole_essential_suppliers(g, p.thresholds.sole_share));
    t.sole = secs;
    let (reach, secs) = timed(obs, Step::Reach, 1, || downstream_reach(g, p.exact_reach_limit));
    t.reach = secs;
    let empty = Ranking { order: Vec::new(), smes: 0, size: 0 };
    let all = |_: Node| true;
    if scope == Scope::Structure {
        return Analysis { esri, dominators: dom, sole, reach, assessments: Vec::new(), ranking: empty, timings: t };
    }
    let (assessments, secs) = timed(obs, Step::Assess, 1, || assess(g, &esri, &dom, &sole, &reach, &p.thresholds));
    t.assess = secs;
    let mut a = Analysis { esri, dominators: dom, sole, reach, assessments, ranking: empty, timings: t };
    within(g, &mut a, p, all, obs);
    a
}

/// Ranks the SMEs among `members` (the whole network, a province, a chain) within the budget,
/// writes rank, percentile and list membership into the assessments (clearing them for firms
/// outside), and checks the stability of that list when `p.stability` asks for it.
pub fn within(
    g: &AnalysisGraph,
    a: &mut Analysis,
    p: &AnalysisParams,
    members: impl Fn(Node) -> bool,
    obs: &dyn Observer,
) {
    let start = Instant::now();
    let ranking =
        rank((0..g.node_count() as Node).filter(|&v| members(v)), &a.assessments, |v| g.size(v).is_sme(), p.budget);
    for x in &mut a.assessments {
        (x.rank, x.percentile, x.key_node, x.stability) = (None, None, false, None);
    }
    for (i, &v) in ranking.order.iter().enumerate() {
        let r = (i + 1) as u32;
        let x = &mut a.assessments[v as usize];
        x.rank = Some(r);
        x.percentile = Some(ranking.percentile(r));
        x.key_node = i < ranking.size;
    }
    a.timings.assess += start.elapsed().as_secs_f64();
    if let Some(sp) = p.stability {
        let work = (sp.replicates * 2 * ranking.size) as u64;
        let (stable, secs) = timed(obs, Step::Stability, work, || {
            stability(g, p.esri, p.threads(), &ranking, &a.assessments, sp, &|k| {
                obs.advanced(Step::Stability, k as u64)
            })
        });
        a.timings.stability = secs;
        for (v, share) in stable {
            a.assessments[v as usize].stability = Some(share);
        }
    }
    a.ranking = ranking;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EdgeSpec, NodeSpec};
    use linchpin_domain::{Essentiality, SizeClass};

    #[test]
    fn the_pipeline_reproduces_the_first_worked_case_and_reports_every_step() {
        // A -> B 10, B -> C 10, three industries: ESRI(A) = 1.
        let node = |k: &str| NodeSpec { industry: k.into(), size: SizeClass::Small, employees: 10 };
        let g = AnalysisGraph::new(
            &[node("C34"), node("C38"), node("C36")],
            &[
                EdgeSpec { supplier: 0, customer: 1, value: 10.0, essentiality: Essentiality::Essential },
                EdgeSpec { supplier: 1, customer: 2, value: 10.0, essentiality: Essentiality::Essential },
            ],
        )
        .unwrap();
        struct Steps(std::sync::Mutex<Vec<Step>>);
        impl Observer for Steps {
            fn finished(&self, step: Step, _: f64) {
                self.0.lock().unwrap().push(step);
            }
        }
        let seen = Steps(std::sync::Mutex::new(Vec::new()));
        let a = analyse(&g, &AnalysisParams { threads: 1, ..AnalysisParams::DEFAULT }, Scope::Full, &seen);
        assert!((a.assessments[0].esri.esri - 1.0).abs() < 1e-9);
        // C sells nothing itself but its stoppage idles both suppliers (all of the rest of the
        // network's output): it ranks first; A and B put the same at stake, A wins the tie by node
        assert_eq!(a.assessments.iter().map(|x| x.rank).collect::<Vec<_>>(), [Some(2), Some(3), Some(1)]);
        assert!(a.assessments[2].key_node && !a.assessments[0].key_node);
        assert_eq!(a.ranking.list(), &[2], "2% of three SMEs is one firm");
        assert_eq!(a.dominators.dominated(0), 2);
        assert_eq!(
            *seen.0.lock().unwrap(),
            [Step::Esri, Step::Dominators, Step::SoleSuppliers, Step::Reach, Step::Assess]
        );
        let s = analyse(&g, &AnalysisParams::DEFAULT, Scope::Structure, &Quiet);
        assert!(s.esri.is_empty() && s.assessments.is_empty());
        assert_eq!(s.reach.firms[0], 2.0);
    }

    #[test]
    fn thread_counts_stay_within_the_pool_limit() {
        assert!(AnalysisParams::DEFAULT.threads() >= 1);
        assert_eq!(AnalysisParams { threads: 10_000, ..AnalysisParams::DEFAULT }.threads(), MAX_THREADS);
    }
}
