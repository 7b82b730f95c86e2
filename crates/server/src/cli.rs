//! The command line: `linchpin serve | migrate | schema | import | gen-network`.
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use linchpin_api::{NetworkEvent, NetworkEventKind};
use linchpin_domain::{Binding, Jurisdiction, Password, Role, Username};
use linchpin_store::import::{self, FirmRow, ImportFailure, ImportOutcome, LinkRow, Progress, RowError};
use linchpin_store::{Store, TransactionTrait, firms};

use crate::config::{DatabaseConfig, ServeConfig};
use crate::generate;
use crate::interchange;
use crate::startup::Application;

/// Exit code for input that failed validation (bad rows, bad header).
pub const EXIT_INVALID: u8 = 2;

/// Linchpin: the key-node SME whitelist and blockage coordination service.
#[derive(Parser, Debug)]
#[command(name = "linchpin", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API (migrates the database first).
    Serve(ServeConfig),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseConfig),
    /// Print the GraphQL schema (SDL); `schema/schema.graphql` holds the same text.
    Schema,
    /// Import firms and links from CSV or XLSX files (upsert by USCC; all or nothing).
    Import(ImportArgs),
    /// Write a realistic synthetic network as firms.csv and links.csv.
    GenNetwork(GenArgs),
    /// Manage accounts directly on the database (bootstrap the first admin).
    #[command(subcommand)]
    Account(crate::accounts::AccountCommand),
    /// Key-node analysis of firms.csv and links.csv, offline: one row per firm.
    Analyze(crate::analyze::AnalyzeArgs),
    /// Benchmarks (figures for docs/benchmarks.md).
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
}

/// Arguments of `import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Database.
    #[command(flatten)]
    pub db: DatabaseConfig,
    /// firms file (CSV or XLSX): uscc,name,region_code,industry_code,employees,revenue_10k_cny,chains[,assets_10k_cny].
    #[arg(long, env = "LINCHPIN_IMPORT_FIRMS")]
    pub firms: Option<PathBuf>,
    /// links file (CSV or XLSX): supplier_uscc,customer_uscc,product,annual_value_10k_cny,essential.
    #[arg(long, env = "LINCHPIN_IMPORT_LINKS")]
    pub links: Option<PathBuf>,
    /// Write the good rows and report the bad ones, instead of writing nothing when any row is bad.
    #[arg(long, env = "LINCHPIN_IMPORT_SKIP_INVALID")]
    pub skip_invalid: bool,
}

