//! A chain leader's supplier list over real HTTP (a GraphQL multipart request, as curl sends it),
//! on the demo: the example file's deliberate bad row, the corrected upload, a pending supplier's
//! account hearing of a changed row live and confirming from its inbox, and the coverage report.
use serde_json::{Value, json};

use crate::helpers::{Server, Ws, WsSeen, create_account};
use crate::serve::demo_token;

const IMPORT: &str = "mutation($i: ImportSupplierListInput!) { importSupplierList(input: $i) { \
    summary { rows created updated unchanged pendingFirms } errors { line column code } userErrors { code } } }";

/// POSTs `importSupplierList` with `file` as a GraphQL multipart request.
pub async fn upload(server: &Server, token: &str, file_name: &str, content: &[u8]) -> Value {
    let boundary = "----linchpin-test-boundary";
    let operations = json!({"query": IMPORT, "variables": {"i": {"file": null}}}).to_string();
    let mut body = Vec::new();
    let mut part = |headers: String, data: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    };
    part("Content-Disposition: form-data; name=\"operations\"".into(), operations.as_bytes());
    part("Content-Disposition: form-data; name=\"map\"".into(), br#"{"0": ["variables.i.file"]}"#);
    part(
        format!("Content-Disposition: form-data; name=\"0\"; filename=\"{file_name}\"\r\nContent-Type: text/csv"),
        content,
    );
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    reqwest::Client::new()
        .post(server.url("/graphql"))
        .bearer_auth(token)
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_demo_enterprise_goes_from_a_spreadsheet_to_confirmed_links_and_a_coverage_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("suppliers.db").display());
    let server = Server::start(&db, None, &["--demo"]);
    let ent = demo_token(&server.stdout, "demo-enterprise").unwrap();
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/examples/supplier-list.csv")).unwrap();
    // the example's deliberate bad row: a mistyped check digit on line 8
    let first = upload(&server, &ent, "supplier-list.csv", example.as_bytes()).await;
    let p = &first["data"]["importSupplierList"];
    assert!(p["summary"].is_null(), "{first}");
    assert_eq!(p["errors"], json!([{"line": 8, "column": "supplier_uscc", "code": "INVALID_USCC"}]), "{first}");
    // corrected: the row names the same supplier as lines 4 and 5
    let fixed = example.replace("91330110MA2H7K3Q01", "91330110MA2H7K3Q0D");
    let second = upload(&server, &ent, "supplier-list.csv", fixed.as_bytes()).await;
    assert_eq!(
        second["data"]["importSupplierList"]["summary"],
        json!({"rows": 7, "created": 7, "updated": 0, "unchanged": 0, "pendingFirms": 3}),
        "{second}"
    );
    // the pending supplier gets an account, subscribes, and hears of a changed row at once
    let supplier = create_account(&db, &["--role", "enterprise", "--firm", "91330110MA2H7K3Q0D", "--name", "yuhang"]);
    let mut ws = Ws::connect(&server, Some(&supplier)).await;
    ws.send("s", "subscription { supplyLinkChanged { kind subjectId } }").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let changed = fixed.replace(",电芯连接片,1250,", ",电芯连接片,1300,");
    let third = upload(&server, &ent, "supplier-list.csv", changed.as_bytes()).await;
    assert_eq!(third["data"]["importSupplierList"]["summary"]["updated"], 1, "{third}");
    let heard = loop {
        match ws.next(10).await {
            Some(WsSeen::Message(m)) if m["id"] == "s" => break m,
            Some(WsSeen::Message(_)) => continue,
            other => panic!("no event: {other:?}"),
        }
    };
    assert_eq!(heard["payload"]["data"]["supplyLinkChanged"]["kind"], "LINK_DECLARED", "{heard}");
    // its inbox holds its three links; it confirms them in one call
    let inbox = server
        .gql_as(Some(&supplier), "{ viewer { pendingConfirmations(first: 10) { nodes { id product } } } }", json!({}))
        .await;
    let ids: Vec<Value> = inbox["data"]["viewer"]["pendingConfirmations"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{inbox}"))
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(ids.len(), 3, "{inbox}");
    let confirm = "mutation($i: ConfirmSupplyLinksInput!) { confirmSupplyLinks(input: $i) { supplyLinks { status } userErrors { code } } }";
    let done = server.gql_as(Some(&supplier), confirm, json!({"i": {"ids": ids}})).await;
    assert_eq!(done["data"]["confirmSupplyLinks"]["supplyLinks"].as_array().unwrap().len(), 3, "{done}");
    // the chain leader's coverage report names what is confirmed and its single sources
    let q = "{ viewer { firm { supplierCoverage { declared confirmed pending confirmedShare \
             singleSources { industry share supplier { name verification } } } } } }";
    let cov = server.gql_as(Some(&ent), q, json!({})).await;
    let c = &cov["data"]["viewer"]["firm"]["supplierCoverage"];
    assert!(c["confirmed"].as_u64().unwrap() >= 3, "{cov}");
    assert_eq!(c["pending"], 5, "links to the three pending suppliers: {cov}");
    let singles = c["singleSources"].as_array().unwrap();
    assert!(
        singles.iter().any(|s| s["supplier"]["name"] == "深圳前海储能科技有限公司" && s["industry"] == "C3841"),
        "{cov}"
    );
}
