//! `linchpin bench whitelist`: the whitelist's reads at scale, for `docs/benchmarks.md`. On an
//! empty database it seeds a generated network, analyses it and puts entries on the whitelist in
//! every state (through the store the API writes through, published in numbered batches per
//! province); on a database it seeded before it reuses what is there. Then it times the list and
//! candidate queries through the real schema (authorization, loaders and all, no HTTP) as a
//! provincial bureau, and the export to XLSX. Timings are printed, never asserted.
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration as StdDuration, Instant};

use anyhow::Context as _;
use async_graphql::Request;
use chrono::{Duration, Utc};
use linchpin_api::{ApiState, ExportFilter, Limits, build_schema};
use linchpin_domain::whitelist::{Proposer, WhitelistAction, WhitelistStatus, transition};
use linchpin_domain::{Binding, ChainCode, FirmId, FirmRow, Jurisdiction, LinkRow, Role, Username, Viewer};
use linchpin_store::import::Progress as _;
use linchpin_store::whitelist::{self as repo, Actor, NewEntry, Step};
use linchpin_store::{Store, analysis, firms, import};

use crate::config::DatabaseConfig;
use crate::export::{Format, render};
use crate::generate;
use crate::progress::Bar;

/// `linchpin bench whitelist`
#[derive(clap::Args, Debug)]
pub struct WhitelistBenchArgs {
    /// The database and the network seeded into it.
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Whitelist entries to seed (when there are none).
    #[arg(long, default_value_t = 10_000)]
    pub entries: usize,
    /// Times each query runs (the median and the 90th percentile are printed).
    #[arg(long, default_value_t = 101)]
    pub repeat: usize,
}

