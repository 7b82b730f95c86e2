//! The whitelist over real HTTP: the public check (four fields, rate-limited per address, switched
//! off by configuration), the bureau's download, the operator's `export whitelist`, and live
//! whitelist changes across two replicas sharing PostgreSQL and Redis.
use std::process::Command;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{REGISTER, Server, binary, create_account, databases, postgres, uscc};

/// Accounts of a whitelist journey on `db`.
struct Desk {
    zj1: String,
    zj2: String,
}

fn desk(db: &str) -> Desk {
    Desk {
        zj1: create_account(db, &["--role", "bureau", "--jurisdiction", "33", "--name", "zj-1"]),
        zj2: create_account(db, &["--role", "bureau", "--jurisdiction", "33", "--name", "zj-2"]),
    }
}

fn payload<'a>(v: &'a Value, field: &str) -> &'a Value {
    assert!(v.get("errors").is_none(), "{v}");
    let p = &v["data"][field];
    assert_eq!(p["userErrors"], json!([]), "{v}");
    p
}

/// Registers a small NEV firm in Hangzhou and returns its USCC.
async fn register(server: &Server, body: &str, name: &str) -> String {
    let u = uscc(body);
    let input = json!({"input": {"uscc": u, "name": name, "regionCode": "330106", "industryCode": "C36",
        "employees": 30, "revenue10kCny": 500.0, "chains": ["NEV"]}});
    let r = server.gql(REGISTER, input).await;
    assert_eq!(r["data"]["registerFirm"]["userErrors"], json!([]), "{r}");
    u
}

/// Nominates `uscc` as zj-1; returns the entry.
async fn nominate(server: &Server, d: &Desk, uscc: &str) -> Value {
    let q = "mutation($i: NominateFirmInput!) { nominateFirm(input: $i) { entry { id version } userErrors { code } } }";
    let r = server.gql_as(Some(&d.zj1), q, json!({"i": {"uscc": uscc, "chain": "NEV", "justification": "关键"}})).await;
    payload(&r, "nominateFirm")["entry"].clone()
}

/// Nominates, reviews (zj-1) and approves (zj-2) `uscc`.
async fn approve(server: &Server, d: &Desk, uscc: &str) {
    let e = nominate(server, d, uscc).await;
    let q = "mutation($i: WhitelistStepInput!) { startReview(input: $i) { entry { id version } userErrors { code } } }";
    let r =
        server.gql_as(Some(&d.zj1), q, json!({"i": {"id": e["id"], "version": e["version"], "comment": "受理"}})).await;
    let e = payload(&r, "startReview")["entry"].clone();
    let q =
        "mutation($i: WhitelistValidityInput!) { approveEntry(input: $i) { entry { status } userErrors { code } } }";
    let input =
        json!({"i": {"id": e["id"], "version": e["version"], "comment": "同意", "validUntil": "2030-12-31T00:00:00Z"}});
    let r = server.gql_as(Some(&d.zj2), q, input).await;
    assert_eq!(payload(&r, "approveEntry")["entry"]["status"], "APPROVED");
}

async fn publish(server: &Server, d: &Desk) {
    let q = "mutation($i: PublishBatchInput!) { publishBatch(input: $i) { batch { number } userErrors { code } } }";
    let r =
        server.gql_as(Some(&d.zj1), q, json!({"i": {"provincePrefix": "33", "title": "浙江省白名单（第一批）"}})).await;
    assert_eq!(payload(&r, "publishBatch")["batch"]["number"], 1);
}

