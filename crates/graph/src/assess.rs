//! Key-node assessment: what each firm's stoppage puts at stake, its sole essential supplies, and
//! the reasons a bureau can paste into a nomination.
//!
//! From each firm's own ESRI cascade (no extra run) come the output at stake (Σ r_i (1 − f_i),
//! 10,000 CNY a year), the jobs at stake (Σ employees_i (1 − f_i)) and, separately, the firm's own
//! output and jobs, so the amplification shows. The **priority score** is the average of the shares
//! of the *rest* of the network's output and jobs that the stoppage takes down, in percent:
//!
//! `score = 50 × [(output_at_stake − own_output) / Σ r + (jobs_at_stake − own_jobs) / Σ employees]`
//!
//! A firm that only loses itself scores 0: being a candidate needs network impact. Which SMEs are
//! candidates is decided by ranking them by this score within a budget (`rank`); the structural
//! findings (dominates a LARGE firm, sole essential supplier of a LARGE firm or of a hub) remain
//! reasons and break ties between equal scores.
use linchpin_domain::{Essentiality, SizeClass};

use crate::csr::{AnalysisGraph, Node};
use crate::dominators::Dominators;
use crate::esri::EsriScore;
use crate::reach::Reach;

/// One customer a firm is the sole essential supplier of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoleSupply {
    /// The customer.
    pub customer: Node,
    /// Share of the customer's essential input from the supplier's industry, in (0, 1].
    pub share: f64,
    /// The supplier's industry.
    pub industry: u32,
}

/// For every firm, the customers of which it supplies at least `threshold` of the essential
/// input from its industry (E_jk of the ESRI definition). O(m log m).
pub fn sole_essential_suppliers(g: &AnalysisGraph, threshold: f64) -> Vec<Vec<SoleSupply>> {
    let n = g.node_count();
    let mut out: Vec<Vec<SoleSupply>> = vec![Vec::new(); n];
    let mut per_supplier: Vec<(u32, Node, f64)> = Vec::new();
    for j in 0..n as Node {
        per_supplier.clear();
        for (i, w, e) in g.suppliers(j) {
            if e == Essentiality::Essential {
                per_supplier.push((g.industry(i), i, w));
            }
        }
        if per_supplier.is_empty() {
            continue;
        }
        per_supplier.sort_unstable_by_key(|&(k, i, _)| (k, i));
        let mut a = 0;
        while a < per_supplier.len() {
            let k = per_supplier[a].0;
            let mut b = a;
            let mut total = 0.0;
            while b < per_supplier.len() && per_supplier[b].0 == k {
                total += per_supplier[b].2;
                b += 1;
            }
            let mut x = a;
            while x < b {
                let i = per_supplier[x].1;
                let mut w = 0.0;
                while x < b && per_supplier[x].1 == i {
                    w += per_supplier[x].2;
                    x += 1;
                }
                let share = w / total;
                if share >= threshold {
                    out[i as usize].push(SoleSupply { customer: j, share, industry: k });
                }
            }
            a = b;
        }
    }
    out
}

/// Thresholds of the structural findings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Minimum share for a sole essential supplier.
    pub sole_share: f64,
    /// Firms downstream that make a customer a hub.
    pub hub_downstream: f64,
}

impl Thresholds {
    /// The defaults, declared once: every caller (the CLI flags, the server's settings) reads them
    /// from here. Why each value: docs/analysis.md.
    pub const DEFAULT: Self = Self { sole_share: 0.8, hub_downstream: 10.0 };
}

impl Default for Thresholds {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a firm matters.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Its stoppage takes down output and jobs elsewhere in the network.
    OutputAtStake {
        /// Output at stake, 10,000 CNY a year (its own included).
        output: f64,
        /// Jobs at stake (its own included).
        jobs: f64,
        /// Share of the network's output at stake (ESRI).
        share: f64,
        /// Output at stake divided by the firm's own output; `None` when it sells nothing.
        multiple: Option<f64>,
    },
    /// Every supply path to these LARGE firms passes through it.
    DominatesLargeFirms {
        /// How many.
        count: u32,
        /// Up to three of them.
        examples: Vec<Node>,
    },
    /// Sole essential supplier of a LARGE firm or of a hub.
    SoleEssentialSupplier {
        /// The customer.
        customer: Node,
        /// Share of its essential input from the industry.
        share: f64,
        /// The industry.
        industry: u32,
        /// Whether the customer is LARGE (else a hub).
        large: bool,
        /// Firms downstream of the customer.
        customer_downstream: f64,
    },
}

/// A reason as it is stored and shown: its stable code and its sentence in both languages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RenderedReason {
    /// Stable code, e.g. `DOMINATES_LARGE_FIRM`.
    pub code: String,
    /// The sentence in Chinese.
    pub zh: String,
    /// The sentence in English.
    pub en: String,
}

