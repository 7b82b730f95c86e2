//! The whitelist through the API: the journey from the candidates to a published batch, the
//! whole state machine, four eyes and levels, recommendations by chain leaders, two reviewers at
//! once, expiry on a controlled clock, the export read back, and who hears of what live.
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Request, Variables};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use linchpin_api::clock::{Clock, ManualClock};
use linchpin_domain::{Role, Viewer};
use serde_json::{Value, json};

use crate::helpers::{DECLARE, REGISTER, TestApi, backends, uscc};

const NOMINATE: &str = "mutation($i: NominateFirmInput!) { nominateFirm(input: $i) {
    entry { id status version chain regionCode basis { rank priorityScore reasons { code } } }
    userErrors { field code message } } }";

const RECOMMEND: &str = "mutation($i: RecommendSupplierInput!) { recommendSupplier(input: $i) {
    entry { id status version recommendedBy { uscc } proposedBy justification }
    userErrors { field code message } } }";

const PUBLISH: &str = "mutation($i: PublishBatchInput!) { publishBatch(input: $i) {
    batch { id province number label title entries publishedBy } userErrors { field code message } } }";

const STEPS: [&str; 7] =
    ["startReview", "approveEntry", "rejectEntry", "suspendEntry", "reinstateEntry", "revokeEntry", "renewEntry"];

/// Registers a firm on NEV in `region`; LARGE when `large`.
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

/// Declares (as ADMIN) that `supplier` sells to `customer`, confirmed when `confirm`.
async fn link(api: &TestApi, supplier: &str, customer: &str, confirm: bool) {
    let d = api
        .data(
            DECLARE,
            json!({"input": {"supplierUscc": supplier, "customerUscc": customer, "product": "电芯",
                "annualValue10kCny": 800.0, "essentiality": "ESSENTIAL"}}),
        )
        .await;
    let l = &d["declareSupplyLink"]["supplyLink"];
    if confirm {
        let c = api
            .data(
                "mutation($i: ConfirmSupplyLinkInput!) { confirmSupplyLink(input: $i) { userErrors { code } } }",
                json!({"i": {"id": l["id"], "version": l["version"]}}),
            )
            .await;
        assert_eq!(c["confirmSupplyLink"]["userErrors"], json!([]));
    }
}

