//! API speed (issue #12), asserted as behaviour, never as time: nested connections cost one
//! statement per nesting level whatever the page sizes, with authorization still applied in SQL;
//! the main list queries can use their indexes (query plans on PostgreSQL and SQLite); keyset
//! cursors stay keyset at page 500.
use linchpin_domain::{
    ChainCode, Essentiality, FirmDraft, FirmId, FirmName, Indicators, IndustryCode, Jurisdiction, LinkDraft, LinkScope,
    Product, RegionCode, Role, Uscc, Value10kCny,
};
use linchpin_store::links::Side;
use serde_json::{Value, json};

use crate::helpers::{TestApi, backends, uscc};

fn draft(i: usize, region: &str) -> FirmDraft {
    FirmDraft {
        uscc: Uscc::parse(&uscc(&format!("91330106MA4K{i:05}"))).unwrap(),
        name: FirmName::parse(&format!("速度企业{i}")).unwrap(),
        region: RegionCode::parse(region).unwrap(),
        industry: IndustryCode::parse("C36").unwrap(),
        indicators: Indicators::new(Some(30), Some(500.0), None).unwrap(),
        // none, one or two chains, so lists that leave chains out and load them later are seen
        // to put each firm's own back
        chains: ["NEV", "ICT", "NEV"][..i % 3].iter().map(|c| ChainCode::parse(c).unwrap()).collect(),
    }
}

/// `customers` firms in Hangzhou (330106), firm i with `i % 5` suppliers in Ningbo (330203): 0 to 4
/// links each, so pages of every length and empty ones meet in one query.
async fn network(api: &TestApi, customers: usize) -> Vec<FirmDraft> {
    let buyers: Vec<FirmDraft> = (0..customers).map(|i| draft(i, "330106")).collect();
    let sellers: Vec<FirmDraft> = (0..4).map(|i| draft(10_000 + i, "330203")).collect();
    let mut links = Vec::new();
    for (i, b) in buyers.iter().enumerate() {
        for s in sellers.iter().take(i % 5) {
            let l = LinkDraft::new(
                s.uscc.clone(),
                b.uscc.clone(),
                Product::parse("件").unwrap(),
                Value10kCny::new(10.0).unwrap(),
                Essentiality::Essential,
            )
            .unwrap();
            links.push(l);
        }
    }
    crate::helpers::import(api, buyers.iter().chain(&sellers).cloned().collect(), links).await;
    buyers
}

/// Both backends, with the loaders' batch window widened from 1 ms to 100 ms: these tests count
/// statements, and a debug build on a machine busy with the other tests can take more than a
/// millisecond to register every key of a 40-firm level (its futures are polled in several
/// passes), which splits a batch that a release build gathers whole.
async fn batching_backends() -> Vec<TestApi> {
    let mut apis = backends().await;
    for api in &mut apis {
        api.set_limits(linchpin_api::Limits {
            batch_window: std::time::Duration::from_millis(100),
            ..Default::default()
        });
    }
    apis
}

const NESTED: &str = "query($n: Int, $k: Int) { firms(first: $n, filter: {regionPrefix: \"330106\"}) { nodes { uscc
    suppliers(first: $k) { nodes { id product supplier { uscc name } } pageInfo { hasNextPage endCursor } } } } }";