/// Language of a reason's sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 中文.
    Zh,
    /// English.
    En,
}

/// Every reason code, as stored and filtered on.
pub const REASON_CODES: [&str; 4] = [
    "OUTPUT_AT_STAKE",
    "DOMINATES_LARGE_FIRM",
    "SOLE_ESSENTIAL_SUPPLIER_OF_LARGE_FIRM",
    "SOLE_ESSENTIAL_SUPPLIER_OF_HUB",
];

impl Reason {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::OutputAtStake { .. } => "OUTPUT_AT_STAKE",
            Self::DominatesLargeFirms { .. } => "DOMINATES_LARGE_FIRM",
            Self::SoleEssentialSupplier { large: true, .. } => "SOLE_ESSENTIAL_SUPPLIER_OF_LARGE_FIRM",
            Self::SoleEssentialSupplier { large: false, .. } => "SOLE_ESSENTIAL_SUPPLIER_OF_HUB",
        }
    }

    /// Whether the reason is a structural finding (not the cascade's numbers).
    pub fn structural(&self) -> bool {
        !matches!(self, Self::OutputAtStake { .. })
    }

    /// The firms the reason's sentence names (so a caller can look their names up first).
    pub fn mentioned_firms(&self) -> Vec<Node> {
        match self {
            Self::DominatesLargeFirms { examples, .. } => examples.clone(),
            Self::SoleEssentialSupplier { customer, .. } => vec![*customer],
            Self::OutputAtStake { .. } => vec![],
        }
    }

    /// The code and both sentences: the one form in which reasons are stored and exported.
    pub fn render(&self, name: &dyn Fn(Node) -> String, industry: &dyn Fn(u32) -> String) -> RenderedReason {
        RenderedReason {
            code: self.code().to_owned(),
            zh: self.message(Lang::Zh, name, industry),
            en: self.message(Lang::En, name, industry),
        }
    }

    /// A sentence a bureau can paste into a nomination; `name` names firms, `industry` industries.
    pub fn message(&self, lang: Lang, name: &dyn Fn(Node) -> String, industry: &dyn Fn(u32) -> String) -> String {
        match (self, lang) {
            (Self::OutputAtStake { output, jobs, share, multiple }, Lang::Zh) => {
                let times = multiple.map(|m| format!(", 是其自身产出的 {m:.1} 倍")).unwrap_or_default();
                format!(
                    "停产影响面大: 将使全网约 {output:.0} 万元年产出 (占 {:.2}%) 和约 {jobs:.0} 个岗位受影响{times}",
                    share * 100.0
                )
            }
            (Self::OutputAtStake { output, jobs, share, multiple }, Lang::En) => {
                let times = multiple.map(|m| format!(", {m:.1} times its own output")).unwrap_or_default();
                format!(
                    "Output at stake: its stoppage would put about {output:.0} (10,000 CNY) of yearly output ({:.2}% of the network) and about {jobs:.0} jobs at stake{times}",
                    share * 100.0
                )
            }
            (Self::DominatesLargeFirms { count, examples }, lang) => {
                let names: Vec<String> = examples.iter().map(|&v| name(v)).collect();
                match lang {
                    Lang::Zh => {
                        format!("支配大型企业: {count} 家大型企业的全部供应路径都经过该企业 (如 {})", names.join("、"))
                    }
                    Lang::En => format!(
                        "Dominates large firms: every supply path to {count} large firm(s) passes through it (e.g. {})",
                        names.join(", ")
                    ),
                }
            }
            (Self::SoleEssentialSupplier { customer, share, industry: k, large, customer_downstream }, Lang::Zh) => {
                let what = if *large {
                    "大型企业".to_owned()
                } else {
                    format!("下游有 {customer_downstream:.0} 家企业的")
                };
                format!(
                    "唯一关键供应商: 为{what} {} 提供 {:.0}% 的 {} 关键投入",
                    name(*customer),
                    share * 100.0,
                    industry(*k)
                )
            }
            (Self::SoleEssentialSupplier { customer, share, industry: k, large, customer_downstream }, Lang::En) => {
                let what = if *large {
                    "large firm".to_owned()
                } else {
                    format!("firm with {customer_downstream:.0} firms downstream,")
                };
                format!(
                    "Sole essential supplier: provides {:.0}% of the essential {} input of {what} {}",
                    share * 100.0,
                    industry(*k),
                    name(*customer)
                )
            }
        }
    }
}

