//! The blockage ledger through the API: a coordinator's day (report, queue, assign, start,
//! resolve, close) with its timeline and audit trail, who may see and move what, freight at both
//! ends and plate checks, fifty coordinators on one blockage at once, the priority order on a
//! network whose answer is known by construction (and re-ranked when the analysis lands), SLA
//! escalation on a controlled clock run by two replicas at once, production reports, chain
//! resumption and a LARGE firm's bottlenecks.
use std::sync::Arc;

use chrono::{Duration, Utc};
use linchpin_api::clock::ManualClock;
use linchpin_domain::{Role, Viewer};
use serde_json::{Value, json};

use crate::helpers::{DECLARE, REGISTER, TestApi, backends, uscc};

const REPORT: &str = "mutation($i: ReportBlockageInput!) { reportBlockage(input: $i) {
    blockage { id kind status version office assignee plates workers heldAt closedLoop originRegion destinationRegion
      counterpart { uscc } dueAt priority { score level explanation en: explanation(lang: EN) whitelisted largeCustomers percentile } }
    userErrors { field code message } } }";

const BLOCKAGE: &str = "id kind status version office assignee dueAt overdue duplicateOf { id }
    firm { uscc } priority { score level explanation }
    timeline { action actor fromStatus toStatus comment assignee office }";

const QUEUE: &str = "query($f: BlockageFilter, $after: String) { blockages(first: 50, filter: $f, after: $after) {
    nodes { id status firm { uscc } priority { score level } } pageInfo { hasNextPage endCursor } } }";

/// Registers a firm on NEV in `region` (LARGE when `large`).
async fn firm(api: &TestApi, body: &str, name: &str, region: &str, large: bool) -> String {
    let u = uscc(body);
    let (employees, revenue) = if large { (5000, 90_000.0) } else { (50, 1000.0) };
    let d = api
        .data(
            REGISTER,
            json!({"input": {"uscc": u, "name": name, "regionCode": region, "industryCode": "C36",
                "employees": employees, "revenue10kCny": revenue, "chains": ["NEV"]}}),
        )
        .await;
    assert_eq!(d["registerFirm"]["userErrors"], json!([]), "{d}");
    u
}

/// Declares an essential link (as ADMIN) and confirms it.
async fn link(api: &TestApi, supplier: &str, customer: &str, value: f64) -> Value {
    let d = api
        .data(
            DECLARE,
            json!({"input": {"supplierUscc": supplier, "customerUscc": customer, "product": "电芯",
                "annualValue10kCny": value, "essentiality": "ESSENTIAL"}}),
        )
        .await;
    let l = d["declareSupplyLink"]["supplyLink"].clone();
    let c = api
        .data(
            "mutation($i: ConfirmSupplyLinkInput!) { confirmSupplyLink(input: $i) { userErrors { code } } }",
            json!({"i": {"id": l["id"], "version": l["version"]}}),
        )
        .await;
    assert_eq!(c["confirmSupplyLink"]["userErrors"], json!([]));
    l
}

async fn report_as(api: &TestApi, who: &Viewer, input: Value) -> Value {
    let d = api.run_as(Some(who), REPORT, json!({"i": input})).await;
    assert!(d.get("errors").is_none(), "[{}] {d}", api.backend);
    d["data"]["reportBlockage"].clone()
}

fn staff(uscc: &str) -> Value {
    json!({"uscc": uscc, "kind": "STAFF_ACCESS", "description": "120名员工滞留宁波，无法返岗",
        "workers": 120, "heldAt": "宁波市北仑区", "closedLoop": true})
}

async fn step(api: &TestApi, who: &Viewer, mutation: &str, input: Value) -> Value {
    let input_type = match mutation {
        "assignBlockage" => "AssignBlockageInput",
        "markBlockageDuplicate" => "MarkBlockageDuplicateInput",
        "commentOnBlockage" => "CommentOnBlockageInput",
        _ => "BlockageStepInput",
    };
    let q = format!(
        "mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ blockage {{ {BLOCKAGE} }} userErrors {{ field code message }} }} }}"
    );
    let d = api.run_as(Some(who), &q, json!({"i": input})).await;
    if d.get("errors").is_some() {
        return d;
    }
    d["data"][mutation].clone()
}

fn code(v: &Value) -> &str {
    v["userErrors"][0]["code"].as_str().unwrap_or("")
}

struct Desk {
    own: Viewer,
    county: Viewer,
    county2: Viewer,
    city: Viewer,
    province: Viewer,
    bureau: Viewer,
    stranger: Viewer,
    other_firm: Viewer,
}

