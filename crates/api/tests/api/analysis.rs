//! The key-node analysis through the API: runs, assessments, candidates, simulations.
use linchpin_domain::Role;
use serde_json::json;

use crate::helpers::{DECLARE, REGISTER, TestApi, backends, uscc};

/// A -> C 10 non-essential, B -> C 30 essential (DESIGN.md's second worked case); C is LARGE.
async fn worked_case(api: &TestApi) -> [String; 3] {
    let firms = [
        (uscc("91330106MA2U00001"), "甲", "C34", 30),
        (uscc("91330106MA2U00002"), "乙", "C38", 30),
        (uscc("91330106MA2U00003"), "丙", "C36", 5000),
    ];
    for (u, name, industry, employees) in &firms {
        let d = api
            .data(
                REGISTER,
                json!({"input": {"uscc": u, "name": name, "regionCode": "330106", "industryCode": industry,
                    "employees": employees, "revenue10kCny": if *employees > 1000 { 90000.0 } else { 500.0 }, "chains": ["NEV"]}}),
            )
            .await;
        assert_eq!(d["registerFirm"]["userErrors"], json!([]));
    }
    for (s, c, v, e) in [(0, 2, 10.0, "NON_ESSENTIAL"), (1, 2, 30.0, "ESSENTIAL")] {
        let d = api
            .data(
                DECLARE,
                json!({"input": {"supplierUscc": firms[s].0, "customerUscc": firms[c].0, "product": "件", "annualValue10kCny": v, "essentiality": e}}),
            )
            .await;
        assert_eq!(d["declareSupplyLink"]["userErrors"], json!([]));
    }
    [firms[0].0.clone(), firms[1].0.clone(), firms[2].0.clone()]
}

#[tokio::test]
async fn a_run_stores_assessments_that_reproduce_the_worked_case() {
    for api in backends().await {
        let [a, b, c] = worked_case(&api).await;
        let none = api.data("query($u: String!) { firm(uscc: $u) { assessment { esri } } }", json!({"u": a})).await;
        assert!(none["firm"]["assessment"].is_null(), "no run yet");
        let run = api
            .data("mutation { runAnalysis { analysisRun { id firms links trigger } userErrors { code } } }", json!({}))
            .await;
        assert_eq!(run["runAnalysis"]["analysisRun"]["firms"], 3, "[{}] {run}", api.backend);
        assert_eq!(run["runAnalysis"]["analysisRun"]["links"], 2);
        assert_eq!(run["runAnalysis"]["analysisRun"]["trigger"], "runAnalysis by admin");
        let q = "query($u: String!) { firm(uscc: $u) { assessment { esri esriDown esriUp systemicMultiplier keyNode
            soleEssentialCustomers reasons { code zh: message en: message(lang: EN) } analysisRun { id finishedAt } } } }";
        for (u, want) in [(&a, 0.25), (&b, 0.75), (&c, 1.0)] {
            let d = api.data(q, json!({"u": u})).await;
            let got = d["firm"]["assessment"]["esri"].as_f64().unwrap();
            assert!((got - want).abs() < 1e-4, "[{}] {u}: {got} vs {want}", api.backend);
            assert_eq!(d["firm"]["assessment"]["analysisRun"]["id"], run["runAnalysis"]["analysisRun"]["id"]);
        }
        let b_view = api.data(q, json!({"u": b})).await;
        let reasons = &b_view["firm"]["assessment"]["reasons"];
        assert!(
            reasons.as_array().unwrap().iter().any(|r| r["code"] == "SOLE_ESSENTIAL_SUPPLIER_OF_LARGE_FIRM"),
            "{reasons}"
        );
        assert!(
            reasons.to_string().contains("唯一关键供应商") && reasons.to_string().contains("Sole essential supplier")
        );
        assert_eq!(b_view["firm"]["assessment"]["keyNode"], true);
        let cands = api
            .data(
                "{ keyNodeCandidates(first: 10) { nodes { esri firm { uscc } } pageInfo { hasNextPage } } }",
                json!({}),
            )
            .await;
        let list = cands["keyNodeCandidates"]["nodes"].as_array().unwrap();
        assert!(list.iter().any(|n| n["firm"]["uscc"] == b.as_str()), "{cands}");
        let esris: Vec<f64> = list.iter().map(|n| n["esri"].as_f64().unwrap()).collect();
        assert!(esris.windows(2).all(|w| w[0] >= w[1]), "sorted by ESRI: {esris:?}");
        let other = api
            .data("{ keyNodeCandidates(first: 10, filter: {regionPrefix: \"44\"}) { nodes { esri } } }", json!({}))
            .await;
        assert_eq!(other["keyNodeCandidates"]["nodes"], json!([]));
    }
}