#[tokio::test]
async fn nested_link_pages_cost_one_statement_per_level_whatever_the_page_sizes() {
    for api in batching_backends().await {
        network(&api, 40).await;
        let mut counts = Vec::new();
        let mut answers = Vec::new();
        for (n, k) in [(5, 1), (20, 5), (40, 3), (40, 4)] {
            // and the fewest of three tries, should a batch still be split (see `batching_backends`)
            let mut fewest = u64::MAX;
            let mut d = Value::Null;
            for _ in 0..3 {
                let before = api.store.statement_count();
                d = api.data(NESTED, json!({"n": n, "k": k})).await;
                fewest = fewest.min(api.store.statement_count() - before);
            }
            counts.push(fewest);
            answers.push(d);
        }
        // the firms, then every firm's link page with the suppliers: 2 statements for 5 firms and
        // for 40, where one per firm would be 41 and more
        assert!(counts.iter().all(|c| *c <= 2), "[{}] statements per query: {counts:?}", api.backend);
        // each firm's nested page is what it gets asked alone
        let all = &answers[3]["firms"]["nodes"];
        for (i, node) in all.as_array().unwrap().iter().enumerate() {
            let got = node["suppliers"]["nodes"].as_array().unwrap().len();
            assert_eq!(got, i % 5, "[{}] firm {i}", api.backend);
            assert_eq!(node["suppliers"]["pageInfo"]["hasNextPage"], false);
        }
        let short = &answers[2]["firms"]["nodes"];
        for (i, node) in short.as_array().unwrap().iter().enumerate() {
            assert_eq!(node["suppliers"]["nodes"].as_array().unwrap().len(), (i % 5).min(3));
            assert_eq!(node["suppliers"]["pageInfo"]["hasNextPage"], i % 5 > 3, "[{}] firm {i}", api.backend);
            // the next page of one firm, through its cursor, continues where the nested page ended
            if i % 5 == 4 {
                let after = node["suppliers"]["pageInfo"]["endCursor"].clone();
                let q = "query($u: String!, $a: String) { firm(uscc: $u) { suppliers(first: 3, after: $a) { nodes { id } pageInfo { hasNextPage } } } }";
                let rest = api.data(q, json!({"u": node["uscc"], "a": after})).await;
                assert_eq!(rest["firm"]["suppliers"]["nodes"].as_array().unwrap().len(), 1);
                let full: Vec<&Value> =
                    all[i]["suppliers"]["nodes"].as_array().unwrap().iter().map(|n| &n["id"]).collect();
                assert_eq!(&rest["firm"]["suppliers"]["nodes"][0]["id"], full[3]);
            }
        }
        // authorization stays in SQL: a firm's account sees its own links only, nested or not
        let own = api.account("buyer-four", Role::Enterprise, None, Some(all[4]["uscc"].as_str().unwrap())).await;
        let d = api.run_as(Some(&own), NESTED, json!({"n": 40, "k": 4})).await;
        for (i, node) in d["data"]["firms"]["nodes"].as_array().unwrap().iter().enumerate() {
            let want = if i == 4 { 4 } else { 0 };
            assert_eq!(node["suppliers"]["nodes"].as_array().unwrap().len(), want, "[{}] firm {i}", api.backend);
        }
        let far = api.account("bj-desk", Role::Coordinator, Some("11"), None).await;
        let d = api.run_as(Some(&far), NESTED, json!({"n": 40, "k": 4})).await;
        let seen: usize = d["data"]["firms"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["suppliers"]["nodes"].as_array().unwrap().len())
            .sum();
        assert_eq!(seen, 0, "a Beijing coordinator sees no Zhejiang link");
    }
}

#[tokio::test]
async fn lists_read_chains_only_for_queries_that_show_them() {
    for api in batching_backends().await {
        network(&api, 40).await;
        let count = |q: &'static str| {
            let api = &api;
            async move {
                // the fewest of three tries, should a batch still be split (see `batching_backends`)
                let (mut fewest, mut d) = (u64::MAX, Value::Null);
                for _ in 0..3 {
                    let before = api.store.statement_count();
                    d = api.data(q, json!({})).await;
                    fewest = fewest.min(api.store.statement_count() - before);
                }
                (fewest, d)
            }
        };
        let one = "query($u: String!) { firm(uscc: $u) { chains } }";
        let truth = |u: &str| {
            let api = &api;
            let u = u.to_owned();
            async move { api.data(one, json!({"u": u})).await["firm"]["chains"].clone() }
        };
        // chains asked on the list itself come with its one statement; asked through a fragment
        // the look-ahead may not see, and on the suppliers a link page read without them, they
        // cost one statement for the whole level
        let inline = "{ firms(first: 40, filter: {regionPrefix: \"330106\"}) { nodes { uscc chains } } }";
        let (n, d) = count(inline).await;
        assert_eq!(n, 1, "[{}]", api.backend);
        let edges = "{ firms(first: 40, filter: {regionPrefix: \"330106\"}) { edges { node { uscc chains } } } }";
        let (n, e) = count(edges).await;
        assert_eq!(n, 1, "[{}]", api.backend);
        let fragment = "{ firms(first: 40, filter: {regionPrefix: \"330106\"}) { nodes { uscc ...C } } }
            fragment C on Firm { chains }";
        let (n, f) = count(fragment).await;
        assert!(n <= 2, "[{}] {n}", api.backend);
        let nested = "{ firms(first: 40, filter: {regionPrefix: \"330106\"}) { nodes { uscc
            suppliers(first: 4) { nodes { supplier { uscc chains } } } } } }";
        let (n, s) = count(nested).await;
        assert_eq!(n, 3, "[{}] firms, link pages, the suppliers' chains", api.backend);
        let nodes = d["firms"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 40);
        for (i, node) in nodes.iter().enumerate() {
            let want = truth(node["uscc"].as_str().unwrap()).await;
            assert_eq!(want.as_array().unwrap().len(), i % 3, "[{}] firm {i}", api.backend);
            assert_eq!(node["chains"], want, "[{}] firm {i}", api.backend);
            assert_eq!(e["firms"]["edges"][i]["node"]["chains"], want, "[{}] firm {i}", api.backend);
            assert_eq!(f["firms"]["nodes"][i]["chains"], want, "[{}] firm {i}", api.backend);
            for sup in s["firms"]["nodes"][i]["suppliers"]["nodes"].as_array().unwrap() {
                let sup = &sup["supplier"];
                assert_eq!(sup["chains"], truth(sup["uscc"].as_str().unwrap()).await, "[{}]", api.backend);
            }
        }
        let shown: usize = s["firms"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["suppliers"]["nodes"].as_array().unwrap().len())
            .sum();
        assert!(shown > 0);
    }
}