async fn desk(api: &TestApi, firm_uscc: &str, other_uscc: &str) -> Desk {
    Desk {
        own: api.account("factory", Role::Enterprise, None, Some(firm_uscc)).await,
        county: api.account("xh-coordinator", Role::Coordinator, Some("330106"), None).await,
        county2: api.account("xh-coordinator2", Role::Coordinator, Some("330106"), None).await,
        city: api.account("hz-coordinator", Role::Coordinator, Some("3301"), None).await,
        province: api.account("zj-coordinator", Role::Coordinator, Some("33"), None).await,
        bureau: api.account("zj-bureau", Role::Bureau, Some("33"), None).await,
        stranger: api.account("gd-coordinator", Role::Coordinator, Some("44"), None).await,
        other_firm: api.account("other-firm", Role::Enterprise, None, Some(other_uscc)).await,
    }
}

#[tokio::test]
async fn a_coordinators_day_from_report_to_closure_with_timeline_and_audit() {
    for api in backends().await {
        let f = firm(&api, "91330106MA2B3C4D5", "杭州精密轴承有限公司", "330106", false).await;
        let other = firm(&api, "91330106MA2B3C4D6", "杭州另一家有限公司", "330106", false).await;
        let d = desk(&api, &f, &other).await;
        // the firm reports its own blockage; another firm may not report it
        let r = report_as(&api, &d.own, staff(&f)).await;
        assert_eq!(r["userErrors"], json!([]), "[{}] {r}", api.backend);
        let b = r["blockage"].clone();
        assert_eq!(
            (b["status"].as_str(), b["version"].as_i64(), b["office"].as_str()),
            (Some("REPORTED"), Some(1), Some("COUNTY"))
        );
        assert_eq!((b["workers"].as_i64(), b["closedLoop"].as_bool()), (Some(120), Some(true)));
        assert!(b["dueAt"].is_string(), "the assign SLA runs from the report");
        assert_eq!(b["priority"]["level"], "LOW", "no analysis yet");
        assert!(b["priority"]["explanation"].as_str().unwrap().contains("尚无供应链分析"), "{b}");
        assert!(b["priority"]["en"].as_str().unwrap().contains("no analysis"), "{b}");
        let refused = report_as(&api, &d.other_firm, staff(&f)).await;
        assert_eq!(code(&refused), "NOT_IN_JURISDICTION");
        let id = b["id"].clone();
        // the queue: the county coordinator sees it, Guangdong does not, nor does another firm
        for (who, n) in [(&d.county, 1), (&d.city, 1), (&d.stranger, 0), (&d.other_firm, 0), (&d.own, 1)] {
            let q = api.run_as(Some(who), QUEUE, json!({})).await;
            assert_eq!(q["data"]["blockages"]["nodes"].as_array().unwrap().len(), n, "[{}] {q}", who.username.as_str());
        }
        let n = api.run_as(Some(&d.stranger), "query($id: ID!) { node(id: $id) { id } }", json!({"id": id})).await;
        assert_eq!(n["data"]["node"], Value::Null);
        // a coordinator of another province cannot move it: it does not exist for them
        let s = step(&api, &d.stranger, "startBlockage", json!({"id": id, "version": 1, "comment": "x"})).await;
        assert_eq!(code(&s), "NOT_FOUND", "{s}");
        // the firm may not coordinate; a coordinator may not close
        let s = step(&api, &d.own, "rejectBlockage", json!({"id": id, "version": 1, "comment": "x"})).await;
        assert_eq!(s["errors"][0]["extensions"]["code"], "FORBIDDEN", "{s}");
        // a step the state does not allow, and a stale version
        let s = step(&api, &d.county, "startBlockage", json!({"id": id, "version": 1, "comment": "开始"})).await;
        assert_eq!(code(&s), "INVALID_TRANSITION", "{s}");
        let s = step(&api, &d.county, "resolveBlockage", json!({"id": id, "version": 7, "comment": "x"})).await;
        assert_eq!(code(&s), "VERSION_CONFLICT", "{s}");
        // assign: only to an active coordinator who could lead it
        for bad in ["zj-bureau", "gd-coordinator", "nobody-at-all"] {
            let s = step(
                &api,
                &d.county,
                "assignBlockage",
                json!({"id": id, "version": 1, "assignee": bad, "comment": "请处理"}),
            )
            .await;
            assert_eq!(s["userErrors"][0]["field"], json!(["input", "assignee"]), "{bad}: {s}");
        }
        let s = step(
            &api,
            &d.county,
            "assignBlockage",
            json!({"id": id, "version": 1, "assignee": "xh-coordinator2", "comment": "请协调返岗专车"}),
        )
        .await;
        assert_eq!(s["userErrors"], json!([]), "{s}");
        assert_eq!(
            (s["blockage"]["status"].as_str(), s["blockage"]["assignee"].as_str()),
            (Some("ASSIGNED"), Some("xh-coordinator2"))
        );
        let mine = api.run_as(Some(&d.county2), QUEUE, json!({"f": {"assignedToMe": true}})).await;
        assert_eq!(mine["data"]["blockages"]["nodes"].as_array().unwrap().len(), 1);
        let theirs = api.run_as(Some(&d.county), QUEUE, json!({"f": {"assignedToMe": true}})).await;
        assert_eq!(theirs["data"]["blockages"]["nodes"].as_array().unwrap().len(), 0);
        let s =
            step(&api, &d.county2, "startBlockage", json!({"id": id, "version": 2, "comment": "已联系宁波方面"})).await;
        assert_eq!(s["blockage"]["status"], "IN_PROGRESS", "{s}");
        let c = step(&api, &d.own, "commentOnBlockage", json!({"id": id, "comment": "大巴已到北仑"})).await;
        assert_eq!(c["userErrors"], json!([]), "{c}");
        let s =
            step(&api, &d.county2, "resolveBlockage", json!({"id": id, "version": 3, "comment": "120人已返岗"})).await;
        assert_eq!(s["blockage"]["status"], "RESOLVED");
        assert_eq!(s["blockage"]["dueAt"], Value::Null, "no SLA runs once resolved");
        let s = step(&api, &d.county2, "closeBlockage", json!({"id": id, "version": 4, "comment": "x"})).await;
        assert_eq!(s["errors"][0]["extensions"]["code"], "FORBIDDEN", "a coordinator does not close its own work");
        let s = step(&api, &d.own, "closeBlockage", json!({"id": id, "version": 4, "comment": "确认销号"})).await;
        assert_eq!(s["blockage"]["status"], "CLOSED", "{s}");
        let timeline: Vec<(String, String)> = s["blockage"]["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["action"].as_str().unwrap().to_owned(), e["actor"].as_str().unwrap().to_owned()))
            .collect();
        let want = [
            ("REPORT", "factory"),
            ("ASSIGN", "xh-coordinator"),
            ("START", "xh-coordinator2"),
            ("COMMENT", "factory"),
            ("RESOLVE", "xh-coordinator2"),
            ("CLOSE", "factory"),
        ];
        assert_eq!(timeline, want.map(|(a, b)| (a.to_owned(), b.to_owned())), "[{}]", api.backend);
        // the queue no longer holds it; the closed list does
        let q = api.run_as(Some(&d.county), QUEUE, json!({})).await;
        assert_eq!(q["data"]["blockages"]["nodes"], json!([]));
        let q = api.run_as(Some(&d.county), QUEUE, json!({"f": {"status": ["CLOSED"]}})).await;
        assert_eq!(q["data"]["blockages"]["nodes"].as_array().unwrap().len(), 1);
        // reopened by the firm, back in the queue; a bureau may close too
        let s = step(&api, &d.own, "reopenBlockage", json!({"id": id, "version": 5, "comment": "又被拦"})).await;
        assert_eq!(s["blockage"]["status"], "REOPENED");
        let s = step(&api, &d.bureau, "rejectBlockage", json!({"id": id, "version": 6, "comment": "已另行处理"})).await;
        assert_eq!(s["blockage"]["status"], "REJECTED", "{s}");
        // every decision is audited
        let audit = api
            .data(
                "{ auditEvents(first: 20, filter: {objectType: \"blockage\"}) { nodes { action actor } } }",
                json!({}),
            )
            .await;
        let actions: Vec<&str> =
            audit["auditEvents"]["nodes"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        for a in [
            "blockage.report",
            "blockage.assign",
            "blockage.start",
            "blockage.comment",
            "blockage.resolve",
            "blockage.close",
            "blockage.reopen",
            "blockage.reject",
        ] {
            assert!(actions.contains(&a), "[{}] {a} missing from {actions:?}", api.backend);
        }
    }
}

#[tokio::test]
async fn freight_is_seen_at_both_ends_and_plates_and_fields_are_checked() {
    for api in backends().await {
        let f = firm(&api, "91330106MA2B3C4D7", "杭州整车有限公司", "330106", false).await;
        let s = firm(&api, "91440305MA2B3C4D8", "深圳电池有限公司", "440305", false).await;
        let l = link(&api, &s, &f, 900.0).await;
        let sz = api.account("sz-coordinator", Role::Coordinator, Some("4403"), None).await;
        let bj = api.account("bj-coordinator", Role::Coordinator, Some("11"), None).await;
        let supplier = api.account("battery", Role::Enterprise, None, Some(&s)).await;
        let freight = json!({"uscc": f, "kind": "FREIGHT", "description": "电芯货车在高速口被劝返",
            "originRegion": "440305", "destinationRegion": "330106", "cargo": "动力电芯",
            "plates": ["粤B·12345", "粤BD12345", "粤B12345D", "粤B1234挂"], "supplyLinkId": l["id"]});
        let r = report_as(&api, &api.admin, freight.clone()).await;
        assert_eq!(r["userErrors"], json!([]), "[{}] {r}", api.backend);
        let b = &r["blockage"];
        assert_eq!(b["plates"], json!(["粤B12345", "粤BD12345", "粤B12345D", "粤B1234挂"]));
        assert_eq!(b["counterpart"]["uscc"], s.as_str(), "the other end of the link");
        for (who, n) in [(&sz, 1), (&bj, 0), (&supplier, 1)] {
            let q = api.run_as(Some(who), QUEUE, json!({"f": {"kind": "FREIGHT"}})).await;
            assert_eq!(q["data"]["blockages"]["nodes"].as_array().unwrap().len(), n, "{}", who.username.as_str());
        }
        let q = api.run_as(Some(&sz), QUEUE, json!({"f": {"regionPrefix": "4403"}})).await;
        assert_eq!(q["data"]["blockages"]["nodes"].as_array().unwrap().len(), 1, "the origin's prefix finds it");
        // the origin's coordinator may take it
        let s1 = step(
            &api,
            &sz,
            "assignBlockage",
            json!({"id": b["id"], "version": 1, "assignee": "sz-coordinator", "comment": "深圳端协调"}),
        )
        .await;
        assert_eq!(s1["userErrors"], json!([]), "{s1}");
        // bad plates, each with its index; fields of another kind refused
        let mut bad = freight.clone();
        bad["plates"] = json!(["粤B12345", "粤b 12345", "XB12345", "粤I12345", "粤B123456"]);
        bad["workers"] = json!(3);
        let r = report_as(&api, &api.admin, bad).await;
        let got: Vec<(String, String)> = r["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"][1].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned()))
            .collect();
        let want = [
            ("workers", "INVALID_VALUE"),
            ("plates.1", "DUPLICATE"),
            ("plates.2", "INVALID_PLATE"),
            ("plates.3", "INVALID_PLATE"),
            ("plates.4", "INVALID_PLATE"),
        ];
        assert_eq!(got, want.map(|(a, b)| (a.to_owned(), b.to_owned())), "{r}");
        let mut missing = freight.clone();
        missing["originRegion"] = Value::Null;
        missing["cargo"] = json!("  ");
        let r = report_as(&api, &api.admin, missing).await;
        let fields: Vec<&str> =
            r["userErrors"].as_array().unwrap().iter().map(|e| e["field"][1].as_str().unwrap()).collect();
        assert_eq!(fields, ["originRegion", "cargo"], "{r}");
        // a link the firm is not on
        let x = firm(&api, "91330106MA2B3C4D9", "杭州第三方有限公司", "330106", false).await;
        let mut wrong = freight.clone();
        wrong["uscc"] = json!(x);
        let r = report_as(&api, &api.admin, wrong).await;
        assert_eq!(r["userErrors"][0]["field"], json!(["input", "supplyLinkId"]), "{r}");
        let count = linchpin_store::blockage::count(api.store.db(), false).await.unwrap();
        assert_eq!(count, 1, "refused reports write nothing");
    }
}

