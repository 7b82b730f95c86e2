//! Many clients changing the same object at the same moment: exactly one wins, every other one
//! gets an expected user error, and nobody gets INTERNAL, on SQLite as on PostgreSQL.
use std::collections::HashMap;

use futures_util::future::join_all;
use linchpin_domain::Role;
use serde_json::{Value, json};

use crate::helpers::{DECLARE, REGISTER, TestApi, backends, register, uscc};

/// Runs `n` copies of a mutation at once as `viewer` and counts the outcomes: `OK`, a user error
/// code, or a transport error code.
async fn race(
    api: &TestApi,
    viewer: &linchpin_domain::Viewer,
    n: usize,
    query: &str,
    vars: Value,
) -> HashMap<String, usize> {
    let runs = (0..n).map(|_| api.run_as(Some(viewer), query, vars.clone()));
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    for r in join_all(runs).await {
        let key = if let Some(code) = r["errors"][0]["extensions"]["code"].as_str() {
            format!("transport:{code}")
        } else {
            let payload = r["data"].as_object().and_then(|o| o.values().next()).cloned().unwrap_or(Value::Null);
            match payload["userErrors"][0]["code"].as_str() {
                Some(code) => code.to_owned(),
                None => "OK".to_owned(),
            }
        };
        *outcomes.entry(key).or_default() += 1;
    }
    outcomes
}

fn assert_one_winner(api: &TestApi, what: &str, outcomes: &HashMap<String, usize>, losers: &[&str]) {
    assert_eq!(outcomes.get("OK"), Some(&1), "[{}] {what}: {outcomes:?}", api.backend);
    for (k, _) in outcomes.iter().filter(|(k, _)| k.as_str() != "OK") {
        assert!(losers.contains(&k.as_str()), "[{}] {what}: unexpected outcome {k} in {outcomes:?}", api.backend);
    }
}

#[tokio::test]
async fn thirty_two_concurrent_changes_to_one_object_give_one_winner_and_no_internal_error() {
    for api in backends().await {
        let s = register(&api, "91330106MA2R00001", "竞争甲", "330106").await;
        let c = register(&api, "91330106MA2R00002", "竞争乙", "330106").await;
        let customer = api.account("race-customer", Role::Enterprise, None, Some(&c)).await;
        let supplier = api.account("race-supplier", Role::Enterprise, None, Some(&s)).await;
        let d = api
            .run_as(
                Some(&customer),
                DECLARE,
                json!({"input": {"supplierUscc": s, "customerUscc": c, "product": "件", "annualValue10kCny": 5.0, "essentiality": "ESSENTIAL"}}),
            )
            .await;
        let link = d["data"]["declareSupplyLink"]["supplyLink"].clone();
        let confirm = "mutation($i: ConfirmSupplyLinkInput!) { confirmSupplyLink(input: $i) { supplyLink { version } userErrors { code } } }";
        let got =
            race(&api, &supplier, 32, confirm, json!({"i": {"id": link["id"], "version": link["version"]}})).await;
        assert_one_winner(&api, "confirm", &got, &["VERSION_CONFLICT", "INVALID_STATE"]);

        let remove = "mutation($i: RemoveSupplyLinkInput!) { removeSupplyLink(input: $i) { removedSupplyLinkId userErrors { code } } }";
        let got = race(&api, &supplier, 32, remove, json!({"i": {"id": link["id"], "version": 2}})).await;
        assert_one_winner(&api, "remove", &got, &["VERSION_CONFLICT", "NOT_FOUND"]);

        let u = uscc("91330106MA2R00003");
        let input = json!({"input": {"uscc": u, "name": "同号", "regionCode": "330106", "industryCode": "C36"}});
        let got = race(&api, &api.admin.clone(), 32, REGISTER, input).await;
        assert_one_winner(&api, "register", &got, &["DUPLICATE"]);
        let audit = api
            .data("{ auditEvents(first: 100, filter: {action: \"firm.register\"}) { nodes { objectId } } }", json!({}))
            .await;
        assert_eq!(
            audit["auditEvents"]["nodes"].as_array().unwrap().len(),
            3,
            "[{}] one event per registered firm",
            api.backend
        );
    }
}

#[tokio::test]
async fn a_write_while_another_process_holds_sqlite_waits_then_answers_conflict_not_internal() {
    use linchpin_store::{ConnectionTrait, Store, StoreOptions, TransactionTrait};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("busy.db").display());
    let options = StoreOptions { sqlite_busy_timeout: std::time::Duration::from_millis(500) };
    let store = Store::connect_with(&url, options).await.unwrap();
    store.migrate().await.unwrap();
    let api = crate::helpers::api_over(store).await;
    // "another process": a second pool on the same file holding a write transaction, as an import does
    let other = Store::connect(&url).await.unwrap();
    let held = other.db().begin().await.unwrap();
    held.execute_unprepared("INSERT INTO chain (code, name) VALUES ('HELD', 'held')").await.unwrap();
    let input = json!({"input": {"uscc": uscc("91330106MA2R00009"), "name": "等待", "regionCode": "330106", "industryCode": "C36"}});
    let refused = api.run(REGISTER, input.clone()).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "CONFLICT", "{refused}");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("busy"));
    held.commit().await.unwrap();
    let done = api.data(REGISTER, input).await;
    assert_eq!(done["registerFirm"]["userErrors"], json!([]));
}
