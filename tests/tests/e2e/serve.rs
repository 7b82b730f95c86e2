//! Serving: probes, restarts, subscriptions, replicas, background analysis, the demo.
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{REGISTER, Server, databases, firm_input, postgres, uscc};

#[tokio::test]
async fn the_server_answers_graphql_graphiql_and_probes() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, db) in databases(dir.path()).await {
        let server = Server::with_admin(&db, None, &["--max-body-bytes", "4096"]);
        let http = reqwest::Client::new();
        assert_eq!(http.get(server.url("/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
        let ready = http.get(server.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200, "[{backend}]");
        let body: Value = ready.json().await.unwrap();
        assert_eq!(body["database"], "ok");
        let page = http.get(server.url("/graphql")).send().await.unwrap().text().await.unwrap();
        assert!(page.to_lowercase().contains("graphiql"), "[{backend}] GET /graphql serves GraphiQL");
        let intro = server.gql_as(None, "{ __schema { queryType { name } } }", json!({})).await;
        assert_eq!(intro["data"]["__schema"]["queryType"]["name"], "Query", "GraphiQL introspects before signing in");
        let anon = server.gql_as(None, "{ chains { code } }", json!({})).await;
        assert_eq!(anon["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        let u = uscc("91330106MA2E00001");
        let reg = server.gql(REGISTER, firm_input(&u, "端到端公司")).await;
        assert_eq!(reg["data"]["registerFirm"]["userErrors"], json!([]), "[{backend}] {reg}");
        let bad = server.gql(REGISTER, firm_input("91330106MA2E000010", "坏")).await;
        assert_eq!(bad["data"]["registerFirm"]["userErrors"][0]["code"], "INVALID_USCC");
        let too_big = http
            .post(server.url("/graphql"))
            .header("content-type", "application/json")
            .body(format!("{{\"query\": \"{{ chains {{ code }} }}\", \"x\": \"{}\"}}", "a".repeat(5000)))
            .send()
            .await
            .unwrap();
        assert_eq!(too_big.status(), 413, "[{backend}] bodies over the limit are refused");
    }
}

#[tokio::test]
async fn data_survives_a_restart_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, db) in databases(dir.path()).await {
        let u = uscc("91330106MA2E00002");
        let first = Server::with_admin(&db, None, &[]);
        let reg = first.gql(REGISTER, firm_input(&u, "持久公司")).await;
        assert_eq!(reg["data"]["registerFirm"]["userErrors"], json!([]), "[{backend}] {reg}");
        let first_token = first.token.clone();
        assert!(first.stop().success(), "[{backend}] graceful shutdown exits 0");
        let mut second = Server::start(&db, None, &[]);
        second.token = first_token.clone();
        let got = second.gql("query($u: String!) { firm(uscc: $u) { name } }", json!({"u": u})).await;
        assert_eq!(got["data"]["firm"]["name"], "持久公司", "[{backend}]");
    }
}

#[tokio::test]
async fn sigterm_stops_the_server_after_the_grace_period_even_with_a_request_left_hanging() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("grace.db").display());
    let server = Server::start(&db, None, &["--shutdown-grace-secs", "1"]);
    // a client that announces a body and never sends it: an in-flight request forever
    let mut hanging = std::net::TcpStream::connect(&server.addr).unwrap();
    write!(
        hanging,
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{"
    )
    .unwrap();
    hanging.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let started = std::time::Instant::now();
    let status = server.stop();
    assert!(status.success(), "exits 0 after the grace period: {status:?}");
    assert!(started.elapsed() >= std::time::Duration::from_millis(900), "in-flight requests get their grace period");
    drop(hanging);
}

#[tokio::test]
async fn the_demo_seeds_a_realistic_network_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
    let mut server = Server::start(&db, None, &["--demo"]);
    assert!(server.stdout.iter().any(|l| l.starts_with("Demo: seeded")), "{:?}", server.stdout);
    server.token = demo_token(&server.stdout, "admin");
    let d = server
        .gql("{ chains { code name firmCount } supplyLinks(first: 1) { pageInfo { hasNextPage } } }", json!({}))
        .await;
    let chains = d["data"]["chains"].as_array().unwrap();
    assert_eq!(chains.len(), 3, "{d}");
    let firms: i64 = chains.iter().map(|c| c["firmCount"].as_i64().unwrap()).sum();
    assert!(firms >= 1_000, "{d}");
    assert!(chains.iter().any(|c| c["name"] == "新能源汽车"));
    assert!(server.stdout.iter().any(|l| l.starts_with("Demo: analysed")), "{:?}", server.stdout);
    let cands = server
        .gql(
            "{ keyNodeCandidates(first: 3) { nodes { esri keyNode reasons { code message } firm { name } } } }",
            json!({}),
        )
        .await;
    let nodes = cands["data"]["keyNodeCandidates"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty(), "{cands}");
    assert!(nodes.iter().all(|n| n["keyNode"] == true && !n["reasons"].as_array().unwrap().is_empty()));
    assert_eq!(d["data"]["supplyLinks"]["pageInfo"]["hasNextPage"], true);
    // every screen of the whitelist has data: each state, a published batch, a recommendation
    assert!(server.stdout.iter().any(|l| l.starts_with("Demo: 9 whitelist entries")), "{:?}", server.stdout);
    let wl = server
        .gql(
            "{ whitelist(first: 50) { nodes { status recommendedBy { uscc } firm { uscc } batch { number } } } whitelistBatches { number entries } }",
            json!({}),
        )
        .await;
    let entries = wl["data"]["whitelist"]["nodes"].as_array().unwrap_or_else(|| panic!("{wl}"));
    for status in ["NOMINATED", "UNDER_REVIEW", "APPROVED", "REJECTED", "SUSPENDED", "REVOKED", "EXPIRED"] {
        assert!(entries.iter().any(|e| e["status"] == status), "no {status} entry: {wl}");
    }
    assert!(entries.iter().any(|e| !e["recommendedBy"].is_null()), "{wl}");
    assert_eq!(wl["data"]["whitelistBatches"][0]["number"], 1, "{wl}");
    let listed =
        entries.iter().find(|e| e["status"] == "APPROVED" && e["batch"]["number"] == 1).unwrap()["firm"]["uscc"]
            .as_str()
            .unwrap()
            .to_owned();
    let check: serde_json::Value =
        reqwest::get(format!("http://{}/whitelist/check/{listed}", server.addr)).await.unwrap().json().await.unwrap();
    assert_eq!(check["status"], "APPROVED", "{check}");
    // the supplier account's inbox holds its links to the demo enterprise
    let supplier = demo_token(&server.stdout, "demo-supplier");
    let inbox = server
        .gql_as(supplier.as_deref(), "{ viewer { pendingConfirmations(first: 5) { nodes { id } } } }", json!({}))
        .await;
    assert!(!inbox["data"]["viewer"]["pendingConfirmations"]["nodes"].as_array().unwrap().is_empty(), "{inbox}");
    drop(server);
    let again = Server::start(&db, None, &["--demo"]);
    assert!(again.stdout.iter().any(|l| l.contains("already has firms")), "{:?}", again.stdout);
}