#[tokio::test]
async fn the_list_queries_use_their_indexes() {
    for api in backends().await {
        network(&api, 10).await;
        let backend = api.store.backend();
        let firms: Vec<FirmId> = (1..=10).map(FirmId).collect();
        let hangzhou = Jurisdiction::parse("3301").unwrap();
        api.store.refresh_statistics(&["firm", "supply_link", "blockage"]).await;
        let plan = |stmt, avoid: &'static [&'static str]| {
            let store = api.store.clone();
            async move { store.explain(&stmt, avoid).await.unwrap() }
        };
        for (side, index) in
            [(Side::Suppliers, "idx_supply_link_customer_id"), (Side::Customers, "idx_supply_link_supplier_id")]
        {
            for scope in [LinkScope::All, LinkScope::Jurisdiction(hangzhou.clone()), LinkScope::Firm(FirmId(3))] {
                let stmt = linchpin_store::links::pages_statement(backend, &firms, side, &scope, None, 5);
                let p = plan(stmt, &["enable_seqscan"]).await;
                assert!(p.contains(index), "[{}] {side:?} {scope:?} does not use {index}:\n{p}", api.backend);
                assert!(
                    !p.contains("Seq Scan on supply_link") && !p.contains("SCAN supply_link"),
                    "[{}]\n{p}",
                    api.backend
                );
            }
        }
        // a region's firms come from the index of its level already in id order: neither walking
        // the primary key (every firm, for a region with none) nor sorting the region's firms (a
        // dense city's tenth of the network, for every page)
        for (prefix, index) in
            [("11", "idx_firm_province_id"), ("1101", "idx_firm_city_id"), ("110105", "idx_firm_county_id")]
        {
            let region = Some(Jurisdiction::parse(prefix).unwrap());
            let filter = linchpin_store::firms::FirmFilter { region_prefix: region, ..Default::default() };
            let stmt = linchpin_store::firms::list_statement(backend, &filter, None, 20);
            let p = plan(stmt, &["enable_seqscan", "enable_sort"]).await;
            assert!(p.contains(index), "[{}] firms of {prefix}:\n{p}", api.backend);
            assert!(!p.contains("TEMP B-TREE") && !p.contains("Sort"), "[{}] firms of {prefix}:\n{p}", api.backend);
        }
        let queue = linchpin_store::blockage::BlockageQuery {
            scope: linchpin_store::blockage::Scope::All,
            statuses: None,
            kind: None,
            within: None,
            assignee: None,
            firm: None,
            order: linchpin_store::blockage::Order::Priority,
        };
        // the queue's order comes from its index, not from sorting the open blockages
        let p = plan(
            linchpin_store::blockage::list_statement(backend, &queue, None, 20),
            &["enable_seqscan", "enable_sort"],
        )
        .await;
        assert!(p.contains("idx_blockage_queue"), "[{}] the triage queue:\n{p}", api.backend);
    }
}

