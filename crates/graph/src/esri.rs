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
//!
//! The sparse iteration keeps its per-step sums in dense arrays owned by each thread (sized once:
//! per firm, per essential (customer, industry) row, per industry) with lists of the entries a step
//! touched, so a step costs the edges it walks and nothing per entry beyond an array write; the
//! order in which sums are formed is the order of the edges, so results are the same on every run.
//!
//! Every scenario also reports what is at stake in a bureau's units: the output lost (10,000 CNY,
//! Σ r_i (1 − f_i), the numerator of ESRI) and the jobs at stake (Σ employees_i (1 − f_i)), from
//! the same cascade.
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

/// The three indices of one scenario, and what is at stake in absolute terms.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EsriScore {
    /// Share of output lost, health `min(u, d)`.
    pub esri: f64,
    /// Share lost through missing inputs (d).
    pub esri_down: f64,
    /// Share lost through missing customers (u).
    pub esri_up: f64,
    /// Output lost, Σ r_i (1 − f_i), in the unit of the link values (10,000 CNY a year).
    pub output_lost: f64,
    /// Jobs at stake, Σ employees_i (1 − f_i).
    pub jobs_lost: f64,
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
    let mut s = EsriScore::default();
    for (v, u, d) in items {
        let r = g.out_strength[v as usize];
        let lost = 1.0 - u.min(d);
        s.output_lost += r * lost;
        s.esri_down += r * (1.0 - d);
        s.esri_up += r * (1.0 - u);
        s.jobs_lost += f64::from(g.employees[v as usize]) * lost;
    }
    if total <= 0.0 {
        return EsriScore { output_lost: 0.0, jobs_lost: s.jobs_lost, ..EsriScore::default() };
    }
    EsriScore {
        esri: s.output_lost / total,
        esri_down: s.esri_down / total,
        esri_up: s.esri_up / total,
        output_lost: s.output_lost,
        jobs_lost: s.jobs_lost,
    }
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

/// No essential row (a link that is not essential).
const NO_ROW: u32 = u32::MAX;

/// Precomputed per-graph data for the sparse iteration.
#[derive(Debug)]
pub struct Esri<'g> {
    g: &'g AnalysisGraph,
    /// E_jk: essential input of customer j from industry k. Rows of one customer are contiguous
    /// (`ess_start`); `ess_owner[p]` is the customer of row `p`.
    ess_start: Vec<usize>,
    ess_industry: Vec<u32>,
    ess_value: Vec<f64>,
    ess_owner: Vec<Node>,
    /// For every out-edge (CSR order): its essential row, or [`NO_ROW`].
    out_row: Vec<u32>,
    /// Total output per industry (R_k).
    industry_output: Vec<f64>,
    total_output: f64,
    params: EsriParams,
}

/// The losses (1 − health) of one direction and the firms where they were ever positive.
struct Side {
    loss: Vec<f64>,
    damaged: Vec<Node>,
    member: Vec<bool>,
}

impl Side {
    fn new(n: usize) -> Self {
        Self { loss: vec![0.0; n], damaged: Vec::new(), member: vec![false; n] }
    }

    fn reset(&mut self) {
        for &v in &self.damaged {
            self.loss[v as usize] = 0.0;
            self.member[v as usize] = false;
        }
        self.damaged.clear();
    }
}

/// A dense array with the list of entries written since it was last cleared.
struct Touched {
    value: Vec<f64>,
    list: Vec<u32>,
    mark: Vec<bool>,
}

impl Touched {
    fn new(len: usize) -> Self {
        Self { value: vec![0.0; len], list: Vec::new(), mark: vec![false; len] }
    }

    fn touch(&mut self, i: u32) {
        if !self.mark[i as usize] {
            self.mark[i as usize] = true;
            self.list.push(i);
        }
    }

    fn add(&mut self, i: u32, x: f64) {
        self.touch(i);
        self.value[i as usize] += x;
    }

    fn max(&mut self, i: u32, x: f64) {
        self.touch(i);
        let slot = &mut self.value[i as usize];
        if x > *slot {
            *slot = x;
        }
    }

    fn clear(&mut self) {
        for &i in &self.list {
            self.value[i as usize] = 0.0;
            self.mark[i as usize] = false;
        }
        self.list.clear();
    }
}

/// Scratch space of one thread, sized once per graph.
struct Work {
    down: Side,
    up: Side,
    /// Next step's losses, per firm.
    next: Touched,
    /// Sums per firm (non-essential shortage, then upstream demand).
    per_firm: Touched,
    /// Sums per essential row.
    per_row: Touched,
    /// Lost output per industry (the rationing deficit).
    deficit: Touched,
}

