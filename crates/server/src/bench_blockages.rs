//! `linchpin bench blockages`: the triage queue at scale and a coordinators' mixed load over real
//! HTTP, for `docs/benchmarks.md` (issue #11's targets). On an empty database it seeds a generated
//! network, analyses it and reports open blockages spread over the firms (through the store the
//! API writes through, each with its computed priority and SLA); on a database it seeded before
//! it reuses what is there. Then it times the queue's first page through the schema, starts the
//! real server on a free port (rate limits raised, as for any load test) and drives it with
//! `--clients` concurrent clients for `--seconds`: 45% first pages of the queue, 45% blockages
//! with their timeline, 5% hand-ons at the version the client last read (a stale one gets
//! VERSION_CONFLICT, counted apart), 5% comments. Timings are printed, never asserted.
use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration as StdDuration, Instant};

use anyhow::Context as _;
use chrono::{Duration, Utc};
use clap::Parser as _;
use linchpin_api::{ApiState, Limits, build_schema};
use linchpin_domain::blockage::{BlockageStatus, Details};
use linchpin_domain::{Binding, FirmId, Jurisdiction, Plate, RegionCode, Role, Viewer};
use linchpin_store::blockage::{self as repo, NewBlockage};
use linchpin_store::import::Progress as _;
use linchpin_store::whitelist::Actor;
use linchpin_store::{accounts, analysis, firms};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::bench_whitelist::{NetworkArgs, analysed_state, bench_account, ms, seeded_store, time_query};
use crate::config::ServeConfig;
use crate::progress::Bar;

/// `linchpin bench blockages`
#[derive(clap::Args, Debug)]
pub struct BlockageBenchArgs {
    /// The database (PostgreSQL for the issue's figures) and the network seeded into it.
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Open blockages to seed (when there are none).
    #[arg(long, default_value_t = 10_000)]
    pub blockages: usize,
    /// Times the first page is read through the schema (median and p90 printed).
    #[arg(long, default_value_t = 101)]
    pub repeat: usize,
    /// Concurrent HTTP clients of the mixed load.
    #[arg(long, default_value_t = 50)]
    pub clients: usize,
    /// Seconds the mixed load runs.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
}

const PAGE: &str = "{ blockages(first: 20) { nodes { id kind status office assignee dueAt overdue \
    firm { uscc name } priority { score level explanation } } pageInfo { hasNextPage endCursor } } }";

/// Seeds `n` open blockages over the firms, reported over the last three days; returns nothing.
async fn seed_blockages(state: &ApiState, n: usize, reporter: &Viewer, seed: u64) -> anyhow::Result<()> {
    let store = &state.store;
    let (network, _) = analysis::load_network(store.db()).await?;
    anyhow::ensure!(network.len() >= n, "only {} firms for {n} blockages", network.len());
    let stride = network.len() / n;
    let ids: Vec<FirmId> = network.iter().step_by(stride.max(1)).take(n).map(|f| f.id).collect();
    let records = firms::get_many(store.db(), &ids).await?;
    let chosen: Vec<(FirmId, RegionCode)> =
        ids.iter().filter_map(|id| Some((*id, records.get(id)?.firm.region.clone()))).collect();
    let facts =
        linchpin_api::blockage::facts_for_all(state, &ids).await.map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let actor = Actor::of(reporter);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let now = Utc::now();
    let plate = Plate::parse("浙A12345").map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let bar = Bar::new();
    bar.stage("open blockages", n as u64);
    let txn = store.begin_write().await?;
    for (i, (firm, region)) in chosen.iter().enumerate() {
        let at = now - Duration::minutes(rng.random_range(0..3 * 24 * 60));
        let details = if i % 3 == 0 {
            Details::Freight {
                origin: region.clone(),
                destination: chosen[(i * 7 + 1) % chosen.len()].1.clone(),
                cargo: "零部件".into(),
                plates: vec![plate.clone()],
            }
        } else {
            Details::StaffAccess { workers: 10 + (i % 200) as i32, held_at: "外省".into(), closed_loop: i % 2 == 0 }
        };
        let f = facts.get(firm).cloned().unwrap_or_default();
        let priority = linchpin_api::blockage::stored_priority(f, at);
        let due = linchpin_api::blockage::due_at(state, BlockageStatus::Reported, &priority, 6, at);
        let new = NewBlockage {
            firm_id: *firm,
            region: region.clone(),
            details,
            counterpart: None,
            link_id: None,
            description: "基准测试堵点".into(),
            reporter: actor.clone(),
            priority,
            due_at: due,
            at,
        };
        repo::insert(&*txn, &new).await?;
        bar.advance(1);
    }
    txn.commit().await?;
    store.refresh_statistics(&repo::TABLES).await;
    bar.finish();
    Ok(())
}