async fn nominate(api: &TestApi, who: &Viewer, uscc: &str) -> Value {
    let d = api
        .run_as(
            Some(who),
            NOMINATE,
            json!({"i": {"uscc": uscc, "chain": "NEV", "justification": "关键零部件唯一本地供应商",
                "evidence": [{"title": "承诺书", "reference": "浙经信〔2026〕12号"}]}}),
        )
        .await;
    d["data"]["nominateFirm"].clone()
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// Runs the step `name` on `entry` (its id and version) as `who`; returns the payload.
async fn step(api: &TestApi, who: &Viewer, name: &str, entry: &Value, valid_until: Option<DateTime<Utc>>) -> Value {
    let validity = matches!(name, "approveEntry" | "renewEntry");
    let input_type = if validity { "WhitelistValidityInput" } else { "WhitelistStepInput" };
    let q = format!(
        "mutation($i: {input_type}!) {{ {name}(input: $i) {{ entry {{ id status version validUntil }} userErrors {{ field code message }} }} }}"
    );
    let mut input = json!({"id": entry["id"], "version": entry["version"], "comment": format!("{name} 审核意见")});
    if validity {
        let until = valid_until.unwrap_or_else(|| api.state.clock.now() + chrono::Duration::days(365));
        input["validUntil"] = json!(iso(until));
    }
    let r = api.run_as(Some(who), &q, json!({"i": input})).await;
    assert!(r.get("errors").is_none(), "[{}] {name}: {r}", api.backend);
    r["data"][name].clone()
}

/// The entry of a successful payload.
fn ok(p: &Value) -> Value {
    assert_eq!(p["userErrors"], json!([]), "{p}");
    p["entry"].clone()
}

fn code(p: &Value) -> &str {
    p["userErrors"][0]["code"].as_str().unwrap_or("OK")
}

/// The bureaus of the tests: Zhejiang (two provincial accounts), Hangzhou (two), Xihu district,
/// Guangdong, and a Guangdong coordinator.
struct Bureaus {
    zj: Viewer,
    zj2: Viewer,
    hz: Viewer,
    hz2: Viewer,
    xihu: Viewer,
    gd: Viewer,
    gd_coord: Viewer,
}

async fn bureaus(api: &TestApi) -> Bureaus {
    Bureaus {
        zj: api.account("zj-1", Role::Bureau, Some("33"), None).await,
        zj2: api.account("zj-2", Role::Bureau, Some("33"), None).await,
        hz: api.account("hz-1", Role::Bureau, Some("3301"), None).await,
        hz2: api.account("hz-2", Role::Bureau, Some("3301"), None).await,
        xihu: api.account("xihu", Role::Bureau, Some("330106"), None).await,
        gd: api.account("gd-1", Role::Bureau, Some("44"), None).await,
        gd_coord: api.account("gd-coord", Role::Coordinator, Some("44"), None).await,
    }
}

#[tokio::test]
async fn a_bureau_goes_from_the_candidates_to_a_published_batch_and_the_history_stays_frozen() {
    for api in backends().await {
        let b = bureaus(&api).await;
        let s = firm(&api, "91330106MA2W00001", "杭州电芯", "330106", false).await;
        let l = firm(&api, "91330106MA2W00002", "整车厂", "330106", true).await;
        link(&api, &s, &l, true).await;
        api.data("mutation { runAnalysis { analysisRun { id } } }", json!({})).await;

        let cands = "{ whitelistCandidates(first: 10) { nodes { rank firm { uscc } } } }";
        let before = api.run_as(Some(&b.hz), cands, json!({})).await;
        let listed: Vec<&str> = before["data"]["whitelistCandidates"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["firm"]["uscc"].as_str().unwrap())
            .collect();
        assert_eq!(listed, [s.as_str()], "[{}] {before}", api.backend);

        let p = nominate(&api, &b.hz, &s).await;
        let entry = ok(&p);
        assert_eq!(entry["status"], "NOMINATED");
        assert_eq!(entry["basis"]["rank"], 1, "the assessment is attached: {entry}");
        let rank_then = entry["basis"]["priorityScore"].clone();
        let after = api.run_as(Some(&b.hz), cands, json!({})).await;
        assert_eq!(after["data"]["whitelistCandidates"]["nodes"], json!([]), "a nominated firm is no candidate");
        assert_eq!(code(&nominate(&api, &b.zj, &s).await), "DUPLICATE", "one open entry per firm and chain");

        let entry = ok(&step(&api, &b.zj, "startReview", &entry, None).await);
        assert_eq!(code(&step(&api, &b.hz, "approveEntry", &entry, None).await), "FOUR_EYES");
        let entry = ok(&step(&api, &b.hz2, "approveEntry", &entry, None).await);
        assert_eq!(entry["status"], "APPROVED");

        // not published yet: Guangdong does not see it
        let gd_list = "{ whitelist(first: 10, filter: {regionPrefix: \"33\", status: APPROVED}) {
            nodes { id status chain batch { number label } justification evidence { title } history { action }
                    basis { rank reasons { code } } firm { uscc } } } }";
        let seen = api.run_as(Some(&b.gd), gd_list, json!({})).await;
        assert_eq!(seen["data"]["whitelist"]["nodes"], json!([]), "[{}] {seen}", api.backend);
        let node =
            api.run_as(Some(&b.gd), "query($id: ID!) { node(id: $id) { id } }", json!({"id": entry["id"]})).await;
        assert!(node["data"]["node"].is_null());

        let publish = |who: &Viewer, prefix: &str| {
            let input = json!({"i": {"provincePrefix": prefix, "title": "浙江省重点产业链供应链白名单（第一批）"}});
            let who = who.clone();
            let api = &api;
            async move { api.run_as(Some(&who), PUBLISH, input).await["data"]["publishBatch"].clone() }
        };
        assert_eq!(code(&publish(&b.hz, "33").await), "LEVEL_TOO_LOW");
        assert_eq!(code(&publish(&b.gd, "33").await), "NOT_IN_JURISDICTION");
        let batch = publish(&b.zj, "33").await;
        assert_eq!(batch["userErrors"], json!([]), "{batch}");
        assert_eq!(batch["batch"]["number"], 1);
        assert_eq!(batch["batch"]["label"], "第1批");
        assert_eq!(batch["batch"]["entries"], 1);
        assert_eq!(code(&publish(&b.zj, "33").await), "INVALID_STATE", "nothing left to publish");

        // mutual recognition: Guangdong sees the published entry, not the deliberation
        let seen = api.run_as(Some(&b.gd), gd_list, json!({})).await;
        let nodes = seen["data"]["whitelist"]["nodes"].as_array().unwrap().clone();
        assert_eq!(nodes.len(), 1, "[{}] {seen}", api.backend);
        assert_eq!(nodes[0]["batch"]["number"], 1);
        assert_eq!(nodes[0]["firm"]["uscc"], s.as_str());
        assert!(nodes[0]["justification"].is_null() && nodes[0]["evidence"].is_null() && nodes[0]["history"].is_null());
        assert_eq!(nodes[0]["basis"]["rank"], 1);
        let coord = api.run_as(Some(&b.gd_coord), gd_list, json!({})).await;
        assert_eq!(coord["data"]["whitelist"]["nodes"].as_array().unwrap().len(), 1);

        // the history, as Zhejiang sees it
        let hist = api
            .run_as(
                Some(&b.zj),
                "query($id: ID!) { node(id: $id) { ... on WhitelistEntry { status version justification
                    evidence { title reference } proposedBy
                    history { action fromStatus toStatus actor comment validUntil assessment { rank priorityScore } } } } }",
                json!({"id": entry["id"]}),
            )
            .await;
        let n = &hist["data"]["node"];
        let actions: Vec<&str> =
            n["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["NOMINATE", "START_REVIEW", "APPROVE", "PUBLISH"], "{hist}");
        let actors: Vec<&str> = n["history"].as_array().unwrap().iter().map(|h| h["actor"].as_str().unwrap()).collect();
        assert_eq!(actors, ["hz-1", "zj-1", "hz-2", "zj-1"]);
        assert_eq!(n["proposedBy"], "hz-1");
        assert_eq!(n["evidence"][0]["reference"], "浙经信〔2026〕12号");
        assert_eq!(n["history"][0]["assessment"]["priorityScore"], rank_then);

        // a later analysis on a changed network does not rewrite the history
        let d = api.data("{ supplyLinks(first: 10) { nodes { id version } } }", json!({})).await;
        let l0 = &d["supplyLinks"]["nodes"][0];
        api.data(
            "mutation($i: RemoveSupplyLinkInput!) { removeSupplyLink(input: $i) { userErrors { code } } }",
            json!({"i": {"id": l0["id"], "version": l0["version"]}}),
        )
        .await;
        api.data("mutation { runAnalysis { analysisRun { id } } }", json!({})).await;
        let now = api
            .run_as(Some(&b.zj), "query($u: String!) { firm(uscc: $u) { assessment { rank priorityScore } whitelist { status basis { priorityScore } history { assessment { priorityScore } } } } }", json!({"u": s}))
            .await;
        let f = &now["data"]["firm"];
        assert_ne!(f["assessment"]["priorityScore"], rank_then, "the network changed: {now}");
        assert_eq!(f["whitelist"][0]["basis"]["priorityScore"], rank_then, "frozen: {now}");
        assert_eq!(f["whitelist"][0]["history"][0]["assessment"]["priorityScore"], rank_then);

        let audit = api
            .data(
                "{ auditEvents(first: 50, filter: {objectType: \"whitelist_entry\"}) { nodes { action actor } } }",
                json!({}),
            )
            .await;
        let audited: Vec<&str> =
            audit["auditEvents"]["nodes"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(audited, ["whitelist.nominate", "whitelist.start_review", "whitelist.approve"], "{audit}");
        let batches = api
            .data("{ auditEvents(first: 5, filter: {action: \"whitelist.publish\"}) { nodes { actor } } }", json!({}))
            .await;
        assert_eq!(batches["auditEvents"]["nodes"][0]["actor"], "zj-1");
    }
}

