//! Sign-in, tokens, rate limits and the audit trail.
use std::sync::Arc;

use linchpin_api::{Decision, InMemoryLimiter, RateLimiter, RedisLimiter, Rule};
use linchpin_domain::{Binding, Password, Role, Username};
use linchpin_store::{accounts, audit};
use serde_json::{Value, json};

use crate::helpers::{DECLARE, REGISTER, TestApi, backends, register, uscc};

const LOGIN: &str = "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) {
    token expiresAt viewer { username role } userErrors { code } } }";

async fn with_password(api: &TestApi, name: &str, password: &str) {
    let hash = linchpin_api::auth::hash_password(Password::parse(password).unwrap()).await.unwrap();
    let binding = Binding::new(Role::Admin, None, None).unwrap();
    accounts::create(api.store.db(), &Username::parse(name).unwrap(), &binding, Some(hash)).await.unwrap();
}

async fn viewer_with(api: &TestApi, token: &str) -> Value {
    let v = linchpin_api::auth::authenticate(&api.store, &format!("Bearer {token}")).await.unwrap();
    api.run_as(v.as_ref(), "{ viewer { username } }", json!({})).await
}

#[tokio::test]
async fn login_issues_a_token_that_works_until_logout() {
    for api in backends().await {
        with_password(&api, "operator", "a long password").await;
        let bad = api.run_as(None, LOGIN, json!({"u": "operator", "p": "wrong password!"})).await;
        assert_eq!(bad["data"]["login"]["userErrors"][0]["code"], "INVALID_CREDENTIALS", "[{}] {bad}", api.backend);
        let unknown = api.run_as(None, LOGIN, json!({"u": "nobody-here", "p": "a long password"})).await;
        assert_eq!(
            unknown["data"]["login"]["userErrors"], bad["data"]["login"]["userErrors"],
            "no hint which part was wrong"
        );
        let ok = api.run_as(None, LOGIN, json!({"u": "operator", "p": "a long password"})).await;
        let token = ok["data"]["login"]["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("lp_"));
        assert_eq!(viewer_with(&api, &token).await["data"]["viewer"]["username"], "operator");
        // the token is stored hashed
        let v = linchpin_api::auth::authenticate(&api.store, &format!("Bearer {token}")).await.unwrap().unwrap();
        let out = api.run_as(Some(&v), "mutation { logout { revokedTokenId userErrors { code } } }", json!({})).await;
        assert!(out["data"]["logout"]["revokedTokenId"].is_string(), "{out}");
        assert_eq!(viewer_with(&api, &token).await["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn expired_and_disabled_tokens_stop_working() {
    for api in backends().await {
        let account = accounts::find(api.store.db(), "admin").await.unwrap().unwrap().0;
        let (token, hash) = linchpin_api::auth::new_token();
        accounts::issue_token(
            api.store.db(),
            account.id,
            &hash,
            "test",
            chrono::Utc::now() - chrono::Duration::seconds(1),
        )
        .await
        .unwrap();
        assert_eq!(viewer_with(&api, &token).await["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "expired");
        let binding =
            Binding::new(Role::Bureau, Some(linchpin_domain::Jurisdiction::parse("33").unwrap()), None).unwrap();
        let acct =
            accounts::create(api.store.db(), &Username::parse("soon-disabled").unwrap(), &binding, None).await.unwrap();
        let (token, hash) = linchpin_api::auth::new_token();
        accounts::issue_token(api.store.db(), acct.id, &hash, "test", chrono::Utc::now() + chrono::Duration::days(1))
            .await
            .unwrap();
        assert_eq!(viewer_with(&api, &token).await["data"]["viewer"]["username"], "soon-disabled");
        accounts::disable(api.store.db(), "soon-disabled").await.unwrap();
        assert_eq!(viewer_with(&api, &token).await["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "disabled");
        assert!(linchpin_api::auth::authenticate(&api.store, "Bearer lp_not-a-token").await.unwrap().is_none());
        assert!(linchpin_api::auth::authenticate(&api.store, "Basic abc").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn tokens_are_revoked_by_their_owner_or_an_admin_only() {
    for api in backends().await {
        let a = api.account("owner-a", Role::Coordinator, Some("33"), None).await;
        let b = api.account("owner-b", Role::Coordinator, Some("33"), None).await;
        let q = "mutation($t: ID!) { revokeToken(input: {tokenId: $t}) { revokedTokenId userErrors { code } } }";
        let id_of = |v: &linchpin_domain::Viewer| base64_id("Token", v.token_id);
        let r = api.run_as(Some(&b), q, json!({"t": id_of(&a)})).await;
        assert_eq!(r["data"]["revokeToken"]["userErrors"][0]["code"], "NOT_FOUND", "[{}] {r}", api.backend);
        let r = api.run_as(Some(&api.admin), q, json!({"t": id_of(&a)})).await;
        assert!(r["data"]["revokeToken"]["revokedTokenId"].is_string(), "{r}");
        let r = api.run_as(None, q, json!({"t": id_of(&b)})).await;
        assert_eq!(r["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
}

fn base64_id(kind: &str, id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

#[tokio::test]
async fn sign_in_attempts_are_throttled_per_username() {
    for api in backends().await {
        with_password(&api, "target", "a long password").await;
        for _ in 0..5 {
            let r = api.run_as(None, LOGIN, json!({"u": "target", "p": "guess guess guess"})).await;
            assert_eq!(r["data"]["login"]["userErrors"][0]["code"], "INVALID_CREDENTIALS");
        }
        let r = api.run_as(None, LOGIN, json!({"u": "target", "p": "a long password"})).await;
        assert_eq!(r["errors"][0]["extensions"]["code"], "RATE_LIMITED", "[{}] {r}", api.backend);
        assert!(r["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() >= 1);
        // other usernames are not affected
        with_password(&api, "bystander", "a long password").await;
        let r = api.run_as(None, LOGIN, json!({"u": "bystander", "p": "a long password"})).await;
        assert!(r["data"]["login"]["token"].is_string(), "{r}");
    }
}

async fn limiters() -> Vec<(&'static str, Arc<dyn RateLimiter>)> {
    let mut out: Vec<(&'static str, Arc<dyn RateLimiter>)> = vec![("memory", Arc::new(InMemoryLimiter::default()))];
    match std::env::var("LINCHPIN_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => out.push(("redis", Arc::new(RedisLimiter::connect(&url).await.unwrap()))),
        _ => {
            assert!(std::env::var("LINCHPIN_REQUIRE_SERVICES").is_err(), "CI requires LINCHPIN_TEST_REDIS_URL");
            eprintln!("LINCHPIN_TEST_REDIS_URL is not set: skipping the Redis run of this test");
        }
    }
    out
}

#[tokio::test]
async fn a_bucket_allows_its_burst_then_answers_with_a_retry_hint() {
    for (name, limiter) in limiters().await {
        let key = format!("test:{}", rand::random::<u64>());
        let rule = Rule { capacity: 3, per_second: 0.5 };
        for i in 0..3 {
            assert_eq!(limiter.acquire(&key, rule).await, Decision::Allowed, "{name} request {i}");
        }
        match limiter.acquire(&key, rule).await {
            Decision::Limited { retry_after_secs } => {
                assert!((1..=2).contains(&retry_after_secs), "{name}: {retry_after_secs}")
            }
            Decision::Allowed => panic!("{name} allowed a request past the burst"),
        }
        let other = format!("test:{}", rand::random::<u64>());
        assert_eq!(limiter.acquire(&other, rule).await, Decision::Allowed, "{name}: buckets are per key");
    }
}

#[tokio::test]
async fn every_mutation_writes_one_audit_event_and_a_failed_one_writes_none() {
    for api in backends().await {
        let count = || async { audit::count(api.store.db()).await.unwrap() };
        let before = count().await;
        let a = register(&api, "91330106MA2W00001", "甲", "330106").await;
        assert_eq!(count().await, before + 1, "[{}] registerFirm", api.backend);
        let b = register(&api, "91330106MA2W00002", "乙", "330106").await;
        let failed = api
            .data(
                REGISTER,
                json!({"input": {"uscc": a, "name": "重复", "regionCode": "330106", "industryCode": "C36"}}),
            )
            .await;
        assert_eq!(failed["registerFirm"]["userErrors"][0]["code"], "DUPLICATE");
        assert_eq!(count().await, before + 2, "a failed registration writes nothing");
        let upd = "mutation($i: UpdateFirmInput!) { updateFirm(input: $i) { userErrors { code } } }";
        api.data(upd, json!({"i": {"uscc": a, "version": 1, "name": "甲改"}})).await;
        api.data(upd, json!({"i": {"uscc": a, "version": 1, "name": "冲突"}})).await;
        assert_eq!(count().await, before + 3, "a version conflict writes nothing");
        let d = api
            .data(DECLARE, json!({"input": {"supplierUscc": a, "customerUscc": b, "product": "x", "annualValue10kCny": 1.0, "essentiality": "ESSENTIAL"}}))
            .await;
        let id = d["declareSupplyLink"]["supplyLink"]["id"].as_str().unwrap().to_owned();
        api.data(DECLARE, json!({"input": {"supplierUscc": a, "customerUscc": a, "product": "x", "annualValue10kCny": 1.0, "essentiality": "ESSENTIAL"}}))
            .await;
        assert_eq!(count().await, before + 4);
        let confirm = "mutation($i: ConfirmSupplyLinkInput!) { confirmSupplyLink(input: $i) { userErrors { code } } }";
        api.data(confirm, json!({"i": {"id": id, "version": 1}})).await;
        api.data(confirm, json!({"i": {"id": id, "version": 2}})).await;
        let remove = "mutation($i: RemoveSupplyLinkInput!) { removeSupplyLink(input: $i) { userErrors { code } } }";
        api.data(remove, json!({"i": {"id": id, "version": 1}})).await;
        api.data(remove, json!({"i": {"id": id, "version": 2}})).await;
        assert_eq!(count().await, before + 6, "confirm and remove once each");
        let trail = api
            .data("query($o: String) { auditEvents(first: 100, filter: {objectId: $o}) { nodes { action actor before after requestId regions } } }", json!({"o": id}))
            .await;
        let actions: Vec<&str> =
            trail["auditEvents"]["nodes"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["link.declare", "link.confirm", "link.remove"]);
        let confirm_event = &trail["auditEvents"]["nodes"][1];
        assert!(confirm_event["before"].as_str().unwrap().contains("DECLARED"));
        assert!(confirm_event["after"].as_str().unwrap().contains("CONFIRMED"));
        assert_eq!(confirm_event["actor"], "admin");
        assert_eq!(confirm_event["regions"], json!(["330106", "330106"]));
        let _ = uscc("91330106MA2W00003");
    }
}

#[tokio::test]
async fn the_sweeper_ends_connections_of_expired_revoked_or_disabled_tokens() {
    use linchpin_api::sessions::Sessions;
    for api in crate::helpers::backends().await {
        let viewer = api.account("sweep-me", Role::Bureau, Some("33"), None).await;
        // a second token of the same kind that expires in a moment
        let (_, hash) = linchpin_api::auth::new_token();
        let soon = linchpin_store::accounts::issue_token(
            api.store.db(),
            viewer.account_id,
            &hash,
            "test",
            chrono::Utc::now() + chrono::Duration::milliseconds(300),
        )
        .await
        .unwrap();
        let sessions = Arc::new(Sessions::default());
        let mut live = sessions.register(viewer.token_id);
        let mut expiring = sessions.register(soon.id);
        assert_eq!(sessions.sweep(&api.store).await.unwrap(), 0, "[{}] both valid", api.backend);
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert_eq!(sessions.sweep(&api.store).await.unwrap(), 1, "[{}] the expired one ends", api.backend);
        tokio::time::timeout(std::time::Duration::from_secs(1), expiring.ended()).await.unwrap();
        drop(expiring);
        linchpin_store::accounts::disable(api.store.db(), "sweep-me").await.unwrap();
        assert_eq!(sessions.sweep(&api.store).await.unwrap(), 1, "[{}] a disabled account's token ends", api.backend);
        tokio::time::timeout(std::time::Duration::from_secs(1), live.ended()).await.unwrap();
    }
}
