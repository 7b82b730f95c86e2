//! `serve --demo`, part two: whitelist entries in every state, taken through the real API (the
//! same rules, audit trail and events as a bureau's clicks), so every screen has data:
//! published entries of 浙江 第1批 (one since suspended, one revoked), an approval awaiting the next
//! batch, an entry under review, a city bureau's nomination, a rejection, an entry whose validity
//! ran out, and a recommendation by the demo chain leader.
use std::sync::Arc;

use anyhow::Context as _;
use async_graphql::{Request, Variables};
use chrono::{Duration, Utc};
use linchpin_api::clock::ManualClock;
use linchpin_api::{ApiSchema, ApiState, Limits, build_schema};
use linchpin_domain::Viewer;
use linchpin_store::{Store, accounts, firms};
use serde_json::{Value, json};

/// What the demo seeded, for its summary line.
pub struct Seeded {
    /// Entries created.
    pub entries: usize,
}

pub(crate) async fn viewer(store: &Store, name: &str) -> anyhow::Result<Viewer> {
    let (account, _) =
        accounts::find(store.db(), name).await?.with_context(|| format!("demo account {name} is missing"))?;
    Ok(Viewer { account_id: account.id, username: account.username, binding: account.binding, token_id: 0 })
}

/// Runs `query` as `who` and returns the payload of `field`, failing on any error.
pub(crate) async fn exec(
    schema: &ApiSchema,
    who: &Viewer,
    query: &str,
    vars: Value,
    field: &str,
) -> anyhow::Result<Value> {
    let resp = schema.execute(Request::new(query).variables(Variables::from_json(vars)).data(who.clone())).await;
    let v = serde_json::to_value(&resp)?;
    if let Some(e) = v.get("errors") {
        anyhow::bail!("demo {field}: {e}");
    }
    let p = v["data"][field].clone();
    if p["userErrors"].as_array().is_some_and(|e| !e.is_empty()) {
        anyhow::bail!("demo {field}: {}", p["userErrors"]);
    }
    Ok(p)
}

const NOMINATE: &str =
    "mutation($i: NominateFirmInput!) { nominateFirm(input: $i) { entry { id version } userErrors { code message } } }";

fn step_query(name: &str) -> String {
    let input =
        if matches!(name, "approveEntry" | "renewEntry") { "WhitelistValidityInput" } else { "WhitelistStepInput" };
    format!("mutation($i: {input}!) {{ {name}(input: $i) {{ entry {{ id version }} userErrors {{ code message }} }} }}")
}

/// The demo's desk: a schema over `state` and the accounts that act.
struct Desk {
    schema: ApiSchema,
    nominator: Viewer,
    reviewer: Viewer,
    approver: Viewer,
}

impl Desk {
    async fn nominate(&self, who: &Viewer, uscc: &str, chain: &str, why: &str) -> anyhow::Result<Value> {
        let vars = json!({"i": {"uscc": uscc, "chain": chain, "justification": why,
            "evidence": [{"title": "企业复工复产承诺书", "reference": "浙经信白〔2026〕第 18 号附件"},
                         {"title": "一企一案", "reference": "https://jxt.zj.gov.cn/yqya/demo"}]}});
        Ok(exec(&self.schema, who, NOMINATE, vars, "nominateFirm").await?["entry"].clone())
    }

    async fn step(
        &self,
        who: &Viewer,
        name: &str,
        entry: &Value,
        comment: &str,
        until: Option<String>,
    ) -> anyhow::Result<Value> {
        let mut input = json!({"id": entry["id"], "version": entry["version"], "comment": comment});
        if let Some(u) = until {
            input["validUntil"] = json!(u);
        }
        Ok(exec(&self.schema, who, &step_query(name), json!({"i": input}), name).await?["entry"].clone())
    }

    /// Nominated by the city bureau, reviewed and approved by the province.
    async fn approved(&self, uscc: &str, chain: &str, until: String) -> anyhow::Result<Value> {
        let e = self.nominate(&self.nominator, uscc, chain, "链上关键节点，停产将波及整车厂").await?;
        let e = self.step(&self.reviewer, "startReview", &e, "受理，核对一企一案", None).await?;
        self.step(&self.approver, "approveEntry", &e, "经审核，同意纳入白名单", Some(until)).await
    }
}