/// Drives a fresh nomination of `uscc` (by `hz`, decided by `zj`) into `state`.
async fn entry_in(api: &TestApi, b: &Bureaus, clock: &ManualClock, uscc: &str, state: &str) -> Value {
    let e = ok(&nominate(api, &b.hz, uscc).await);
    if state == "NOMINATED" {
        return e;
    }
    let e = ok(&step(api, &b.zj, "startReview", &e, None).await);
    match state {
        "UNDER_REVIEW" => e,
        "REJECTED" => ok(&step(api, &b.zj, "rejectEntry", &e, None).await),
        "APPROVED" => ok(&step(api, &b.zj, "approveEntry", &e, None).await),
        "SUSPENDED" | "REVOKED" => {
            let a = ok(&step(api, &b.zj, "approveEntry", &e, None).await);
            let name = if state == "SUSPENDED" { "suspendEntry" } else { "revokeEntry" };
            ok(&step(api, &b.zj, name, &a, None).await)
        }
        "EXPIRED" => {
            let until = clock.now() + chrono::Duration::hours(1);
            let a = ok(&step(api, &b.zj, "approveEntry", &e, Some(until)).await);
            clock.advance(chrono::Duration::hours(2));
            a
        }
        other => panic!("no path to {other}"),
    }
}