#[tokio::test]
async fn fifty_concurrent_steps_on_one_blockage_each_land_in_the_timeline_or_get_version_conflict() {
    for api in backends().await {
        let f = firm(&api, "91330106MA2B3C4E0", "杭州并发有限公司", "330106", false).await;
        let coordinators: Vec<Viewer> = {
            let mut v = Vec::new();
            for i in 0..5 {
                v.push(api.account(&format!("desk-{i}"), Role::Coordinator, Some("3301"), None).await);
            }
            v
        };
        let r = report_as(&api, &api.admin, staff(&f)).await;
        let id = r["blockage"]["id"].clone();
        let api = Arc::new(api);
        // fifty coordinators hand it on at once, each at the version it read; then fifty more
        // rounds of reading and handing on race each other
        let mut tasks = Vec::new();
        for i in 0..50 {
            let api = Arc::clone(&api);
            let who = coordinators[i % 5].clone();
            let id = id.clone();
            tasks.push(tokio::spawn(async move {
                let q = "query($id: ID!) { node(id: $id) { ... on Blockage { version } } }";
                let v = api.run_as(Some(&who), q, json!({"id": id})).await["data"]["node"]["version"].as_i64().unwrap();
                let target = format!("desk-{}", (i + 1) % 5);
                step(
                    &api,
                    &who,
                    "assignBlockage",
                    json!({"id": id, "version": v, "assignee": target, "comment": format!("交办 {i}")}),
                )
                .await
            }));
        }
        let mut accepted = Vec::new();
        let mut conflicts = 0;
        for t in tasks {
            let out = t.await.unwrap();
            match out["userErrors"].as_array().map(Vec::as_slice) {
                Some([]) => accepted.push(out["blockage"]["version"].as_i64().unwrap()),
                Some([e]) if e["code"] == "VERSION_CONFLICT" => conflicts += 1,
                other => panic!("[{}] unexpected outcome {other:?}: {out}", api.backend),
            }
        }
        assert_eq!(accepted.len() + conflicts, 50);
        assert!(!accepted.is_empty());
        accepted.sort_unstable();
        let want: Vec<i64> = (2..2 + accepted.len() as i64).collect();
        assert_eq!(accepted, want, "each accepted step made exactly one new version");
        let d = api
            .data(
                &format!("query($id: ID!) {{ node(id: $id) {{ ... on Blockage {{ {BLOCKAGE} }} }} }}"),
                json!({"id": id}),
            )
            .await;
        let steps = d["node"]["timeline"].as_array().unwrap().iter().filter(|e| e["action"] == "ASSIGN").count();
        assert_eq!(
            steps,
            accepted.len(),
            "[{}] every accepted change, and only those, is in the timeline",
            api.backend
        );
        assert_eq!(d["node"]["version"].as_i64().unwrap(), 1 + accepted.len() as i64);
    }
}