/// Arguments of `gen-network`.
#[derive(clap::Args, Debug)]
pub struct GenArgs {
    /// Number of firms.
    #[arg(long, env = "LINCHPIN_GEN_FIRMS", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(8..=5_000_000))]
    pub firms: u64,
    /// Random seed; the same seed gives the same network.
    #[arg(long, env = "LINCHPIN_GEN_SEED", default_value_t = 42)]
    pub seed: u64,
    /// Mean out-degree of suppliers (8 gives about 8 links per firm).
    #[arg(long, env = "LINCHPIN_GEN_MEAN_DEGREE", default_value_t = 8.0, value_parser = mean_degree)]
    pub mean_degree: f64,
    /// Output directory (created if missing).
    #[arg(long, env = "LINCHPIN_GEN_OUT")]
    pub out: PathBuf,
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one subcommand.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(cfg) => serve(cfg).await,
        Command::Migrate(db) => {
            let store = Store::connect(&db.database_url).await.context("cannot connect to the database")?;
            store.migrate().await.context("migration failed")?;
            writeln!(std::io::stdout(), "database {} is up to date", db.redacted())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema => {
            write!(std::io::stdout(), "{}", linchpin_api::sdl())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(args) => import_files(args).await,
        Command::GenNetwork(args) => gen_network(args),
        Command::Account(cmd) => crate::accounts::run(cmd).await,
        Command::Analyze(args) => tokio::task::spawn_blocking(move || crate::analyze::run(args)).await?,
        Command::Bench(cmd) => tokio::task::spawn_blocking(move || crate::bench::run(cmd)).await?,
    }
}

async fn serve(cfg: ServeConfig) -> anyhow::Result<ExitCode> {
    let app = Application::build(&cfg).await?;
    if cfg.demo {
        seed_demo(&app).await?;
    }
    let addr = app.local_addr()?;
    let mut out = std::io::stdout();
    writeln!(out, "Linchpin is listening on http://{addr}")?;
    writeln!(out, "GraphiQL: http://{addr}/graphql  (queries: POST /graphql, subscriptions: ws://{addr}/graphql/ws)")?;
    out.flush()?;
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

/// Number of firms in the demo network.
pub const DEMO_FIRMS: usize = 1_200;

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "linchpin-demo";

async fn seed_demo(app: &Application) -> anyhow::Result<()> {
    let store = &app.api.store;
    let mut out = std::io::stdout();
    if firms::count(store.db()).await? > 0 {
        writeln!(out, "Demo: the database already has firms; leaving them as they are.")?;
    } else {
        let net = generate::generate(DEMO_FIRMS, 2022);
        let enterprise = demo_enterprise(&net).map(|f| f.uscc.clone());
        let firm_rows: Vec<FirmRow> =
            net.firms.into_iter().enumerate().map(|(i, firm)| FirmRow { line: i + 2, firm }).collect();
        let link_rows: Vec<LinkRow> =
            net.links.into_iter().enumerate().map(|(i, link)| LinkRow { line: i + 2, link }).collect();
        let txn = store.db().begin().await?;
        let outcome = import::apply(&txn, &firm_rows, &link_rows, false, &import::NoProgress).await.map_err(failure)?;
        for (code, name, _) in generate::CHAINS {
            linchpin_store::chains::set_name(&txn, code, name).await?;
        }
        txn.commit().await?;
        app.api.announce(NetworkEvent::now(NetworkEventKind::Imported, None)).await;
        writeln!(
            out,
            "Demo: seeded {} firms and {} supply links on chains NEV (新能源汽车), IC (集成电路) and PV (光伏).",
            outcome.summary.firms_created, outcome.summary.links_created
        )?;
        let Some(uscc) = enterprise else { anyhow::bail!("the demo network has no large firm with suppliers") };
        let firm = firms::find_by_uscc(store.db(), uscc.as_str()).await?.context("demo enterprise vanished")?;
        let invalid = |e: linchpin_domain::ValidationError| anyhow::anyhow!("{}", e.message);
        let specs = [
            ("admin", Binding::new(Role::Admin, None, None)),
            ("zj-bureau", Binding::new(Role::Bureau, Some(Jurisdiction::parse("33").map_err(invalid)?), None)),
            (
                "hz-coordinator",
                Binding::new(Role::Coordinator, Some(Jurisdiction::parse("3301").map_err(invalid)?), None),
            ),
            ("demo-enterprise", Binding::new(Role::Enterprise, None, Some(firm.id))),
        ];
        for (name, binding) in specs {
            let binding = binding.map_err(invalid)?;
            let password = Password::parse(DEMO_PASSWORD).map_err(invalid)?;
            crate::accounts::create(
                store,
                &Username::parse(name).map_err(invalid)?,
                &binding,
                Some(password),
                30,
                "demo",
            )
            .await?;
        }
        writeln!(
            out,
            "Demo: demo-enterprise is {} ({}), a large firm with suppliers.",
            firm.firm.name.as_str(),
            firm.firm.uscc
        )?;
        let run = linchpin_api::analysis::run(&app.api, app.api.analysis, "demo".into())
            .await
            .map_err(|e| anyhow::anyhow!("demo analysis failed: {}", e.message()))?;
        writeln!(
            out,
            "Demo: analysed {} firms and {} links in {} ms; see keyNodeCandidates and Firm.assessment.",
            run.firms, run.links, run.duration_ms
        )?;
    }
    writeln!(out, "Demo accounts (password `{DEMO_PASSWORD}`; send `Authorization: Bearer <token>`):")?;
    for name in ["admin", "zj-bureau", "hz-coordinator", "demo-enterprise"] {
        if let Some((account, _)) = linchpin_store::accounts::find(store.db(), name).await? {
            let token = crate::accounts::issue(store.db(), &account, "demo", 30).await?;
            writeln!(out, "  {:<16} {:<12} {token}", name, account.binding.role().as_str())?;
        }
    }
    Ok(())
}

/// The large firm on a Hangzhou or Zhejiang chain with the most direct suppliers.
fn demo_enterprise(net: &generate::Network) -> Option<&linchpin_domain::FirmDraft> {
    let mut suppliers: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for l in &net.links {
        *suppliers.entry(l.customer().as_str()).or_default() += 1;
    }
    let count = |f: &linchpin_domain::FirmDraft| suppliers.get(f.uscc.as_str()).copied().unwrap_or(0);
    net.firms
        .iter()
        .filter(|f| f.size_class() == linchpin_domain::SizeClass::Large && count(f) > 0)
        .max_by_key(|f| (f.region.as_str().starts_with("3301"), f.region.province() == "33", count(f)))
}

fn failure(f: ImportFailure) -> anyhow::Error {
    match f {
        ImportFailure::Store(e) => anyhow::Error::new(e),
        ImportFailure::Rejected(rows) => anyhow::anyhow!("{} rows rejected", rows.len()),
    }
}

/// A terminal progress bar (drawn only when stderr is a terminal).
struct Bar(Mutex<Option<ProgressBar>>);

impl Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        tracing::info!(stage = name, rows = total, "writing");
        if let Ok(mut slot) = self.0.lock() {
            if let Some(old) = slot.take() {
                old.finish();
            }
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{msg:>6} [{bar:40}] {pos}/{len} rows ({per_sec}, eta {eta})")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(name.to_owned());
            *slot = Some(bar);
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(slot) = self.0.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.inc(n);
        }
    }
}