/// A bench's database and the generated network seeded into it when it is empty.
#[derive(clap::Args, Debug)]
pub struct NetworkArgs {
    /// Database.
    #[command(flatten)]
    pub db: DatabaseConfig,
    /// Firms of the generated network (when the database is empty).
    #[arg(long, default_value_t = 100_000)]
    pub firms: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// The state each seeded entry ends in, by its position: 70% on the list, the rest spread over
/// the other states.
fn fate(i: usize) -> WhitelistStatus {
    use WhitelistStatus as S;
    match i % 20 {
        0 | 1 => S::Nominated,
        2 | 3 => S::UnderReview,
        4 => S::Rejected,
        5 => S::Suspended,
        6 => S::Revoked,
        _ => S::Approved,
    }
}

/// The steps that lead from NOMINATED to `to` (SUSPENDED and REVOKED after publication).
fn path(to: WhitelistStatus) -> (&'static [WhitelistAction], &'static [WhitelistAction]) {
    use WhitelistAction as A;
    use WhitelistStatus as S;
    match to {
        S::Nominated => (&[], &[]),
        S::UnderReview => (&[A::StartReview], &[]),
        S::Rejected => (&[A::StartReview, A::Reject], &[]),
        S::Suspended => (&[A::StartReview, A::Approve], &[A::Suspend]),
        S::Revoked => (&[A::StartReview, A::Approve], &[A::Revoke]),
        _ => (&[A::StartReview, A::Approve], &[]),
    }
}

/// The viewer of the benchmark account `name`, created with `binding` on first use.
pub async fn bench_account(store: &Store, name: &str, binding: Binding) -> anyhow::Result<Viewer> {
    let username = Username::parse(name).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    if linchpin_store::accounts::find(store.db(), name).await?.is_none() {
        crate::accounts::create(store, &username, &binding, None, 1, "bench").await?;
    }
    let (a, _) = linchpin_store::accounts::find(store.db(), name).await?.context("bench account vanished")?;
    Ok(Viewer { account_id: a.id, username: a.username, binding: a.binding, token_id: 0 })
}

fn take_steps(
    record: &repo::EntryRecord,
    actions: &[WhitelistAction],
    actor: &Actor,
    at: chrono::DateTime<Utc>,
) -> anyhow::Result<Vec<Step>> {
    let mut status = record.status;
    let mut steps = Vec::new();
    for &action in actions {
        let to = transition(status, action).map_err(|e| anyhow::anyhow!("{}", e.message))?;
        steps.push(Step {
            action,
            to,
            actor: actor.clone(),
            comment: "bench".into(),
            valid_until: (action == WhitelistAction::Approve).then(|| at + Duration::days(730)),
            basis: record.basis.clone(),
            replaces_basis: false,
            at,
        });
        status = to;
    }
    Ok(steps)
}

/// Seeds `n` entries over the SMEs that are on a chain, spread evenly over them in id order.
async fn seed_entries(state: &ApiState, n: usize, nominator: &Viewer, reviewer: &Viewer) -> anyhow::Result<()> {
    let store = &state.store;
    let (network, _) = analysis::load_network(store.db()).await?;
    let eligible: Vec<(FirmId, ChainCode)> =
        network.iter().filter(|f| f.size.is_sme()).filter_map(|f| Some((f.id, f.chains.first()?.clone()))).collect();
    anyhow::ensure!(eligible.len() >= n, "only {} SMEs on a chain for {n} entries", eligible.len());
    let stride = eligible.len() / n;
    let chosen: Vec<(FirmId, ChainCode)> = eligible.into_iter().step_by(stride.max(1)).take(n).collect();
    let ids: Vec<FirmId> = chosen.iter().map(|(id, _)| *id).collect();
    let records = firms::get_many(store.db(), &ids).await?;
    let nominating = Actor::of(nominator);
    let reviewing = Actor::of(reviewer);
    let at = Utc::now();
    let bar = Bar::new();
    bar.stage("whitelist entries", n as u64);
    let txn = store.begin_write().await?;
    let mut after_publication = Vec::new();
    let mut provinces = std::collections::BTreeSet::new();
    for (i, (firm, chain)) in chosen.iter().enumerate() {
        let record = records.get(firm).context("a chosen firm vanished")?;
        let new = NewEntry {
            firm_id: *firm,
            chain: chain.clone(),
            region: record.firm.region.clone(),
            proposer: Proposer { account_id: nominator.account_id, level: Some(2) },
            actor: nominating.clone(),
            action: WhitelistAction::Nominate,
            recommender: None,
            justification: "链上关键节点（基准测试）".into(),
            evidence: Vec::new(),
            size_override_reason: None,
            basis: linchpin_api::whitelist::basis_now(&*txn, *firm)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?,
            at,
        };
        let entry = repo::insert(&*txn, &new).await?;
        let (before, after) = path(fate(i));
        let mut entry = entry;
        for step in take_steps(&entry, before, &reviewing, at)? {
            entry = repo::advance(&*txn, &entry, entry.version, &step).await?;
        }
        if entry.status == WhitelistStatus::Approved {
            provinces.insert(entry.region.province().to_owned());
        }
        if !after.is_empty() {
            after_publication.push((entry.id, after));
        }
        bar.advance(1);
    }
    for p in &provinces {
        repo::publish(&*txn, p, None, "重点产业链供应链白名单（第一批）", &reviewing, at).await?;
    }
    for (id, actions) in after_publication {
        let mut entry = repo::get(&*txn, id).await?;
        for step in take_steps(&entry, actions, &reviewing, at)? {
            entry = repo::advance(&*txn, &entry, entry.version, &step).await?;
        }
    }
    txn.commit().await?;
    store.refresh_statistics(&repo::TABLES).await;
    bar.finish();
    Ok(())
}

/// Median and 90th percentile of `runs` of `query` as `who`, after one warm-up.
pub(crate) async fn time_query(
    schema: &linchpin_api::ApiSchema,
    who: &Viewer,
    query: &str,
    runs: usize,
) -> anyhow::Result<(StdDuration, StdDuration, usize)> {
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    for i in 0..=runs {
        let start = Instant::now();
        let resp = schema.execute(Request::new(query).data(who.clone())).await;
        let took = start.elapsed();
        anyhow::ensure!(resp.errors.is_empty(), "{query}: {:?}", resp.errors);
        if i == 0 {
            let v = serde_json::to_value(&resp.data)?;
            rows =
                v.as_object().and_then(|o| o.values().next()).and_then(|c| c["nodes"].as_array()).map_or(0, Vec::len);
        } else {
            times.push(took);
        }
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Ok((at(0.5), at(0.9), rows))
}

pub(crate) fn ms(d: StdDuration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Connects to a bench's database, migrates it, and seeds the generated network when it is empty.
pub(crate) async fn seeded_store(args: &NetworkArgs) -> anyhow::Result<Store> {
    let store = crate::startup::connect_store(&args.db.database_url, args.db.store_options()).await?;
    store.migrate().await.context("cannot migrate the database")?;
    seed_network(&store, args.firms, args.seed).await?;
    Ok(store)
}

/// The API state over `store` once an analysis run exists (run now, and its time printed, when
/// there is none yet).
pub(crate) async fn analysed_state(store: &Store) -> anyhow::Result<ApiState> {
    let state = ApiState::new(store.clone());
    if analysis::latest_run(store.db()).await?.is_none() {
        let start = Instant::now();
        let run = linchpin_api::analysis::run(&state, state.analysis, state.link_trust, "bench".into())
            .await
            .map_err(|e| anyhow::anyhow!("analysis failed: {}", e.message()))?;
        writeln!(std::io::stdout(), "analysed {} firms in {:.1} s", run.firms, start.elapsed().as_secs_f64())?;
    }
    Ok(state)
}

/// Seeds `gen-network --firms n --seed seed` into an empty database (a no-op otherwise); prints
/// what it did.
async fn seed_network(store: &Store, n: usize, seed: u64) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    if firms::count(store.db()).await? == 0 {
        let start = Instant::now();
        let net = generate::generate(n, seed);
        let firm_rows: Vec<FirmRow> =
            net.firms.into_iter().enumerate().map(|(i, firm)| FirmRow { line: i + 2, firm }).collect();
        let link_rows: Vec<LinkRow> =
            net.links.into_iter().enumerate().map(|(i, link)| LinkRow { line: i + 2, link }).collect();
        let txn = store.begin_write().await?;
        let bar = Bar::new();
        let outcome = import::apply(&*txn, &firm_rows, &link_rows, false, &bar).await.map_err(|f| match f {
            import::ImportFailure::Store(e) => anyhow::Error::new(e),
            import::ImportFailure::Rejected(rows) => anyhow::anyhow!("{} generated rows rejected", rows.len()),
        })?;
        txn.commit().await?;
        store.refresh_statistics(&import::TABLES).await;
        bar.finish();
        writeln!(
            out,
            "seeded {} firms and {} links in {:.1} s",
            outcome.summary.firms_created,
            outcome.summary.links_created,
            start.elapsed().as_secs_f64()
        )?;
    }
    Ok(())
}

/// Runs `linchpin bench whitelist`.
pub async fn run(args: WhitelistBenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.repeat >= 1 && args.entries >= 1, "--repeat and --entries must be at least 1");
    let mut out = std::io::stdout();
    let store = seeded_store(&args.network).await?;
    let state = analysed_state(&store).await?;
    let jurisdiction = |p: &str| Jurisdiction::parse(p).map_err(|e| anyhow::anyhow!("{}", e.message));
    let binding = |role, p: &str| -> anyhow::Result<Binding> {
        Binding::new(role, Some(jurisdiction(p)?), None).map_err(|e| anyhow::anyhow!("{}", e.message))
    };
    let zj = bench_account(&store, "bench-zj-bureau", binding(Role::Bureau, "33")?).await?;
    let zj2 = bench_account(&store, "bench-zj-reviewer", binding(Role::Bureau, "33")?).await?;
    let gd = bench_account(&store, "bench-gd-coordinator", binding(Role::Coordinator, "44")?).await?;
    if repo::count(store.db()).await? == 0 {
        let start = Instant::now();
        seed_entries(&state, args.entries, &zj, &zj2).await?;
        writeln!(out, "seeded {} whitelist entries in {:.1} s", args.entries, start.elapsed().as_secs_f64())?;
    }
    let firms_n = firms::count(store.db()).await?;
    let entries_n = repo::count(store.db()).await?;
    writeln!(out, "database: {firms_n} firms, {entries_n} whitelist entries; {} runs per query", args.repeat)?;

    let schema = build_schema(state.clone(), Limits::default());
    let list = "{ whitelist(first: 50, filter: {regionPrefix: \"33\", status: APPROVED}) { nodes { id status validUntil \
                firm { uscc name sizeClass } batch { label } } pageInfo { endCursor } } }";
    let cands = "{ whitelistCandidates(first: 50) { nodes { rank priorityScore outputAtStake10kCny firm { uscc name } \
                 reasons { code } } } }";
    for (what, who, query) in [
        ("whitelist(first: 50, regionPrefix 33, APPROVED) as a Zhejiang bureau", &zj, list),
        ("whitelist(first: 50, regionPrefix 33, APPROVED) as a Guangdong coordinator", &gd, list),
        ("whitelistCandidates(first: 50) as a Zhejiang bureau", &zj, cands),
    ] {
        let (p50, p90, rows) = time_query(&schema, who, query, args.repeat).await?;
        writeln!(out, "{what}: {rows} rows, median {:.2} ms, p90 {:.2} ms", ms(p50), ms(p90))?;
    }

    // the export: the APPROVED list (what a bureau downloads), and every entry in any state
    let now = Utc::now();
    let start = Instant::now();
    let rows = linchpin_api::export_rows(&store, None, ExportFilter::default(), now)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let fetched = start.elapsed();
    let bytes = render(&rows, Format::Xlsx)?;
    writeln!(
        out,
        "export APPROVED to XLSX: {} rows, {:.2} s ({:.2} s reading, {:.2} s writing), {:.1} MiB",
        rows.len(),
        start.elapsed().as_secs_f64(),
        fetched.as_secs_f64(),
        (start.elapsed() - fetched).as_secs_f64(),
        bytes.len() as f64 / 1048576.0
    )?;
    let start = Instant::now();
    let mut all = Vec::new();
    for status in [
        WhitelistStatus::Nominated,
        WhitelistStatus::UnderReview,
        WhitelistStatus::Approved,
        WhitelistStatus::Rejected,
        WhitelistStatus::Suspended,
        WhitelistStatus::Revoked,
        WhitelistStatus::Expired,
    ] {
        let filter = ExportFilter { status: Some(status), ..ExportFilter::default() };
        all.extend(
            linchpin_api::export_rows(&store, None, filter, now)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?,
        );
    }
    let bytes = render(&all, Format::Xlsx)?;
    writeln!(
        out,
        "export every entry to XLSX: {} rows, {:.2} s, {:.1} MiB",
        all.len(),
        start.elapsed().as_secs_f64(),
        bytes.len() as f64 / 1048576.0
    )?;
    Ok(ExitCode::SUCCESS)
}
