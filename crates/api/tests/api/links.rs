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

const INBOX: &str = "{ viewer { pendingConfirmations(first: 20) { nodes { id product annualValue10kCny essentiality status \
                     supplier { uscc } customer { uscc } } } } }";
const CONFIRM_MANY: &str = "mutation($i: ConfirmSupplyLinksInput!) { confirmSupplyLinks(input: $i) { \
                            supplyLinks { id status } userErrors { field code message } } }";
const REJECT_MANY: &str = "mutation($i: RejectSupplyLinksInput!) { rejectSupplyLinks(input: $i) { \
                           supplyLinks { id status rejectionReason } userErrors { field code message } } }";

/// A customer with three suppliers, each with an ENTERPRISE account; the customer declares
/// `s1 -> c` and two links `s2 -> c`. Returns the accounts and the link ids.
struct Inbox {
    c: linchpin_domain::Viewer,
    s1: linchpin_domain::Viewer,
    s2: linchpin_domain::Viewer,
    other: linchpin_domain::Viewer,
    s1_link: String,
    s2_links: [String; 2],
}

async fn inbox_case(api: &TestApi) -> Inbox {
    use linchpin_domain::Role;
    let c_u = register(api, "91330106MA2C00001", "整车厂", "330106").await;
    let s1_u = register(api, "91330106MA2C00002", "一号供应商", "330106").await;
    let s2_u = register(api, "91440300MA2C00003", "二号供应商", "440305").await;
    let o_u = register(api, "91330106MA2C00004", "无关企业", "330106").await;
    let c = api.account("ent-c", Role::Enterprise, None, Some(&c_u)).await;
    let s1 = api.account("ent-s1", Role::Enterprise, None, Some(&s1_u)).await;
    let s2 = api.account("ent-s2", Role::Enterprise, None, Some(&s2_u)).await;
    let other = api.account("ent-other", Role::Enterprise, None, Some(&o_u)).await;
    let mut ids = Vec::new();
    for (s, p) in [(&s1_u, "电机"), (&s2_u, "电池"), (&s2_u, "电控")] {
        let d = api.run_as(Some(&c), DECLARE, declare(s, &c_u, p, 50.0)).await;
        assert_eq!(d["data"]["declareSupplyLink"]["userErrors"], json!([]), "[{}] {d}", api.backend);
        ids.push(d["data"]["declareSupplyLink"]["supplyLink"]["id"].as_str().unwrap().to_owned());
    }
    Inbox { c, s1, s2, other, s1_link: ids[0].clone(), s2_links: [ids[1].clone(), ids[2].clone()] }
}