#[tokio::test]
async fn every_step_from_every_state_is_taken_or_refused_with_invalid_transition() {
    for mut api in backends().await {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        api.set_clock(clock.clone());
        let b = bureaus(&api).await;
        // what each step leads to from each state; absent means INVALID_TRANSITION
        let allowed: &[(&str, &str, &str)] = &[
            ("NOMINATED", "startReview", "UNDER_REVIEW"),
            ("UNDER_REVIEW", "approveEntry", "APPROVED"),
            ("UNDER_REVIEW", "rejectEntry", "REJECTED"),
            ("APPROVED", "suspendEntry", "SUSPENDED"),
            ("APPROVED", "revokeEntry", "REVOKED"),
            ("APPROVED", "renewEntry", "APPROVED"),
            ("SUSPENDED", "reinstateEntry", "APPROVED"),
            ("SUSPENDED", "revokeEntry", "REVOKED"),
            ("EXPIRED", "renewEntry", "APPROVED"),
        ];
        let states = ["NOMINATED", "UNDER_REVIEW", "APPROVED", "REJECTED", "SUSPENDED", "REVOKED", "EXPIRED"];
        let mut n = 0;
        for state in states {
            for action in STEPS {
                n += 1;
                let u = firm(&api, &format!("91330106MA2X{n:05}"), &format!("状态机{n}"), "330106", false).await;
                let e = entry_in(&api, &b, &clock, &u, state).await;
                let read = api
                    .run_as(
                        Some(&b.zj),
                        "query($id: ID!) { node(id: $id) { ... on WhitelistEntry { status } } }",
                        json!({"id": e["id"]}),
                    )
                    .await;
                assert_eq!(read["data"]["node"]["status"], state, "[{}] reached {state}", api.backend);
                let p = step(&api, &b.zj2, action, &e, None).await;
                match allowed.iter().find(|(s, a, _)| *s == state && *a == action) {
                    Some((_, _, to)) => {
                        assert_eq!(p["userErrors"], json!([]), "[{}] {state} {action}: {p}", api.backend);
                        assert_eq!(p["entry"]["status"], *to, "[{}] {state} {action}", api.backend);
                        assert_eq!(p["entry"]["version"].as_i64(), e["version"].as_i64().map(|v| v + 1));
                    }
                    None => assert_eq!(code(&p), "INVALID_TRANSITION", "[{}] {state} {action}: {p}", api.backend),
                }
            }
        }
        // a closed entry frees the slot: a rejected firm can be nominated again
        let u = firm(&api, "91330106MA2X99999", "再提名", "330106", false).await;
        entry_in(&api, &b, &clock, &u, "REJECTED").await;
        assert_eq!(code(&nominate(&api, &b.hz, &u).await), "OK");
        // a stale version is a conflict, whatever the step
        let e = ok(&nominate(&api, &b.hz, &firm(&api, "91330106MA2X99998", "旧版本", "330106", false).await).await);
        ok(&step(&api, &b.zj, "startReview", &e, None).await);
        assert_eq!(code(&step(&api, &b.zj, "rejectEntry", &e, None).await), "VERSION_CONFLICT");
    }
}

