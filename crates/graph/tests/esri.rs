//! ESRI against the worked cases of DESIGN.md, against the plain reference on random graphs with
//! cycles, and against properties the index must have.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use linchpin_domain::{Essentiality, SizeClass};
use linchpin_graph::{AnalysisGraph, EdgeSpec, Esri, EsriParams, NodeSpec, esri_reference_score};
use proptest::prelude::*;

fn node(industry: &str) -> NodeSpec {
    NodeSpec { industry: industry.into(), size: SizeClass::Small, employees: 10 }
}

fn edge(s: u32, c: u32, value: f64, essentiality: Essentiality) -> EdgeSpec {
    EdgeSpec { supplier: s, customer: c, value, essentiality }
}

fn tight() -> EsriParams {
    EsriParams { tol: 1e-9, ..EsriParams::default() }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn a_chain_of_three_loses_everything_when_its_source_stops() {
    use Essentiality::Essential;
    let g = AnalysisGraph::new(
        &[node("A"), node("B"), node("C")],
        &[edge(0, 1, 10.0, Essential), edge(1, 2, 10.0, Essential)],
    )
    .unwrap();
    let e = Esri::new(&g, tight());
    let a = e.scenario(&[(0, 0.0)]).unwrap().score;
    assert!(close(a.esri, 1.0) && close(a.esri_up, 0.5), "{a:?}");
    let c = e.scenario(&[(2, 0.0)]).unwrap().score;
    assert!(close(c.esri_down, 0.0), "{c:?}");
    let all = e.all(2, &|_| {});
    assert!(close(all[0].esri, 1.0) && close(all[2].esri_down, 0.0));
}

#[test]
fn essential_and_non_essential_inputs_weigh_as_defined() {
    let g = AnalysisGraph::new(
        &[node("A"), node("B"), node("C")],
        &[edge(0, 2, 10.0, Essentiality::NonEssential), edge(1, 2, 30.0, Essentiality::Essential)],
    )
    .unwrap();
    let all = Esri::new(&g, tight()).all(1, &|_| {});
    assert!(close(all[0].esri, 0.25), "{:?}", all[0]);
    assert!(close(all[1].esri, 0.75), "{:?}", all[1]);
    assert!(close(all[2].esri, 1.0), "{:?}", all[2]);
    for (i, want) in [0.25, 0.75, 1.0].into_iter().enumerate() {
        let mut psi = vec![1.0; 3];
        psi[i] = 0.0;
        assert!(close(esri_reference_score(&g, &psi, &tight()).esri, want), "reference, firm {i}");
    }
}

#[test]
fn negligible_links_do_not_spread_shocks_downstream() {
    let g = AnalysisGraph::new(&[node("A"), node("B")], &[edge(0, 1, 10.0, Essentiality::Negligible)]).unwrap();
    let s = Esri::new(&g, tight()).scenario(&[(0, 0.0)]).unwrap();
    assert!(s.damaged.iter().all(|&(v, _, d)| v == 0 || close(d, 1.0)), "{s:?}");
}

#[test]
fn bad_scenarios_are_refused() {
    let g = AnalysisGraph::new(&[node("A")], &[]).unwrap();
    let e = Esri::new(&g, tight());
    assert!(e.scenario(&[(5, 0.0)]).is_err());
    assert!(e.scenario(&[(0, 1.5)]).is_err());
    assert!(AnalysisGraph::new(&[node("A")], &[edge(0, 0, 1.0, Essentiality::Essential)]).is_err());
    assert!(AnalysisGraph::new(&[node("A"), node("B")], &[edge(0, 1, -1.0, Essentiality::Essential)]).is_err());
}

/// Random networks with cycles: up to 14 firms over 3 industries, up to 40 links of every kind.
fn network() -> impl Strategy<Value = AnalysisGraph> {
    (2usize..14).prop_flat_map(|n| {
        let nodes = proptest::collection::vec(0u8..3, n);
        let edges = proptest::collection::vec((0..n as u32, 0..n as u32, 1u32..100, 0u8..3), 0..40);
        (nodes, edges).prop_map(|(inds, es)| {
            let nodes: Vec<NodeSpec> = inds.iter().map(|k| node(&format!("K{k}"))).collect();
            let edges: Vec<EdgeSpec> = es
                .into_iter()
                .filter(|(s, c, _, _)| s != c)
                .map(|(s, c, v, e)| {
                    let ess =
                        [Essentiality::Essential, Essentiality::NonEssential, Essentiality::Negligible][e as usize];
                    edge(s, c, f64::from(v), ess)
                })
                .collect();
            AnalysisGraph::new(&nodes, &edges).unwrap()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_sparse_iteration_matches_the_reference_for_every_firm(g in network(), rationing in any::<bool>()) {
        let p = EsriParams { rationing, ..tight() };
        let fast = Esri::new(&g, p).all(2, &|_| {});
        for v in 0..g.node_count() {
            let mut psi = vec![1.0; g.node_count()];
            psi[v] = 0.0;
            let slow = esri_reference_score(&g, &psi, &p);
            prop_assert!(close(fast[v].esri, slow.esri), "firm {v}: {:?} vs {:?}", fast[v], slow);
            prop_assert!(close(fast[v].esri_down, slow.esri_down), "firm {v}: {:?} vs {:?}", fast[v], slow);
            prop_assert!(close(fast[v].esri_up, slow.esri_up), "firm {v}: {:?} vs {:?}", fast[v], slow);
        }
    }

    #[test]
    fn the_iterations_are_the_same_at_the_default_tolerance(g in network()) {
        let p = EsriParams::default();
        let fast = Esri::new(&g, p).all(1, &|_| {});
        for v in 0..g.node_count() {
            let mut psi = vec![1.0; g.node_count()];
            psi[v] = 0.0;
            let slow = esri_reference_score(&g, &psi, &p);
            prop_assert!((fast[v].esri - slow.esri).abs() < 1e-6, "firm {v}: {:?} vs {:?}", fast[v], slow);
        }
    }

    #[test]
    fn partial_closures_match_the_reference(g in network(), capacity in 0.0f64..1.0, a in 0usize..14, b in 0usize..14) {
        let n = g.node_count();
        let (a, b) = (a % n, b % n);
        let mut psi = vec![1.0; n];
        psi[a] = capacity;
        psi[b] = psi[b].min(0.5);
        let closures: Vec<(u32, f64)> = psi.iter().enumerate().filter(|(_, c)| **c < 1.0).map(|(v, c)| (v as u32, *c)).collect();
        let fast = Esri::new(&g, tight()).scenario(&closures).unwrap().score;
        let slow = esri_reference_score(&g, &psi, &tight());
        prop_assert!(close(fast.esri, slow.esri), "{fast:?} vs {slow:?}");
    }

    #[test]
    fn esri_is_a_share_at_least_the_firms_own_output(g in network()) {
        let total: f64 = (0..g.node_count() as u32).map(|v| g.out_strength(v)).sum();
        for (v, s) in Esri::new(&g, tight()).all(1, &|_| {}).iter().enumerate() {
            prop_assert!((0.0..=1.0 + 1e-9).contains(&s.esri), "{s:?}");
            if total > 0.0 {
                prop_assert!(s.esri + 1e-9 >= g.out_strength(v as u32) / total, "firm {v}: {s:?}");
            }
        }
    }

    #[test]
    fn closing_more_capacity_never_lowers_any_loss(g in network(), v in 0usize..14, lo in 0.0f64..1.0, hi in 0.0f64..1.0) {
        let v = (v % g.node_count()) as u32;
        let (more, less) = (lo.min(hi), lo.max(hi));
        let e = Esri::new(&g, tight());
        let a = e.scenario(&[(v, more)]).unwrap().score;
        let b = e.scenario(&[(v, less)]).unwrap().score;
        prop_assert!(a.esri + 1e-7 >= b.esri, "capacity {more} gives {a:?}, {less} gives {b:?}");
    }
}

#[test]
fn an_alternative_supplier_never_raises_a_customers_loss() {
    use Essentiality::Essential;
    // A and B in one industry both supply C; closing A hurts C less than when A was alone.
    let alone = AnalysisGraph::new(&[node("K"), node("K"), node("J")], &[edge(0, 2, 10.0, Essential)]).unwrap();
    let with_alt = AnalysisGraph::new(
        &[node("K"), node("K"), node("J")],
        &[edge(0, 2, 10.0, Essential), edge(1, 2, 10.0, Essential)],
    )
    .unwrap();
    let health = |g: &AnalysisGraph| {
        let s = Esri::new(g, tight()).scenario(&[(0, 0.0)]).unwrap();
        s.damaged.iter().find(|(v, _, _)| *v == 2).map_or(1.0, |&(_, _, d)| d)
    };
    assert!(health(&with_alt) >= health(&alone), "{} < {}", health(&with_alt), health(&alone));
}