/// The province with the most open blockages.
async fn busiest_province(store: &linchpin_store::Store) -> anyhow::Result<String> {
    let items = repo::open_items(store.db(), None).await?;
    let ids: Vec<FirmId> = items.iter().map(|i| i.firm_id).collect();
    let found = firms::get_many(store.db(), &ids).await?;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for f in found.values() {
        *counts.entry(f.firm.region.province().to_owned()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(p, n)| (*n, std::cmp::Reverse(p.clone())))
        .map(|(p, _)| p)
        .context("no open blockage")
}

fn quantile(sorted: &[StdDuration], q: f64) -> StdDuration {
    if sorted.is_empty() {
        return StdDuration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

#[derive(Default)]
struct Tally {
    reads: Vec<StdDuration>,
    writes: Vec<StdDuration>,
    errors: usize,
    conflicts: usize,
    first_error: Option<String>,
}

/// One client: requests until `stop`, returning what it saw.
async fn client(url: String, token: String, ids: Arc<Vec<String>>, seed: u64, stop: Arc<AtomicBool>) -> Tally {
    let http = reqwest::Client::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut tally = Tally::default();
    let mut known: Option<(String, i64)> = None;
    let node = "query($id: ID!) { node(id: $id) { ... on Blockage { id version status office priority { score level } \
                firm { name } timeline { action actor at comment } } } }";
    let assign = "mutation($i: AssignBlockageInput!) { assignBlockage(input: $i) { blockage { id version } userErrors { code } } }";
    let comment = "mutation($i: CommentOnBlockageInput!) { commentOnBlockage(input: $i) { blockage { id } userErrors { code } } }";
    while !stop.load(Ordering::Relaxed) {
        let roll = rng.random_range(0..100);
        let id = ids[rng.random_range(0..ids.len())].clone();
        let (body, write, field) = match (roll, &known) {
            (0..45, _) => (json!({"query": PAGE}), false, "blockages"),
            (90..95, Some((kid, v))) => (
                json!({"query": assign, "variables": {"i": {"id": kid, "version": v, "assignee": "bench-coordinator", "comment": "交办（基准）"}}}),
                true,
                "assignBlockage",
            ),
            (95..100, _) => (
                json!({"query": comment, "variables": {"i": {"id": id, "comment": "进展反馈（基准）"}}}),
                true,
                "commentOnBlockage",
            ),
            _ => (json!({"query": node, "variables": {"id": id}}), false, "node"),
        };
        let start = Instant::now();
        let resp = http.post(&url).bearer_auth(&token).json(&body).send().await;
        let took = start.elapsed();
        let outcome: Result<Value, String> = match resp {
            Ok(r) if r.status().is_success() => r.json::<Value>().await.map_err(|e| e.to_string()),
            Ok(r) => Err(format!("HTTP {}", r.status())),
            Err(e) => Err(e.to_string()),
        };
        match outcome {
            Ok(v) if v.get("errors").is_none() => {
                let data = &v["data"][field];
                match data["userErrors"].as_array().and_then(|e| e.first()) {
                    Some(e) if e["code"] == "VERSION_CONFLICT" => tally.conflicts += 1,
                    Some(e) => {
                        tally.errors += 1;
                        tally.first_error.get_or_insert_with(|| e.to_string());
                    }
                    None => {}
                }
                if field == "node" && data["id"].is_string() {
                    known = Some((
                        data["id"].as_str().unwrap_or_default().to_owned(),
                        data["version"].as_i64().unwrap_or(0),
                    ));
                } else if field == "assignBlockage" && data["blockage"]["id"].is_string() {
                    known = Some((id_of(&data["blockage"]), data["blockage"]["version"].as_i64().unwrap_or(0)));
                }
            }
            Ok(v) => {
                tally.errors += 1;
                tally.first_error.get_or_insert_with(|| v["errors"].to_string());
            }
            Err(e) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(e);
            }
        }
        if write { tally.writes.push(took) } else { tally.reads.push(took) }
    }
    tally
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// Runs `linchpin bench blockages`.
pub async fn run(args: BlockageBenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.repeat >= 1 && args.blockages >= 1 && args.clients >= 1,
        "--repeat, --blockages and --clients must be at least 1"
    );
    let mut out = std::io::stdout();
    let store = seeded_store(&args.network).await?;
    let state = analysed_state(&store).await?;
    let admin = bench_account(
        &store,
        "bench-admin",
        Binding::new(Role::Admin, None, None).map_err(|e| anyhow::anyhow!("{}", e.message))?,
    )
    .await?;
    if repo::count(store.db(), false).await? == 0 {
        let start = Instant::now();
        seed_blockages(&state, args.blockages, &admin, args.network.seed).await?;
        writeln!(out, "seeded {} open blockages in {:.1} s", args.blockages, start.elapsed().as_secs_f64())?;
    }
    let province = busiest_province(&store).await?;
    let binding = Binding::new(
        Role::Coordinator,
        Some(Jurisdiction::parse(&province).map_err(|e| anyhow::anyhow!("{}", e.message))?),
        None,
    )
    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let coordinator = bench_account(&store, "bench-coordinator", binding).await?;
    let open = repo::count(store.db(), true).await?;
    writeln!(
        out,
        "database: {} firms, {open} open blockages; load as the coordinator of province {province}",
        firms::count(store.db()).await?
    )?;

    let schema = build_schema(state.clone(), Limits::default());
    for (what, who) in [("as ADMIN (every blockage)", &admin), ("as the province's coordinator", &coordinator)] {
        let (p50, p90, rows) = time_query(&schema, who, PAGE, args.repeat).await?;
        writeln!(
            out,
            "first page of the queue (first: 20, through the schema) {what}: {rows} rows, median {:.2} ms, p90 {:.2} ms",
            ms(p50),
            ms(p90)
        )?;
    }

    // the real server on a free port: the same build a deployment runs, rate limits raised
    #[derive(clap::Parser)]
    struct Wrap {
        #[command(flatten)]
        serve: ServeConfig,
    }
    let cfg = Wrap::try_parse_from([
        "serve",
        "--database-url",
        &args.network.db.database_url,
        "--bind",
        "127.0.0.1:0",
        "--rate-limit-burst",
        "100000",
        "--rate-limit-per-second",
        "100000",
        "--analysis-debounce-secs",
        "0",
    ])?
    .serve;
    let app = crate::startup::Application::build(&cfg).await?;
    let url = format!("http://{}/graphql", app.local_addr()?);
    let server = tokio::spawn(app.run_until_stopped());
    let (account, _) = accounts::find(store.db(), "bench-coordinator").await?.context("bench account vanished")?;
    let token = crate::accounts::issue_audited(&store, &account, "bench", 1, "bench").await?;
    // the ids the coordinator may see: its province's blockages
    let q = linchpin_store::blockage::BlockageQuery {
        scope: linchpin_store::blockage::Scope::Jurisdiction(
            Jurisdiction::parse(&province).map_err(|e| anyhow::anyhow!("{}", e.message))?,
        ),
        statuses: None,
        kind: None,
        within: None,
        assignee: None,
        firm: None,
        order: linchpin_store::blockage::Order::Newest,
    };
    let visible = repo::list(store.db(), &q, None, 100_000).await?;
    let ids: Arc<Vec<String>> =
        Arc::new(visible.items.iter().map(|b| linchpin_api::blockage::global_id(b.id)).collect());
    anyhow::ensure!(!ids.is_empty(), "the coordinator sees no blockage");
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.clients)
        .map(|i| {
            tokio::spawn(client(
                url.clone(),
                token.clone(),
                Arc::clone(&ids),
                args.network.seed + i as u64,
                Arc::clone(&stop),
            ))
        })
        .collect();
    tokio::time::sleep(StdDuration::from_secs(args.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Tally::default();
    for t in tasks {
        let t = t.await?;
        all.reads.extend(t.reads);
        all.writes.extend(t.writes);
        all.errors += t.errors;
        all.conflicts += t.conflicts;
        if all.first_error.is_none() {
            all.first_error = t.first_error;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    server.abort();
    let mut every: Vec<StdDuration> = all.reads.iter().chain(all.writes.iter()).copied().collect();
    every.sort_unstable();
    all.reads.sort_unstable();
    all.writes.sort_unstable();
    writeln!(
        out,
        "mixed load, {} clients for {:.0} s over HTTP: {} requests, {:.0} req/s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         reads p99 {:.1} ms, writes p99 {:.1} ms ({} writes, {} VERSION_CONFLICT); {} errors",
        args.clients,
        elapsed,
        every.len(),
        every.len() as f64 / elapsed,
        ms(quantile(&every, 0.5)),
        ms(quantile(&every, 0.99)),
        ms(every.last().copied().unwrap_or_default()),
        ms(quantile(&all.reads, 0.99)),
        ms(quantile(&all.writes, 0.99)),
        all.writes.len(),
        all.conflicts,
        all.errors
    )?;
    if let Some(e) = all.first_error {
        writeln!(out, "first error: {e}")?;
    }
    Ok(if all.errors == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