#[tokio::test]
async fn the_public_check_tells_status_chains_batch_and_validity_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, db) in databases(dir.path()).await {
        let server = Server::with_admin(&db, None, &[]);
        let d = desk(&db);
        let listed = register(&server, "91330106MA2K00001", "白名单企业").await;
        let nominated = register(&server, "91330106MA2K00002", "提名企业").await;
        approve(&server, &d, &listed).await;
        nominate(&server, &d, &nominated).await;
        publish(&server, &d).await;

        let check = |u: String| {
            let url = server.url(&format!("/whitelist/check/{u}"));
            async move { reqwest::get(url).await.unwrap() }
        };
        let resp = check(listed.clone()).await;
        assert_eq!(resp.status(), 200, "[{backend}]");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            body,
            json!({"status": "APPROVED", "chains": ["NEV"], "batch": {"province": "33", "number": 1, "title": "浙江省白名单（第一批）"}, "validUntil": "2030-12-31"}),
            "[{backend}] four fields, nothing else"
        );
        let not_listed = json!({"status": "NOT_LISTED", "chains": [], "batch": null, "validUntil": null});
        let a_nomination: Value = check(nominated).await.json().await.unwrap();
        assert_eq!(a_nomination, not_listed, "[{backend}] a nomination is not public");
        let unknown: Value = check(uscc("91440300MA2K00003")).await.json().await.unwrap();
        assert_eq!(unknown, not_listed, "[{backend}] an unregistered firm answers alike");
        let bad = check("91330106MA2K00001X".into()).await;
        assert_eq!(bad.status(), 400);
        let bad: Value = bad.json().await.unwrap();
        assert_eq!(bad["errors"][0]["extensions"]["code"], "VALIDATION");
        // 20 in a burst per address, then refused with a wait
        let mut limited = None;
        for _ in 0..30 {
            let r = check(listed.clone()).await;
            if r.status() == 429 {
                limited = Some(r.headers().get("retry-after").cloned());
                break;
            }
        }
        assert!(limited.flatten().is_some(), "[{backend}] the check is rate-limited per address");
    }
    let off = Server::start(
        &format!("sqlite://{}?mode=rwc", dir.path().join("off.db").display()),
        None,
        &["--no-public-check"],
    );
    let r = reqwest::get(off.url(&format!("/whitelist/check/{}", uscc("91330106MA2K00001")))).await.unwrap();
    assert_eq!(r.status(), 404, "switched off");
}

