//! The economic systemic risk index (ESRI) of Diem, Borsos, Reisch, Kertész and Thurner,
//! "Quantifying firm-level economic systemic risk from nation-wide supply networks",
//! Sci. Rep. 12, 7719 (2022), exactly as `DESIGN.md` ("ESRI, exactly") states it.
//!
//! Two implementations share one definition:
//! - [`esri_reference`]: the plain lockstep iteration over every firm, O(iterations · (n + m))
//!   per scenario. Kept as the oracle the tests compare against.
//! - [`Esri::scenario`]: the same iteration on sparse frontiers. A shock only moves firms that are
//!   damaged (health below 1) and their direct neighbours, and the rationing term of an industry
//!   only matters through its damaged firms, so each step touches the damaged set and its edges,
//!   not the whole graph. Losses below `prune` (default 1e-12) are treated as none; this bounds
//!   the error far below the tolerance. [`Esri::all`] runs one scenario per firm on `threads`
//!   threads.
use std::collections::HashMap;

use linchpin_domain::Essentiality;

use crate::GraphError;
use crate::csr::{AnalysisGraph, Node};

/// Parameters of the iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EsriParams {
    /// Stop when no health value moves by this much in one step.
    pub tol: f64,
    /// Rationing on (the paper's default) or off (`σ_i = 1` for every firm that sells).
    pub rationing: bool,
    /// Safety cap on steps.
    pub max_iter: usize,
    /// Losses smaller than this are dropped from the sparse frontier.
    pub prune: f64,
}

impl EsriParams {
    /// The defaults, declared once (tolerance 1e-6, rationing on).
    pub const DEFAULT: Self = Self { tol: 1e-6, rationing: true, max_iter: 10_000, prune: 1e-12 };
}

impl Default for EsriParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Most threads [`Esri::all`] uses; asking for more is an error at the edge (CLI, settings).
pub const MAX_THREADS: usize = 256;

/// The three indices of one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EsriScore {
    /// Share of output lost, health `min(u, d)`.
    pub esri: f64,
    /// Share lost through missing inputs (d).
    pub esri_down: f64,
    /// Share lost through missing customers (u).
    pub esri_up: f64,
}

/// The outcome of a scenario: the scores and every firm whose health fell below 1.
#[derive(Debug, Clone, Default)]
pub struct ScenarioOutcome {
    /// Scores.
    pub score: EsriScore,
    /// (firm, upstream health u, downstream health d) for every damaged firm.
    pub damaged: Vec<(Node, f64, f64)>,
}

fn score_of(g: &AnalysisGraph, total: f64, items: impl Iterator<Item = (Node, f64, f64)>) -> EsriScore {
    if total <= 0.0 {
        return EsriScore::default();
    }
    let mut s = EsriScore::default();
    for (v, u, d) in items {
        let r = g.out_strength[v as usize];
        s.esri += r * (1.0 - u.min(d));
        s.esri_down += r * (1.0 - d);
        s.esri_up += r * (1.0 - u);
    }
    EsriScore { esri: s.esri / total, esri_down: s.esri_down / total, esri_up: s.esri_up / total }
}

/// The definition, iterated over every firm until no value moves by `tol`. `psi[i]` is firm i's
/// remaining capacity in [0, 1]. Returns (u, d).
pub fn esri_reference(g: &AnalysisGraph, psi: &[f64], p: &EsriParams) -> (Vec<f64>, Vec<f64>) {
    let n = g.node_count();
    let (mut u, mut d) = (vec![1.0; n], vec![1.0; n]);
    for _ in 0..p.max_iter {
        let mut u_new = vec![1.0; n];
        for i in 0..n {
            let r = g.out_strength[i];
            u_new[i] = if r == 0.0 {
                psi[i]
            } else {
                let s: f64 = g.customers(i as Node).map(|(j, w, _)| w / r * u[j as usize]).sum();
                s.min(psi[i])
            };
        }
        let mut m = vec![0.0; g.industries];
        for i in 0..n {
            m[g.industry[i] as usize] += g.out_strength[i] * d[i];
        }
        let sigma: Vec<f64> = (0..n)
            .map(|i| {
                let r = g.out_strength[i];
                let mk = m[g.industry[i] as usize];
                if r == 0.0 {
                    0.0
                } else if !p.rationing || mk == 0.0 {
                    1.0
                } else {
                    (r / mk).min(1.0)
                }
            })
            .collect();
        let mut d_new = vec![1.0; n];
        for j in 0..n {
            let mut e: HashMap<u32, (f64, f64)> = HashMap::new();
            let mut nonessential = 0.0;
            for (i, w, ess) in g.suppliers(j as Node) {
                let loss = sigma[i as usize] * (1.0 - d[i as usize]) * w;
                match ess {
                    Essentiality::Essential => {
                        let entry = e.entry(g.industry[i as usize]).or_default();
                        entry.0 += w;
                        entry.1 += loss;
                    }
                    Essentiality::NonEssential => nonessential += loss,
                    Essentiality::Negligible => {}
                }
            }
            let h = 1.0 - e.values().map(|(ejk, s)| s / ejk).fold(0.0, f64::max);
            let c = g.in_strength[j];
            let nj = if c > 0.0 { nonessential / c } else { 0.0 };
            d_new[j] = h.min(1.0 - nj).min(psi[j]);
        }
        let delta = (0..n).map(|i| (u_new[i] - u[i]).abs().max((d_new[i] - d[i]).abs())).fold(0.0, f64::max);
        u = u_new;
        d = d_new;
        if delta < p.tol {
            break;
        }
    }
    (u, d)
}