#[tokio::test]
async fn a_simulation_reports_lost_output_jobs_and_the_most_affected_firms() {
    for api in backends().await {
        let [a, b, c] = worked_case(&api).await;
        api.state.network.reload(&api.store).await.unwrap();
        let q = "query($i: SimulateDisruptionInput!) { simulateDisruption(input: $i) { outputLossShare outputLoss10kCny
            jobsAtRisk affectedFirms mostAffected { firm { uscc } health outputLoss10kCny } } }";
        let d = api.data(q, json!({"i": {"closures": [{"uscc": b, "capacity": 0.0}], "mostAffected": 5}})).await;
        let s = &d["simulateDisruption"];
        assert!((s["outputLossShare"].as_f64().unwrap() - 0.75).abs() < 1e-4, "[{}] {d}", api.backend);
        assert!((s["outputLoss10kCny"].as_f64().unwrap() - 30.0).abs() < 1e-3);
        assert!(s["jobsAtRisk"].as_f64().unwrap() >= 5000.0, "C stops with B: {s}");
        assert_eq!(s["mostAffected"][0]["firm"]["uscc"], b.as_str());
        // a partial closure hurts less
        let half = api.data(q, json!({"i": {"closures": [{"uscc": b, "capacity": 0.4}]}})).await;
        assert!(half["simulateDisruption"]["outputLossShare"].as_f64().unwrap() < 0.75);
        let bad = api.run(q, json!({"i": {"closures": [{"uscc": a, "capacity": 1.5}]}})).await;
        assert_eq!(bad["errors"][0]["extensions"]["code"], "VALIDATION");
        let unknown =
            api.run(q, json!({"i": {"closures": [{"uscc": uscc("91330106MA2U00009"), "capacity": 0.0}]}})).await;
        assert_eq!(unknown["errors"][0]["extensions"]["code"], "VALIDATION");
        let _ = c;
    }
}

#[tokio::test]
async fn enterprises_may_neither_run_analyses_nor_list_candidates() {
    for api in backends().await {
        let [a, _, _] = worked_case(&api).await;
        let ent = api.account("ent-analysis", Role::Enterprise, None, Some(&a)).await;
        for q in ["mutation { runAnalysis { userErrors { code } } }", "{ keyNodeCandidates { nodes { esri } } }"] {
            let r = api.run_as(Some(&ent), q, json!({})).await;
            assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN", "[{}] {q}: {r}", api.backend);
        }
        let coord = api.account("coord-analysis", Role::Coordinator, Some("3301"), None).await;
        let r = api.run_as(Some(&coord), "mutation { runAnalysis { userErrors { code } } }", json!({})).await;
        assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN");
        let r = api.run_as(Some(&coord), "{ keyNodeCandidates { nodes { esri } } }", json!({})).await;
        assert!(r.get("errors").is_none(), "{r}");
    }
}

#[tokio::test]
async fn change_events_keep_the_live_network_equal_to_a_reload() {
    use futures_util::StreamExt;
    for api in backends().await {
        let mut events = api.state.events.subscribe();
        worked_case(&api).await;
        // firm, firm, firm, link, link: apply them as a replica would
        for _ in 0..5 {
            let e = events.next().await.unwrap();
            api.state.network.apply(&api.store, &e).await.unwrap();
        }
        let live = api.state.network.read(|n| (n.firm_count(), n.link_count())).unwrap();
        let fresh = linchpin_api::live::LiveNetwork::default();
        assert_eq!(fresh.reload(&api.store).await.unwrap(), live, "[{}]", api.backend);
        assert_eq!(live, (3, 2));
        // removing a link reaches the live network too
        let id = api.data("{ supplyLinks(first: 1) { nodes { id version } } }", json!({})).await;
        let node = &id["supplyLinks"]["nodes"][0];
        api.data(
            "mutation($i: RemoveSupplyLinkInput!) { removeSupplyLink(input: $i) { userErrors { code } } }",
            json!({"i": {"id": node["id"], "version": node["version"]}}),
        )
        .await;
        let e = events.next().await.unwrap();
        api.state.network.apply(&api.store, &e).await.unwrap();
        assert_eq!(api.state.network.read(|n| n.link_count()).unwrap(), 1);
    }
}

