//! Bottlenecks of one firm (协同复工达产): the firms upstream on its essential supply paths, and
//! how much of its production each one's reduced capacity holds back, by the same ESRI cascade
//! as every disruption scenario.
use std::collections::VecDeque;

use crate::GraphError;
use crate::csr::{AnalysisGraph, Node};
use crate::esri::Esri;
use linchpin_domain::Essentiality;

/// A firm upstream of the target on an essential supply path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upstream {
    /// The firm.
    pub node: Node,
    /// Steps from the target: 1 for a direct supplier.
    pub depth: u32,
    /// The target's direct supplier through which it is first reached (itself at depth 1).
    pub via: Node,
}

/// The firms upstream of `target` along essential links, nearest first (breadth first), up to
/// `max_depth` steps and `max_firms` firms.
pub fn essential_upstream(g: &AnalysisGraph, target: Node, max_depth: u32, max_firms: usize) -> Vec<Upstream> {
    let n = g.node_count();
    let mut seen = vec![false; n];
    seen[target as usize] = true;
    let mut out = Vec::new();
    let mut queue: VecDeque<Upstream> = VecDeque::new();
    for (s, _, e) in g.suppliers(target) {
        if e == Essentiality::Essential && !seen[s as usize] {
            seen[s as usize] = true;
            queue.push_back(Upstream { node: s, depth: 1, via: s });
        }
    }
    while let Some(u) = queue.pop_front() {
        if out.len() >= max_firms {
            break;
        }
        out.push(u);
        if u.depth >= max_depth {
            continue;
        }
        for (s, _, e) in g.suppliers(u.node) {
            if e == Essentiality::Essential && !seen[s as usize] {
                seen[s as usize] = true;
                queue.push_back(Upstream { node: s, depth: u.depth + 1, via: u.via });
            }
        }
    }
    out
}

/// The share of `target`'s production lost through missing inputs when `closures` run at their
/// capacities (0 to 1): `1 − d`, the downstream health of the cascade.
pub fn held_back(esri: &Esri<'_>, target: Node, closures: &[(Node, f64)]) -> Result<f64, GraphError> {
    if closures.is_empty() {
        return Ok(0.0);
    }
    let outcome = esri.scenario(closures)?;
    Ok(outcome.damaged.iter().find(|(v, _, _)| *v == target).map_or(0.0, |&(_, _, d)| (1.0 - d).clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csr::{EdgeSpec, GraphBuilder};
    use crate::esri::EsriParams;
    use linchpin_domain::SizeClass;

    /// t buys essential input from a (its only supplier of that industry) and from b, which shares
    /// its industry with c; a buys from d. e supplies t non-essentially.
    #[test]
    fn upstream_paths_and_held_back_shares_follow_the_cascade() {
        let mut b = GraphBuilder::new();
        let t = b.add_node("C36", SizeClass::Large, 1000);
        let a = b.add_node("C33", SizeClass::Small, 10);
        let bb = b.add_node("C34", SizeClass::Small, 10);
        let c = b.add_node("C34", SizeClass::Small, 10);
        let d = b.add_node("C32", SizeClass::Small, 10);
        let e = b.add_node("C35", SizeClass::Small, 10);
        let mut edge = |from, to, w, ess| {
            b.add_edge(EdgeSpec { supplier: from, customer: to, value: w, essentiality: ess }).unwrap();
        };
        edge(a, t, 100.0, Essentiality::Essential);
        edge(bb, t, 50.0, Essentiality::Essential);
        edge(c, t, 50.0, Essentiality::Essential);
        edge(d, a, 80.0, Essentiality::Essential);
        edge(e, t, 10.0, Essentiality::NonEssential);
        let g = b.build();
        let up = essential_upstream(&g, t, 6, 100);
        let nodes: Vec<(Node, u32, Node)> = up.iter().map(|u| (u.node, u.depth, u.via)).collect();
        assert_eq!(nodes, [(a, 1, a), (bb, 1, bb), (c, 1, c), (d, 2, a)]);
        assert_eq!(essential_upstream(&g, t, 1, 100).len(), 3);
        let esri = Esri::new(&g, EsriParams::DEFAULT);
        // a is t's only supplier of C33: a at half capacity holds back half of t
        assert!((held_back(&esri, t, &[(a, 0.5)]).unwrap() - 0.5).abs() < 1e-9);
        // b stopping takes half of t's C34 input
        assert!((held_back(&esri, t, &[(bb, 0.0)]).unwrap() - 0.5).abs() < 1e-9);
        // d stopped stops a, which stops t
        assert!((held_back(&esri, t, &[(d, 0.0)]).unwrap() - 1.0).abs() < 1e-9);
        // a non-essential input costs its share of all inputs (10 of 210)
        assert!((held_back(&esri, t, &[(e, 0.0)]).unwrap() - 10.0 / 210.0).abs() < 1e-9);
        assert_eq!(held_back(&esri, t, &[]).unwrap(), 0.0);
    }
}