/// ESRI of a scenario from the reference iteration.
pub fn esri_reference_score(g: &AnalysisGraph, psi: &[f64], p: &EsriParams) -> EsriScore {
    let (u, d) = esri_reference(g, psi, p);
    let total: f64 = g.out_strength.iter().sum();
    score_of(g, total, (0..g.node_count()).map(|i| (i as Node, u[i], d[i])))
}

/// Precomputed per-graph data for the sparse iteration.
#[derive(Debug)]
pub struct Esri<'g> {
    g: &'g AnalysisGraph,
    /// E_jk: essential input of j from industry k, as sorted (k, value) rows per node.
    ess_start: Vec<usize>,
    ess: Vec<(u32, f64)>,
    /// Total output per industry (R_k).
    industry_output: Vec<f64>,
    total_output: f64,
    params: EsriParams,
}

/// The losses (1 − health) of one direction and the firms where they are positive.
struct Side {
    loss: Vec<f64>,
    damaged: Vec<Node>,
    member: Vec<bool>,
}

impl Side {
    fn new(n: usize) -> Self {
        Self { loss: vec![0.0; n], damaged: Vec::new(), member: vec![false; n] }
    }

    /// Takes the next step's losses: `next` holds the fresh values of the firms fed a loss; the
    /// scenario's own losses are a floor; damaged firms not in `next` recover. Returns the largest
    /// change.
    fn commit(&mut self, mut next: HashMap<Node, f64>, psi_loss: &HashMap<Node, f64>, prune: f64) -> f64 {
        for (&v, &l) in psi_loss {
            let e = next.entry(v).or_default();
            *e = e.max(l);
        }
        for &v in &self.damaged {
            next.entry(v).or_default();
        }
        let mut delta: f64 = 0.0;
        for (v, l) in next {
            let l = if l < prune { 0.0 } else { l.min(1.0) };
            delta = delta.max((l - self.loss[v as usize]).abs());
            self.loss[v as usize] = l;
            if l > 0.0 && !self.member[v as usize] {
                self.member[v as usize] = true;
                self.damaged.push(v);
            }
        }
        delta
    }

    fn reset(&mut self) {
        for &v in &self.damaged {
            self.loss[v as usize] = 0.0;
            self.member[v as usize] = false;
        }
        self.damaged.clear();
    }
}

/// Scratch space of one thread: downstream (d) and upstream (u) losses.
struct Work {
    down: Side,
    up: Side,
}

impl Work {
    fn new(n: usize) -> Self {
        Self { down: Side::new(n), up: Side::new(n) }
    }
}

impl<'g> Esri<'g> {
    /// Prepares `g` for many scenarios.
    pub fn new(g: &'g AnalysisGraph, params: EsriParams) -> Self {
        let n = g.node_count();
        let mut ess_start = vec![0usize; n + 1];
        let mut ess = Vec::new();
        let mut row: HashMap<u32, f64> = HashMap::new();
        for j in 0..n {
            row.clear();
            for (i, w, e) in g.suppliers(j as Node) {
                if e == Essentiality::Essential {
                    *row.entry(g.industry[i as usize]).or_default() += w;
                }
            }
            let mut items: Vec<(u32, f64)> = row.iter().map(|(k, v)| (*k, *v)).collect();
            items.sort_unstable_by_key(|(k, _)| *k);
            ess.extend(items);
            ess_start[j + 1] = ess.len();
        }
        let mut industry_output = vec![0.0; g.industries];
        for i in 0..n {
            industry_output[g.industry[i] as usize] += g.out_strength[i];
        }
        let total_output = g.out_strength.iter().sum();
        Self { g, ess_start, ess, industry_output, total_output, params }
    }

    fn essential_input(&self, j: Node, k: u32) -> f64 {
        let row = &self.ess[self.ess_start[j as usize]..self.ess_start[j as usize + 1]];
        row.binary_search_by_key(&k, |(kk, _)| *kk).map_or(0.0, |i| row[i].1)
    }

    /// Runs one scenario: `closures` lists (firm, remaining capacity in [0, 1]); every other firm
    /// runs at full capacity.
    pub fn scenario(&self, closures: &[(Node, f64)]) -> Result<ScenarioOutcome, GraphError> {
        let n = self.g.node_count();
        for &(v, c) in closures {
            if v as usize >= n || !(0.0..=1.0).contains(&c) {
                return Err(GraphError::BadScenario(format!("firm {v} with capacity {c}")));
            }
        }
        let mut w = Work::new(n);
        Ok(self.run(&mut w, closures, true))
    }