#[tokio::test]
async fn the_queue_puts_the_most_production_at_stake_first_and_re_ranks_when_an_analysis_lands() {
    for mut api in backends().await {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        api.set_clock(clock.clone());
        // hub feeds eight assemblers on its only input; mid feeds one; lone feeds nobody; big is a
        // LARGE firm whose one essential supplier is `feeder`
        let hub = firm(&api, "91330106MA2B3C4F1", "枢纽零件有限公司", "330106", false).await;
        let mid = firm(&api, "91330106MA2B3C4F2", "中游零件有限公司", "330106", false).await;
        let lone = firm(&api, "91330106MA2B3C4F3", "孤立企业有限公司", "330106", false).await;
        let feeder = firm(&api, "91330106MA2B3C4F4", "大厂配套有限公司", "330106", false).await;
        let big = firm(&api, "91330106MA2B3C4F5", "整车集团有限公司", "330106", true).await;
        for i in 0..8 {
            let a = firm(&api, &format!("91330106MA2B3C5G{i}"), &format!("装配厂{i}有限公司"), "330106", false).await;
            link(&api, &hub, &a, 500.0).await;
        }
        let m = firm(&api, "91330106MA2B3C5H1", "单一客户有限公司", "330106", false).await;
        link(&api, &mid, &m, 500.0).await;
        link(&api, &feeder, &big, 50.0).await;
        // reported before any analysis: LOW but for the LARGE firm's supplier, then oldest first
        let mut ids = Vec::new();
        for u in [&lone, &mid, &feeder, &hub] {
            let r = report_as(&api, &api.admin, staff(u)).await;
            let want = if u == &feeder { "MEDIUM" } else { "LOW" };
            assert_eq!(r["blockage"]["priority"]["level"], want, "{r}");
            ids.push(r["blockage"]["id"].clone());
            clock.advance(Duration::minutes(1));
        }
        let order = |q: &Value| -> Vec<String> {
            q["blockages"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["firm"]["uscc"].as_str().unwrap().to_owned())
                .collect()
        };
        let q = api.data(QUEUE, json!({})).await;
        assert_eq!(
            order(&q),
            [&feeder, &lone, &mid, &hub].map(|s| s.to_owned()),
            "[{}] then waiting decides",
            api.backend
        );
        // the analysis lands: the queue re-ranks by what is at stake
        let run = api.data("mutation { runAnalysis { analysisRun { id } userErrors { code } } }", json!({})).await;
        assert!(run["runAnalysis"]["analysisRun"]["id"].is_string(), "{run}");
        let q = api.data(QUEUE, json!({})).await;
        // hub: eight assemblers stop with it; mid: one; lone: none. The LARGE firm's supplier
        // carries the jobs of the LARGE firm and its 20 points.
        let pos = |u: &str| order(&q).iter().position(|x| x == u).unwrap();
        assert!(pos(&hub) < pos(&mid) && pos(&mid) < pos(&lone), "{q}");
        // the LARGE firm's essential supplier gets its points and says why
        let fd = api
            .data("query($id: ID!) { node(id: $id) { ... on Blockage { priority { largeCustomers explanation en: explanation(lang: EN) } } } }", json!({"id": ids[2]}))
            .await;
        assert_eq!(fd["node"]["priority"]["largeCustomers"], 1);
        assert!(fd["node"]["priority"]["explanation"].as_str().unwrap().contains("1家大型企业"), "{fd}");
        assert!(fd["node"]["priority"]["en"].as_str().unwrap().contains("1 large firm"), "{fd}");
        assert!(pos(&feeder) < pos(&lone), "{q}");
        let scores: Vec<f64> = q["blockages"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["priority"]["score"].as_f64().unwrap())
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "scores descend: {scores:?}");
        // keyset pages: one at a time, the same order
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let p = api
                .data("query($after: String) { blockages(first: 1, after: $after) { nodes { firm { uscc } } pageInfo { hasNextPage endCursor } } }", json!({"after": after}))
                .await;
            seen.push(p["blockages"]["nodes"][0]["firm"]["uscc"].as_str().unwrap().to_owned());
            if !p["blockages"]["pageInfo"]["hasNextPage"].as_bool().unwrap() {
                break;
            }
            after = p["blockages"]["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, order(&q));
        // long enough waiting lifts the smallest to the top: 60 points are 15 days
        clock.advance(Duration::days(40));
        let r = report_as(&api, &api.admin, staff(&hub)).await;
        let fresh = r["blockage"]["id"].clone();
        let q = api.data("{ blockages(first: 10) { nodes { id } } }", json!({})).await;
        assert_eq!(q["blockages"]["nodes"].as_array().unwrap().last().unwrap()["id"], fresh, "{q}");
    }
}

