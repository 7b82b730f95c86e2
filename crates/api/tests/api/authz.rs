//! The authorization matrix: every role (plus anonymous, an ENTERPRISE of an unrelated firm and
//! a BUREAU of another province) against every query and mutation, and no link data through any
//! path.
use linchpin_domain::{Role, Viewer};
use serde_json::{Value, json};

use crate::helpers::{DECLARE, REGISTER, TestApi, backends, uscc};

/// The cast: firms A (Hangzhou, supplier) -> B (Ningbo, customer) linked; C (Shenzhen) unrelated.
struct World {
    a: String,
    b: String,
    c: String,
    link: String,
    who: Vec<(&'static str, Option<Viewer>)>,
}

async fn world(api: &TestApi) -> World {
    let a = uscc("91330106MA2X00001");
    let b = uscc("91330203MA2X00002");
    let c = uscc("91440305MA2X00003");
    for (u, name, region, employees) in [(&a, "甲", "330106", 40), (&b, "乙", "330203", 2000), (&c, "丙", "440305", 40)]
    {
        let d = api
            .data(
                REGISTER,
                json!({"input": {"uscc": u, "name": name, "regionCode": region, "industryCode": "C36",
                    "employees": employees, "revenue10kCny": 50000.0, "chains": ["NEV"]}}),
            )
            .await;
        assert_eq!(d["registerFirm"]["userErrors"], json!([]));
    }
    let d = api
        .data(
            DECLARE,
            json!({"input": {"supplierUscc": a, "customerUscc": b, "product": "轴承", "annualValue10kCny": 10.0, "essentiality": "ESSENTIAL"}}),
        )
        .await;
    let link = d["declareSupplyLink"]["supplyLink"]["id"].as_str().unwrap().to_owned();
    let who = vec![
        ("anonymous", None),
        ("admin", Some(api.admin.clone())),
        ("zj-bureau", Some(api.account("zj-bureau", Role::Bureau, Some("33"), None).await)),
        ("gd-bureau", Some(api.account("gd-bureau", Role::Bureau, Some("44"), None).await)),
        ("hz-coordinator", Some(api.account("hz-coordinator", Role::Coordinator, Some("3301"), None).await)),
        ("ent-a", Some(api.account("ent-a", Role::Enterprise, None, Some(&a)).await)),
        ("ent-b", Some(api.account("ent-b", Role::Enterprise, None, Some(&b)).await)),
        ("ent-c", Some(api.account("ent-c", Role::Enterprise, None, Some(&c)).await)),
    ];
    World { a, b, c, link, who }
}

fn code(v: &Value) -> Option<&str> {
    v["errors"][0]["extensions"]["code"].as_str()
}

/// `ok` for success, else the transport code, else the first user error code.
fn outcome(v: &Value, field: &str) -> String {
    if let Some(c) = code(v) {
        return c.to_owned();
    }
    v["data"][field]["userErrors"][0]["code"].as_str().unwrap_or("ok").to_owned()
}

fn expect(table: &[(&str, &str)], who: &str) -> String {
    table.iter().find(|(w, _)| *w == who).map_or_else(|| panic!("no expectation for {who}"), |(_, e)| (*e).to_owned())
}

#[tokio::test]
async fn every_role_gets_exactly_what_the_rules_allow_on_every_query() {
    for api in backends().await {
        let w = world(&api).await;
        let sees_link = ["admin", "zj-bureau", "hz-coordinator", "ent-a", "ent-b"];
        let sees_details_of_a = ["admin", "zj-bureau", "hz-coordinator", "ent-a"];
        for (who, viewer) in &w.who {
            let v = viewer.as_ref();
            let tag = format!("[{}] {who}", api.backend);
            // anonymous: every data field is UNAUTHENTICATED
            let q = "query($a: String!, $b: String!, $l: ID!) {
                viewer { username role }
                firm(uscc: $a) { name sizeClass employees revenue10kCny customers { nodes { id product } } }
                other: firm(uscc: $b) { suppliers { nodes { id annualValue10kCny supplier { uscc } } } }
                firms(first: 10) { nodes { uscc } }
                supplyLinks(first: 10) { nodes { id } }
                node(id: $l) { id ... on SupplyLink { product } }
                chains { code }
            }";
            let r = api.run_as(v, q, json!({"a": w.a, "b": w.b, "l": w.link})).await;
            if v.is_none() {
                let errors = r["errors"].as_array().unwrap();
                assert_eq!(errors.len(), 7, "{tag}: {r}");
                assert!(errors.iter().all(|e| e["extensions"]["code"] == "UNAUTHENTICATED"), "{tag}: {r}");
                assert!(!r.to_string().contains("轴承"), "{tag} leaks link data: {r}");
                continue;
            }
            assert!(r.get("errors").is_none(), "{tag}: {r}");
            let d = &r["data"];
            assert_eq!(d["viewer"]["username"], *who, "{tag}");
            assert_eq!(d["firm"]["name"], "甲", "{tag}: firms are public");
            assert_eq!(d["firms"]["nodes"].as_array().unwrap().len(), 3, "{tag}");
            assert_eq!(d["chains"], json!([{"code": "NEV"}]), "{tag}");
            let visible = sees_link.contains(who);
            let n = |x: &Value| x["nodes"].as_array().unwrap().len();
            assert_eq!(n(&d["firm"]["customers"]), usize::from(visible), "{tag} firm.customers");
            assert_eq!(n(&d["other"]["suppliers"]), usize::from(visible), "{tag} firm.suppliers");
            assert_eq!(n(&d["supplyLinks"]), usize::from(visible), "{tag} supplyLinks");
            assert_eq!(d["node"].is_null(), !visible, "{tag} node");
            if !visible {
                assert!(!r.to_string().contains("轴承"), "{tag} leaks link data: {r}");
            }
            let details = sees_details_of_a.contains(who);
            assert_eq!(d["firm"]["employees"].is_null(), !details, "{tag} employees");
            assert_eq!(d["firm"]["revenue10kCny"].is_null(), !details, "{tag} revenue");
        }
    }
}