    fn run(&self, w: &mut Work, closures: &[(Node, f64)], keep_damaged: bool) -> ScenarioOutcome {
        let g = self.g;
        let p = &self.params;
        let psi_loss: HashMap<Node, f64> = closures.iter().map(|&(v, c)| (v, 1.0 - c)).collect();
        let mut acc_ess: HashMap<(Node, u32), f64> = HashMap::new();
        let mut acc_non: HashMap<Node, f64> = HashMap::new();
        let mut acc_up: HashMap<Node, f64> = HashMap::new();
        let mut deficit: HashMap<u32, f64> = HashMap::new();
        // Both directions step together until neither moves by `tol`, as the definition says.
        for _ in 0..p.max_iter {
            let moved_down = {
                // rationing from the old d: M_k = R_k - Σ over damaged firms of k of r·loss
                deficit.clear();
                for &i in &w.down.damaged {
                    *deficit.entry(g.industry[i as usize]).or_default() +=
                        g.out_strength[i as usize] * w.down.loss[i as usize];
                }
                acc_ess.clear();
                acc_non.clear();
                for &i in &w.down.damaged {
                    let r = g.out_strength[i as usize];
                    if r == 0.0 {
                        continue;
                    }
                    let k = g.industry[i as usize];
                    let sigma = if !p.rationing {
                        1.0
                    } else {
                        let rk = self.industry_output[k as usize];
                        let mk = rk - deficit.get(&k).copied().unwrap_or(0.0);
                        if mk <= rk * 1e-12 { 1.0 } else { (r / mk).min(1.0) }
                    };
                    let loss = sigma * w.down.loss[i as usize];
                    for (j, wt, e) in g.customers(i) {
                        match e {
                            Essentiality::Essential => *acc_ess.entry((j, k)).or_default() += loss * wt,
                            Essentiality::NonEssential => *acc_non.entry(j).or_default() += loss * wt,
                            Essentiality::Negligible => {}
                        }
                    }
                }
                let mut next: HashMap<Node, f64> = HashMap::new();
                for (&(j, k), &s) in &acc_ess {
                    let e = self.essential_input(j, k);
                    let v = next.entry(j).or_default();
                    *v = v.max(if e > 0.0 { s / e } else { 0.0 });
                }
                for (&j, &s) in &acc_non {
                    let c = g.in_strength[j as usize];
                    let v = next.entry(j).or_default();
                    *v = v.max(if c > 0.0 { s / c } else { 0.0 });
                }
                w.down.commit(next, &psi_loss, p.prune)
            };
            let moved_up = {
                acc_up.clear();
                for &j in &w.up.damaged {
                    let l = w.up.loss[j as usize];
                    for (i, wt, _) in g.suppliers(j) {
                        *acc_up.entry(i).or_default() += wt * l;
                    }
                }
                let mut next: HashMap<Node, f64> = HashMap::new();
                for (&i, &s) in &acc_up {
                    let r = g.out_strength[i as usize];
                    next.insert(i, if r > 0.0 { s / r } else { 0.0 });
                }
                w.up.commit(next, &psi_loss, p.prune)
            };
            if moved_down.max(moved_up) < p.tol {
                break;
            }
        }
        let mut seen: Vec<Node> = w.down.damaged.iter().chain(w.up.damaged.iter()).copied().collect();
        seen.sort_unstable();
        seen.dedup();
        let items: Vec<(Node, f64, f64)> =
            seen.iter().map(|&v| (v, 1.0 - w.up.loss[v as usize], 1.0 - w.down.loss[v as usize])).collect();
        let score = score_of(g, self.total_output, items.iter().copied());
        w.down.reset();
        w.up.reset();
        ScenarioOutcome { score, damaged: if keep_damaged { items } else { Vec::new() } }
    }

    /// ESRI of every firm (each closed alone), on `threads` threads (1 to [`MAX_THREADS`]; values
    /// outside are brought into range, so callers validate first).
    pub fn all(&self, threads: usize, progress: &(dyn Fn(usize) + Sync)) -> Vec<EsriScore> {
        let n = self.g.node_count();
        let threads = threads.clamp(1, MAX_THREADS);
        let mut out = vec![EsriScore::default(); n];
        let chunk = n.div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for (t, slice) in out.chunks_mut(chunk).enumerate() {
                s.spawn(move || {
                    let mut w = Work::new(n);
                    for (k, slot) in slice.iter_mut().enumerate() {
                        let v = (t * chunk + k) as Node;
                        *slot = self.run(&mut w, &[(v, 0.0)], false).score;
                        if k % 1024 == 1023 {
                            progress(1024);
                        }
                    }
                    progress(slice.len() % 1024);
                });
            }
        });
        out
    }
}
