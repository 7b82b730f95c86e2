//! `serve --demo`: seeds a generated, realistic network with demo accounts on an empty database,
//! analyses it, puts entries on the whitelist in every state (`demo_whitelist`), and prints how to
//! sign in.
use std::io::Write;

use anyhow::Context as _;
use linchpin_api::{NetworkEvent, NetworkEventKind};
use linchpin_domain::{Binding, FirmRow, Jurisdiction, LinkRow, Password, Role, Username};
use linchpin_store::firms;
use linchpin_store::import::{self, ImportFailure};

use crate::generate;
use crate::startup::Application;

/// Number of firms in the demo network.
pub const DEMO_FIRMS: usize = 1_200;

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "linchpin-demo";

/// The demo accounts, in the order they are printed.
pub const DEMO_ACCOUNTS: [&str; 7] =
    ["admin", "zj-bureau", "zj-reviewer", "hz-bureau", "hz-coordinator", "demo-enterprise", "demo-supplier"];

/// Seeds the demo when the database has no firms, then prints a token for each demo account.
pub async fn seed(app: &Application) -> anyhow::Result<()> {
    let store = &app.api.store;
    let mut out = std::io::stdout();
    if firms::count(store.db()).await? > 0 {
        writeln!(out, "Demo: the database already has firms; leaving them as they are.")?;
    } else {
        let net = generate::generate(DEMO_FIRMS, 2022);
        let enterprise = demo_enterprise(&net).map(|f| f.uscc.clone());
        // one of its suppliers, whose account has the demo enterprise's links in its inbox
        let supplier = enterprise
            .as_ref()
            .and_then(|e| net.links.iter().find(|l| l.customer() == e).map(|l| l.supplier().clone()));
        let firm_rows: Vec<FirmRow> =
            net.firms.into_iter().enumerate().map(|(i, firm)| FirmRow { line: i + 2, firm }).collect();
        let link_rows: Vec<LinkRow> =
            net.links.into_iter().enumerate().map(|(i, link)| LinkRow { line: i + 2, link }).collect();
        let txn = store.begin_write().await?;
        let outcome =
            import::apply(&*txn, &firm_rows, &link_rows, false, &import::NoProgress).await.map_err(failure)?;
        for (code, name, _) in generate::CHAINS {
            linchpin_store::chains::set_name(&*txn, code, name).await?;
        }
        let files = serde_json::json!([{"file": "generated", "firms": firm_rows.len(), "links": link_rows.len(), "seed": 2022}]);
        let event = crate::import::import_event("demo", files, &outcome.summary, outcome.skipped.len());
        linchpin_store::audit::append(&*txn, event).await?;
        txn.commit().await?;
        store.refresh_statistics(&import::TABLES).await;
        app.api.announce(NetworkEvent::now(NetworkEventKind::Imported, None)).await;
        writeln!(
            out,
            "Demo: seeded {} firms and {} supply links on chains NEV (新能源汽车), IC (集成电路) and PV (光伏).",
            outcome.summary.firms_created, outcome.summary.links_created
        )?;
        let Some(uscc) = enterprise else { anyhow::bail!("the demo network has no large firm with suppliers") };
        let firm = firms::find_by_uscc(store.db(), uscc.as_str()).await?.context("demo enterprise vanished")?;
        let supplier = supplier.context("the demo enterprise has no supplier")?;
        let supplier = firms::find_by_uscc(store.db(), supplier.as_str()).await?.context("demo supplier vanished")?;
        let invalid = |e: linchpin_domain::ValidationError| anyhow::anyhow!("{}", e.message);
        let specs = [
            ("admin", Binding::new(Role::Admin, None, None)),
            ("zj-bureau", Binding::new(Role::Bureau, Some(Jurisdiction::parse("33").map_err(invalid)?), None)),
            ("zj-reviewer", Binding::new(Role::Bureau, Some(Jurisdiction::parse("33").map_err(invalid)?), None)),
            ("hz-bureau", Binding::new(Role::Bureau, Some(Jurisdiction::parse("3301").map_err(invalid)?), None)),
            (
                "hz-coordinator",
                Binding::new(Role::Coordinator, Some(Jurisdiction::parse("3301").map_err(invalid)?), None),
            ),
            ("demo-enterprise", Binding::new(Role::Enterprise, None, Some(firm.id))),
            ("demo-supplier", Binding::new(Role::Enterprise, None, Some(supplier.id))),
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
        let run = linchpin_api::analysis::run(&app.api, app.api.analysis, app.api.link_trust, "demo".into())
            .await
            .map_err(|e| anyhow::anyhow!("demo analysis failed: {}", e.message()))?;
        writeln!(
            out,
            "Demo: analysed {} firms and {} links in {} ms; see keyNodeCandidates and Firm.assessment.",
            run.firms, run.links, run.duration_ms
        )?;
        let seeded = crate::demo_whitelist::seed(&app.api).await?;
        writeln!(
            out,
            "Demo: {} whitelist entries in every state (浙江 第1批 published; see whitelist, whitelistBatches, GET /whitelist/check/<uscc>).",
            seeded.entries
        )?;
        let ledger = crate::demo_blockages::seed(&app.api).await?;
        writeln!(
            out,
            "Demo: {} blockages in every state (one escalated to the city) and {} production reports (see blockages, bottlenecks, chainResumption).",
            ledger.blockages, ledger.reports
        )?;
    }
    // Tokens only for accounts the demo itself created: an operator's real `admin` on a database
    // that was never a demo gets nothing, and every token minted here is in the audit trail.
    let mut printed = false;
    for name in DEMO_ACCOUNTS {
        let Some((account, _)) = linchpin_store::accounts::find(store.db(), name).await? else { continue };
        if !created_by_demo(store, account.id).await? {
            continue;
        }
        if !printed {
            writeln!(out, "Demo accounts (password `{DEMO_PASSWORD}`; send `Authorization: Bearer <token>`):")?;
            printed = true;
        }
        let token = crate::accounts::issue_audited(store, &account, "demo", 30, "demo").await?;
        writeln!(out, "  {:<16} {:<12} {token}", name, account.binding.role().as_str())?;
    }
    if !printed {
        writeln!(out, "Demo: this database was not seeded by the demo; no demo accounts, no tokens.")?;
    }
    Ok(())
}

/// Whether the demo created this account (its `account.create` event names the demo as actor).
async fn created_by_demo(store: &linchpin_store::Store, account_id: i64) -> anyhow::Result<bool> {
    let filter = linchpin_store::audit::AuditFilter {
        action: Some("account.create".into()),
        object_type: Some("account".into()),
        object_id: Some(account_id.to_string()),
        actor: Some("demo".into()),
    };
    Ok(!linchpin_store::audit::list(store.db(), None, &filter, None, 1).await?.items.is_empty())
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