#[tokio::test]
async fn keyset_cursors_stay_keyset_at_page_500() {
    for api in backends().await {
        network(&api, 520).await;
        let q =
            "query($a: String) { firms(first: 1, after: $a) { nodes { uscc } pageInfo { hasNextPage endCursor } } }";
        let mut after = Value::Null;
        let mut seen = Vec::new();
        for _ in 0..500 {
            let d = api.data(q, json!({"a": after})).await;
            seen.push(d["firms"]["nodes"][0]["uscc"].as_str().unwrap().to_owned());
            after = d["firms"]["pageInfo"]["endCursor"].clone();
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 500, "[{}] no firm twice, none skipped", api.backend);
        // page 501 costs what page 1 does: the cursor is a bound on the key, never an OFFSET
        let before = api.store.statement_count();
        let d = api.data(q, json!({"a": after})).await;
        assert_eq!(d["firms"]["nodes"].as_array().unwrap().len(), 1);
        assert!(api.store.statement_count() - before <= 2);
        let filter = linchpin_store::firms::FirmFilter::default();
        let stmt = linchpin_store::firms::list_statement(api.store.backend(), &filter, Some(FirmId(500)), 1);
        assert!(!stmt.sql.to_uppercase().contains("OFFSET"), "{}", stmt.sql);
        let p = api.store.explain(&stmt, &["enable_seqscan"]).await.unwrap();
        assert!(!p.contains("Seq Scan") && !p.contains("SCAN firm"), "[{}] page 501 of firms:\n{p}", api.backend);
    }
}

#[tokio::test]
async fn a_firms_workflow_lists_under_a_list_cost_one_statement_each() {
    for api in batching_backends().await {
        let buyers = network(&api, 40).await;
        let u = |i: usize| buyers[i].uscc.as_str().to_owned();
        // a blockage of firm 3 (and one whose counterpart is firm 6), a production report of firm 2
        let report = "mutation($i: ReportBlockageInput!) { reportBlockage(input: $i) { userErrors { code } } }";
        let staff =
            json!({"i": {"uscc": u(3), "kind": "STAFF_ACCESS", "description": "滞留", "workers": 5, "heldAt": "车站"}});
        assert_eq!(api.data(report, staff).await["reportBlockage"]["userErrors"], json!([]));
        let freight = json!({"i": {"uscc": u(5), "kind": "FREIGHT", "description": "运输受阻", "originRegion": "330106",
            "destinationRegion": "330203", "cargo": "件", "counterpartUscc": u(6)}});
        assert_eq!(api.data(report, freight).await["reportBlockage"]["userErrors"], json!([]));
        let rep =
            "mutation($i: ReportProductionStatusInput!) { reportProductionStatus(input: $i) { userErrors { code } } }";
        let r = api
            .data(rep, json!({"i": {"uscc": u(2), "capacityPercent": 60, "staffOnSite": 6, "staffTotal": 10}}))
            .await;
        assert_eq!(r["reportProductionStatus"]["userErrors"], json!([]));
        let q = "query($n: Int) { firms(first: $n, filter: {regionPrefix: \"330106\"}) { nodes { uscc
            whitelist { id } productionStatus { capacityPercent } blockages(first: 2) { nodes { kind } } } } }";
        let mut counts = Vec::new();
        let mut last = Value::Null;
        for n in [5, 40] {
            // and the fewest of three tries, should a batch still be split (see `batching_backends`)
            let mut fewest = u64::MAX;
            for _ in 0..3 {
                let before = api.store.statement_count();
                last = api.data(q, json!({"n": n})).await;
                fewest = fewest.min(api.store.statement_count() - before);
            }
            counts.push(fewest);
        }
        // firms with chains, entries, reports, blockage pages: 40 firms cost what 5 do (4), where
        // one statement per firm and list would be 121
        assert!(counts.iter().all(|c| *c <= 6), "[{}] {counts:?}", api.backend);
        let nodes = last["firms"]["nodes"].as_array().unwrap();
        let kinds = |i: usize| -> Vec<&str> {
            nodes[i]["blockages"]["nodes"].as_array().unwrap().iter().map(|b| b["kind"].as_str().unwrap()).collect()
        };
        assert_eq!(kinds(3), ["STAFF_ACCESS"]);
        assert_eq!(kinds(5), ["FREIGHT"]);
        assert_eq!(kinds(6), ["FREIGHT"], "the counterpart lists it too");
        assert!(kinds(4).is_empty());
        assert_eq!(nodes[2]["productionStatus"]["capacityPercent"], 60);
        assert_eq!(nodes[1]["productionStatus"], Value::Null);
    }
}