#[tokio::test]
async fn listing_firms_with_assessments_costs_a_bounded_number_of_statements() {
    for api in backends().await {
        worked_case(&api).await;
        for i in 0..40 {
            crate::helpers::register(&api, &format!("91330106MA2T{i:05}"), &format!("企业{i}"), "330106").await;
        }
        api.data("mutation { runAnalysis { analysisRun { id } } }", json!({})).await;
        let before = api.store.statement_count();
        let d = api.data("{ firms(first: 43) { nodes { assessment { esri keyNode } } } }", json!({})).await;
        let used = api.store.statement_count() - before;
        let nodes = d["firms"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 43);
        assert!(nodes.iter().all(|n| !n["assessment"].is_null()), "[{}]", api.backend);
        // firms + chains, then one run and one batch of results (a loaded machine may split a batch)
        assert!(used <= 12, "[{}] {used} statements", api.backend);
    }
}

/// A hub network written straight through the store: one LARGE assembler fed, each through an
/// industry of its own, by `n` small suppliers, which all buy from one raw-material firm. Every
/// small supplier is the sole essential supplier of a LARGE firm (a candidate), and closing the
/// raw-material firm stops all of them.
async fn hub_network(api: &TestApi, n: usize) -> (String, String) {
    use linchpin_domain::{
        ChainCode, Essentiality, FirmDraft, FirmName, Indicators, IndustryCode, LinkDraft, Product, RegionCode, Uscc,
        Value10kCny,
    };
    let firm = |i: usize, industry: &str, employees: i64, revenue: f64| {
        let u = uscc(&format!("91330106MA3H{i:05}"));
        FirmDraft {
            uscc: Uscc::parse(&u).unwrap(),
            name: FirmName::parse(&format!("枢纽{i}")).unwrap(),
            region: RegionCode::parse("330106").unwrap(),
            industry: IndustryCode::parse(industry).unwrap(),
            indicators: Indicators::new(Some(employees), Some(revenue), None).unwrap(),
            chains: vec![ChainCode::parse("NEV").unwrap()],
        }
    };
    let raw = firm(0, "B09", 40, 800.0);
    let big = firm(1, "C36", 5000, 90_000.0);
    let mut firms = vec![raw.clone(), big.clone()];
    let mut links = Vec::new();
    for i in 0..n {
        let s = firm(2 + i, &format!("C{}{:02}", 34 + i / 100, i % 100), 30, 500.0);
        let link = |from: &FirmDraft, to: &FirmDraft, v: f64| {
            LinkDraft::new(
                from.uscc.clone(),
                to.uscc.clone(),
                Product::parse("件").unwrap(),
                Value10kCny::new(v).unwrap(),
                Essentiality::Essential,
            )
            .unwrap()
        };
        links.push(link(&raw, &s, 1.0));
        links.push(link(&s, &big, 10.0));
        firms.push(s);
    }
    crate::helpers::import(api, firms, links).await;
    (raw.uscc.as_str().to_owned(), big.uscc.as_str().to_owned())
}

#[tokio::test]
async fn a_page_of_100_candidates_with_their_firms_costs_a_bounded_number_of_statements() {
    for api in backends().await {
        hub_network(&api, 120).await;
        api.data("mutation { runAnalysis { analysisRun { id } } }", json!({})).await;
        let before = api.store.statement_count();
        let d = api
            .data(
                "{ keyNodeCandidates(first: 100, budget: {count: 100}) { nodes { esri firm { uscc name sizeClass chains } reasons { code } } } }",
                json!({}),
            )
            .await;
        let used = api.store.statement_count() - before;
        let nodes = d["keyNodeCandidates"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 100, "[{}]", api.backend);
        assert!(nodes.iter().all(|n| n["firm"]["uscc"].is_string()));
        // the latest run, the page, then one batch of firms with their chains (a loaded machine may
        // split a batch window)
        assert!(used <= 8, "[{}] {used} statements for 100 candidates", api.backend);
    }
}

