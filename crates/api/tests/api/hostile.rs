//! Queries a careless or hostile client sends: each is refused before any resolver runs (no
//! statement reaches the database), with a coded error.
use linchpin_domain::Role;
use serde_json::json;

use crate::helpers::{TestApi, backends, register};

fn nested_customers(levels: usize, first: u32) -> String {
    let mut q = format!("{{ firms(first: {first}) {{ nodes {{ id ");
    for _ in 0..levels - 1 {
        q.push_str(&format!("customers(first: {first}) {{ nodes {{ customer {{ id "));
    }
    for _ in 0..levels - 1 {
        q.push_str("} } } ");
    }
    q.push_str("} } }");
    q
}

fn aliased(field: &str, n: usize) -> String {
    let mut q = String::from(if field.starts_with("run") { "mutation { " } else { "{ " });
    for i in 0..n {
        q.push_str(&format!("a{i}: {field} "));
    }
    q.push('}');
    q
}

async fn refused_without_touching_the_database(api: &TestApi, query: &str) -> serde_json::Value {
    let before = api.store.statement_count();
    let v = api.run(query, json!({})).await;
    assert_eq!(api.store.statement_count(), before, "[{}] a statement ran for a refused query", api.backend);
    assert!(v["data"].is_null(), "[{}] {v}", api.backend);
    assert_eq!(v["errors"][0]["extensions"]["code"], "VALIDATION", "[{}] {v}", api.backend);
    v
}

#[tokio::test]
async fn queries_that_would_fan_out_are_refused_by_their_cost() {
    for api in backends().await {
        register(&api, "91330106MA2H00001", "花费", "330106").await;
        // four levels of 100 would be 100,000,000 rows: refused
        let v = refused_without_touching_the_database(&api, &nested_customers(4, 100)).await;
        assert!(v["errors"][0]["message"].as_str().unwrap().contains("complex"), "{v}");
        // two levels of 100 links each would be 10,000 rows: refused too
        refused_without_touching_the_database(&api, &nested_customers(2, 100)).await;
        // a page of 20 firms with 5 links each is an ordinary screen
        let ok = api.run(&nested_customers(2, 5), json!({})).await;
        assert!(ok.get("errors").is_none(), "[{}] {ok}", api.backend);
    }
}

#[tokio::test]
async fn expensive_operations_are_priced_so_only_a_few_fit_in_a_request() {
    for api in backends().await {
        let u = register(&api, "91330106MA2H00002", "模拟", "330106").await;
        let sim = format!("simulateDisruption(input: {{closures: [{{uscc: \"{u}\"}}]}}) {{ affectedFirms }}");
        refused_without_touching_the_database(&api, &aliased(&sim, 1_000)).await;
        refused_without_touching_the_database(&api, &aliased(&sim, 7)).await;
        refused_without_touching_the_database(&api, &aliased("runAnalysis { analysisRun { id } }", 666)).await;
        refused_without_touching_the_database(&api, &aliased("runAnalysis { analysisRun { id } }", 2)).await;
        api.state.network.reload(&api.store).await.unwrap();
        let few = api.run(&aliased(&sim, 3), json!({})).await;
        assert!(few.get("errors").is_none(), "[{}] three simulations fit: {few}", api.backend);
    }
}

#[tokio::test]
async fn concurrent_analysis_requests_share_one_run_and_each_account_has_its_own_rate() {
    for api in backends().await {
        register(&api, "91330106MA2H00003", "分析", "330106").await;
        let bureau = api.account("rate-bureau", Role::Bureau, Some("33"), None).await;
        let q = "mutation { runAnalysis { analysisRun { id } } }";
        let (a, b) = tokio::join!(api.run_as(Some(&bureau), q, json!({})), api.run(q, json!({})));
        let (ida, idb) =
            (&a["data"]["runAnalysis"]["analysisRun"]["id"], &b["data"]["runAnalysis"]["analysisRun"]["id"]);
        assert!(ida.is_string(), "[{}] {a}", api.backend);
        assert_eq!(ida, idb, "[{}] two requests at once share the run in flight", api.backend);
        // the bureau has used one of its three; two more, then RATE_LIMITED with a wait
        for _ in 0..2 {
            let r = api.run_as(Some(&bureau), q, json!({})).await;
            assert!(r.get("errors").is_none(), "[{}] {r}", api.backend);
        }
        let limited = api.run_as(Some(&bureau), q, json!({})).await;
        assert_eq!(limited["errors"][0]["extensions"]["code"], "RATE_LIMITED", "[{}] {limited}", api.backend);
        assert!(limited["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() >= 1);
    }
}

#[tokio::test]
async fn names_with_bidi_overrides_or_zero_width_characters_are_refused_and_text_is_nfc() {
    for api in backends().await {
        for (body, name) in [("91330106MA2H00004", "好公司\u{202E}司公坏"), ("91330106MA2H00005", "甲\u{200B}乙")]
        {
            let d = api
                .data(
                    crate::helpers::REGISTER,
                    json!({"input": {"uscc": crate::helpers::uscc(body), "name": name, "regionCode": "330106", "industryCode": "C36"}}),
                )
                .await;
            let e = &d["registerFirm"]["userErrors"][0];
            assert_eq!(e["code"], "INVALID_TEXT", "[{}] {d}", api.backend);
            assert_eq!(e["field"], json!(["input", "name"]));
        }
        let d = api
            .data(
                crate::helpers::REGISTER,
                json!({"input": {"uscc": crate::helpers::uscc("91330106MA2H00006"), "name": "Cafe\u{301}精密", "regionCode": "330106", "industryCode": "C36"}}),
            )
            .await;
        assert_eq!(d["registerFirm"]["firm"]["name"], "Caf\u{e9}精密", "[{}] stored in NFC", api.backend);
    }
}