impl Work {
    fn new(n: usize, rows: usize, industries: usize) -> Self {
        Self {
            down: Side::new(n),
            up: Side::new(n),
            next: Touched::new(n),
            per_firm: Touched::new(n),
            per_row: Touched::new(rows),
            deficit: Touched::new(industries),
        }
    }
}

/// Takes a step's losses into `side`: the firms in `next` get their fresh value, the scenario's own
/// losses are a floor, damaged firms not in `next` recover. Returns the largest change.
fn commit(side: &mut Side, next: &mut Touched, psi_loss: &[(Node, f64)], prune: f64) -> f64 {
    for &(v, l) in psi_loss {
        next.max(v, l);
    }
    for i in 0..side.damaged.len() {
        next.touch(side.damaged[i]);
    }
    let mut delta: f64 = 0.0;
    for &v in &next.list {
        let l = next.value[v as usize];
        let l = if l < prune { 0.0 } else { l.min(1.0) };
        delta = delta.max((l - side.loss[v as usize]).abs());
        side.loss[v as usize] = l;
        if l > 0.0 && !side.member[v as usize] {
            side.member[v as usize] = true;
            side.damaged.push(v);
        }
    }
    next.clear();
    delta
}

impl<'g> Esri<'g> {
    /// Prepares `g` for many scenarios. O(m log m).
    pub fn new(g: &'g AnalysisGraph, params: EsriParams) -> Self {
        let n = g.node_count();
        let mut ess_start = vec![0usize; n + 1];
        let (mut ess_industry, mut ess_value, mut ess_owner) = (Vec::new(), Vec::new(), Vec::new());
        let mut row: Vec<(u32, f64)> = Vec::new();
        for j in 0..n {
            row.clear();
            for (i, w, e) in g.suppliers(j as Node) {
                if e == Essentiality::Essential {
                    row.push((g.industry[i as usize], w));
                }
            }
            row.sort_unstable_by_key(|(k, _)| *k);
            let mut a = 0;
            while a < row.len() {
                let k = row[a].0;
                let mut total = 0.0;
                while a < row.len() && row[a].0 == k {
                    total += row[a].1;
                    a += 1;
                }
                ess_industry.push(k);
                ess_value.push(total);
                ess_owner.push(j as Node);
            }
            ess_start[j + 1] = ess_industry.len();
        }
        let mut out_row = vec![NO_ROW; g.edge_count()];
        for i in 0..n {
            let k = g.industry[i];
            let edges = g.out_start[i]..g.out_start[i + 1];
            for (slot, e) in out_row[edges.clone()].iter_mut().zip(edges) {
                if g.out_ess[e] == Essentiality::Essential {
                    let j = g.out_to[e] as usize;
                    let rows = &ess_industry[ess_start[j]..ess_start[j + 1]];
                    if let Ok(p) = rows.binary_search(&k) {
                        *slot = (ess_start[j] + p) as u32;
                    }
                }
            }
        }
        let mut industry_output = vec![0.0; g.industries];
        for i in 0..n {
            industry_output[g.industry[i] as usize] += g.out_strength[i];
        }
        let total_output = g.out_strength.iter().sum();
        Self { g, ess_start, ess_industry, ess_value, ess_owner, out_row, industry_output, total_output, params }
    }

    /// The essential input of `j` from industry `k` (E_jk), 0 when there is none.
    pub fn essential_input(&self, j: Node, k: u32) -> f64 {
        let (a, b) = (self.ess_start[j as usize], self.ess_start[j as usize + 1]);
        self.ess_industry[a..b].binary_search(&k).map_or(0.0, |p| self.ess_value[a + p])
    }

    fn work(&self) -> Work {
        Work::new(self.g.node_count(), self.ess_value.len(), self.g.industries)
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
        let mut w = self.work();
        Ok(self.run(&mut w, closures, true))
    }