#[tokio::test]
async fn a_simulation_that_hits_100_firms_reads_them_in_a_bounded_number_of_statements() {
    for api in backends().await {
        let (raw, _) = hub_network(&api, 120).await;
        let before = api.store.statement_count();
        let d = api
            .data(
                "query($u: String!) { simulateDisruption(input: {closures: [{uscc: $u}], mostAffected: 100}) {
                    affectedFirms mostAffected { firm { uscc name } outputLoss10kCny } } }",
                json!({"u": raw}),
            )
            .await;
        let used = api.store.statement_count() - before;
        let s = &d["simulateDisruption"];
        assert!(s["affectedFirms"].as_i64().unwrap() >= 120, "[{}] {s}", api.backend);
        assert_eq!(s["mostAffected"].as_array().unwrap().len(), 100);
        assert!(used <= 6, "[{}] {used} statements for a simulation listing 100 firms", api.backend);
    }
}

#[tokio::test]
async fn an_analysis_run_is_a_node() {
    for api in backends().await {
        worked_case(&api).await;
        let run = api.data("mutation { runAnalysis { analysisRun { id firms } } }", json!({})).await;
        let id = run["runAnalysis"]["analysisRun"]["id"].clone();
        let d = api
            .data("query($id: ID!) { node(id: $id) { id ... on AnalysisRun { firms trigger } } }", json!({"id": id}))
            .await;
        assert_eq!(d["node"]["id"], id, "[{}]", api.backend);
        assert_eq!(d["node"]["firms"], 3);
        let ent_firm = uscc("91330106MA2U00001");
        let ent = api.account("ent-run-node", Role::Enterprise, None, Some(&ent_firm)).await;
        let seen = api.run_as(Some(&ent), "query($id: ID!) { node(id: $id) { id } }", json!({"id": id})).await;
        assert_eq!(seen["data"]["node"]["id"], id, "any signed-in account may read a run");
    }
}

fn draft(
    body: &str,
    region: &str,
    industry: &str,
    employees: i64,
    revenue: f64,
    chain: &str,
) -> linchpin_domain::FirmDraft {
    use linchpin_domain::{ChainCode, FirmDraft, FirmName, Indicators, IndustryCode, RegionCode, Uscc};
    FirmDraft {
        uscc: Uscc::parse(&uscc(body)).unwrap(),
        name: FirmName::parse(&format!("企业{body}")).unwrap(),
        region: RegionCode::parse(region).unwrap(),
        industry: IndustryCode::parse(industry).unwrap(),
        indicators: Indicators::new(Some(employees), Some(revenue), None).unwrap(),
        chains: vec![ChainCode::parse(chain).unwrap()],
    }
}

fn essential(s: &linchpin_domain::FirmDraft, c: &linchpin_domain::FirmDraft, value: f64) -> linchpin_domain::LinkDraft {
    use linchpin_domain::{Essentiality, LinkDraft, Product, Value10kCny};
    LinkDraft::new(
        s.uscc.clone(),
        c.uscc.clone(),
        Product::parse("件").unwrap(),
        Value10kCny::new(value).unwrap(),
        Essentiality::Essential,
    )
    .unwrap()
}

/// Two provinces, two chains: in each (province, chain) a LARGE assembler and `n` small suppliers
/// of distinct industries feeding it, each essential, the i-th worth i.
async fn ranked_network(api: &TestApi, n: usize) {
    let mut firms = Vec::new();
    let mut links = Vec::new();
    for (p, region) in ["330106", "440305"].iter().enumerate() {
        for (c, chain) in ["NEV", "IC"].iter().enumerate() {
            let big = draft(&format!("91{region}MA{p}{c}00000"), region, "C36", 3000, 90_000.0, chain);
            for i in 1..=n {
                let s = draft(
                    &format!("91{region}MA{p}{c}{i:05}"),
                    region,
                    &format!("C3{}{:02}", 3 + i / 100, i % 100),
                    30,
                    500.0,
                    chain,
                );
                links.push(essential(&s, &big, i as f64));
                firms.push(s);
            }
            firms.push(big);
        }
    }
    crate::helpers::import(api, firms, links).await;
}

