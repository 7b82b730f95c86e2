//! Dominators against the definition, checked by brute force on small graphs.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::collections::HashSet;

use linchpin_domain::{Essentiality, SizeClass};
use linchpin_graph::{AnalysisGraph, EdgeSpec, NodeSpec, dominators};
use proptest::prelude::*;

fn graph(n: usize, edges: &[(u32, u32)], large: &[u32]) -> AnalysisGraph {
    let nodes: Vec<NodeSpec> = (0..n as u32)
        .map(|v| NodeSpec {
            industry: "K".into(),
            size: if large.contains(&v) { SizeClass::Large } else { SizeClass::Small },
            employees: 1,
        })
        .collect();
    let edges: Vec<EdgeSpec> = edges
        .iter()
        .filter(|(s, c)| s != c)
        .map(|&(s, c)| EdgeSpec { supplier: s, customer: c, value: 1.0, essentiality: Essentiality::Essential })
        .collect();
    AnalysisGraph::new(&nodes, &edges).unwrap()
}

/// Firms reachable from the virtual source when `removed` is taken out.
fn reachable(g: &AnalysisGraph, removed: Option<u32>) -> HashSet<u32> {
    let n = g.node_count() as u32;
    let mut seen = HashSet::new();
    let mut stack: Vec<u32> = (0..n).filter(|&v| g.suppliers(v).next().is_none() && Some(v) != removed).collect();
    seen.extend(stack.iter().copied());
    while let Some(v) = stack.pop() {
        for (w, _, _) in g.customers(v) {
            if Some(w) != removed && seen.insert(w) {
                stack.push(w);
            }
        }
    }
    seen
}

#[test]
fn a_bottleneck_dominates_everything_behind_it() {
    // 0 -> 2, 1 -> 2, 2 -> 3, 3 -> 4, 2 -> 4 ; 4 is large
    let g = graph(5, &[(0, 2), (1, 2), (2, 3), (3, 4), (2, 4)], &[4]);
    let d = dominators(&g);
    assert_eq!((d.dominated(2), d.dominated_large(2)), (2, 1));
    assert_eq!(d.dominated(3), 0, "4 has another path through 2");
    assert_eq!(d.idom(4), Some(2));
    assert_eq!(d.idom(2), None, "two sources feed it");
    assert_eq!(d.dominators_of(4), vec![2]);
}

#[test]
fn closed_cycles_without_a_source_are_dominated_by_nobody() {
    let g = graph(3, &[(0, 1), (1, 0), (1, 2)], &[]);
    let d = dominators(&g);
    assert!((0..3).all(|v| d.dominated(v) == 0 && d.idom(v).is_none()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn dominance_matches_the_definition(n in 1usize..12, edges in proptest::collection::vec((0u32..12, 0u32..12), 0..30), large in proptest::collection::vec(0u32..12, 0..4)) {
        let edges: Vec<(u32, u32)> = edges.into_iter().filter(|(s, c)| (*s as usize) < n && (*c as usize) < n).collect();
        let g = graph(n, &edges, &large);
        let d = dominators(&g);
        let all = reachable(&g, None);
        for x in 0..n as u32 {
            let without = reachable(&g, Some(x));
            let cut: Vec<u32> = all.iter().copied().filter(|v| *v != x && !without.contains(v)).collect();
            prop_assert_eq!(d.dominated(x) as usize, cut.len(), "firm {} dominates {:?}", x, cut);
            let cut_large = cut.iter().filter(|v| large.contains(v)).count();
            prop_assert_eq!(d.dominated_large(x) as usize, cut_large);
            for v in cut {
                prop_assert!(d.dominators_of(v).contains(&x), "{} should dominate {}", x, v);
            }
        }
    }
}
