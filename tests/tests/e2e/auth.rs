//! Signing in, rate limits, request ids and tokens, against the real server.
use serde_json::{Value, json};

use crate::helpers::{Server, TestDb, binary, create_account, databases, postgres};

async fn post(server: &Server, token: Option<&str>) -> reqwest::Response {
    let mut req =
        reqwest::Client::new().post(server.url("/graphql")).json(&json!({"query": "{ viewer { username } }"}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn accounts_are_rate_limited_with_a_retry_hint_in_memory_and_in_redis() {
    let dir = tempfile::tempdir().unwrap();
    let mut setups: Vec<(TestDb, Option<String>)> = Vec::new();
    let sqlite = format!("sqlite://{}?mode=rwc", dir.path().join("rl.db").display());
    setups.push((TestDb::Sqlite(sqlite), None));
    match (postgres().await, std::env::var("LINCHPIN_TEST_REDIS_URL")) {
        (Some(db), Ok(redis)) => setups.push((TestDb::Postgres(db), Some(redis))),
        _ => {
            assert!(std::env::var("LINCHPIN_REQUIRE_SERVICES").is_err(), "CI requires PostgreSQL and Redis");
            eprintln!("PostgreSQL or Redis not configured: skipping the Redis rate-limit run");
        }
    }
    for (db, redis) in setups {
        let server =
            Server::with_admin(&db, redis.as_deref(), &["--rate-limit-burst", "3", "--rate-limit-per-second", "0.2"]);
        let token = server.token.clone();
        for i in 0..3 {
            assert_eq!(post(&server, token.as_deref()).await.status(), 200, "request {i} ({redis:?})");
        }
        let limited = post(&server, token.as_deref()).await;
        assert_eq!(limited.status(), 429, "({redis:?})");
        let retry: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=5).contains(&retry), "{retry}");
        let body: Value = limited.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
        assert_eq!(body["errors"][0]["extensions"]["retryAfterSeconds"], retry);
        // another account has its own bucket
        let other = create_account(
            &db,
            &["--role", "bureau", "--name", &format!("other-{}", rand::random::<u32>()), "--jurisdiction", "33"],
        );
        assert_eq!(post(&server, Some(&other)).await.status(), 200);
    }
}

#[tokio::test]
async fn requests_get_a_request_id_and_bad_tokens_are_anonymous() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, db) in databases(dir.path()).await {
        let server = Server::with_admin(&db, None, &[]);
        let resp = reqwest::Client::new()
            .post(server.url("/graphql"))
            .header("x-request-id", "req-abc_123")
            .bearer_auth(server.token.as_deref().unwrap())
            .json(&json!({"query": "{ viewer { role } }"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["x-request-id"], "req-abc_123", "[{backend}]");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["data"]["viewer"]["role"], "ADMIN");
        let bad: Value = post(&server, Some("lp_forged")).await.json().await.unwrap();
        assert_eq!(bad["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "[{backend}] {bad}");
    }
}

#[test]
fn the_account_command_creates_lists_and_disables_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("acct.db").display());
    let run = |args: &[&str], stdin: Option<&str>| {
        use std::io::Write;
        let mut child = std::process::Command::new(binary())
            .args(args)
            .env("LINCHPIN_DATABASE_URL", &db)
            .env("LINCHPIN_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(s) = stdin {
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let out = run(
        &["account", "create", "--role", "ADMIN", "--name", "root-admin", "--password-stdin"],
        Some("correct horse battery\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().last().unwrap().starts_with("lp_"), "{text}");
    for (args, why) in [
        (vec!["account", "create", "--role", "BUREAU", "--name", "no-jurisdiction"], "need a jurisdiction"),
        (vec!["account", "create", "--role", "BUREAU", "--name", "bad-j", "--jurisdiction", "99"], "province"),
        (
            vec!["account", "create", "--role", "ENTERPRISE", "--name", "no-firm", "--firm", "91350100M000100Y43"],
            "NOT_FOUND",
        ),
        (vec!["account", "create", "--role", "KING", "--name", "king"], "role must be"),
        (vec!["account", "create", "--role", "ADMIN", "--name", "root-admin"], "already exists"),
    ] {
        let out = run(&args, None);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{args:?}: {err}");
    }
    let list = String::from_utf8(run(&["account", "list"], None).stdout).unwrap();
    assert_eq!(list.trim(), "root-admin (ADMIN)");
    let out = run(&["account", "disable", "--name", "root-admin"], None);
    assert!(out.status.success());
    let list = String::from_utf8(run(&["account", "list"], None).stdout).unwrap();
    assert_eq!(list.trim(), "root-admin (ADMIN) disabled");
}

#[tokio::test]
async fn subscriptions_need_a_token_in_connection_init() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("wsauth.db").display());
    let server = Server::with_admin(&db, None, &[]);
    let mut req = format!("ws://{}/graphql/ws", server.addr).into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws.send(Message::text(json!({"type": "connection_init"}).to_string())).await.unwrap();
    let _ack = ws.next().await.unwrap().unwrap();
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { networkChanged { kind } }"}});
    ws.send(Message::text(sub.to_string())).await.unwrap();
    let reply = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next()).await.unwrap().unwrap().unwrap();
    let v: Value = serde_json::from_str(reply.to_text().unwrap()).unwrap();
    // graphql-transport-ws delivers the resolver's error as the subscription's only result
    assert_eq!(v["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{v}");
    assert!(v["payload"]["data"].is_null(), "{v}");
}