/// Seeds the entries. `state` is the server's; the entry that expires is taken through a copy of
/// it whose clock is set a year back.
pub async fn seed(state: &ApiState) -> anyhow::Result<Seeded> {
    let store = &state.store;
    let nominator = viewer(store, "hz-bureau").await?;
    let reviewer = viewer(store, "zj-bureau").await?;
    let approver = viewer(store, "zj-reviewer").await?;
    let leader = viewer(store, "demo-enterprise").await?;
    let admin = viewer(store, "admin").await?;
    let desk = Desk { schema: build_schema(state.clone(), Limits::default()), nominator, reviewer, approver };

    // Hangzhou's top candidates not yet listed, with their chains
    let q = "{ whitelistCandidates(first: 8, filter: {regionPrefix: \"3301\"}, budget: {count: 40}) { nodes { firm { uscc chains } } } }";
    let resp = desk.schema.execute(Request::new(q).data(desk.nominator.clone())).await;
    let v = serde_json::to_value(&resp)?;
    let picks: Vec<(String, String)> = v["data"]["whitelistCandidates"]["nodes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| {
                    Some((n["firm"]["uscc"].as_str()?.to_owned(), n["firm"]["chains"][0].as_str()?.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    if picks.len() < 8 {
        anyhow::bail!("the demo network has only {} Hangzhou candidates; 8 are needed", picks.len());
    }
    let in_a_year = (Utc::now() + Duration::days(365)).to_rfc3339();

    // 第1批: three approved and published; then one suspended, one revoked
    let mut published = Vec::new();
    for (u, c) in &picks[..3] {
        published.push(desk.approved(u, c, in_a_year.clone()).await?);
    }
    let batch = json!({"i": {"provincePrefix": "33", "title": "浙江省重点产业链供应链白名单（第一批）"}});
    exec(
        &desk.schema,
        &desk.reviewer,
        "mutation($i: PublishBatchInput!) { publishBatch(input: $i) { batch { number } userErrors { code message } } }",
        batch,
        "publishBatch",
    )
    .await?;
    for (i, name, why) in [(1, "suspendEntry", "现场核查发现停产，暂停"), (2, "revokeEntry", "企业迁出本省，撤销")]
    {
        let id = published[i]["id"].clone();
        let cur = exec(
            &desk.schema,
            &desk.reviewer,
            "query($id: ID!) { node(id: $id) { ... on WhitelistEntry { id version } } }",
            json!({"id": id}),
            "node",
        )
        .await?;
        desk.step(&desk.reviewer, name, &cur, why, None).await?;
    }
    // approved, awaiting the next batch; under review; nominated; rejected
    desk.approved(&picks[3].0, &picks[3].1, in_a_year.clone()).await?;
    let e = desk.nominate(&desk.nominator, &picks[4].0, &picks[4].1, "唯一的本地电控供应商").await?;
    desk.step(&desk.reviewer, "startReview", &e, "受理", None).await?;
    desk.nominate(&desk.nominator, &picks[5].0, &picks[5].1, "关键模具供应商，建议纳入").await?;
    let e = desk.nominate(&desk.nominator, &picks[6].0, &picks[6].1, "区县推荐").await?;
    let e = desk.step(&desk.reviewer, "startReview", &e, "受理", None).await?;
    desk.step(&desk.approver, "rejectEntry", &e, "替代供应商充足，不予纳入", None).await?;

    // approved a year ago for eleven months: expired now
    let past = Arc::new(ManualClock::new(Utc::now() - Duration::days(365)));
    let mut then = state.clone();
    then.clock = past.clone();
    let old = Desk { schema: build_schema(then, Limits::default()), ..desk };
    let until = (linchpin_api::clock::Clock::now(&*past) + Duration::days(335)).to_rfc3339();
    old.approved(&picks[7].0, &picks[7].1, until).await?;
    let desk = Desk { schema: build_schema(state.clone(), Limits::default()), ..old };
    linchpin_api::expire_due(state).await.map_err(|e| anyhow::anyhow!("demo expiry: {}", e.message()))?;

    // the chain leader recommends one of its suppliers, over a link it confirmed
    let own = leader.binding.firm().context("demo-enterprise has no firm")?;
    let own = firms::get(store.db(), own).await?;
    let q = "query($u: String!) { firm(uscc: $u) { suppliers(first: 50) { nodes { id version status supplier { uscc chains } } } } }";
    let resp = desk
        .schema
        .execute(
            Request::new(q).variables(Variables::from_json(json!({"u": own.firm.uscc.as_str()}))).data(admin.clone()),
        )
        .await;
    let v = serde_json::to_value(&resp)?;
    let mut recommended = 0;
    for l in v["data"]["firm"]["suppliers"]["nodes"].as_array().cloned().unwrap_or_default() {
        let (Some(uscc), Some(chain)) = (l["supplier"]["uscc"].as_str(), l["supplier"]["chains"][0].as_str()) else {
            continue;
        };
        if picks.iter().any(|(u, _)| u == uscc) {
            continue;
        }
        if l["status"] == "DECLARED" {
            let confirm = "mutation($i: ConfirmSupplyLinkInput!) { confirmSupplyLink(input: $i) { supplyLink { id } userErrors { code message } } }";
            exec(
                &desk.schema,
                &admin,
                confirm,
                json!({"i": {"id": l["id"], "version": l["version"]}}),
                "confirmSupplyLink",
            )
            .await?;
        }
        let vars = json!({"i": {"supplierUscc": uscc, "chain": chain,
            "justification": "我厂电驱系统的唯一合格供应商，停产一周整车线停线",
            "sizeOverrideReason": "国内唯一通过车规认证的供应商"}});
        let recommend = "mutation($i: RecommendSupplierInput!) { recommendSupplier(input: $i) { entry { id } userErrors { code message } } }";
        exec(&desk.schema, &leader, recommend, vars, "recommendSupplier").await?;
        recommended = 1;
        break;
    }
    Ok(Seeded { entries: 8 + recommended })
}