/// Everything the analysis says about one firm.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// ESRI scores, with the output and jobs at stake.
    pub esri: EsriScore,
    /// The firm's own output (r_i, 10,000 CNY a year).
    pub own_output: f64,
    /// The firm's own employees.
    pub own_jobs: f64,
    /// ESRI / own output share (= output at stake / own output); `None` when it sells nothing.
    pub systemic_multiplier: Option<f64>,
    /// Priority score (module docs): percent of the rest of the network's output and jobs at stake.
    pub priority_score: f64,
    /// Firms it dominates.
    pub dominated_firms: u32,
    /// LARGE firms it dominates.
    pub dominated_large_firms: u32,
    /// Customers it is the sole essential supplier of.
    pub sole_essential_customers: Vec<SoleSupply>,
    /// Firms downstream.
    pub downstream_firms: f64,
    /// Employees downstream.
    pub downstream_employees: f64,
    /// Rank among the SMEs of the network by priority (1 is first); `None` when not an SME or
    /// when its score is 0.
    pub rank: Option<u32>,
    /// Share of the network's SMEs ranked at or below it, in percent.
    pub percentile: Option<f64>,
    /// In the default list (an SME ranked within the budget): a key-node candidate.
    pub key_node: bool,
    /// How often it stayed on the list when link values were perturbed (0 to 1), when computed.
    pub stability: Option<f64>,
    /// The reasons (empty when none).
    pub reasons: Vec<Reason>,
}

impl Assessment {
    /// Number of structural findings among the reasons (ties are broken by it).
    pub fn structural_findings(&self) -> usize {
        self.reasons.iter().filter(|r| r.structural()).count()
    }
}

/// The priority score of a firm from its cascade (module docs); 0 when nothing beyond itself is
/// at stake.
pub fn priority_score(s: &EsriScore, own_output: f64, own_jobs: f64, total_output: f64, total_jobs: f64) -> f64 {
    let output = if total_output > 0.0 { (s.output_lost - own_output).max(0.0) / total_output } else { 0.0 };
    let jobs = if total_jobs > 0.0 { (s.jobs_lost - own_jobs).max(0.0) / total_jobs } else { 0.0 };
    // below a billionth of the network is rounding, not impact
    let score = 50.0 * (output + jobs);
    if score < 1e-9 { 0.0 } else { score }
}

/// Combines the analyses into one assessment per firm (rank, list membership and stability are
/// filled in by the ranking).
pub fn assess(
    g: &AnalysisGraph,
    esri: &[EsriScore],
    dom: &Dominators,
    sole: &[Vec<SoleSupply>],
    reach: &Reach,
    t: &Thresholds,
) -> Vec<Assessment> {
    let n = g.node_count();
    let total_output: f64 = (0..n as Node).map(|v| g.out_strength(v)).sum();
    let total_jobs: f64 = (0..n as Node).map(|v| f64::from(g.employees(v))).sum();
    // a few LARGE firms each firm dominates, for the sentences
    let mut examples: Vec<Vec<Node>> = vec![Vec::new(); n];
    for v in 0..n as Node {
        if g.size(v) == SizeClass::Large {
            for d in dom.dominators_of(v) {
                let list = &mut examples[d as usize];
                if list.len() < 3 {
                    list.push(v);
                }
            }
        }
    }
    (0..n as Node)
        .map(|v| {
            let s = esri[v as usize];
            let own_output = g.out_strength(v);
            let own_jobs = f64::from(g.employees(v));
            let multiplier = (own_output > 0.0).then(|| s.output_lost / own_output);
            let score = priority_score(&s, own_output, own_jobs, total_output, total_jobs);
            let mut reasons = Vec::new();
            if score > 0.0 {
                reasons.push(Reason::OutputAtStake {
                    output: s.output_lost,
                    jobs: s.jobs_lost,
                    share: s.esri,
                    multiple: multiplier,
                });
            }
            let large = dom.dominated_large(v);
            if large > 0 {
                reasons.push(Reason::DominatesLargeFirms { count: large, examples: examples[v as usize].clone() });
            }
            for ss in &sole[v as usize] {
                let is_large = g.size(ss.customer) == SizeClass::Large;
                let downstream = reach.firms[ss.customer as usize];
                if is_large || downstream >= t.hub_downstream {
                    reasons.push(Reason::SoleEssentialSupplier {
                        customer: ss.customer,
                        share: ss.share,
                        industry: ss.industry,
                        large: is_large,
                        customer_downstream: downstream,
                    });
                }
            }
            Assessment {
                esri: s,
                own_output,
                own_jobs,
                systemic_multiplier: multiplier,
                priority_score: score,
                dominated_firms: dom.dominated(v),
                dominated_large_firms: large,
                sole_essential_customers: sole[v as usize].clone(),
                downstream_firms: reach.firms[v as usize],
                downstream_employees: reach.employees[v as usize],
                rank: None,
                percentile: None,
                key_node: false,
                stability: None,
                reasons,
            }
        })
        .collect()
}