impl Bar {
    fn finish(&self) {
        if let Ok(mut slot) = self.0.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish();
        }
    }
}

fn report(errors: &[RowError]) {
    let mut err = std::io::stderr().lock();
    for e in errors {
        let _ = writeln!(err, "{e}");
    }
}

async fn import_files(args: ImportArgs) -> anyhow::Result<ExitCode> {
    if args.firms.is_none() && args.links.is_none() {
        anyhow::bail!("nothing to import: give --firms FILE and/or --links FILE");
    }
    let started = std::time::Instant::now();
    let mut bad: Vec<RowError> = Vec::new();
    let mut firm_rows = Vec::new();
    let mut link_rows = Vec::new();
    if let Some(path) = &args.firms {
        match interchange::parse_firms(path) {
            Ok((good, errors)) => {
                firm_rows = good;
                bad.extend(errors);
            }
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "error: {e}");
                return Ok(ExitCode::from(EXIT_INVALID));
            }
        }
    }
    if let Some(path) = &args.links {
        match interchange::parse_links(path) {
            Ok((good, errors)) => {
                link_rows = good;
                bad.extend(errors);
            }
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "error: {e}");
                return Ok(ExitCode::from(EXIT_INVALID));
            }
        }
    }
    tracing::info!(firms = firm_rows.len(), links = link_rows.len(), bad = bad.len(), "files read");
    if !bad.is_empty() && !args.skip_invalid {
        report(&bad);
        let _ = writeln!(
            std::io::stderr(),
            "{} bad row(s); nothing was written (use --skip-invalid to write the good rows)",
            bad.len()
        );
        return Ok(ExitCode::from(EXIT_INVALID));
    }

    let store = Store::connect(&args.db.database_url).await.context("cannot connect to the database")?;
    store.migrate().await.context("cannot migrate the database")?;
    let bar = Bar(Mutex::new(None));
    let txn = store.db().begin().await?;
    let outcome: ImportOutcome = match import::apply(&txn, &firm_rows, &link_rows, args.skip_invalid, &bar).await {
        Ok(o) => o,
        Err(ImportFailure::Rejected(rows)) => {
            bar.finish();
            drop(txn);
            report(&rows);
            let _ = writeln!(std::io::stderr(), "{} bad row(s); nothing was written", rows.len());
            return Ok(ExitCode::from(EXIT_INVALID));
        }
        Err(ImportFailure::Store(e)) => {
            return Err(anyhow::Error::new(e).context("import failed; nothing was written"));
        }
    };
    txn.commit().await.context("import failed at commit; nothing was written")?;
    bar.finish();
    bad.extend(outcome.skipped);
    bad.sort_by_key(|e| (e.file, e.line));
    report(&bad);
    let s = &outcome.summary;
    writeln!(
        std::io::stdout(),
        "imported in {:.1} s: firms {} created, {} updated, {} unchanged; links {} created, {} updated, {} unchanged; {} bad row(s) skipped",
        started.elapsed().as_secs_f64(),
        s.firms_created,
        s.firms_updated,
        s.firms_unchanged,
        s.links_created,
        s.links_updated,
        s.links_unchanged,
        bad.len()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn mean_degree(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.5..=64.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a mean degree between 0.5 and 64")),
    }
}

fn gen_network(args: GenArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let net = generate::generate_with_degree(args.firms as usize, args.seed, args.mean_degree);
    let firms_path = args.out.join("firms.csv");
    let links_path = args.out.join("links.csv");
    let f = std::io::BufWriter::new(
        std::fs::File::create(&firms_path).with_context(|| format!("cannot write {}", firms_path.display()))?,
    );
    interchange::write_firms_csv(f, &net.firms)?;
    let l = std::io::BufWriter::new(
        std::fs::File::create(&links_path).with_context(|| format!("cannot write {}", links_path.display()))?,
    );
    interchange::write_links_csv(l, &net.links)?;
    writeln!(
        std::io::stdout(),
        "wrote {} firms to {} and {} links to {}",
        net.firms.len(),
        firms_path.display(),
        net.links.len(),
        links_path.display()
    )?;
    Ok(ExitCode::SUCCESS)
}