#[tokio::test]
async fn four_eyes_levels_and_jurisdictions_decide_who_may_take_a_step() {
    for api in backends().await {
        let b = bureaus(&api).await;
        let by_province = firm(&api, "91330106MA2Y00001", "省级提名", "330106", false).await;
        let by_city = firm(&api, "91330106MA2Y00002", "市级提名", "330106", false).await;
        let e = ok(&nominate(&api, &b.zj, &by_province).await);
        for (who, want) in [(&b.hz, "LEVEL_TOO_LOW"), (&b.xihu, "LEVEL_TOO_LOW"), (&b.gd, "NOT_IN_JURISDICTION")] {
            assert_eq!(code(&step(&api, who, "startReview", &e, None).await), want);
        }
        let e = ok(&step(&api, &b.zj, "startReview", &e, None).await);
        assert_eq!(code(&step(&api, &b.zj, "approveEntry", &e, None).await), "FOUR_EYES");
        assert_eq!(
            code(&step(&api, &b.xihu, "approveEntry", &e, None).await),
            "LEVEL_TOO_LOW",
            "a county under a province"
        );
        let e = ok(&step(&api, &b.zj2, "approveEntry", &e, None).await);
        assert_eq!(code(&step(&api, &b.zj, "renewEntry", &e, None).await), "FOUR_EYES");
        ok(&step(&api, &b.zj2, "renewEntry", &e, None).await);

        let e = ok(&nominate(&api, &b.hz, &by_city).await);
        let e = ok(&step(&api, &b.zj, "startReview", &e, None).await);
        assert_eq!(code(&step(&api, &b.xihu, "approveEntry", &e, None).await), "LEVEL_TOO_LOW");
        assert_eq!(code(&step(&api, &b.gd, "approveEntry", &e, None).await), "NOT_IN_JURISDICTION");
        ok(&step(&api, &b.zj, "approveEntry", &e, None).await);

        // who may nominate at all
        let other = firm(&api, "91330106MA2Y00003", "跨省", "330106", false).await;
        assert_eq!(code(&nominate(&api, &b.gd, &other).await), "NOT_IN_JURISDICTION");
        let coord = api
            .run_as(Some(&b.gd_coord), NOMINATE, json!({"i": {"uscc": other, "chain": "NEV", "justification": "x"}}))
            .await;
        assert_eq!(coord["errors"][0]["extensions"]["code"], "FORBIDDEN");
        let r =
            api.run_as(Some(&b.hz), NOMINATE, json!({"i": {"uscc": other, "chain": "IC", "justification": "x"}})).await;
        assert_eq!(code(&r["data"]["nominateFirm"]), "NOT_ON_CHAIN");
        let r = api
            .run_as(
                Some(&b.hz),
                NOMINATE,
                json!({"i": {"uscc": "91330106MA2Y0000X9", "chain": "nev!", "justification": " ",
                    "evidence": [{"title": "", "reference": "x"}]}}),
            )
            .await;
        let fields: Vec<String> = r["data"]["nominateFirm"]["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect::<Vec<_>>().join("."))
            .collect();
        assert_eq!(fields, ["input.uscc", "input.chain", "input.justification", "input.evidence.0"], "{r}");
        let count = api.data("{ whitelist(first: 100) { nodes { id } } }", json!({})).await;
        assert_eq!(count["whitelist"]["nodes"].as_array().unwrap().len(), 2, "refusals wrote nothing");
    }
}

#[tokio::test]
async fn a_chain_leader_recommends_only_its_confirmed_suppliers() {
    for api in backends().await {
        let b = bureaus(&api).await;
        let leader = firm(&api, "91330106MA2Q00001", "链主整车", "330106", true).await;
        let supplier = firm(&api, "91330212MA2Q00002", "宁波电机", "330212", false).await;
        let stranger = firm(&api, "91330212MA2Q00003", "无关企业", "330212", false).await;
        let big_supplier = firm(&api, "91330212MA2Q00004", "大型电池", "330212", true).await;
        let small = firm(&api, "91330212MA2Q00005", "小型整车", "330212", false).await;
        link(&api, &supplier, &leader, false).await;
        link(&api, &big_supplier, &leader, true).await;
        link(&api, &supplier, &small, true).await;
        let ent = api.account("leader", Role::Enterprise, None, Some(&leader)).await;
        let small_ent = api.account("small", Role::Enterprise, None, Some(&small)).await;
        let recommend = |who: &Viewer, u: &str, reason: Option<&str>| {
            let input = json!({"i": {"supplierUscc": u, "chain": "NEV", "justification": "我厂唯一电机供应商",
                "sizeOverrideReason": reason}});
            let who = who.clone();
            let api = &api;
            async move {
                let r = api.run_as(Some(&who), RECOMMEND, input).await;
                if r.get("errors").is_some() {
                    return json!({"userErrors": [{"code": r["errors"][0]["extensions"]["code"]}]});
                }
                r["data"]["recommendSupplier"].clone()
            }
        };
        assert_eq!(code(&recommend(&ent, &supplier, None).await), "NOT_A_SUPPLIER", "declared, not confirmed");
        assert_eq!(code(&recommend(&ent, &stranger, None).await), "NOT_A_SUPPLIER");
        assert_eq!(code(&recommend(&small_ent, &supplier, None).await), "FORBIDDEN", "only a LARGE firm leads a chain");
        assert_eq!(code(&recommend(&ent, &big_supplier, None).await), "SIZE_OVERRIDE_REQUIRED");
        assert_eq!(code(&recommend(&ent, &big_supplier, Some("国内唯一的电池供应商")).await), "OK");
        let nominated = api.run_as(Some(&b.zj), NOMINATE, json!({"i": {"uscc": big_supplier, "chain": "NEV", "justification": "x", "sizeOverrideReason": "唯一"}})).await;
        assert_eq!(code(&nominated["data"]["nominateFirm"]), "DUPLICATE", "the recommendation holds the slot");

        let d = api
            .data(
                "{ supplyLinks(first: 10) { nodes { id version status supplier { uscc } customer { uscc } } } }",
                json!({}),
            )
            .await;
        let l = d["supplyLinks"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["supplier"]["uscc"] == supplier.as_str() && l["customer"]["uscc"] == leader.as_str())
            .unwrap()
            .clone();
        api.data(
            "mutation($i: ConfirmSupplyLinkInput!) { confirmSupplyLink(input: $i) { userErrors { code } } }",
            json!({"i": {"id": l["id"], "version": l["version"]}}),
        )
        .await;
        let p = recommend(&ent, &supplier, None).await;
        let e = ok(&p);
        assert_eq!(e["status"], "NOMINATED");
        assert_eq!(e["recommendedBy"]["uscc"], leader.as_str());
        assert!(e["justification"].is_null() && e["proposedBy"].is_null(), "the deliberation is the bureaus': {e}");

        // the supplier's county takes it up; the leader follows it, other enterprises do not see it
        let ningbo_county = api.account("beilun", Role::Bureau, Some("330212"), None).await;
        let e = ok(&step(&api, &ningbo_county, "startReview", &e, None).await);
        let e = ok(&step(&api, &ningbo_county, "approveEntry", &e, None).await);
        assert_eq!(e["status"], "APPROVED");
        let mine =
            api.run_as(Some(&ent), "{ whitelist(first: 10) { nodes { status firm { uscc } } } }", json!({})).await;
        assert_eq!(mine["data"]["whitelist"]["nodes"].as_array().unwrap().len(), 2, "{mine}");
        let theirs = api.run_as(Some(&small_ent), "{ whitelist(first: 10) { nodes { status } } }", json!({})).await;
        assert_eq!(theirs["data"]["whitelist"]["nodes"], json!([]));
        let ent_step = api
            .run_as(
                Some(&ent),
                "mutation($i: WhitelistStepInput!) { suspendEntry(input: $i) { userErrors { code } } }",
                json!({"i": {"id": e["id"], "version": e["version"], "comment": "x"}}),
            )
            .await;
        assert_eq!(ent_step["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
}

#[tokio::test]
async fn two_reviewers_deciding_at_once_give_one_outcome_and_one_version_conflict() {
    for api in backends().await {
        let b = bureaus(&api).await;
        for i in 0..8 {
            let u = firm(&api, &format!("91330106MA2N{i:05}"), &format!("并发{i}"), "330106", false).await;
            let e = ok(&nominate(&api, &b.hz, &u).await);
            let e = ok(&step(&api, &b.zj, "startReview", &e, None).await);
            let (approve, reject) =
                tokio::join!(step(&api, &b.zj2, "approveEntry", &e, None), step(&api, &b.hz2, "rejectEntry", &e, None));
            let mut codes = [code(&approve).to_owned(), code(&reject).to_owned()];
            codes.sort();
            assert_eq!(codes, ["OK", "VERSION_CONFLICT"], "[{}] round {i}: {approve} / {reject}", api.backend);
            let h = api
                .run_as(
                    Some(&b.zj),
                    "query($id: ID!) { node(id: $id) { ... on WhitelistEntry { status history { action } } } }",
                    json!({"id": e["id"]}),
                )
                .await;
            let steps = h["data"]["node"]["history"].as_array().unwrap().len();
            assert_eq!(steps, 3, "[{}] one decision in the history: {h}", api.backend);
            let want = if code(&approve) == "OK" { "APPROVED" } else { "REJECTED" };
            assert_eq!(h["data"]["node"]["status"], want);
        }
    }
}

#[tokio::test]
async fn an_entry_reads_expired_at_its_validity_and_the_job_writes_it_once() {
    for mut api in backends().await {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        api.set_clock(clock.clone());
        let b = bureaus(&api).await;
        let u = firm(&api, "91330106MA2T00001", "到期", "330106", false).await;
        let e = ok(&nominate(&api, &b.hz, &u).await);
        let e = ok(&step(&api, &b.zj, "startReview", &e, None).await);
        let until = clock.now() + chrono::Duration::days(30);
        let e = ok(&step(&api, &b.zj, "approveEntry", &e, Some(until)).await);
        // validity out of range
        let past = step(&api, &b.zj, "renewEntry", &e, Some(clock.now() - chrono::Duration::days(1))).await;
        assert_eq!(code(&past), "OUT_OF_RANGE");
        assert_eq!(past["userErrors"][0]["field"], json!(["input", "validUntil"]));
        let far = step(&api, &b.zj, "renewEntry", &e, Some(clock.now() + chrono::Duration::days(6 * 366))).await;
        assert_eq!(code(&far), "OUT_OF_RANGE");

        let count = |status: &'static str| {
            let api = &api;
            let zj = b.zj.clone();
            async move {
                let q = format!("{{ whitelist(first: 10, filter: {{status: {status}}}) {{ nodes {{ status }} }} }}");
                api.run_as(Some(&zj), &q, json!({})).await["data"]["whitelist"]["nodes"].as_array().unwrap().len()
            }
        };
        assert_eq!((count("APPROVED").await, count("EXPIRED").await), (1, 0));
        clock.advance(chrono::Duration::days(30));
        // before the job: reads already say EXPIRED
        assert_eq!((count("APPROVED").await, count("EXPIRED").await), (0, 1), "[{}]", api.backend);
        assert_eq!(linchpin_api::expire_due(&api.state).await.unwrap(), 1);
        assert_eq!(linchpin_api::expire_due(&api.state).await.unwrap(), 0, "once");
        assert_eq!((count("APPROVED").await, count("EXPIRED").await), (0, 1));
        let h = api
            .run_as(
                Some(&b.zj),
                "query($id: ID!) { node(id: $id) { ... on WhitelistEntry { status version history { action actor } } } }",
                json!({"id": e["id"]}),
            )
            .await;
        let last = h["data"]["node"]["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last, json!({"action": "EXPIRE", "actor": "system"}));
        let audit = api
            .data(
                "{ auditEvents(first: 5, filter: {action: \"whitelist.expire\"}) { nodes { actor objectId before after requestId } } }",
                json!({}),
            )
            .await;
        let v = h["data"]["node"]["version"].as_i64().unwrap();
        let before = json!({"status": "APPROVED", "version": v - 1}).to_string();
        let after = json!({"status": "EXPIRED", "version": v}).to_string();
        let want =
            json!({"actor": "system", "objectId": e["id"], "before": before, "after": after, "requestId": "expiry"});
        assert_eq!(audit["auditEvents"]["nodes"], json!([want]));
        // renewed by another account than the nominator
        let cur = json!({"id": e["id"], "version": h["data"]["node"]["version"]});
        assert_eq!(code(&step(&api, &b.hz, "renewEntry", &cur, None).await), "FOUR_EYES");
        let renewed = ok(&step(&api, &b.zj2, "renewEntry", &cur, None).await);
        assert_eq!(renewed["status"], "APPROVED");

        // an entry past its validity that the job has not written yet frees its slot for a new nomination
        let u2 = firm(&api, "91330106MA2T00002", "到期再提名", "330106", false).await;
        let e2 = ok(&nominate(&api, &b.hz, &u2).await);
        let e2 = ok(&step(&api, &b.zj, "startReview", &e2, None).await);
        ok(&step(&api, &b.zj, "approveEntry", &e2, Some(clock.now() + chrono::Duration::days(1))).await);
        clock.advance(chrono::Duration::days(2));
        assert_eq!(code(&nominate(&api, &b.hz, &u2).await), "OK");
    }
}

#[tokio::test]
async fn an_export_reads_back_row_for_row_with_chinese_labels() {
    for api in backends().await {
        let b = bureaus(&api).await;
        let l = firm(&api, "91330106MA2P00001", "整车", "330106", true).await;
        let mut names = Vec::new();
        for i in 2..5 {
            let name = if i == 2 { "=HYPERLINK(\"x\")零部件".to_owned() } else { format!("零部件{i}") };
            let u = firm(&api, &format!("91330106MA2P{i:05}"), &name, "330106", false).await;
            link(&api, &u, &l, true).await;
            names.push((u, name));
        }
        api.data("mutation { runAnalysis { analysisRun { id } } }", json!({})).await;
        for (u, _) in &names {
            let e = ok(&nominate(&api, &b.hz, u).await);
            let e = ok(&step(&api, &b.zj, "startReview", &e, None).await);
            ok(&step(&api, &b.zj, "approveEntry", &e, None).await);
        }
        let p = api
            .run_as(Some(&b.zj), PUBLISH, json!({"i": {"provincePrefix": "33", "chain": "NEV", "title": "第一批"}}))
            .await;
        assert_eq!(p["data"]["publishBatch"]["batch"]["entries"], 3, "{p}");
        let now = api.state.clock.now();
        let rows =
            linchpin_api::export_rows(&api.store, None, linchpin_api::ExportFilter::default(), now).await.unwrap();
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|r| r.status == "已入选" && r.batch == "第1批" && r.size_class == "小型企业"));
        assert!(
            rows.iter()
                .all(|r| !r.reasons.is_empty() && r.reasons.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
            "{rows:?}"
        );
        assert_eq!(rows[0].name, names[0].1, "the name as registered");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("whitelist.xlsx");
        std::fs::write(&path, linchpin_interchange::write_whitelist_xlsx(&rows).unwrap()).unwrap();
        assert_eq!(linchpin_interchange::read_whitelist(&path).unwrap(), rows, "[{}]", api.backend);
        // what a Guangdong bureau exports: the published entries; nothing of a nomination
        let u = firm(&api, "91330106MA2P00009", "尚在提名", "330106", false).await;
        ok(&nominate(&api, &b.hz, &u).await);
        let all = linchpin_api::ExportFilter {
            status: Some(linchpin_domain::whitelist::WhitelistStatus::Nominated),
            ..Default::default()
        };
        let gd_rows = linchpin_api::export_rows(&api.store, Some(&b.gd), all.clone(), now).await.unwrap();
        assert!(gd_rows.is_empty());
        let zj_rows = linchpin_api::export_rows(&api.store, Some(&b.zj), all, now).await.unwrap();
        assert_eq!(zj_rows.len(), 1);
    }
}

/// The next item of a subscription stream, or `None` after a short wait.
async fn next_change(
    stream: &mut (impl futures_util::Stream<Item = async_graphql::Response> + Unpin),
) -> Option<Value> {
    match tokio::time::timeout(Duration::from_millis(300), stream.next()).await {
        Ok(Some(resp)) => Some(serde_json::to_value(&resp).unwrap()["data"]["whitelistChanged"].clone()),
        _ => None,
    }
}

#[tokio::test]
async fn a_subscriber_of_another_province_hears_of_published_entries_and_batches_never_of_nominations() {
    for api in backends().await {
        let b = bureaus(&api).await;
        let u = firm(&api, "91330106MA2R10001", "订阅", "330106", false).await;
        let sub = "subscription($p: String) { whitelistChanged(regionPrefix: $p) { action status regionCode chain
            entry { id status } batch { number } } }";
        let open = |who: &Viewer, prefix: Option<&str>| {
            let req = Request::new(sub).variables(Variables::from_json(json!({"p": prefix}))).data(who.clone());
            Box::pin(api.schema.execute_stream(req))
        };
        let mut gd = open(&b.gd, None);
        let mut gd_on_zj = open(&b.gd, Some("33"));
        let mut zj = open(&b.zj, Some("33"));
        let mut hz_elsewhere = open(&b.hz, Some("3302"));
        // a subscription starts listening when it is first polled
        for s in [&mut gd, &mut gd_on_zj, &mut zj, &mut hz_elsewhere] {
            assert!(next_change(s).await.is_none());
        }

        let e = ok(&nominate(&api, &b.hz, &u).await);
        let e = ok(&step(&api, &b.zj, "startReview", &e, None).await);
        ok(&step(&api, &b.zj2, "approveEntry", &e, None).await);
        let p = api.run_as(Some(&b.zj), PUBLISH, json!({"i": {"provincePrefix": "33", "title": "第一批"}})).await;
        assert_eq!(p["data"]["publishBatch"]["userErrors"], json!([]));

        let mut zj_seen = Vec::new();
        while let Some(c) = next_change(&mut zj).await {
            zj_seen.push(c["action"].as_str().unwrap().to_owned());
        }
        assert_eq!(zj_seen, ["NOMINATE", "START_REVIEW", "APPROVE", "PUBLISH"], "[{}]", api.backend);
        for s in [&mut gd, &mut gd_on_zj] {
            let c = next_change(s).await.expect("the batch is public");
            assert_eq!(c["action"], "PUBLISH", "[{}] no nomination reaches Guangdong: {c}", api.backend);
            assert_eq!(c["batch"]["number"], 1);
            assert!(c["entry"].is_null());
            assert!(next_change(s).await.is_none());
        }
        // an entry outside the subscribed region is not heard of; its province's batch is
        let c = next_change(&mut hz_elsewhere).await.expect("the batch of its province");
        assert_eq!(c["action"], "PUBLISH");
        assert!(next_change(&mut hz_elsewhere).await.is_none(), "the entry is in 330106, not 3302");
    }
}
