//! `serve --demo`, part three: the blockage ledger and production reports, taken through the real
//! API (the same rules, timeline, audit trail and events as a coordinator's clicks), so every
//! screen has data: a triage queue in Hangzhou with staff and freight blockages in every state (one
//! escalated to the city after its SLA ran out, a freight trip seen at both ends), and production
//! reports from the demo chain leader's suppliers, so `bottlenecks` and `chainResumption` answer.
use std::sync::Arc;

use anyhow::Context as _;
use async_graphql::{Request, Variables};
use chrono::{Duration, Utc};
use linchpin_api::clock::ManualClock;
use linchpin_api::{ApiSchema, ApiState, Limits, build_schema};
use linchpin_domain::Viewer;
use linchpin_store::firms;

use crate::demo_whitelist::{exec, viewer};
use serde_json::{Value, json};

/// What the demo seeded, for its summary line.
pub struct Seeded {
    /// Blockages reported.
    pub blockages: usize,
    /// Production reports.
    pub reports: usize,
}

const REPORT: &str = "mutation($i: ReportBlockageInput!) { reportBlockage(input: $i) { blockage { id version } userErrors { code message } } }";
const PRODUCTION: &str = "mutation($i: ReportProductionStatusInput!) { reportProductionStatus(input: $i) { status { capacityPercent } userErrors { code message } } }";

fn step_query(name: &str) -> String {
    let input = match name {
        "assignBlockage" => "AssignBlockageInput",
        "markBlockageDuplicate" => "MarkBlockageDuplicateInput",
        _ => "BlockageStepInput",
    };
    format!(
        "mutation($i: {input}!) {{ {name}(input: $i) {{ blockage {{ id version }} userErrors {{ code message }} }} }}"
    )
}

struct Desk {
    schema: ApiSchema,
}

impl Desk {
    async fn report(&self, who: &Viewer, input: Value) -> anyhow::Result<Value> {
        Ok(exec(&self.schema, who, REPORT, json!({"i": input}), "reportBlockage").await?["blockage"].clone())
    }

    async fn step(&self, who: &Viewer, name: &str, b: &Value, extra: Value) -> anyhow::Result<Value> {
        let mut input = json!({"id": b["id"], "version": b["version"]});
        if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            i.extend(e.clone());
        }
        Ok(exec(&self.schema, who, &step_query(name), json!({"i": input}), name).await?["blockage"].clone())
    }

    async fn production(
        &self,
        who: &Viewer,
        uscc: &str,
        capacity: i32,
        on_site: i32,
        total: i32,
        note: &str,
    ) -> anyhow::Result<()> {
        let vars = json!({"i": {"uscc": uscc, "capacityPercent": capacity, "staffOnSite": on_site, "staffTotal": total, "note": note}});
        exec(&self.schema, who, PRODUCTION, vars, "reportProductionStatus").await?;
        Ok(())
    }
}

fn staff(uscc: &str, workers: i32, held_at: &str, why: &str) -> Value {
    json!({"uscc": uscc, "kind": "STAFF_ACCESS", "description": why, "workers": workers, "heldAt": held_at, "closedLoop": workers > 100})
}

fn freight(uscc: &str, origin: &str, destination: &str, cargo: &str, plates: &[&str], why: &str) -> Value {
    json!({"uscc": uscc, "kind": "FREIGHT", "description": why, "originRegion": origin, "destinationRegion": destination,
        "cargo": cargo, "plates": plates})
}

/// USCCs of `first` firms the query lists under `data.<path>`.
async fn usccs(schema: &ApiSchema, who: &Viewer, query: &str, vars: Value) -> anyhow::Result<Vec<String>> {
    let resp = schema.execute(Request::new(query).variables(Variables::from_json(vars)).data(who.clone())).await;
    let v = serde_json::to_value(&resp)?;
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(u)) = m.get("uscc") {
                    out.push(u.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&v["data"], &mut out);
    Ok(out)
}