#[tokio::test]
async fn candidates_are_ranked_within_the_network_a_province_or_a_chain_and_cut_at_a_budget() {
    for api in backends().await {
        ranked_network(&api, 30).await;
        api.data("mutation { runAnalysis { analysisRun { id } } }", json!({})).await;
        let q = "query($f: CandidateFilter, $b: BudgetInput, $o: CandidateOrderBy! = PRIORITY) {
            keyNodeCandidates(first: 100, filter: $f, budget: $b, orderBy: $o) {
                nodes { rank percentile priorityScore outputAtStake10kCny jobsAtStake ownOutput10kCny keyNode
                        firm { uscc regionCode chains } reasons { code } } } }";
        let nodes = |d: &serde_json::Value| d["keyNodeCandidates"]["nodes"].as_array().unwrap().clone();
        // 120 SMEs: the default list is 2%, two firms, ranked 1 and 2
        let all = nodes(&api.data(q, json!({})).await);
        assert_eq!(all.len(), 2, "[{}] {all:?}", api.backend);
        assert_eq!((all[0]["rank"].clone(), all[1]["rank"].clone()), (json!(1), json!(2)));
        assert!(all[0]["priorityScore"].as_f64().unwrap() >= all[1]["priorityScore"].as_f64().unwrap());
        // the assembler sells nothing in the network: what its supplier puts at stake is its jobs
        // (a third of them: the same industry elsewhere can ration a share of its output to it)
        assert!(all[0]["jobsAtStake"].as_f64().unwrap() > 900.0, "{:?}", all[0]);
        // a budget of 20, by output at stake: the same twenty firms in another order
        let by_rank = nodes(&api.data(q, json!({"b": {"count": 20}})).await);
        let by_output = nodes(&api.data(q, json!({"b": {"count": 20}, "o": "OUTPUT_AT_STAKE"})).await);
        assert_eq!(by_rank.len(), 20);
        let set = |v: &[serde_json::Value]| {
            v.iter().map(|n| n["firm"]["uscc"].as_str().unwrap().to_owned()).collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(set(&by_rank), set(&by_output));
        let outputs: Vec<f64> = by_output.iter().map(|n| n["outputAtStake10kCny"].as_f64().unwrap()).collect();
        assert!(outputs.windows(2).all(|w| w[0] >= w[1]), "{outputs:?}");
        // within a province: ranks restart, every firm is of that province
        let zj = nodes(&api.data(q, json!({"f": {"regionPrefix": "33"}, "b": {"share": 0.5}})).await);
        assert_eq!(zj.len(), 30, "half of the province's 60 SMEs");
        assert!(zj.iter().all(|n| n["firm"]["regionCode"].as_str().unwrap().starts_with("33")));
        assert_eq!(zj[0]["rank"], 1);
        // within a chain
        let ic = nodes(&api.data(q, json!({"f": {"chain": "IC"}, "b": {"count": 5}})).await);
        assert_eq!(ic.len(), 5);
        assert!(ic.iter().all(|n| n["firm"]["chains"] == json!(["IC"])));
        // a bureau sees its own province's ranking, not the other's
        let gd = api.account("gd-bureau", Role::Bureau, Some("44"), None).await;
        let seen = api.run_as(Some(&gd), q, json!({"b": {"count": 100}})).await;
        let seen = seen["data"]["keyNodeCandidates"]["nodes"].as_array().unwrap().clone();
        assert_eq!(seen.len(), 60);
        assert!(seen.iter().all(|n| n["firm"]["regionCode"].as_str().unwrap().starts_with("44")));
        let bad = api.run(q, json!({"f": {"reason": "NOPE"}})).await;
        assert_eq!(bad["errors"][0]["extensions"]["code"], "VALIDATION");
    }
}