#[tokio::test]
async fn audit_events_are_for_admins_everywhere_and_bureaus_in_their_jurisdiction() {
    for api in backends().await {
        let w = world(&api).await;
        let q = "{ auditEvents(first: 100) { nodes { action objectType objectId regions } } }";
        let table = [
            ("anonymous", "UNAUTHENTICATED"),
            ("admin", "ok"),
            ("zj-bureau", "ok"),
            ("gd-bureau", "ok"),
            ("hz-coordinator", "FORBIDDEN"),
            ("ent-a", "FORBIDDEN"),
            ("ent-b", "FORBIDDEN"),
            ("ent-c", "FORBIDDEN"),
        ];
        for (who, viewer) in &w.who {
            let r = api.run_as(viewer.as_ref(), q, json!({})).await;
            assert_eq!(outcome(&r, "auditEvents"), expect(&table, who), "[{}] {who}: {r}", api.backend);
        }
        let as_of = |name: &str| w.who.iter().find(|(n, _)| *n == name).and_then(|(_, v)| v.clone());
        let objects = |r: &Value| -> Vec<String> {
            r["data"]["auditEvents"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["objectId"].as_str().unwrap().to_owned())
                .collect()
        };
        let zj = api.run_as(as_of("zj-bureau").as_ref(), q, json!({})).await;
        let gd = api.run_as(as_of("gd-bureau").as_ref(), q, json!({})).await;
        assert!(objects(&zj).contains(&w.link), "the Zhejiang bureau sees the link's declaration");
        assert!(!objects(&gd).contains(&w.link), "the Guangdong bureau does not: {gd}");
        assert!(!gd.to_string().contains("轴承"));
        let c_registered =
            gd["data"]["auditEvents"]["nodes"].as_array().unwrap().iter().any(|e| e["action"] == "firm.register");
        assert!(c_registered, "it sees the registration of the Shenzhen firm: {gd}");
        let _ = &w.c;
    }
}

const UPDATE: &str =
    "mutation($input: UpdateFirmInput!) { updateFirm(input: $input) { firm { version } userErrors { code } } }";
const CONFIRM: &str = "mutation($i: ConfirmSupplyLinkInput!) { confirmSupplyLink(input: $i) { supplyLink { status } userErrors { code message field } } }";
const REMOVE: &str = "mutation($i: RemoveSupplyLinkInput!) { removeSupplyLink(input: $i) { removedSupplyLinkId userErrors { code message field } } }";

