//! Declaring, confirming and removing supply links through the API.
use serde_json::json;

use crate::helpers::{DECLARE, TestApi, backends, register, uscc};

async fn two_firms(api: &TestApi) -> (String, String) {
    let a = register(api, "91330106MA2B00001", "供应商", "330106").await;
    let b = register(api, "91330106MA2B00002", "客户", "330106").await;
    (a, b)
}

fn declare(s: &str, c: &str, product: &str, value: f64) -> serde_json::Value {
    json!({"input": {"supplierUscc": s, "customerUscc": c, "product": product, "annualValue10kCny": value, "essentiality": "ESSENTIAL"}})
}

#[tokio::test]
async fn a_declared_link_shows_on_both_firms() {
    for api in backends().await {
        let (a, b) = two_firms(&api).await;
        let d = api.data(DECLARE, declare(&a, &b, "轴承", 120.5)).await;
        let link = &d["declareSupplyLink"]["supplyLink"];
        assert_eq!(link["status"], "DECLARED", "[{}] {d}", api.backend);
        assert_eq!(link["supplier"]["uscc"], a.as_str());
        let q = "query($u: String!) { firm(uscc: $u) { suppliers { nodes { product } } customers { nodes { product customer { uscc } } } } }";
        let sup = api.data(q, json!({"u": a})).await;
        assert_eq!(sup["firm"]["customers"]["nodes"], json!([{"product": "轴承", "customer": {"uscc": b}}]));
        let cus = api.data(q, json!({"u": b})).await;
        assert_eq!(cus["firm"]["suppliers"]["nodes"], json!([{"product": "轴承"}]));
    }
}

#[tokio::test]
async fn self_links_duplicates_bad_values_and_unknown_firms_are_coded() {
    for api in backends().await {
        let (a, b) = two_firms(&api).await;
        let code = |v: &serde_json::Value| {
            v["declareSupplyLink"]["userErrors"][0]["code"].as_str().unwrap_or("none").to_owned()
        };
        assert_eq!(code(&api.data(DECLARE, declare(&a, &a, "x", 1.0)).await), "SELF_LINK", "[{}]", api.backend);
        assert_eq!(code(&api.data(DECLARE, declare(&a, &b, "x", 0.0)).await), "OUT_OF_RANGE");
        assert_eq!(code(&api.data(DECLARE, declare(&a, &b, "x", -3.0)).await), "OUT_OF_RANGE");
        assert_eq!(code(&api.data(DECLARE, declare(&a, "123", "x", 1.0)).await), "INVALID_USCC");
        assert_eq!(code(&api.data(DECLARE, declare(&a, &uscc("91330106MA2B00003"), "x", 1.0)).await), "NOT_FOUND");
        assert_eq!(code(&api.data(DECLARE, declare(&a, &b, "x", 1.0)).await), "none");
        assert_eq!(code(&api.data(DECLARE, declare(&a, &b, "x", 2.0)).await), "DUPLICATE");
        assert_eq!(
            code(&api.data(DECLARE, declare(&a, &b, "y", 2.0)).await),
            "none",
            "another product is another link"
        );
        let all = api.data("{ supplyLinks { nodes { product } } }", json!({})).await;
        assert_eq!(all["supplyLinks"]["nodes"], json!([{"product": "x"}, {"product": "y"}]), "[{}]", api.backend);
    }
}

#[tokio::test]
async fn confirming_and_removing_need_the_current_version() {
    for api in backends().await {
        let (a, b) = two_firms(&api).await;
        let d = api.data(DECLARE, declare(&a, &b, "x", 1.0)).await;
        let id = d["declareSupplyLink"]["supplyLink"]["id"].as_str().unwrap().to_owned();
        let confirm = "mutation($i: ConfirmSupplyLinkInput!) { confirmSupplyLink(input: $i) { supplyLink { status version } userErrors { code } } }";
        let remove = "mutation($i: RemoveSupplyLinkInput!) { removeSupplyLink(input: $i) { removedSupplyLinkId userErrors { code } } }";
        let stale = api.data(confirm, json!({"i": {"id": id, "version": 7}})).await;
        assert_eq!(stale["confirmSupplyLink"]["userErrors"][0]["code"], "VERSION_CONFLICT", "[{}]", api.backend);
        let ok = api.data(confirm, json!({"i": {"id": id, "version": 1}})).await;
        assert_eq!(ok["confirmSupplyLink"]["supplyLink"], json!({"status": "CONFIRMED", "version": 2}));
        let again = api.data(confirm, json!({"i": {"id": id, "version": 2}})).await;
        assert_eq!(again["confirmSupplyLink"]["userErrors"][0]["code"], "INVALID_STATE");
        let old = api.data(remove, json!({"i": {"id": id, "version": 1}})).await;
        assert_eq!(old["removeSupplyLink"]["userErrors"][0]["code"], "VERSION_CONFLICT");
        let gone = api.data(remove, json!({"i": {"id": id, "version": 2}})).await;
        assert_eq!(gone["removeSupplyLink"]["removedSupplyLinkId"], id.as_str());
        let twice = api.data(remove, json!({"i": {"id": id, "version": 2}})).await;
        assert_eq!(twice["removeSupplyLink"]["userErrors"][0]["code"], "NOT_FOUND");
        let node = api.data("query($id: ID!) { node(id: $id) { id } }", json!({"id": id})).await;
        assert!(node["node"].is_null());
    }
}

#[tokio::test]
async fn node_finds_firms_and_links_by_global_id() {
    for api in backends().await {
        let (a, b) = two_firms(&api).await;
        let d = api.data(DECLARE, declare(&a, &b, "x", 1.0)).await;
        let link_id = d["declareSupplyLink"]["supplyLink"]["id"].clone();
        let q = "query($id: ID!) { node(id: $id) { id ... on SupplyLink { product supplier { id uscc } } ... on Firm { uscc } } }";
        let link = api.data(q, json!({"id": link_id})).await;
        assert_eq!(link["node"]["product"], "x", "[{}]", api.backend);
        let firm_id = link["node"]["supplier"]["id"].clone();
        let firm = api.data(q, json!({"id": firm_id})).await;
        assert_eq!(firm["node"]["uscc"], a.as_str());
        assert!(api.data(q, json!({"id": "nonsense"})).await["node"].is_null());
    }
}

#[tokio::test]
async fn listing_100_links_with_both_firms_costs_a_bounded_number_of_statements() {
    for api in backends().await {
        let hub = register(&api, "91330106MA2C00000", "总装厂", "330106").await;
        for i in 0..100 {
            let s = register(&api, &format!("91330106MA2C{:05}", i + 1), &format!("供应商{i}"), "330106").await;
            let d = api.data(DECLARE, declare(&s, &hub, "件", 1.0)).await;
            assert_eq!(d["declareSupplyLink"]["userErrors"], json!([]));
        }
        let before = api.store.statement_count();
        let d = api
            .data(
                "{ supplyLinks(first: 100) { nodes { product supplier { name chains } customer { name chains } } } }",
                json!({}),
            )
            .await;
        let used = api.store.statement_count() - before;
        assert_eq!(d["supplyLinks"]["nodes"].as_array().unwrap().len(), 100);
        // One for the links, then firms and their chains in batches: about 5. A loaded machine can
        // split a batch window; without batching it would be over 200.
        assert!(used <= 20, "[{}] listing 100 links took {used} statements", api.backend);
    }
}
