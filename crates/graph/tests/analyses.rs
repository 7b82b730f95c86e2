//! Reach, sole essential suppliers and the candidate rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::collections::HashSet;

use linchpin_domain::{Essentiality, SizeClass};
use linchpin_graph::{
    AnalysisGraph, EdgeSpec, Esri, EsriParams, Lang, NodeSpec, Thresholds, assess, dominators, downstream_reach,
    sole_essential_suppliers,
};
use proptest::prelude::*;

fn spec(industry: &str, size: SizeClass, employees: u32) -> NodeSpec {
    NodeSpec { industry: industry.into(), size, employees }
}

fn ess(s: u32, c: u32, value: f64) -> EdgeSpec {
    EdgeSpec { supplier: s, customer: c, value, essentiality: Essentiality::Essential }
}

fn brute_reach(g: &AnalysisGraph, v: u32) -> HashSet<u32> {
    let mut seen = HashSet::new();
    let mut stack = vec![v];
    while let Some(x) = stack.pop() {
        for (w, _, _) in g.customers(x) {
            if seen.insert(w) {
                stack.push(w);
            }
        }
    }
    seen.remove(&v);
    seen
}

fn random_graph(n: usize, edges: &[(u32, u32)]) -> AnalysisGraph {
    let nodes: Vec<NodeSpec> = (0..n).map(|v| spec("K", SizeClass::Small, v as u32 % 7 + 1)).collect();
    let es: Vec<EdgeSpec> = edges
        .iter()
        .filter(|(s, c)| s != c && (*s as usize) < n && (*c as usize) < n)
        .map(|&(s, c)| ess(s, c, 1.0))
        .collect();
    AnalysisGraph::new(&nodes, &es).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn exact_reach_matches_a_search_from_every_firm(n in 1usize..15, edges in proptest::collection::vec((0u32..15, 0u32..15), 0..40)) {
        let g = random_graph(n, &edges);
        let r = downstream_reach(&g, usize::MAX);
        prop_assert!(r.exact);
        for v in 0..n as u32 {
            let set = brute_reach(&g, v);
            prop_assert_eq!(r.firms[v as usize], set.len() as f64, "firm {}", v);
            let employees: u32 = set.iter().map(|&w| g.employees(w)).sum();
            prop_assert_eq!(r.employees[v as usize], f64::from(employees));
        }
    }
}

#[test]
fn sketched_reach_stays_close_to_the_exact_one() {
    // a layered network of 3,000 firms with random forward links
    let mut edges = Vec::new();
    let mut x: u64 = 7;
    let mut rnd = |m: u64| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % m
    };
    for v in 0..2_700u32 {
        for _ in 0..3 {
            let w = v + 1 + rnd(300) as u32;
            if w < 3_000 {
                edges.push((v, w));
            }
        }
    }
    let g = random_graph(3_000, &edges);
    let exact = downstream_reach(&g, usize::MAX);
    let sketch = downstream_reach(&g, 0);
    assert!(!sketch.exact);
    let (mut err, mut count) = (0.0, 0.0);
    for v in 0..3_000 {
        if exact.firms[v] >= 200.0 {
            err += (sketch.firms[v] - exact.firms[v]).abs() / exact.firms[v];
            count += 1.0;
        }
    }
    assert!(count > 100.0);
    assert!(err / count < 0.15, "mean relative error {}", err / count);
}

#[test]
fn sole_essential_suppliers_are_found_per_industry() {
    // A (K) 90 and B (K) 10 essential to C; D (J) 100 essential to C; E (K) non-essential to C
    let nodes = vec![
        spec("K", SizeClass::Small, 1),
        spec("K", SizeClass::Small, 1),
        spec("X", SizeClass::Large, 1),
        spec("J", SizeClass::Micro, 1),
        spec("K", SizeClass::Small, 1),
    ];
    let mut edges = vec![ess(0, 2, 90.0), ess(1, 2, 10.0), ess(3, 2, 100.0)];
    edges.push(EdgeSpec { supplier: 4, customer: 2, value: 500.0, essentiality: Essentiality::NonEssential });
    let g = AnalysisGraph::new(&nodes, &edges).unwrap();
    let sole = sole_essential_suppliers(&g, 0.8);
    assert_eq!(sole[0].len(), 1);
    assert!((sole[0][0].share - 0.9).abs() < 1e-12);
    assert!(sole[1].is_empty() && sole[4].is_empty());
    assert_eq!(sole[3][0].customer, 2);

    let esri = Esri::new(&g, EsriParams::default()).all(1, &|_| {});
    let dom = dominators(&g);
    let reach = downstream_reach(&g, usize::MAX);
    let a = assess(&g, &esri, &dom, &sole, &reach, &Thresholds::default());
    assert!(a[0].priority_score > 0.0, "{:?}", a[0]);
    let codes: Vec<&str> = a[0].reasons.iter().map(|r| r.code()).collect();
    assert!(codes.contains(&"SOLE_ESSENTIAL_SUPPLIER_OF_LARGE_FIRM"), "{codes:?}");
    let name = |v: u32| ["甲", "乙", "丙", "丁", "戊"][v as usize].to_owned();
    let industry = |k: u32| g.industry_name(k).to_owned();
    let sentence = a[0].reasons.iter().find(|r| r.code() == "SOLE_ESSENTIAL_SUPPLIER_OF_LARGE_FIRM").unwrap().message(
        Lang::Zh,
        &name,
        &industry,
    );
    assert_eq!(sentence, "唯一关键供应商: 为大型企业 丙 提供 90% 的 K 关键投入");
    assert!(!a[2].key_node, "a LARGE firm is never a candidate");
}

#[test]
fn an_sme_that_dominates_a_large_firm_is_a_candidate() {
    // 0 -> 1 -> 2 (large); 1 is the only way to 2
    let nodes = vec![spec("A", SizeClass::Small, 5), spec("B", SizeClass::Micro, 5), spec("C", SizeClass::Large, 500)];
    let g = AnalysisGraph::new(&nodes, &[ess(0, 1, 1.0), ess(1, 2, 1.0)]).unwrap();
    let params = linchpin_graph::AnalysisParams { budget: linchpin_graph::Budget::Count(2), ..Default::default() };
    let a = linchpin_graph::analyse(&g, &params, linchpin_graph::Scope::Full, &linchpin_graph::Quiet).assessments;
    // both SMEs idle the LARGE firm and each other: equal stakes; B, which is also C's sole
    // essential supplier, wins the tie on structural findings
    assert_eq!((a[0].rank, a[1].rank, a[2].rank), (Some(2), Some(1), None), "the LARGE firm is not ranked");
    assert!(a[1].key_node);
    assert_eq!(a[1].dominated_large_firms, 1);
    assert_eq!((a[0].downstream_firms, a[0].downstream_employees), (2.0, 505.0));
    let en = a[1].reasons.iter().find(|r| r.code() == "DOMINATES_LARGE_FIRM").unwrap().message(
        Lang::En,
        &|v| format!("firm {v}"),
        &|_| String::new(),
    );
    assert!(en.contains("1 large firm(s)") && en.contains("firm 2"), "{en}");
}
