//! `linchpin bench supplier-list`: a chain leader's upload at scale, for `docs/benchmarks.md`. On
//! an empty database it seeds the generated network; then it writes a supplier list of `--rows`
//! rows for the LARGE firm with the most suppliers (half registered SMEs it does not yet buy from,
//! half unregistered firms), and times, through the real schema (multipart upload, parser, rules,
//! audit events, no HTTP), a dry run, the upload, and the same upload again. Timings are printed,
//! never asserted.
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use async_graphql::{Request, UploadValue, Variables};
use linchpin_api::{ApiState, Limits, build_schema};
use linchpin_domain::{Binding, Role, SizeClass};
use linchpin_store::{analysis, firms};

use crate::generate;

/// `linchpin bench supplier-list`
#[derive(clap::Args, Debug)]
pub struct SupplierListBenchArgs {
    /// The database and the network seeded into it.
    #[command(flatten)]
    pub network: crate::bench_whitelist::NetworkArgs,
    /// Rows of the list.
    #[arg(long, default_value_t = 10_000)]
    pub rows: usize,
    /// Publish the change events through this Redis, as a replica would (in process otherwise).
    #[arg(long)]
    pub redis_url: Option<String>,
}

const IMPORT: &str = "mutation($i: ImportSupplierListInput!) { importSupplierList(input: $i) { \
    summary { rows created updated unchanged pendingFirms } errors { line message } userErrors { message } } }";

/// Runs `linchpin bench supplier-list`.
pub async fn run(args: SupplierListBenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.rows >= 2, "--rows must be at least 2");
    let mut out = std::io::stdout();
    let store = crate::bench_whitelist::seeded_store(&args.network).await?;
    let (network, links) = analysis::load_network(store.db()).await?;
    // the customer: the LARGE firm with the most suppliers
    let mut suppliers_of: std::collections::HashMap<i64, std::collections::HashSet<i64>> = Default::default();
    for l in &links {
        suppliers_of.entry(l.customer.0).or_default().insert(l.supplier.0);
    }
    let customer = network
        .iter()
        .filter(|f| f.size == SizeClass::Large)
        .max_by_key(|f| suppliers_of.get(&f.id.0).map_or(0, |s| s.len()))
        .context("the network has no LARGE firm")?;
    let own = suppliers_of.remove(&customer.id.0).unwrap_or_default();
    let registered_n = args.rows / 2;
    let candidates: Vec<linchpin_domain::FirmId> = network
        .iter()
        .filter(|f| f.size.is_sme() && f.id != customer.id && !own.contains(&f.id.0))
        .map(|f| f.id)
        .take(registered_n)
        .collect();
    let records = firms::get_many(store.db(), &candidates).await?;
    let mut csv = linchpin_interchange::SUPPLIER_COLUMNS.join(",");
    csv.push('\n');
    for id in &candidates {
        let f = &records.get(id).context("a firm vanished")?.firm;
        writeln!(csv, "{},{},{},{},零部件,{},true", f.uscc, f.name.as_str(), f.region, f.industry, 100)?;
    }
    let fresh = args.rows - candidates.len();
    for n in 0..fresh as u64 {
        let uscc = generate::uscc_for("330110", 9_000_000 + n).context("no USCC")?;
        let essential = if n % 3 == 0 { "true" } else { "false" };
        writeln!(csv, "{uscc},杭州新供应商{n}有限公司,330110,C3670,配件,{},{essential}", 10 + n % 90)?;
    }
    let customer_rec = firms::get(store.db(), customer.id).await?;
    let binding =
        Binding::new(Role::Enterprise, None, Some(customer.id)).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let viewer =
        crate::bench_whitelist::bench_account(&store, &format!("bench-ent-{}", customer.id.0), binding).await?;
    writeln!(
        out,
        "customer {} ({} suppliers already); list of {} rows ({} registered, {} not), {:.1} MiB",
        customer_rec.firm.uscc,
        own.len(),
        args.rows,
        candidates.len(),
        fresh,
        csv.len() as f64 / 1048576.0
    )?;
    let mut state = ApiState::new(store.clone());
    if let Some(url) = &args.redis_url {
        let link = linchpin_api::redis_link::RedisLink::connect(url)
            .await
            .map_err(|_| anyhow::anyhow!("--redis-url is not a valid Redis URL"))?;
        state.events = std::sync::Arc::new(linchpin_api::RedisBus::over(link).await);
    }
    let events = if args.redis_url.is_some() { "Redis" } else { "in process" };
    writeln!(out, "change events published {events}")?;
    let schema = build_schema(state, Limits::default());
    for (what, dry_run) in [("dry run", true), ("upload", false), ("same upload again", false)] {
        let mut req = Request::new(IMPORT)
            .variables(Variables::from_json(serde_json::json!({"i": {"file": null, "dryRun": dry_run}})));
        req.set_upload(
            "variables.i.file",
            UploadValue {
                filename: "suppliers.csv".into(),
                content_type: None,
                content: csv.clone().into_bytes().into(),
            },
        );
        let start = Instant::now();
        let resp = schema.execute(req.data(viewer.clone())).await;
        let took = start.elapsed();
        anyhow::ensure!(resp.errors.is_empty(), "{what}: {:?}", resp.errors);
        let v = serde_json::to_value(&resp.data)?;
        let p = &v["importSupplierList"];
        anyhow::ensure!(p["summary"].is_object(), "{what}: {p}");
        writeln!(out, "{what}: {:.2} s, {}", took.as_secs_f64(), p["summary"])?;
    }
    Ok(ExitCode::SUCCESS)
}
