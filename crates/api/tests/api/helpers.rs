//! A schema over a fresh database per backend, accounts to act as, and common mutations.
use async_graphql::{Request, Variables};
use linchpin_api::{ApiSchema, ApiState, Limits, build_schema};
use linchpin_domain::{Binding, Jurisdiction, Role, Username, Viewer};
use linchpin_store::{Store, accounts};
use serde_json::Value;

/// A schema over a fresh, migrated database, with an ADMIN account to act as by default.
pub struct TestApi {
    pub schema: ApiSchema,
    pub store: Store,
    pub backend: &'static str,
    pub admin: Viewer,
    pub state: ApiState,
    /// The limits the schema was built with.
    pub limits: Limits,
    _dir: Option<tempfile::TempDir>,
    /// Dropped (with its database) after everything above.
    _scratch: Option<linchpin_store::ScratchDatabase>,
}

impl TestApi {
    /// Runs a query as the admin and returns the whole response as JSON (`data` and `errors`).
    pub async fn run(&self, query: &str, vars: Value) -> Value {
        self.run_as(Some(&self.admin), query, vars).await
    }

    /// Runs a query as `viewer` (anonymous when `None`).
    pub async fn run_as(&self, viewer: Option<&Viewer>, query: &str, vars: Value) -> Value {
        let mut req = Request::new(query).variables(Variables::from_json(vars));
        if let Some(v) = viewer {
            req = req.data(v.clone());
        }
        let resp = self.schema.execute(req).await;
        serde_json::to_value(&resp).unwrap()
    }

    /// Creates an account with a token and returns the viewer it signs in as.
    pub async fn account(&self, name: &str, role: Role, jurisdiction: Option<&str>, firm_uscc: Option<&str>) -> Viewer {
        let firm = match firm_uscc {
            Some(u) => Some(linchpin_store::firms::find_by_uscc(self.store.db(), u).await.unwrap().unwrap().id),
            None => None,
        };
        let binding = Binding::new(role, jurisdiction.map(|j| Jurisdiction::parse(j).unwrap()), firm).unwrap();
        let account = accounts::create(self.store.db(), &Username::parse(name).unwrap(), &binding, None).await.unwrap();
        let (token, hash) = linchpin_api::auth::new_token();
        accounts::issue_token(
            self.store.db(),
            account.id,
            &hash,
            "test",
            chrono::Utc::now() + chrono::Duration::days(1),
        )
        .await
        .unwrap();
        linchpin_api::auth::authenticate(&self.store, &format!("Bearer {token}")).await.unwrap().unwrap()
    }

    /// Makes the API go by `clock` from now on (the same database and accounts).
    pub fn set_clock(&mut self, clock: std::sync::Arc<dyn linchpin_api::clock::Clock>) {
        self.state.clock = clock;
        self.schema = build_schema(self.state.clone(), self.limits);
    }

    /// Rebuilds the schema with `limits` (the same database and accounts).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.schema = build_schema(self.state.clone(), limits);
    }

    /// Runs a query that must succeed and returns `data`.
    pub async fn data(&self, query: &str, vars: Value) -> Value {
        let v = self.run(query, vars).await;
        assert!(v.get("errors").is_none(), "[{}] unexpected errors: {v}", self.backend);
        v["data"].clone()
    }
}

async fn api_on(
    url: &str,
    backend: &'static str,
    dir: Option<tempfile::TempDir>,
    scratch: Option<linchpin_store::ScratchDatabase>,
) -> TestApi {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    with_store(store, backend, dir, scratch).await
}

/// An API over a store the test opened itself (migrated), with an admin account.
pub async fn api_over(store: Store) -> TestApi {
    with_store(store, "sqlite", None, None).await
}

async fn with_store(
    store: Store,
    backend: &'static str,
    dir: Option<tempfile::TempDir>,
    scratch: Option<linchpin_store::ScratchDatabase>,
) -> TestApi {
    let state = ApiState::new(store.clone());
    let placeholder = Viewer {
        account_id: 0,
        username: Username::parse("nobody").unwrap(),
        binding: Binding::new(Role::Admin, None, None).unwrap(),
        token_id: 0,
    };
    let mut api = TestApi {
        schema: build_schema(state.clone(), Limits::default()),
        store,
        backend,
        admin: placeholder,
        state,
        limits: Limits::default(),
        _dir: dir,
        _scratch: scratch,
    };
    api.admin = api.account("admin", Role::Admin, None, None).await;
    api
}

/// One fresh API per available backend: SQLite always; PostgreSQL when
/// `LINCHPIN_TEST_DATABASE_URL` is set (a new database each call).
pub async fn backends() -> Vec<TestApi> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
    let mut out = vec![api_on(&url, "sqlite", Some(dir), None).await];
    match std::env::var("LINCHPIN_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let db = linchpin_store::ScratchDatabase::create(&admin, "linchpin_test").await.unwrap();
            let url = db.url().to_owned();
            out.push(api_on(&url, "postgres", None, Some(db)).await);
        }
        _ => {
            assert!(std::env::var("LINCHPIN_REQUIRE_SERVICES").is_err(), "CI requires LINCHPIN_TEST_DATABASE_URL");
            eprintln!("LINCHPIN_TEST_DATABASE_URL is not set: skipping the PostgreSQL run of this test")
        }
    }
    out
}

/// A valid USCC built from a 17-character body.
pub fn uscc(body: &str) -> String {
    let c = linchpin_domain::Uscc::check_char(body).unwrap();
    format!("{body}{c}")
}

pub const REGISTER: &str = "mutation($input: RegisterFirmInput!) { registerFirm(input: $input) {
    firm { id uscc name regionCode industryCode employees revenue10kCny sizeClass chains version }
    userErrors { field message code } } }";

pub const DECLARE: &str = "mutation($input: DeclareSupplyLinkInput!) { declareSupplyLink(input: $input) {
    supplyLink { id product annualValue10kCny essentiality status version supplier { uscc } customer { uscc } }
    userErrors { field message code } } }";

/// Registers a small manufacturer and returns its USCC.
pub async fn register(api: &TestApi, body: &str, name: &str, region: &str) -> String {
    let u = uscc(body);
    let d = api
        .data(
            REGISTER,
            serde_json::json!({"input": {"uscc": u, "name": name, "regionCode": region, "industryCode": "C36",
                "employees": 50, "revenue10kCny": 1000.0, "chains": ["NEV"]}}),
        )
        .await;
    assert_eq!(d["registerFirm"]["userErrors"], serde_json::json!([]), "{d}");
    u
}

/// Writes `firms` and `links` straight through the store's import (fast, for networks a test needs
/// in bulk), then reloads the live network.
pub async fn import(api: &TestApi, firms: Vec<linchpin_domain::FirmDraft>, links: Vec<linchpin_domain::LinkDraft>) {
    use linchpin_domain::{FirmRow, LinkRow};
    use linchpin_store::TransactionTrait;
    let firm_rows: Vec<FirmRow> =
        firms.into_iter().enumerate().map(|(i, firm)| FirmRow { line: i + 2, firm }).collect();
    let link_rows: Vec<LinkRow> =
        links.into_iter().enumerate().map(|(i, link)| LinkRow { line: i + 2, link }).collect();
    let txn = api.store.db().begin().await.unwrap();
    linchpin_store::import::apply(&txn, &firm_rows, &link_rows, false, &linchpin_store::import::NoProgress)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    api.state.network.reload(&api.store).await.unwrap();
}