    fn step_down(&self, w: &mut Work) {
        let g = self.g;
        let p = &self.params;
        // rationing from the old d: M_k = R_k − Σ over damaged firms of k of r·loss
        for &i in &w.down.damaged {
            let l = w.down.loss[i as usize];
            if l > 0.0 {
                w.deficit.add(g.industry[i as usize], g.out_strength[i as usize] * l);
            }
        }
        for &i in &w.down.damaged {
            let (r, l) = (g.out_strength[i as usize], w.down.loss[i as usize]);
            if r == 0.0 || l == 0.0 {
                continue;
            }
            let k = g.industry[i as usize];
            let sigma = if !p.rationing {
                1.0
            } else {
                let rk = self.industry_output[k as usize];
                let mk = rk - w.deficit.value[k as usize];
                if mk <= rk * 1e-12 { 1.0 } else { (r / mk).min(1.0) }
            };
            let loss = sigma * l;
            for e in g.out_start[i as usize]..g.out_start[i as usize + 1] {
                match g.out_ess[e] {
                    Essentiality::Essential => w.per_row.add(self.out_row[e], loss * g.out_w[e]),
                    Essentiality::NonEssential => w.per_firm.add(g.out_to[e], loss * g.out_w[e]),
                    Essentiality::Negligible => {}
                }
            }
        }
        for &row in &w.per_row.list {
            let e = self.ess_value[row as usize];
            let s = w.per_row.value[row as usize];
            w.next.max(self.ess_owner[row as usize], if e > 0.0 { s / e } else { 0.0 });
        }
        for &j in &w.per_firm.list {
            let c = g.in_strength[j as usize];
            let s = w.per_firm.value[j as usize];
            w.next.max(j, if c > 0.0 { s / c } else { 0.0 });
        }
        w.per_row.clear();
        w.per_firm.clear();
        w.deficit.clear();
    }

    fn step_up(&self, w: &mut Work) {
        let g = self.g;
        for &j in &w.up.damaged {
            let l = w.up.loss[j as usize];
            if l == 0.0 {
                continue;
            }
            for e in g.in_start[j as usize]..g.in_start[j as usize + 1] {
                w.per_firm.add(g.in_from[e], g.in_w[e] * l);
            }
        }
        for &i in &w.per_firm.list {
            let r = g.out_strength[i as usize];
            w.next.max(i, if r > 0.0 { w.per_firm.value[i as usize] / r } else { 0.0 });
        }
        w.per_firm.clear();
    }

    fn run(&self, w: &mut Work, closures: &[(Node, f64)], keep_damaged: bool) -> ScenarioOutcome {
        let p = &self.params;
        let psi_loss: Vec<(Node, f64)> = closures.iter().map(|&(v, c)| (v, 1.0 - c)).collect();
        // Both directions step together until neither moves by `tol`, as the definition says:
        // each step reads the previous step's losses of its own direction only.
        for _ in 0..p.max_iter {
            self.step_down(w);
            let moved_down = commit(&mut w.down, &mut w.next, &psi_loss, p.prune);
            self.step_up(w);
            let moved_up = commit(&mut w.up, &mut w.next, &psi_loss, p.prune);
            if moved_down.max(moved_up) < p.tol {
                break;
            }
        }
        let mut seen: Vec<Node> = w.down.damaged.iter().chain(w.up.damaged.iter()).copied().collect();
        seen.sort_unstable();
        seen.dedup();
        let items: Vec<(Node, f64, f64)> =
            seen.iter().map(|&v| (v, 1.0 - w.up.loss[v as usize], 1.0 - w.down.loss[v as usize])).collect();
        let score = score_of(self.g, self.total_output, items.iter().copied());
        w.down.reset();
        w.up.reset();
        ScenarioOutcome { score, damaged: if keep_damaged { items } else { Vec::new() } }
    }

    /// ESRI of every firm (each closed alone), on `threads` threads (1 to [`MAX_THREADS`]; values
    /// outside are brought into range, so callers validate first).
    pub fn all(&self, threads: usize, progress: &(dyn Fn(usize) + Sync)) -> Vec<EsriScore> {
        let firms: Vec<Node> = (0..self.g.node_count() as Node).collect();
        self.each(&firms, threads, progress)
    }

    /// ESRI of each of `firms` (each closed alone), in that order, on `threads` threads. Threads
    /// take blocks of firms from a shared counter, so one thread that meets the big cascades does
    /// not leave the others idle.
    pub fn each(&self, firms: &[Node], threads: usize, progress: &(dyn Fn(usize) + Sync)) -> Vec<EsriScore> {
        const BLOCK: usize = 256;
        let threads = threads.clamp(1, MAX_THREADS);
        let next_block = std::sync::atomic::AtomicUsize::new(0);
        let mut out = vec![EsriScore::default(); firms.len()];
        let parts: Vec<Vec<(usize, EsriScore)>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut w = self.work();
                        let mut mine = Vec::new();
                        loop {
                            let b = next_block.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let start = b * BLOCK;
                            if start >= firms.len() {
                                break;
                            }
                            let end = (start + BLOCK).min(firms.len());
                            for (i, &v) in firms.iter().enumerate().take(end).skip(start) {
                                mine.push((i, self.run(&mut w, &[(v, 0.0)], false).score));
                            }
                            progress(end - start);
                        }
                        mine
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h.join() {
                    Ok(part) => part,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        });
        for (i, score) in parts.into_iter().flatten() {
            out[i] = score;
        }
        out
    }
}
