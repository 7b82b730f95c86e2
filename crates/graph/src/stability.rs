//! How stable the candidate list is when link values are uncertain.
//!
//! Survey data on link values is rough. Each replicate multiplies every link value by a factor
//! drawn uniformly from [1 − noise, 1 + noise] and drops each non-essential link with probability
//! `noise`, then recomputes the cascade of the *contenders* only: the listed firms and as many
//! again below the cut-off (the firms that could take a listed firm's place), not the whole
//! network. The contenders are re-ranked by their perturbed score and cut at the same list length;
//! a listed firm's stability is the share of replicates in which it stays on the list.
//!
//! Assumption, stated in docs/analysis.md: a firm ranked below twice the list length does not jump
//! into the list in a replicate. Cost: `replicates × 2 × list length` cascades plus one graph
//! rebuild per replicate. Random numbers come from a seeded splitmix64, so a run is reproducible.
use crate::assess::{Assessment, priority_score};
use crate::csr::{AnalysisGraph, GraphBuilder, Node};
use crate::esri::{Esri, EsriParams};
use crate::rank::Ranking;
use linchpin_domain::Essentiality;

/// Parameters of the stability check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StabilityParams {
    /// Relative noise on link values, and the chance to drop a non-essential link, in [0, 1).
    pub noise: f64,
    /// Number of perturbed replicates.
    pub replicates: usize,
    /// Seed of the random numbers.
    pub seed: u64,
}

impl StabilityParams {
    /// 20% noise, 10 replicates.
    pub const DEFAULT: Self = Self { noise: 0.2, replicates: 10, seed: 42 };
}

/// splitmix64: a small, good, seedable generator (no dependency in a pure crate).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A copy of `g` with perturbed link values and some non-essential links dropped.
pub fn perturbed(g: &AnalysisGraph, noise: f64, rng_seed: u64) -> AnalysisGraph {
    let mut rng = Rng(rng_seed);
    let n = g.node_count();
    let mut b = GraphBuilder::with_capacity(n, g.edge_count());
    for v in 0..n as Node {
        b.add_node(g.industry_name(g.industry(v)), g.size(v), g.employees(v));
    }
    for v in 0..n as Node {
        for (c, w, e) in g.customers(v) {
            let (drop, factor) = (rng.unit(), rng.unit());
            if e == Essentiality::NonEssential && drop < noise {
                continue;
            }
            let value = w * (1.0 + noise * (2.0 * factor - 1.0));
            if value > 0.0 {
                // the original edge was valid; a positive value keeps it valid
                let _ = b.add_edge(crate::csr::EdgeSpec { supplier: v, customer: c, value, essentiality: e });
            }
        }
    }
    b.build()
}

/// The stability of each listed firm of `ranking` (in list order), on `threads` threads;
/// `progress` hears the number of cascades done.
pub fn stability(
    g: &AnalysisGraph,
    esri: EsriParams,
    threads: usize,
    ranking: &Ranking,
    a: &[Assessment],
    p: StabilityParams,
    progress: &(dyn Fn(usize) + Sync),
) -> Vec<(Node, f64)> {
    let listed = ranking.list();
    if listed.is_empty() || p.replicates == 0 {
        return listed.iter().map(|&v| (v, 1.0)).collect();
    }
    let contenders: Vec<Node> = ranking.order.iter().take(2 * listed.len()).copied().collect();
    let mut stays = vec![0usize; contenders.len()];
    for r in 0..p.replicates {
        let seed = p.seed ^ (r as u64).wrapping_mul(0xa076_1d64_78bd_642f);
        let pg = perturbed(g, p.noise, seed);
        let total_output: f64 = (0..pg.node_count() as Node).map(|v| pg.out_strength(v)).sum();
        let total_jobs: f64 = (0..pg.node_count() as Node).map(|v| f64::from(pg.employees(v))).sum();
        let scores = Esri::new(&pg, esri).each(&contenders, threads, progress);
        let mut order: Vec<(usize, f64)> = contenders
            .iter()
            .zip(&scores)
            .enumerate()
            .map(|(i, (&v, s))| {
                let own = pg.out_strength(v);
                (i, priority_score(s, own, f64::from(pg.employees(v)), total_output, total_jobs))
            })
            .filter(|(_, score)| *score > 0.0)
            .collect();
        order.sort_by(|x, y| {
            let (vx, vy) = (contenders[x.0], contenders[y.0]);
            y.1.total_cmp(&x.1)
                .then(a[vy as usize].structural_findings().cmp(&a[vx as usize].structural_findings()))
                .then(vx.cmp(&vy))
        });
        for &(i, _) in order.iter().take(listed.len()) {
            stays[i] += 1;
        }
    }
    listed.iter().enumerate().map(|(i, &v)| (v, stays[i] as f64 / p.replicates as f64)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csr::{EdgeSpec, NodeSpec};
    use linchpin_domain::SizeClass;

    #[test]
    fn perturbation_is_reproducible_keeps_essential_links_and_bounds_values() {
        let node = |k: &str| NodeSpec { industry: k.into(), size: SizeClass::Small, employees: 5 };
        let edges: Vec<EdgeSpec> = (0..50)
            .map(|i| EdgeSpec {
                supplier: i % 5,
                customer: 5 + i % 3,
                value: 10.0 + f64::from(i),
                essentiality: if i % 2 == 0 { Essentiality::Essential } else { Essentiality::NonEssential },
            })
            .collect();
        let nodes: Vec<NodeSpec> = (0..8).map(|i| node(if i < 5 { "C34" } else { "C36" })).collect();
        let g = AnalysisGraph::new(&nodes, &edges).unwrap();
        let a = perturbed(&g, 0.3, 7);
        let b = perturbed(&g, 0.3, 7);
        let essential = |g: &AnalysisGraph| {
            (0..8).flat_map(|v| g.customers(v).collect::<Vec<_>>()).filter(|e| e.2 == Essentiality::Essential).count()
        };
        assert_eq!(essential(&a), 25, "essential links are never dropped");
        assert!(a.edge_count() < 50, "some non-essential links are dropped");
        let values = |g: &AnalysisGraph| {
            (0..8).flat_map(|v| g.customers(v).map(|e| e.1).collect::<Vec<_>>()).collect::<Vec<_>>()
        };
        assert_eq!(values(&a), values(&b), "the same seed gives the same replicate");
        let lo: f64 = values(&a).iter().copied().fold(f64::MAX, f64::min);
        assert!(lo >= 10.0 * 0.7 - 1e-9);
    }
}