#[tokio::test]
async fn a_breached_sla_escalates_once_up_the_jurisdictions_even_with_two_replicas() {
    for mut api in backends().await {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        api.set_clock(clock.clone());
        let f = firm(&api, "91330106MA2B3C4E1", "杭州升级有限公司", "330106", false).await;
        let other = firm(&api, "91330106MA2B3C4E2", "杭州旁观有限公司", "330106", false).await;
        let d = desk(&api, &f, &other).await;
        let r = report_as(&api, &d.own, staff(&f)).await;
        let id = r["blockage"]["id"].clone();
        // a second replica: its own state (bus, clock) over the same database
        let mut second = api.state.clone();
        second.events = Arc::new(linchpin_api::InProcessBus::default());
        second.clock = clock.clone();
        assert_eq!(linchpin_api::escalate_due(&api.state).await.unwrap(), 0, "not due yet");
        let offices = ["CITY", "PROVINCE", "NATIONAL"];
        for (round, office) in offices.iter().enumerate() {
            clock.advance(Duration::hours(25)); // LOW: 24 hours to assign
            let (a, b) = tokio::join!(linchpin_api::escalate_due(&api.state), linchpin_api::escalate_due(&second));
            assert_eq!(a.unwrap() + b.unwrap(), 1, "[{}] round {round}: escalated once", api.backend);
            let n = api
                .data(
                    &format!("query($id: ID!) {{ node(id: $id) {{ ... on Blockage {{ {BLOCKAGE} }} }} }}"),
                    json!({"id": id}),
                )
                .await;
            assert_eq!(n["node"]["office"], *office);
            let escalations =
                n["node"]["timeline"].as_array().unwrap().iter().filter(|e| e["action"] == "ESCALATE").count();
            assert_eq!(escalations, round + 1);
        }
        clock.advance(Duration::days(30));
        assert_eq!(linchpin_api::escalate_due(&api.state).await.unwrap(), 0, "nothing above national");
        // each escalation is in the audit trail as the job's, one office up each time (the level
        // is the digits of the leading office's code: county 6, city 4, province 2, national 0)
        let audit = api
            .data(
                "{ auditEvents(first: 10, filter: {action: \"blockage.escalate\"}) { nodes { actor objectId before after requestId } } }",
                json!({}),
            )
            .await;
        let events = audit["auditEvents"]["nodes"].as_array().unwrap();
        assert_eq!(events.len(), 3, "[{}]", api.backend);
        let mut levels = Vec::new();
        for e in events {
            assert_eq!((&e["actor"], &e["objectId"], &e["requestId"]), (&json!("system"), &id, &json!("escalation")));
            let side = |k: &str| serde_json::from_str::<Value>(e[k].as_str().unwrap()).unwrap();
            let (before, after) = (side("before"), side("after"));
            assert!(after["version"].as_i64().unwrap() > before["version"].as_i64().unwrap());
            levels.push((before["level"].as_i64().unwrap(), after["level"].as_i64().unwrap()));
        }
        levels.sort_unstable();
        assert_eq!(levels, [(2, 0), (4, 2), (6, 4)], "[{}]", api.backend);
        let n = api
            .data(
                &format!("query($id: ID!) {{ node(id: $id) {{ ... on Blockage {{ {BLOCKAGE} }} }} }}"),
                json!({"id": id}),
            )
            .await;
        assert_eq!(n["node"]["dueAt"], Value::Null);
        let last = n["node"]["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["actor"].as_str(), last["office"].as_str()), (Some("system"), Some("NATIONAL")));
        // after escalation the county and city no longer lead it; the province does
        let v = n["node"]["version"].as_i64().unwrap();
        for who in [&d.county, &d.city] {
            let s = step(
                &api,
                who,
                "assignBlockage",
                json!({"id": id, "version": v, "assignee": "zj-coordinator", "comment": "x"}),
            )
            .await;
            assert_eq!(code(&s), "NOT_IN_JURISDICTION", "{s}");
        }
        let s = step(
            &api,
            &d.province,
            "assignBlockage",
            json!({"id": id, "version": v, "assignee": "zj-coordinator", "comment": "省级督办"}),
        )
        .await;
        assert_eq!(s["userErrors"], json!([]), "{s}");
        let audit = api
            .data("{ auditEvents(first: 10, filter: {action: \"blockage.escalate\"}) { nodes { actor } } }", json!({}))
            .await;
        assert_eq!(audit["auditEvents"]["nodes"].as_array().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn production_reports_sum_up_per_chain_and_a_large_firm_sees_what_holds_it_back() {
    for api in backends().await {
        let big = firm(&api, "91330106MA2B3C4K1", "整车集团有限公司", "330106", true).await;
        let tier1 = firm(&api, "91330106MA2B3C4K2", "一级配套有限公司", "330106", false).await;
        let tier2 = firm(&api, "91330108MA2B3C4K3", "二级配套有限公司", "330108", false).await;
        let fine = firm(&api, "91330106MA2B3C4K4", "正常配套有限公司", "330106", false).await;
        link(&api, &tier1, &big, 100.0).await;
        link(&api, &tier2, &tier1, 100.0).await;
        link(&api, &fine, &big, 100.0).await;
        let own = api.account("big-firm", Role::Enterprise, None, Some(&big)).await;
        let t1 = api.account("tier-one", Role::Enterprise, None, Some(&tier1)).await;
        let coordinator = api.account("hz-coordinator", Role::Coordinator, Some("3301"), None).await;
        let rep = "mutation($i: ReportProductionStatusInput!) { reportProductionStatus(input: $i) {
            status { capacityPercent back staffOnSite reportedBy } userErrors { field code } } }";
        let r = api.run_as(Some(&t1), rep, json!({"i": {"uscc": tier1, "capacityPercent": 50, "staffOnSite": 40, "staffTotal": 80, "note": "夜班未恢复"}})).await;
        assert_eq!(r["data"]["reportProductionStatus"]["status"]["back"], true, "[{}] {r}", api.backend);
        let r = api
            .run_as(
                Some(&t1),
                rep,
                json!({"i": {"uscc": tier2, "capacityPercent": 0, "staffOnSite": 0, "staffTotal": 10}}),
            )
            .await;
        assert_eq!(
            r["data"]["reportProductionStatus"]["userErrors"][0]["code"], "NOT_IN_JURISDICTION",
            "another firm's status"
        );
        let r = api
            .run_as(
                Some(&coordinator),
                rep,
                json!({"i": {"uscc": tier2, "capacityPercent": 0, "staffOnSite": 0, "staffTotal": 10}}),
            )
            .await;
        assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN", "coordinators do not report production");
        let r = api
            .data(rep, json!({"i": {"uscc": tier2, "capacityPercent": 0, "staffOnSite": 0, "staffTotal": 10}}))
            .await;
        assert_eq!(r["reportProductionStatus"]["status"]["back"], false);
        let r = api
            .data(rep, json!({"i": {"uscc": fine, "capacityPercent": 100, "staffOnSite": 10, "staffTotal": 10}}))
            .await;
        assert_eq!(r["reportProductionStatus"]["userErrors"], json!([]));
        let r = api
            .data(rep, json!({"i": {"uscc": fine, "capacityPercent": 120, "staffOnSite": 11, "staffTotal": 10}}))
            .await;
        let fields: Vec<&str> = r["reportProductionStatus"]["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"][1].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["capacityPercent", "staffOnSite"]);
        // the chain in Hangzhou: 4 firms, 3 reported, 2 back, 1 at full capacity
        let c = api
            .run_as(Some(&coordinator), "{ chainResumption(chain: \"NEV\") { regionPrefix firms reported back atFullCapacity backShare outputWeightedCapacity staffShare } }", json!({}))
            .await;
        let c = &c["data"]["chainResumption"];
        assert_eq!(
            (
                c["regionPrefix"].as_str(),
                c["firms"].as_i64(),
                c["reported"].as_i64(),
                c["back"].as_i64(),
                c["atFullCapacity"].as_i64()
            ),
            (Some("3301"), Some(4), Some(3), Some(2), Some(1)),
            "{c}"
        );
        assert!(
            (c["outputWeightedCapacity"].as_f64().unwrap() - 0.5).abs() < 1e-9,
            "equal revenues: (50 + 0 + 100) / 3 %"
        );
        let denied =
            api.run_as(Some(&coordinator), "{ chainResumption(regionPrefix: \"44\") { firms } }", json!({})).await;
        assert_eq!(denied["errors"][0]["extensions"]["code"], "FORBIDDEN");
        // an open blockage on the firm that is fine lists it too
        report_as(&api, &api.admin, staff(&fine)).await;
        // (a server loads its live network at start and follows every change)
        api.state.network.reload(&api.store).await.unwrap();
        let q = "query($u: String!) { bottlenecks(uscc: $u) { heldBack upstreamFirms items { firm { uscc } via { uscc } depth state capacityPercent openBlockages heldBack heldBackIfStopped } } }";
        let b = api.run_as(Some(&own), q, json!({"u": big})).await;
        assert!(b.get("errors").is_none(), "[{}] {b}", api.backend);
        let b = &b["data"]["bottlenecks"];
        assert_eq!(b["upstreamFirms"], 3);
        let items = b["items"].as_array().unwrap();
        let got: Vec<(Value, &str, i64, &str)> = items
            .iter()
            .map(|i| {
                (
                    i["firm"]["uscc"].clone(),
                    i["via"]["uscc"].as_str().unwrap(),
                    i["depth"].as_i64().unwrap(),
                    i["state"].as_str().unwrap(),
                )
            })
            .collect();
        // tier2 stopped stops tier1 entirely: it holds back tier1's whole share; tier1 at 50% half
        // of it; the firm's own account sees tier2 only through tier1
        assert_eq!(
            got,
            [
                (Value::Null, tier1.as_str(), 2, "DOWN"),
                (json!(tier1), tier1.as_str(), 1, "PARTLY_DOWN"),
                (json!(fine), fine.as_str(), 1, "BLOCKED"),
            ],
            "{b}"
        );
        let held: Vec<f64> = items.iter().map(|i| i["heldBack"].as_f64().unwrap()).collect();
        assert!(held[0] > held[1] && held[1] > 0.0 && held[2] == 0.0, "{held:?}");
        assert!(items[2]["heldBackIfStopped"].as_f64().unwrap() > 0.0);
        assert!(b["heldBack"].as_f64().unwrap() >= held[0] - 1e-9);
        let admin = api.data(q, json!({"u": big})).await;
        assert_eq!(admin["bottlenecks"]["items"][0]["firm"]["uscc"], tier2.as_str(), "an admin sees every name");
        let refused = api.run_as(Some(&t1), q, json!({"u": big})).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
        let small = api.run_as(Some(&coordinator), q, json!({"u": tier1})).await;
        assert_eq!(small["errors"][0]["extensions"]["code"], "VALIDATION");
        // history and latest, for those who may see the firm's details
        let h = api
            .run_as(Some(&t1), "query($u: String!) { firm(uscc: $u) { productionStatus { capacityPercent note } productionHistory(last: 5) { capacityPercent } } }", json!({"u": tier1}))
            .await;
        assert_eq!(h["data"]["firm"]["productionStatus"]["note"], "夜班未恢复", "{h}");
        let h = api
            .run_as(
                Some(&own),
                "query($u: String!) { firm(uscc: $u) { productionStatus { capacityPercent } } }",
                json!({"u": tier1}),
            )
            .await;
        assert_eq!(h["data"]["firm"]["productionStatus"], Value::Null, "another firm's status is not public");
    }
}

#[tokio::test]
async fn a_timeline_returns_its_last_entries_in_order_however_many_comments_there_are() {
    for api in backends().await {
        let f = firm(&api, "91330106MA2B3C4L1", "杭州评论有限公司", "330106", false).await;
        let r = report_as(&api, &api.admin, staff(&f)).await;
        let id = r["blockage"]["id"].clone();
        for i in 0..60 {
            let c =
                step(&api, &api.admin, "commentOnBlockage", json!({"id": id, "comment": format!("反馈 {i}")})).await;
            assert_eq!(c["userErrors"], json!([]));
        }
        let q =
            "query($id: ID!, $n: Int) { node(id: $id) { ... on Blockage { timeline(last: $n) { action comment } } } }";
        let comments = |v: &Value| -> Vec<String> {
            v["node"]["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["comment"].as_str().unwrap().to_owned())
                .collect()
        };
        let all = api.data(q, json!({"id": id, "n": 200})).await;
        assert_eq!(comments(&all).len(), 61, "[{}] the report and 60 comments", api.backend);
        assert_eq!(all["node"]["timeline"][0]["action"], "REPORT");
        let default = api
            .data("query($id: ID!) { node(id: $id) { ... on Blockage { timeline { comment } } } }", json!({"id": id}))
            .await;
        let d = comments(&default);
        assert_eq!((d.len(), d[0].as_str(), d[49].as_str()), (50, "反馈 10", "反馈 59"), "the last 50, oldest first");
        let three = api.data(q, json!({"id": id, "n": 3})).await;
        assert_eq!(comments(&three), ["反馈 57", "反馈 58", "反馈 59"]);
        let refused = api.run(q, json!({"id": id, "n": 201})).await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "VALIDATION");
    }
}