async fn version_of(api: &TestApi, u: &str) -> i64 {
    api.data("query($u: String!) { firm(uscc: $u) { version } }", json!({"u": u})).await["firm"]["version"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn every_role_gets_exactly_what_the_rules_allow_on_every_mutation() {
    for api in backends().await {
        let w = world(&api).await;
        let register = [
            ("anonymous", "UNAUTHENTICATED"),
            ("admin", "ok"),
            ("zj-bureau", "ok"),
            ("gd-bureau", "FORBIDDEN"),
            ("hz-coordinator", "FORBIDDEN"),
            ("ent-a", "FORBIDDEN"),
            ("ent-b", "FORBIDDEN"),
            ("ent-c", "FORBIDDEN"),
        ];
        let update_a = register;
        // declaring A -> C: only admin and the two ends
        let declare = [
            ("anonymous", "UNAUTHENTICATED"),
            ("admin", "ok"),
            ("zj-bureau", "FORBIDDEN"),
            ("gd-bureau", "FORBIDDEN"),
            ("hz-coordinator", "FORBIDDEN"),
            ("ent-a", "ok"),
            ("ent-b", "FORBIDDEN"),
            ("ent-c", "ok"),
        ];
        for (i, (who, viewer)) in w.who.iter().enumerate() {
            let v = viewer.as_ref();
            let tag = format!("[{}] {who}", api.backend);
            let new = uscc(&format!("91330106MA2Y{i:05}"));
            let r = api
                .run_as(
                    v,
                    REGISTER,
                    json!({"input": {"uscc": new, "name": "新", "regionCode": "330106", "industryCode": "C36"}}),
                )
                .await;
            assert_eq!(outcome(&r, "registerFirm"), expect(&register, who), "{tag} registerFirm: {r}");
            let version = version_of(&api, &w.a).await;
            let r = api
                .run_as(v, UPDATE, json!({"input": {"uscc": w.a, "version": version, "name": format!("甲{i}")}}))
                .await;
            assert_eq!(outcome(&r, "updateFirm"), expect(&update_a, who), "{tag} updateFirm: {r}");
            let r = api
                .run_as(
                    v,
                    DECLARE,
                    json!({"input": {"supplierUscc": w.a, "customerUscc": w.c, "product": format!("件{i}"),
                        "annualValue10kCny": 1.0, "essentiality": "NON_ESSENTIAL"}}),
                )
                .await;
            assert_eq!(outcome(&r, "declareSupplyLink"), expect(&declare, who), "{tag} declareSupplyLink: {r}");
        }
        // a bureau may not move a firm out of its jurisdiction
        let zj = w.who.iter().find(|(n, _)| *n == "zj-bureau").and_then(|(_, v)| v.clone());
        let version = version_of(&api, &w.a).await;
        let r = api
            .run_as(zj.as_ref(), UPDATE, json!({"input": {"uscc": w.a, "version": version, "regionCode": "440305"}}))
            .await;
        assert_eq!(code(&r), Some("FORBIDDEN"), "{r}");
    }
}

#[tokio::test]
async fn only_the_other_end_confirms_and_hidden_links_look_absent() {
    for api in backends().await {
        let w = world(&api).await;
        let as_of = |name: &str| w.who.iter().find(|(n, _)| *n == name).and_then(|(_, v)| v.clone()).unwrap();
        let (ent_a, ent_b, ent_c) = (as_of("ent-a"), as_of("ent-b"), as_of("ent-c"));
        // A declares A -> B (another product); A may not confirm its own declaration, B may.
        let d = api
            .run_as(
                Some(&ent_a),
                DECLARE,
                json!({"input": {"supplierUscc": w.a, "customerUscc": w.b, "product": "线束", "annualValue10kCny": 3.0, "essentiality": "ESSENTIAL"}}),
            )
            .await;
        let id = d["data"]["declareSupplyLink"]["supplyLink"]["id"].as_str().unwrap().to_owned();
        let own = api.run_as(Some(&ent_a), CONFIRM, json!({"i": {"id": id, "version": 1}})).await;
        assert_eq!(code(&own), Some("FORBIDDEN"), "[{}] {own}", api.backend);
        for role in ["zj-bureau", "hz-coordinator", "gd-bureau"] {
            let r = api.run_as(Some(&as_of(role)), CONFIRM, json!({"i": {"id": id, "version": 1}})).await;
            assert_eq!(code(&r), Some("FORBIDDEN"), "{role}: {r}");
        }
        // C cannot see the link: confirming and removing it answer exactly like a missing link.
        let missing = json!({"i": {"id": "U3VwcGx5TGluazo5OTk5OTk", "version": 1}});
        for q in [CONFIRM, REMOVE] {
            let hidden = api.run_as(Some(&ent_c), q, json!({"i": {"id": id, "version": 1}})).await;
            let absent = api.run_as(Some(&ent_c), q, missing.clone()).await;
            assert_eq!(hidden, absent, "a hidden link must look absent");
            assert!(hidden.to_string().contains("NOT_FOUND"), "{hidden}");
        }
        let ok = api.run_as(Some(&ent_b), CONFIRM, json!({"i": {"id": id, "version": 1}})).await;
        assert_eq!(ok["data"]["confirmSupplyLink"]["supplyLink"]["status"], "CONFIRMED", "{ok}");
        // either end removes
        let gone = api.run_as(Some(&ent_a), REMOVE, json!({"i": {"id": id, "version": 2}})).await;
        assert_eq!(gone["data"]["removeSupplyLink"]["removedSupplyLinkId"], id.as_str(), "{gone}");
        // the imported/admin-declared link may be confirmed by either end
        let r = api.run_as(Some(&ent_a), CONFIRM, json!({"i": {"id": w.link, "version": 1}})).await;
        assert_eq!(r["data"]["confirmSupplyLink"]["supplyLink"]["status"], "CONFIRMED", "{r}");
    }
}
