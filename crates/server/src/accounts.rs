//! Operator commands on accounts (`linchpin account ...`), which work directly on the database so
//! the first admin can be bootstrapped, and the demo accounts.
use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::Utc;
use clap::Subcommand;
use linchpin_api::auth::{hash_password, new_token};
use linchpin_domain::{Binding, Jurisdiction, Password, Role, Uscc, Username};
use linchpin_store::accounts::{self, AccountRecord};
use linchpin_store::audit::{self, NewAuditEvent};
use linchpin_store::{Store, firms};

use crate::config::DatabaseConfig;

/// `linchpin account ...`
#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// Create an account and print a new API token for it.
    Create {
        /// Database.
        #[command(flatten)]
        db: DatabaseConfig,
        /// ADMIN, BUREAU, COORDINATOR or ENTERPRISE.
        #[arg(long)]
        role: String,
        /// Account name (3-64 of a-z, 0-9, `.`, `_`, `-`).
        #[arg(long)]
        name: String,
        /// GB/T 2260 prefix (2, 4 or 6 digits) for BUREAU and COORDINATOR.
        #[arg(long)]
        jurisdiction: Option<String>,
        /// USCC of the firm of an ENTERPRISE account.
        #[arg(long)]
        firm: Option<String>,
        /// Read a password (10-256 characters) from the first line of standard input, so the
        /// account can also `login`.
        #[arg(long)]
        password_stdin: bool,
        /// Days the printed token stays valid.
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
        token_days: u32,
    },
    /// List accounts.
    List {
        /// Database.
        #[command(flatten)]
        db: DatabaseConfig,
    },
    /// Disable an account and revoke all its tokens.
    Disable {
        /// Database.
        #[command(flatten)]
        db: DatabaseConfig,
        /// Account name.
        #[arg(long)]
        name: String,
    },
}

/// The actor of an operator command: `cli:<user>`.
pub fn operator() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    format!("cli:{}", user.chars().take(40).collect::<String>())
}

fn describe(a: &AccountRecord) -> String {
    let b = &a.binding;
    let mut s = format!("{} ({}", a.username.as_str(), b.role().as_str());
    if let Some(j) = b.jurisdiction() {
        s.push_str(&format!(" {}", j.as_str()));
    }
    if let Some(f) = b.firm() {
        s.push_str(&format!(" firm #{}", f.0));
    }
    s.push(')');
    if a.disabled {
        s.push_str(" disabled");
    }
    s
}

/// The audit event of an operator command on an account.
fn operator_event(actor: &str, action: &'static str, account: &AccountRecord) -> NewAuditEvent {
    NewAuditEvent {
        account_id: None,
        actor: actor.to_owned(),
        action,
        object_type: "account",
        object_id: account.id.to_string(),
        regions: account.binding.jurisdiction().map(|j| vec![j.as_str().to_owned()]).unwrap_or_default(),
        before: None,
        after: Some(describe(account)),
        request_id: "cli".into(),
    }
}

/// Creates an account (optionally with a password) and a token; returns both. Audited as an
/// operator action.
pub async fn create(
    store: &Store,
    username: &Username,
    binding: &Binding,
    password: Option<Password>,
    token_days: u32,
    actor: &str,
) -> anyhow::Result<(AccountRecord, String)> {
    let hash = match password {
        Some(p) => Some(hash_password(p).await.map_err(|e| anyhow::anyhow!("{}", e.message()))?),
        None => None,
    };
    let txn = store.begin_write().await?;
    let account = accounts::create(&*txn, username, binding, hash).await?;
    let token = issue(&*txn, &account, "cli", token_days).await?;
    audit::append(&*txn, operator_event(actor, "account.create", &account)).await?;
    txn.commit().await?;
    Ok((account, token))
}

/// Issues a token for an account and records it in the audit trail as `token.issue` by `actor`.
pub async fn issue_audited(
    store: &Store,
    account: &AccountRecord,
    label: &str,
    days: u32,
    actor: &str,
) -> anyhow::Result<String> {
    let txn = store.begin_write().await?;
    let token = issue(&*txn, account, label, days).await?;
    audit::append(&*txn, operator_event(actor, "token.issue", account)).await?;
    txn.commit().await?;
    Ok(token)
}

/// Issues a token for an account; returns its text.
pub async fn issue(
    conn: &impl linchpin_store::ConnectionTrait,
    account: &AccountRecord,
    label: &str,
    days: u32,
) -> anyhow::Result<String> {
    let (token, hash) = new_token();
    accounts::issue_token(conn, account.id, &hash, label, Utc::now() + chrono::Duration::days(i64::from(days))).await?;
    Ok(token)
}

/// Runs `linchpin account ...`.
pub async fn run(cmd: AccountCommand) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout();
    match cmd {
        AccountCommand::Create { db, role, name, jurisdiction, firm, password_stdin, token_days } => {
            let invalid = |e: linchpin_domain::ValidationError| anyhow::anyhow!("{} ({})", e.message, e.code);
            let role = Role::parse(&role).map_err(invalid)?;
            let username = Username::parse(&name).map_err(invalid)?;
            let jurisdiction = jurisdiction.as_deref().map(Jurisdiction::parse).transpose().map_err(invalid)?;
            let store = crate::startup::connect_store(&db.database_url, db.store_options()).await?;
            store.migrate().await.context("cannot migrate the database")?;
            let firm = match firm {
                Some(u) => {
                    let uscc = Uscc::parse(&u).map_err(invalid)?;
                    let f = firms::find_by_uscc(store.db(), uscc.as_str())
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no firm with USCC {uscc} is registered (NOT_FOUND)"))?;
                    Some(f.id)
                }
                None => None,
            };
            let binding = Binding::new(role, jurisdiction, firm).map_err(invalid)?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
                Some(Password::parse(line.trim_end_matches(['\r', '\n'])).map_err(invalid)?)
            } else {
                None
            };
            let (account, token) = create(&store, &username, &binding, password, token_days, &operator()).await?;
            writeln!(
                out,
                "created account {}; its API token (shown once, valid {token_days} days):",
                describe(&account)
            )?;
            writeln!(out, "{token}")?;
        }
        AccountCommand::List { db } => {
            let store = crate::startup::connect_store(&db.database_url, db.store_options()).await?;
            store.migrate().await.context("cannot migrate the database")?;
            let mut after = None;
            loop {
                let page = accounts::list(store.db(), after, 100).await?;
                for a in &page.items {
                    writeln!(out, "{}", describe(a))?;
                }
                after = page.items.last().map(|a| a.id);
                if !page.has_next {
                    break;
                }
            }
        }
        AccountCommand::Disable { db, name } => {
            let store = crate::startup::connect_store(&db.database_url, db.store_options()).await?;
            store.migrate().await.context("cannot migrate the database")?;
            let txn = store.begin_write().await?;
            let account = accounts::disable(&*txn, name.trim()).await?;
            audit::append(&*txn, operator_event(&operator(), "account.disable", &account)).await?;
            txn.commit().await?;
            writeln!(out, "disabled {}; its tokens are revoked", describe(&account))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