async fn subscribe(
    server: &Server,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut req = format!("ws://{}/graphql/ws", server.addr).into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let init = json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", server.token.as_deref().unwrap_or(""))}});
    ws.send(Message::text(init.to_string())).await.unwrap();
    let ack = ws.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { networkChanged { kind subjectId } }"}});
    ws.send(Message::text(sub.to_string())).await.unwrap();
    // let the subscription register before anything is published
    tokio::time::sleep(Duration::from_millis(300)).await;
    ws
}

async fn next_event(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    id: &str,
) -> Value {
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(msg) = ws.next().await {
            let Ok(Message::Text(t)) = msg else { continue };
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "next" && v["payload"]["data"]["networkChanged"]["subjectId"] == id {
                return v["payload"]["data"]["networkChanged"].clone();
            }
        }
        panic!("subscription closed");
    })
    .await
    .expect("no event within 10 s")
}

#[tokio::test]
async fn graphql_ws_subscribers_see_committed_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("ws.db").display());
    let server = Server::with_admin(&db, None, &[]);
    let mut ws = subscribe(&server).await;
    let reg = server.gql(REGISTER, firm_input(&uscc("91330106MA2E00003"), "订阅公司")).await;
    let id = reg["data"]["registerFirm"]["firm"]["id"].as_str().unwrap().to_owned();
    let event = next_event(&mut ws, &id).await;
    assert_eq!(event["kind"], "FIRM_REGISTERED");
}

#[tokio::test]
async fn replicas_sharing_postgres_and_redis_see_each_others_changes() {
    let (Some(db), Ok(redis)) = (postgres().await, std::env::var("LINCHPIN_TEST_REDIS_URL")) else {
        assert!(std::env::var("LINCHPIN_REQUIRE_SERVICES").is_err(), "CI requires PostgreSQL and Redis");
        eprintln!("LINCHPIN_TEST_DATABASE_URL or LINCHPIN_TEST_REDIS_URL is not set: skipping the two-replica test");
        return;
    };
    let a = Server::with_admin(&db, Some(&redis), &[]);
    let b = Server::with_admin(&db, Some(&redis), &[]);
    let ready: Value = reqwest::get(a.url("/readyz")).await.unwrap().json().await.unwrap();
    assert_eq!(ready["events"], json!({"bus": "redis", "status": "ok"}));
    let mut ws = subscribe(&a).await;
    let reg = b.gql(REGISTER, firm_input(&uscc("91330106MA2E00004"), "副本公司")).await;
    let id = reg["data"]["registerFirm"]["firm"]["id"].as_str().unwrap().to_owned();
    let event = next_event(&mut ws, &id).await;
    assert_eq!(event["kind"], "FIRM_REGISTERED");
    let seen = a.gql("query($u: String!) { firm(uscc: $u) { name } }", json!({"u": uscc("91330106MA2E00004")})).await;
    assert_eq!(seen["data"]["firm"]["name"], "副本公司");
}

/// The token a `--demo` start printed for `account`.
pub fn demo_token(stdout: &[String], account: &str) -> Option<String> {
    stdout.iter().find_map(|l| {
        let mut parts = l.split_whitespace();
        (parts.next() == Some(account)).then(|| parts.nth(1).map(str::to_owned)).flatten()
    })
}

#[tokio::test]
async fn changes_trigger_a_background_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("bg.db").display());
    let server = Server::with_admin(&db, None, &["--analysis-debounce-secs", "1"]);
    let u = uscc("91330106MA2E00005");
    let reg = server.gql(REGISTER, firm_input(&u, "后台分析公司")).await;
    assert_eq!(reg["data"]["registerFirm"]["userErrors"], json!([]), "{reg}");
    let q = "query($u: String!) { firm(uscc: $u) { assessment { esri analysisRun { trigger firms } } } }";
    let mut last = json!(null);
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        last = server.gql(q, json!({"u": u})).await;
        if !last["data"]["firm"]["assessment"].is_null() {
            break;
        }
    }
    let run = &last["data"]["firm"]["assessment"]["analysisRun"];
    assert_eq!(run["trigger"], "changes", "{last}");
    assert_eq!(run["firms"], 1);
}