#[tokio::test]
async fn a_bureau_downloads_the_list_and_the_operator_exports_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, db) in databases(dir.path()).await {
        let server = Server::with_admin(&db, None, &[]);
        let d = desk(&db);
        for (i, name) in ["=SUM(A1)轴承", "精密模具", "电机控制器"].iter().enumerate() {
            let u = register(&server, &format!("91330106MA2L0000{i}"), name).await;
            approve(&server, &d, &u).await;
        }
        publish(&server, &d).await;

        let get = |token: Option<&str>, query: &str| {
            let mut req = reqwest::Client::new().get(server.url(&format!("/whitelist/export{query}")));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            req.send()
        };
        let xlsx = get(Some(&d.zj1), "?format=xlsx&region=33&batch=1").await.unwrap();
        assert_eq!(xlsx.status(), 200, "[{backend}]");
        assert_eq!(xlsx.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        assert!(xlsx.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
        let bytes = xlsx.bytes().await.unwrap();
        let http_file = dir.path().join(format!("{backend}-http.xlsx"));
        std::fs::write(&http_file, &bytes).unwrap();
        let rows = linchpin_interchange::read_whitelist(&http_file).unwrap();
        assert_eq!(rows.len(), 3, "[{backend}]");
        assert_eq!(rows[0].name, "=SUM(A1)轴承", "text, not a formula, and unchanged");
        assert!(rows.iter().all(|r| r.status == "已入选" && r.batch == "第1批" && r.valid_until == "2030-12-31"));

        let csv = get(Some(&d.zj1), "?format=csv").await.unwrap();
        assert_eq!(csv.status(), 200);
        let text = csv.text().await.unwrap();
        assert!(text.starts_with("\u{feff}序号,统一社会信用代码,企业名称"), "{text}");
        assert!(text.contains(",'=SUM(A1)轴承,"), "a CSV cell that would be a formula is defused: {text}");

        assert_eq!(get(None, "?format=xlsx").await.unwrap().status(), 401);
        let admin = server.token.clone().unwrap();
        assert_eq!(get(Some(&admin), "?format=xlsx").await.unwrap().status(), 403, "a download for bureaus");
        let bad = get(Some(&d.zj1), "?format=pdf").await.unwrap();
        assert_eq!(bad.status(), 400);
        assert_eq!(get(Some(&d.zj1), "?region=3x").await.unwrap().status(), 400);

        // the operator's command writes the same rows
        let out = dir.path().join(format!("{backend}-cli.xlsx"));
        let run = Command::new(binary())
            .args(["export", "whitelist", "--format", "xlsx", "--region", "33", "--batch", "1", "--out"])
            .arg(&out)
            .env("LINCHPIN_DATABASE_URL", &*db)
            .env("LINCHPIN_LOG", "warn")
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        assert_eq!(linchpin_interchange::read_whitelist(&out).unwrap(), rows, "[{backend}]");
        let no_out = Command::new(binary())
            .args(["export", "whitelist", "--format", "xlsx"])
            .env("LINCHPIN_DATABASE_URL", &*db)
            .output()
            .unwrap();
        assert!(!no_out.status.success());
        assert!(String::from_utf8_lossy(&no_out.stderr).contains("--out"));

        let audit = server
            .gql("{ auditEvents(first: 10, filter: {action: \"whitelist.export\"}) { nodes { actor } } }", json!({}))
            .await;
        let actors: Vec<&str> = audit["data"]["auditEvents"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["actor"].as_str().unwrap())
            .collect();
        assert_eq!(actors.len(), 3, "[{backend}] two downloads and one command: {audit}");
        assert_eq!(actors[..2], ["zj-1", "zj-1"]);
        assert!(actors[2].starts_with("cli:"));
    }
}

#[tokio::test]
async fn whitelist_changes_reach_subscribers_on_another_replica() {
    let (Some(db), Ok(redis)) = (postgres().await, std::env::var("LINCHPIN_TEST_REDIS_URL")) else {
        assert!(std::env::var("LINCHPIN_REQUIRE_SERVICES").is_err(), "CI requires PostgreSQL and Redis");
        eprintln!("LINCHPIN_TEST_DATABASE_URL or LINCHPIN_TEST_REDIS_URL is not set: skipping the two-replica test");
        return;
    };
    let a = Server::with_admin(&db, Some(&redis), &[]);
    let b = Server::with_admin(&db, Some(&redis), &[]);
    let d = desk(&db);
    let gd = create_account(&db, &["--role", "bureau", "--jurisdiction", "44", "--name", "gd-1"]);
    let subscribe = |token: String| {
        let addr = a.addr.clone();
        async move {
            let mut req = format!("ws://{addr}/graphql/ws").into_client_request().unwrap();
            req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
            let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
            let init = json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
            ws.send(Message::text(init.to_string())).await.unwrap();
            ws.next().await.unwrap().unwrap();
            let q = "subscription { whitelistChanged { action status entry { firm { uscc } } batch { number } } }";
            let sub = json!({"id": "w", "type": "subscribe", "payload": {"query": q}});
            ws.send(Message::text(sub.to_string())).await.unwrap();
            ws
        }
    };
    let mut zj = subscribe(d.zj1.clone()).await;
    let mut gd = subscribe(gd).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let u = register(&b, "91330106MA2M00001", "跨副本").await;
    approve(&b, &d, &u).await;
    publish(&b, &d).await;
    async fn actions(
        ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
        until: &str,
    ) -> Vec<String> {
        let mut seen = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(msg) = ws.next().await {
                let Ok(Message::Text(t)) = msg else { continue };
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] != "next" {
                    continue;
                }
                let action = v["payload"]["data"]["whitelistChanged"]["action"].as_str().unwrap().to_owned();
                seen.push(action.clone());
                if action == until {
                    return;
                }
            }
        })
        .await
        .expect("the changes arrive within 10 s");
        seen
    }
    assert_eq!(actions(&mut zj, "PUBLISH").await, ["NOMINATE", "START_REVIEW", "APPROVE", "PUBLISH"]);
    assert_eq!(actions(&mut gd, "PUBLISH").await, ["PUBLISH"], "another province hears of the batch only");
}
