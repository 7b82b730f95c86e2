//! The hostile-query suite and clean refusals, against the real server, on both transports.
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{REGISTER, Server, Ws, WsSeen, binary, create_account, firm_input, uscc};

/// Sends raw bytes as an HTTP/1.1 request and returns the status and the body parsed as JSON.
async fn raw(server: &Server, request: &[u8]) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(&server.addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status: u16 = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // a chunked response body: take the JSON object out of it
    let json_text = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) if b > a => &body[a..=b],
        _ => "null",
    };
    (status, serde_json::from_str(json_text).unwrap_or(Value::Null))
}

fn post(path: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn every_http_level_refusal_is_a_json_body_with_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("refuse.db").display());
    let server = Server::with_admin(&db, None, &["--max-body-bytes", "2048"]);
    // malformed JSON
    let (status, body) = raw(&server, &post("/graphql", "application/json", "{\"query\": ")).await;
    assert_eq!((status, code(&body)), (400, "VALIDATION"), "{body}");
    assert!(!body["errors"][0]["message"].as_str().unwrap().contains("Error("), "no debug text: {body}");
    // NaN is not JSON
    let (status, body) = raw(
        &server,
        &post("/graphql", "application/json", "{\"query\": \"{ viewer { username } }\", \"variables\": {\"x\": NaN}}"),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "VALIDATION"), "{body}");
    // a body over the limit, announced
    let big = format!("{{\"query\": \"{}\"}}", " ".repeat(4096));
    let (status, body) = raw(&server, &post("/graphql", "application/json", &big)).await;
    assert_eq!((status, code(&body)), (413, "VALIDATION"), "{body}");
    // a body over the limit, chunked (no Content-Length)
    let mut chunked = b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..8 {
        let chunk = " ".repeat(1000);
        chunked.extend(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
    }
    chunked.extend(b"0\r\n\r\n");
    let (status, body) = raw(&server, &chunked).await;
    assert_eq!((status, code(&body)), (413, "VALIDATION"), "{body}");
    // a content type that is not a GraphQL request
    let (status, body) = raw(&server, &post("/graphql", "text/plain", "{ viewer { username } }")).await;
    assert_eq!((status, code(&body)), (415, "VALIDATION"), "{body}");
    // a path that does not exist
    let (status, body) = raw(&server, b"GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert_eq!((status, code(&body)), (404, "NOT_FOUND"), "{body}");
}

fn nested_customers(levels: usize) -> String {
    let mut q = String::from("{ firms(first: 100) { nodes { id ");
    for _ in 0..levels - 1 {
        q.push_str("customers(first: 100) { nodes { customer { id ");
    }
    for _ in 0..levels - 1 {
        q.push_str("} } } ");
    }
    q.push_str("} } }");
    q
}

fn aliased(prefix: &str, field: &str, n: usize) -> String {
    let body: Vec<String> = (0..n).map(|i| format!("a{i}: {field}")).collect();
    format!("{prefix} {{ {} }}", body.join(" "))
}

#[tokio::test]
async fn hostile_queries_are_refused_on_http_and_on_graphql_ws() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("hostile.db").display());
    let server = Server::with_admin(&db, None, &["--analysis-debounce-secs", "0"]);
    let u = uscc("91330106MA2K00001");
    server.gql(REGISTER, firm_input(&u, "靶子")).await;
    let sim = format!("simulateDisruption(input: {{closures: [{{uscc: \"{u}\"}}]}}) {{ affectedFirms }}");
    let probes = [
        nested_customers(4),
        aliased("query", &sim, 1_000),
        aliased("mutation", "runAnalysis { analysisRun { id } }", 666),
    ];
    let mut ws = Ws::connect(&server, server.token.as_deref()).await;
    for (i, q) in probes.iter().enumerate() {
        let http = server.gql(q, json!({})).await;
        assert_eq!(code(&http), "VALIDATION", "HTTP probe {i}: {http}");
        assert!(http["data"].is_null());
        let over_ws = ws.query(&format!("p{i}"), q).await;
        assert_eq!(code(&over_ws), "VALIDATION", "graphql-ws probe {i}: {over_ws}");
    }
    // nothing ran: no analysis was stored
    let runs = server.gql("{ keyNodeCandidates(first: 1) { nodes { esri } } }", json!({})).await;
    assert_eq!(runs["data"]["keyNodeCandidates"]["nodes"], json!([]), "{runs}");
}

#[tokio::test]
async fn graphql_ws_operations_are_rate_limited_like_http_requests() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("wsrate.db").display());
    let server = Server::with_admin(&db, None, &["--rate-limit-burst", "10", "--rate-limit-per-second", "0.5"]);
    let mut ws = Ws::connect(&server, server.token.as_deref()).await;
    for i in 0..40 {
        ws.send(&format!("q{i}"), "{ viewer { username } }").await;
    }
    let (mut ok, mut limited) = (0, 0);
    let mut answered = 0;
    while answered < 40 {
        match ws.next(10).await {
            Some(WsSeen::Message(m)) if m["type"] == "next" => {
                answered += 1;
                if m["payload"]["errors"][0]["extensions"]["code"] == "RATE_LIMITED" {
                    limited += 1;
                } else {
                    ok += 1;
                }
            }
            Some(WsSeen::Message(_)) => {}
            other => panic!("connection ended early: {other:?}"),
        }
    }
    assert!(ok <= 12, "a burst of 10 allows about 10, not {ok}");
    assert!(limited >= 28, "{limited} of 40 rate limited");
}