#[tokio::test]
async fn a_supplier_cannot_make_itself_a_key_node_by_declaring_links_nobody_confirms() {
    for api in backends().await {
        ranked_network(&api, 3).await;
        let attacker = uscc("91330106MA9X00001");
        let d = api
            .data(
                REGISTER,
                json!({"input": {"uscc": attacker, "name": "攻击者", "regionCode": "330106", "industryCode": "C3999",
                "employees": 10, "revenue10kCny": 100.0, "chains": ["NEV"]}}),
            )
            .await;
        assert_eq!(d["registerFirm"]["userErrors"], json!([]));
        let ent = api.account("attacker", Role::Enterprise, None, Some(&attacker)).await;
        // eight essential sales worth 1e9 to the four LARGE assemblers, declared by the supplier alone
        let larges = ["91330106MA0000000", "91330106MA0100000", "91440305MA1000000", "91440305MA1100000"];
        for (i, big) in larges.iter().cycle().take(8).enumerate() {
            let r = api
                .run_as(
                    Some(&ent),
                    DECLARE,
                    json!({"input": {"supplierUscc": attacker, "customerUscc": uscc(big),
                    "product": format!("关键件{i}"), "annualValue10kCny": 1e9, "essentiality": "ESSENTIAL"}}),
                )
                .await;
            assert_eq!(r["data"]["declareSupplyLink"]["userErrors"], json!([]), "{r}");
        }
        let q = "query($u: String!) { firm(uscc: $u) { assessment { esri rank keyNode unconfirmedLinks } } }";
        api.data("mutation { runAnalysis { analysisRun { parameters } } }", json!({})).await;
        let a = api.data(q, json!({"u": attacker})).await;
        assert!(a["firm"]["assessment"]["esri"].as_f64().unwrap() < 1e-9, "[{}] {a}", api.backend);
        assert_eq!(a["firm"]["assessment"]["keyNode"], false);
        assert!(a["firm"]["assessment"]["rank"].is_null());
        // a bureau may not count such links; an operator may, and then the attack would work
        let bureau = api.account("zj-bureau-2", Role::Bureau, Some("33"), None).await;
        let refused = api
            .run_as(
                Some(&bureau),
                "mutation { runAnalysis(input: {linkTrust: ALL}) { analysisRun { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
        api.data("mutation { runAnalysis(input: {linkTrust: ALL}) { analysisRun { id } } }", json!({})).await;
        let trusting = api.data(q, json!({"u": attacker})).await;
        assert_eq!(trusting["firm"]["assessment"]["rank"], 1, "[{}] {trusting}", api.backend);
        assert_eq!(trusting["firm"]["assessment"]["unconfirmedLinks"], 8, "the numbers say what they rest on");
    }
}

#[tokio::test]
async fn a_run_can_check_the_stability_of_its_list_and_cut_industries_coarser() {
    for api in backends().await {
        ranked_network(&api, 10).await;
        let run = api
            .data(
                "mutation { runAnalysis(input: {industryLevel: DIVISION, budget: {count: 4}, stability: {noise: 0.3, replicates: 5}}) {
                    analysisRun { parameters } } }",
                json!({}),
            )
            .await;
        let params: serde_json::Value =
            serde_json::from_str(run["runAnalysis"]["analysisRun"]["parameters"].as_str().unwrap()).unwrap();
        assert_eq!(params["industry_level"], "division");
        assert_eq!(params["stability"]["replicates"], 5);
        let d = api.data("{ keyNodeCandidates(first: 10) { nodes { stability keyNode } } }", json!({})).await;
        let nodes = d["keyNodeCandidates"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 4, "[{}] the run's budget is the list's", api.backend);
        for n in nodes {
            let s = n["stability"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&s) && n["keyNode"] == true, "{n}");
        }
    }
}

/// After a run writes its rows the planner has statistics for them (PostgreSQL here runs with
/// autovacuum off, and SQLite never samples by itself): without them a page of the whitelist
/// on 100,000 firms took 20 ms instead of 5 (docs/benchmarks.md).
#[tokio::test]
async fn a_run_leaves_planner_statistics_for_its_tables() {
    use sea_orm::{ConnectionTrait, Statement};
    for api in backends().await {
        worked_case(&api).await;
        api.data("mutation { runAnalysis { analysisRun { id } userErrors { code } } }", json!({})).await;
        let db = api.store.db();
        let sql = match db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                "SELECT count(*) AS n FROM pg_stat_user_tables WHERE relname = 'firm_assessment' AND last_analyze IS NOT NULL"
            }
            _ => "SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'firm_assessment'",
        };
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        let n: i64 = row.try_get("", "n").unwrap();
        assert!(n >= 1, "[{}] no statistics for firm_assessment", api.backend);
    }
}