fn inbox_ids(v: &serde_json::Value) -> Vec<String> {
    v["data"]["viewer"]["pendingConfirmations"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_suppliers_inbox_holds_only_the_links_that_wait_for_it() {
    for api in backends().await {
        let case = inbox_case(&api).await;
        let s2 = api.run_as(Some(&case.s2), INBOX, json!({})).await;
        assert_eq!(inbox_ids(&s2), case.s2_links.to_vec(), "[{}] {s2}", api.backend);
        let first = &s2["data"]["viewer"]["pendingConfirmations"]["nodes"][0];
        assert_eq!(first["product"], "电池");
        assert_eq!(first["annualValue10kCny"], 50.0);
        assert_eq!(first["essentiality"], "ESSENTIAL");
        assert_eq!(inbox_ids(&api.run_as(Some(&case.s1), INBOX, json!({})).await), vec![case.s1_link.clone()]);
        // the declaring customer waits for nobody; an unrelated firm and a bureau have nothing
        assert!(inbox_ids(&api.run_as(Some(&case.c), INBOX, json!({})).await).is_empty());
        assert!(inbox_ids(&api.run_as(Some(&case.other), INBOX, json!({})).await).is_empty());
        assert!(inbox_ids(&api.run(INBOX, json!({})).await).is_empty(), "ADMIN has no firm");
    }
}

#[tokio::test]
async fn bulk_confirmation_refuses_a_foreign_id_on_its_own_and_confirms_the_rest() {
    for api in backends().await {
        let case = inbox_case(&api).await;
        let ids = json!([case.s2_links[0], case.s1_link, case.s2_links[1], "not-an-id"]);
        let d = api.run_as(Some(&case.s2), CONFIRM_MANY, json!({"i": {"ids": ids}})).await;
        let p = &d["data"]["confirmSupplyLinks"];
        let done: Vec<&str> = p["supplyLinks"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
        assert_eq!(done, vec![case.s2_links[0].as_str(), case.s2_links[1].as_str()], "[{}] {d}", api.backend);
        assert!(p["supplyLinks"].as_array().unwrap().iter().all(|l| l["status"] == "CONFIRMED"));
        let errors = p["userErrors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{d}");
        assert_eq!(errors[0]["field"], json!(["input", "ids", "1"]));
        assert_eq!(errors[0]["code"], "NOT_FOUND", "another firm's link is as unknown as a missing one");
        assert_eq!(errors[1]["field"], json!(["input", "ids", "3"]));
        // the foreign link is untouched and still waits for its supplier; s2's inbox is empty
        assert_eq!(inbox_ids(&api.run_as(Some(&case.s1), INBOX, json!({})).await), vec![case.s1_link.clone()]);
        assert!(inbox_ids(&api.run_as(Some(&case.s2), INBOX, json!({})).await).is_empty());
        // again: already confirmed, each refused on its own; the customer cannot confirm its own
        let again = api.run_as(Some(&case.s2), CONFIRM_MANY, json!({"i": {"ids": [case.s2_links[0]]}})).await;
        assert_eq!(again["data"]["confirmSupplyLinks"]["userErrors"][0]["code"], "INVALID_STATE", "{again}");
        let own = api.run_as(Some(&case.c), CONFIRM_MANY, json!({"i": {"ids": [case.s1_link]}})).await;
        assert_eq!(own["data"]["confirmSupplyLinks"]["userErrors"][0]["code"], "INVALID_STATE", "{own}");
        // one audit event per confirmed link
        let audit = api
            .data(
                "{ auditEvents(first: 50, filter: {action: \"link.confirm\"}) { nodes { objectId actor } } }",
                json!({}),
            )
            .await;
        let confirmed = audit["auditEvents"]["nodes"].as_array().unwrap();
        assert_eq!(confirmed.len(), 2, "{audit}");
        assert!(confirmed.iter().all(|e| e["actor"] == "ent-s2"));
    }
}

#[tokio::test]
async fn bulk_calls_check_their_input_before_anything_is_written() {
    for api in backends().await {
        let case = inbox_case(&api).await;
        let code = |v: &serde_json::Value, f: &str| {
            v["data"][f]["userErrors"][0]["code"].as_str().unwrap_or("none").to_owned()
        };
        let empty = api.run_as(Some(&case.s2), CONFIRM_MANY, json!({"i": {"ids": []}})).await;
        assert_eq!(code(&empty, "confirmSupplyLinks"), "OUT_OF_RANGE", "[{}] {empty}", api.backend);
        let many: Vec<String> = (0..101).map(|_| case.s2_links[0].clone()).collect();
        let too_many = api.run_as(Some(&case.s2), CONFIRM_MANY, json!({"i": {"ids": many}})).await;
        assert_eq!(code(&too_many, "confirmSupplyLinks"), "OUT_OF_RANGE");
        for reason in ["", "  ", "a\u{202e}b"] {
            let bad = api
                .run_as(Some(&case.s2), REJECT_MANY, json!({"i": {"ids": [case.s2_links[0]], "reason": reason}}))
                .await;
            assert_eq!(code(&bad, "rejectSupplyLinks"), "INVALID_TEXT", "{reason:?}: {bad}");
        }
        let twice =
            api.run_as(Some(&case.s2), CONFIRM_MANY, json!({"i": {"ids": [case.s2_links[0], case.s2_links[0]]}})).await;
        assert_eq!(twice["data"]["confirmSupplyLinks"]["supplyLinks"].as_array().unwrap().len(), 1, "{twice}");
        assert_eq!(code(&twice, "confirmSupplyLinks"), "DUPLICATE");
        // nothing was rejected; the second link still waits
        assert_eq!(inbox_ids(&api.run_as(Some(&case.s2), INBOX, json!({})).await), vec![case.s2_links[1].clone()]);
        let coordinator = api.account("coord", linchpin_domain::Role::Coordinator, Some("33"), None).await;
        let forbidden = api.run_as(Some(&coordinator), CONFIRM_MANY, json!({"i": {"ids": [case.s1_link]}})).await;
        assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN", "{forbidden}");
    }
}

#[tokio::test]
async fn a_rejected_link_keeps_its_reason_for_both_ends_and_leaves_every_analysis() {
    for api in backends().await {
        let case = inbox_case(&api).await;
        let d = api
            .run_as(Some(&case.s1), REJECT_MANY, json!({"i": {"ids": [case.s1_link], "reason": "我厂不生产电机"}}))
            .await;
        let link = &d["data"]["rejectSupplyLinks"]["supplyLinks"][0];
        assert_eq!(link["status"], "REJECTED", "[{}] {d}", api.backend);
        assert_eq!(link["rejectionReason"], "我厂不生产电机");
        // the customer sees why; an unrelated firm sees nothing
        let q = "query($id: ID!) { node(id: $id) { ... on SupplyLink { status rejectionReason } } }";
        let seen = api.run_as(Some(&case.c), q, json!({"id": case.s1_link})).await;
        assert_eq!(seen["data"]["node"]["rejectionReason"], "我厂不生产电机", "{seen}");
        let hidden = api.run_as(Some(&case.other), q, json!({"id": case.s1_link})).await;
        assert!(hidden["data"]["node"].is_null(), "{hidden}");
        // no longer in the inbox; it cannot be confirmed now
        assert!(inbox_ids(&api.run_as(Some(&case.s1), INBOX, json!({})).await).is_empty());
        let late = api.run_as(Some(&case.s1), CONFIRM_MANY, json!({"i": {"ids": [case.s1_link]}})).await;
        assert_eq!(late["data"]["confirmSupplyLinks"]["userErrors"][0]["code"], "INVALID_STATE", "{late}");
        // an analysis counting every link leaves it out: 2 of the 3 links remain
        let mut state = api.state.clone();
        state.link_trust = linchpin_domain::LinkTrust::All;
        let run = linchpin_api::analysis::run(&state, state.analysis, state.link_trust, "test".into()).await.unwrap();
        assert_eq!(run.links, 2, "[{}]", api.backend);
        let audit = api
            .data("{ auditEvents(first: 5, filter: {action: \"link.reject\"}) { nodes { actor } } }", json!({}))
            .await;
        assert_eq!(audit["auditEvents"]["nodes"], json!([{"actor": "ent-s1"}]));
    }
}