/// The USCCs of the firms that supply `uscc` an essential input (its first 100 links).
async fn essential_suppliers(schema: &ApiSchema, who: &Viewer, uscc: &str) -> anyhow::Result<Vec<String>> {
    let q =
        "query($u: String!) { firm(uscc: $u) { suppliers(first: 100) { nodes { essentiality supplier { uscc } } } } }";
    let resp =
        schema.execute(Request::new(q).variables(Variables::from_json(json!({"u": uscc}))).data(who.clone())).await;
    let v = serde_json::to_value(&resp)?;
    let mut out: Vec<String> = v["data"]["firm"]["suppliers"]["nodes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|n| n["essentiality"] == "ESSENTIAL")
                .filter_map(|n| n["supplier"]["uscc"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    out.dedup();
    Ok(out)
}

/// Seeds the blockages and production reports. `state` is the server's; the blockage whose SLA
/// ran out is reported through a copy of it whose clock is set two days back.
pub async fn seed(state: &ApiState) -> anyhow::Result<Seeded> {
    let store = &state.store;
    let admin = viewer(store, "admin").await?;
    let coordinator = viewer(store, "hz-coordinator").await?;
    let bureau = viewer(store, "hz-bureau").await?;
    let leader = viewer(store, "demo-enterprise").await?;
    let supplier = viewer(store, "demo-supplier").await?;
    let desk = Desk { schema: build_schema(state.clone(), Limits::default()) };

    // the chain leader's suppliers and one of theirs: production reports for `bottlenecks`
    let own = firms::get(store.db(), leader.binding.firm().context("demo-enterprise has no firm")?).await?;
    let tier1 = essential_suppliers(&desk.schema, &admin, own.firm.uscc.as_str()).await?;
    if tier1.len() < 3 {
        anyhow::bail!("the demo enterprise has {} suppliers; 3 are needed", tier1.len());
    }
    let mut reports = 0;
    for (u, cap, on, total, note) in [
        (&tier1[0], 0, 0, 120, "全员居家，停产"),
        (&tier1[1], 40, 48, 120, "外地员工未返岗，单班生产"),
        (&tier1[2], 100, 95, 95, "满负荷"),
    ] {
        desk.production(&admin, u, cap, on, total, note).await?;
        reports += 1;
    }
    let tier2 = essential_suppliers(&desk.schema, &admin, &tier1[1]).await?;
    if let Some(t2) = tier2.iter().find(|u| *u != &tier1[1] && !tier1.contains(u)) {
        desk.production(&admin, t2, 60, 30, 50, "原料短缺").await?;
        reports += 1;
    }
    // Hangzhou firms on the chains: a spread of capacities for `chainResumption`
    let q = "{ firms(first: 30, filter: {regionPrefix: \"3301\"}) { nodes { uscc } } }";
    let hz = usccs(&desk.schema, &admin, q, json!({})).await?;
    if hz.len() < 12 {
        anyhow::bail!("the demo network has {} Hangzhou firms; 12 are needed", hz.len());
    }
    for (i, u) in hz.iter().take(12).enumerate() {
        let cap = [100, 80, 60, 100, 0, 90, 100, 30, 75, 100, 50, 100][i];
        desk.production(&bureau, u, cap, 40 * cap / 100, 40, "区经信局汇总").await?;
        reports += 1;
    }

    // the queue: Hangzhou's key nodes and the chain leader's suppliers
    let q = "{ keyNodeCandidates(first: 6, filter: {regionPrefix: \"3301\"}, budget: {count: 40}) { nodes { firm { uscc } } } }";
    let key = usccs(&desk.schema, &coordinator, q, json!({})).await?;
    if key.len() < 4 {
        anyhow::bail!("the demo network has {} Hangzhou key-node candidates; 4 are needed", key.len());
    }
    let supplier_uscc =
        firms::get(store.db(), supplier.binding.firm().context("demo-supplier has no firm")?).await?.firm.uscc;
    let mut blockages = 0;
    // reported by the supplier itself: waiting in the queue
    desk.report(&supplier, staff(supplier_uscc.as_str(), 36, "安徽省合肥市", "36名外省员工返岗受阻，产线缺员三成"))
        .await?;
    blockages += 1;
    // a key node's freight from Shenzhen, seen in Shenzhen and Hangzhou: assigned and in progress
    let b = desk
        .report(
            &coordinator,
            freight(
                &key[0],
                "440305",
                "330106",
                "功率芯片",
                &["粤B12345", "粤BD67890"],
                "芯片运输车辆在省界检查站滞留",
            ),
        )
        .await?;
    let b = desk
        .step(
            &coordinator,
            "assignBlockage",
            &b,
            json!({"assignee": "hz-coordinator", "comment": "联系省交通厅开具通行证"}),
        )
        .await?;
    desk.step(&coordinator, "startBlockage", &b, json!({"comment": "已与深圳方面对接"})).await?;
    blockages += 1;
    // resolved, waiting for the firm's confirmation (销号): a supplier of the chain leader in
    // Hangzhou when it has one
    let q = "{ firms(first: 100, filter: {regionPrefix: \"3301\"}) { nodes { uscc } } }";
    let local = usccs(&desk.schema, &admin, q, json!({})).await?;
    let near = tier1.iter().find(|u| local.contains(u)).unwrap_or(&hz[12.min(hz.len() - 1)]);
    let b = desk.report(&coordinator, staff(near, 72, "杭州市萧山区隔离点", "72名员工集中隔离，无法到岗")).await?;
    let b = desk
        .step(&coordinator, "assignBlockage", &b, json!({"assignee": "hz-coordinator", "comment": "请协调闭环转运"}))
        .await?;
    desk.step(&coordinator, "resolveBlockage", &b, json!({"comment": "已安排点对点专车，员工明日到岗"})).await?;
    blockages += 1;
    // closed by the bureau; rejected; a duplicate of the first key-node blockage
    let b =
        desk.report(&coordinator, freight(&key[1], "330106", "310115", "电机定子", &["浙A12345"], "出货受阻")).await?;
    let b =
        desk.step(&coordinator, "assignBlockage", &b, json!({"assignee": "hz-coordinator", "comment": "交办"})).await?;
    let b = desk.step(&coordinator, "resolveBlockage", &b, json!({"comment": "已放行"})).await?;
    desk.step(&bureau, "closeBlockage", &b, json!({"comment": "企业电话确认，销号"})).await?;
    let b = desk.report(&coordinator, json!({"uscc": key[2], "kind": "OTHER", "description": "申请减免租金"})).await?;
    desk.step(&coordinator, "rejectBlockage", &b, json!({"comment": "不属于堵点协调范围，转财政部门"})).await?;
    let first = desk.report(&coordinator, staff(&key[3], 15, "杭州东站", "15名技术员在车站滞留")).await?;
    desk.report(&leader, staff(own.firm.uscc.as_str(), 200, "杭州市余杭区", "200名员工封控区内无法出行")).await?;
    let again = desk.report(&coordinator, staff(&key[3], 15, "杭州东站", "同一批技术员（重复上报）")).await?;
    desk.step(
        &coordinator,
        "markBlockageDuplicate",
        &again,
        json!({"originalId": first["id"], "comment": "与先前上报为同一事项"}),
    )
    .await?;
    blockages += 6;
    // reported two days ago and never assigned: its SLA ran out, so the job escalates it to the city
    let past = Arc::new(ManualClock::new(Utc::now() - Duration::days(2)));
    let mut then = state.clone();
    then.clock = past;
    let old = Desk { schema: build_schema(then, Limits::default()) };
    old.report(
        &leader,
        freight(
            own.firm.uscc.as_str(),
            "320505",
            "330106",
            "车身钢板",
            &["苏E1234挂", "苏E56789"],
            "钢板运输车无法下高速",
        ),
    )
    .await?;
    blockages += 1;
    linchpin_api::escalate_due(state).await.map_err(|e| anyhow::anyhow!("demo escalation: {}", e.message()))?;
    Ok(Seeded { blockages, reports })
}
