//! Key-node assessment: sole essential suppliers, and the candidates with their reasons.
//!
//! A firm is a key-node candidate when it is an SME (MICRO, SMALL or MEDIUM) and at least one of:
//! - a high systemic multiplier: ESRI / (its own share of network output) ≥ `multiplier`
//!   (default 5) with ESRI ≥ `min_esri` (default 0.0005);
//! - it dominates a LARGE firm;
//! - it is the sole essential supplier (≥ `sole_share`, default 80%, of the customer's essential
//!   input from its industry) of a LARGE firm or of a firm with ≥ `hub_downstream` (default 10)
//!   firms downstream.
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

/// Thresholds of the candidate rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Minimum systemic multiplier.
    pub multiplier: f64,
    /// Minimum ESRI for the multiplier rule.
    pub min_esri: f64,
    /// Minimum share for a sole essential supplier.
    pub sole_share: f64,
    /// Firms downstream that make a customer a hub.
    pub hub_downstream: f64,
}

impl Thresholds {
    /// The defaults, declared once: every caller (the CLI flags, the server's settings) reads them
    /// from here. Why each value: docs/analysis.md.
    pub const DEFAULT: Self = Self { multiplier: 5.0, min_esri: 0.0005, sole_share: 0.8, hub_downstream: 10.0 };
}

impl Default for Thresholds {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a firm is a candidate.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// ESRI far above the firm's own output share.
    HighSystemicMultiplier {
        /// ESRI.
        esri: f64,
        /// ESRI / output share.
        multiplier: f64,
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

impl Reason {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::HighSystemicMultiplier { .. } => "HIGH_SYSTEMIC_MULTIPLIER",
            Self::DominatesLargeFirms { .. } => "DOMINATES_LARGE_FIRM",
            Self::SoleEssentialSupplier { large: true, .. } => "SOLE_ESSENTIAL_SUPPLIER_OF_LARGE_FIRM",
            Self::SoleEssentialSupplier { large: false, .. } => "SOLE_ESSENTIAL_SUPPLIER_OF_HUB",
        }
    }

    /// The firms the reason's sentence names (so a caller can look their names up first).
    pub fn mentioned_firms(&self) -> Vec<Node> {
        match self {
            Self::DominatesLargeFirms { examples, .. } => examples.clone(),
            Self::SoleEssentialSupplier { customer, .. } => vec![*customer],
            Self::HighSystemicMultiplier { .. } => vec![],
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
            (Self::HighSystemicMultiplier { esri, multiplier }, Lang::Zh) => format!(
                "系统性风险乘数高: 停产将使全网损失 {:.2}% 的产出, 是其自身产出份额的 {multiplier:.1} 倍",
                esri * 100.0
            ),
            (Self::HighSystemicMultiplier { esri, multiplier }, Lang::En) => format!(
                "High systemic multiplier: its stoppage would cost {:.2}% of the network's output, {multiplier:.1} times its own output share",
                esri * 100.0
            ),
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
    /// ESRI scores.
    pub esri: EsriScore,
    /// ESRI / own output share; `None` when the firm sells nothing in the network.
    pub systemic_multiplier: Option<f64>,
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
    /// SME with at least one reason.
    pub key_node: bool,
    /// The reasons (empty when none).
    pub reasons: Vec<Reason>,
}

/// Combines the analyses into one assessment per firm.
pub fn assess(
    g: &AnalysisGraph,
    esri: &[EsriScore],
    dom: &Dominators,
    sole: &[Vec<SoleSupply>],
    reach: &Reach,
    t: &Thresholds,
) -> Vec<Assessment> {
    let n = g.node_count();
    let total: f64 = (0..n as Node).map(|v| g.out_strength(v)).sum();
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
            let share = if total > 0.0 { g.out_strength(v) / total } else { 0.0 };
            let multiplier = (share > 0.0).then(|| s.esri / share);
            let mut reasons = Vec::new();
            if let Some(m) = multiplier
                && m >= t.multiplier
                && s.esri >= t.min_esri
            {
                reasons.push(Reason::HighSystemicMultiplier { esri: s.esri, multiplier: m });
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
                systemic_multiplier: multiplier,
                dominated_firms: dom.dominated(v),
                dominated_large_firms: large,
                sole_essential_customers: sole[v as usize].clone(),
                downstream_firms: reach.firms[v as usize],
                downstream_employees: reach.employees[v as usize],
                key_node: g.size(v).is_sme() && !reasons.is_empty(),
                reasons,
            }
        })
        .collect()
}