#[tokio::test]
async fn a_disabled_account_a_revoked_token_or_a_logout_ends_live_connections_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("wsend.db").display());
    let server = Server::with_admin(&db, None, &[]);
    let subscription = "subscription { networkChanged { kind } }";

    // disable (an operator command in another process)
    let name = format!("ws-bureau-{}", rand::random::<u32>());
    let token = create_account(&db, &["--role", "bureau", "--name", &name, "--jurisdiction", "33"]);
    let mut ws = Ws::connect(&server, Some(&token)).await;
    ws.send("s", subscription).await;
    let out = std::process::Command::new(binary())
        .args(["account", "disable", "--name", &name])
        .env("LINCHPIN_DATABASE_URL", &db)
        .env("LINCHPIN_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(ws.closed_within(2).await, Some(Some(4403)), "disabling the account closes its connection");

    // logout on the very socket
    let name = format!("ws-coord-{}", rand::random::<u32>());
    let token = create_account(&db, &["--role", "coordinator", "--name", &name, "--jurisdiction", "3301"]);
    let mut ws = Ws::connect(&server, Some(&token)).await;
    let me = ws.query("who", "{ viewer { username } }").await;
    assert_eq!(me["data"]["viewer"]["username"], name.as_str());
    let logout = ws.query("bye", "mutation { logout { revokedTokenId userErrors { code } } }").await;
    assert!(logout["data"]["logout"]["revokedTokenId"].is_string(), "the logout answer arrives first: {logout}");
    assert_eq!(ws.closed_within(2).await, Some(Some(4403)), "logging out on the socket closes it");

    // a token that was revoked answers UNAUTHENTICATED on a new connection's operations
    let mut anon = Ws::connect(&server, Some(&token)).await;
    let r = anon.query("q", "{ viewer { username } }").await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
}

#[tokio::test]
async fn metrics_are_served_in_the_prometheus_format() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("metrics.db").display());
    let server = Server::with_admin(&db, None, &[]);
    server.gql("{ viewer { username } }", json!({})).await;
    server.gql("{ nonsense }", json!({})).await;
    let text = reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap();
    for needle in [
        "linchpin_graphql_requests_total{",
        "operation=\"viewer\"",
        "outcome=\"ok\"",
        "outcome=\"VALIDATION\"",
        "linchpin_graphql_request_duration_seconds",
        "linchpin_db_pool_connections",
    ] {
        assert!(text.contains(needle), "{needle} missing from /metrics:\n{text}");
    }
}

#[tokio::test]
async fn start_up_errors_name_the_host_and_the_cause_and_never_a_password() {
    let run = |db: &str, redis: Option<&str>| {
        let started = std::time::Instant::now();
        let mut cmd = std::process::Command::new(binary());
        cmd.args(["serve", "--bind", "127.0.0.1:0"]).env("LINCHPIN_DATABASE_URL", db).env("LINCHPIN_LOG", "info");
        cmd.env_remove("LINCHPIN_REDIS_URL");
        if let Some(r) = redis {
            cmd.env("LINCHPIN_REDIS_URL", r);
        }
        let out = cmd.output().unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), all, started.elapsed())
    };
    // nothing listens on port 1
    let (ok, text, took) = run("postgres://app:s3cret@127.0.0.1:1/linchpin", None);
    assert!(!ok && took < Duration::from_secs(10), "{took:?} {text}");
    assert!(text.contains("127.0.0.1:1") && text.contains("refused"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
    // an unsupported scheme
    let (ok, text, _) = run("mysql://root:hunter2@db/x", None);
    assert!(!ok && text.contains("not a supported database URL") && !text.contains("hunter2"), "{text}");
    // an unparsable Redis URL
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("startup.db").display());
    let (ok, text, _) = run(&db, Some("redis://:s3cret@cache:notaport"));
    assert!(!ok && !text.contains("s3cret"), "{text}");
}

#[tokio::test]
async fn the_demo_mints_tokens_only_for_accounts_it_created_itself() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("notdemo.db").display());
    // an operator's database with a real admin named `admin` and a firm
    create_account(&db, &["--role", "admin", "--name", "admin"]);
    let firms = dir.path().join("firms.csv");
    std::fs::write(
        &firms,
        format!(
            "uscc,name,region_code,industry_code,employees,revenue_10k_cny,chains\n{},实企,330106,C36,10,100,NEV\n",
            uscc("91330106MA2K00002")
        ),
    )
    .unwrap();
    let out = std::process::Command::new(binary())
        .args(["import", "--firms", firms.to_str().unwrap()])
        .env("LINCHPIN_DATABASE_URL", &db)
        .env("LINCHPIN_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let server = Server::start(&db, None, &["--demo"]);
    assert!(!server.stdout.iter().any(|l| l.contains("lp_")), "no token printed: {:?}", server.stdout);
    assert!(server.stdout.iter().any(|l| l.contains("not seeded by the demo")), "{:?}", server.stdout);
}
