//! The blockage ledger across two server processes sharing PostgreSQL and a Redis of the test's
//! own: a graphql-ws client on replica A hears of a blockage reported on replica B, a client of
//! another jurisdiction does not; Redis stopped and restarted mid-test loses no write and live
//! updates resume.
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{OwnRedis, REGISTER, Server, Ws, WsSeen, create_account, firm_input, postgres, uscc};

const SUBSCRIBE: &str = "subscription { blockageEvents { action status blockage { id firm { uscc } } } }";

/// The next `blockageEvents` delivery within `secs` seconds: (action, status), or `None`.
async fn heard(ws: &mut Ws, secs: u64) -> Option<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        match ws.next(left.as_secs().max(1)).await {
            Some(WsSeen::Message(m)) if m["type"] == "next" => {
                let c = &m["payload"]["data"]["blockageEvents"];
                return Some((c["action"].as_str()?.to_owned(), c["status"].as_str()?.to_owned()));
            }
            Some(WsSeen::Message(_)) => continue,
            _ => return None,
        }
    }
}

fn ok<'a>(v: &'a Value, field: &str) -> &'a Value {
    assert!(v.get("errors").is_none(), "{v}");
    assert_eq!(v["data"][field]["userErrors"], json!([]), "{v}");
    &v["data"][field]["blockage"]
}

async fn wait_ready(servers: [&Server; 2]) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut all = true;
        for s in servers {
            let r: Value = reqwest::get(s.url("/readyz")).await.unwrap().json().await.unwrap();
            all &= r["events"]["status"] == "ok";
        }
        if all {
            return;
        }
        assert!(Instant::now() < deadline, "Redis did not come back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn blockages_reach_the_right_subscribers_on_another_replica_and_survive_a_redis_restart() {
    let Some(db) = postgres().await else {
        assert!(std::env::var("LINCHPIN_REQUIRE_SERVICES").is_err(), "CI requires PostgreSQL");
        eprintln!("LINCHPIN_TEST_DATABASE_URL is not set: skipping the two-replica blockage test");
        return;
    };
    let mut redis = OwnRedis::start(None);
    let port = redis.port;
    let a = Server::with_admin(&db, Some(&redis.url()), &[]);
    let mut b = Server::start(&db, Some(&redis.url()), &[]);
    b.token = a.token.clone();
    let hz = create_account(&db, &["--role", "coordinator", "--jurisdiction", "3301", "--name", "hz-desk"]);
    let gd = create_account(&db, &["--role", "coordinator", "--jurisdiction", "44", "--name", "gd-desk"]);
    let firm = uscc("91330106MA2N00001");
    let r = b.gql(REGISTER, firm_input(&firm, "跨副本堵点企业")).await;
    assert_eq!(r["data"]["registerFirm"]["userErrors"], json!([]), "{r}");

    let mut hz_ws = Ws::connect(&a, Some(&hz)).await;
    hz_ws.send("b", SUBSCRIBE).await;
    let mut gd_ws = Ws::connect(&a, Some(&gd)).await;
    gd_ws.send("b", SUBSCRIBE).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // reported on B, heard on A by Hangzhou, not by Guangdong
    let report = "mutation($i: ReportBlockageInput!) { reportBlockage(input: $i) {
        blockage { id version status } userErrors { field code } } }";
    let input = json!({"i": {"uscc": firm, "kind": "FREIGHT", "description": "原料车辆无法进厂",
        "originRegion": "330106", "destinationRegion": "330106", "cargo": "钢材", "plates": ["浙A12345", "浙AD12345"]}});
    let r = b.gql_as(Some(&hz), report, input).await;
    let blockage = ok(&r, "reportBlockage").clone();
    assert_eq!(heard(&mut hz_ws, 10).await, Some(("REPORT".into(), "REPORTED".into())));
    assert_eq!(heard(&mut gd_ws, 2).await, None, "another jurisdiction hears nothing");

    // Redis goes away: the API keeps writing on both replicas
    redis.kill();
    let step = |m: &str, t: &str| {
        format!(
            "mutation($i: {t}!) {{ {m}(input: $i) {{ blockage {{ id version status }} userErrors {{ field code }} }} }}"
        )
    };
    let assign = json!({"i": {"id": blockage["id"], "version": 1, "assignee": "hz-desk", "comment": "交办"}});
    let r = b.gql_as(Some(&hz), &step("assignBlockage", "AssignBlockageInput"), assign).await;
    assert_eq!(ok(&r, "assignBlockage")["version"], 2);
    let comment = json!({"i": {"id": blockage["id"], "comment": "Redis 不在时的反馈"}});
    let r = a.gql_as(Some(&hz), &step("commentOnBlockage", "CommentOnBlockageInput"), comment).await;
    ok(&r, "commentOnBlockage");

    // Redis returns: live updates resume on A for what B writes
    let restarted = OwnRedis::start(Some(port));
    wait_ready([&a, &b]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = json!({"i": {"id": blockage["id"], "version": 2, "comment": "已开始协调"}});
    let r = b.gql_as(Some(&hz), &step("startBlockage", "BlockageStepInput"), start).await;
    assert_eq!(ok(&r, "startBlockage")["status"], "IN_PROGRESS");
    let mut resumed = false;
    for _ in 0..5 {
        match heard(&mut hz_ws, 10).await {
            Some((action, _)) if action == "START" => {
                resumed = true;
                break;
            }
            Some(_) => continue,
            None => break,
        }
    }
    assert!(resumed, "live updates did not resume after Redis came back");
    assert_eq!(heard(&mut gd_ws, 1).await, None);
    // no write was lost: the timeline read on A holds every step
    let q = "query($id: ID!) { node(id: $id) { ... on Blockage { version timeline { action } } } }";
    let t = a.gql_as(Some(&hz), q, json!({"id": blockage["id"]})).await;
    let actions: Vec<&str> =
        t["data"]["node"]["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["REPORT", "ASSIGN", "COMMENT", "START"], "{t}");
    assert_eq!(t["data"]["node"]["version"], 3);
    drop(restarted);
}
