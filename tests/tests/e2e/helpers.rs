//! Starting the real binary, test databases, and GraphQL over HTTP.
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// The `linchpin` binary next to this test's directory (cargo builds it with the workspace).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let bin = dir.join("linchpin");
    assert!(bin.exists(), "{} is missing: build it with `cargo build -p linchpin`", bin.display());
    bin
}

/// A running server; killed when dropped.
pub struct Server {
    child: Child,
    pub addr: String,
    pub stdout: Vec<String>,
    /// A token of an ADMIN account created for the test (`None` until `with_admin`).
    pub token: Option<String>,
}

/// Creates an account with `linchpin account create` and returns its token.
pub fn create_account(db: &str, args: &[&str]) -> String {
    let out = Command::new(binary())
        .args(["account", "create"])
        .args(args)
        .env("LINCHPIN_DATABASE_URL", db)
        .env("LINCHPIN_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().last().unwrap().trim().to_owned()
}

impl Server {
    /// Starts `linchpin serve` on port 0 with `db` and extra arguments; waits until it listens.
    pub fn start(db: &str, redis: Option<&str>, extra: &[&str]) -> Self {
        let mut cmd = Command::new(binary());
        cmd.args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .env("LINCHPIN_DATABASE_URL", db)
            .env("LINCHPIN_LOG", "warn")
            .env_remove("LINCHPIN_REDIS_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(r) = redis {
            cmd.env("LINCHPIN_REDIS_URL", r);
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut stdout = Vec::new();
        let addr = loop {
            let line = lines.next().expect("server exited before listening").unwrap();
            stdout.push(line.clone());
            if let Some(rest) = line.strip_prefix("Linchpin is listening on http://") {
                break rest.trim().to_owned();
            }
        };
        // keep draining stdout so the server never blocks on a full pipe
        std::thread::spawn(move || for _ in lines {});
        Self { child, addr, stdout, token: None }
    }

    /// Starts a server on `db` with an ADMIN account (`e2e-admin`) whose token `gql` sends.
    pub fn with_admin(db: &str, redis: Option<&str>, extra: &[&str]) -> Self {
        let token = admin_token(db);
        let mut s = Self::start(db, redis, extra);
        s.token = Some(token);
        s
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends SIGTERM and waits for a clean exit: at most the default grace period (10 s) and the
    /// 2 s background work gets, and a little more for a machine busy with other tests.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not stop on SIGTERM");
    }

    /// POSTs a GraphQL query with the admin token (if any) and returns the JSON response.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(self.token.as_deref(), query, variables).await
    }

    /// POSTs a GraphQL query with `token` (anonymous when `None`).
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req =
            reqwest::Client::new().post(self.url("/graphql")).json(&json!({"query": query, "variables": variables}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap().json().await.unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database for one test: a SQLite file, or a PostgreSQL database dropped with this value.
pub enum TestDb {
    /// A SQLite URL (the file lives in the test's temporary directory).
    Sqlite(String),
    /// A scratch PostgreSQL database.
    Postgres(linchpin_store::ScratchDatabase),
}

impl std::ops::Deref for TestDb {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Self::Sqlite(url) => url,
            Self::Postgres(db) => db.url(),
        }
    }
}

/// A scratch PostgreSQL database when `LINCHPIN_TEST_DATABASE_URL` is set.
pub async fn postgres() -> Option<linchpin_store::ScratchDatabase> {
    let admin = std::env::var("LINCHPIN_TEST_DATABASE_URL").ok().filter(|a| !a.is_empty())?;
    Some(linchpin_store::ScratchDatabase::create(&admin, "linchpin_e2e").await.unwrap())
}

/// A fresh database per call: a SQLite file in `dir`, or a new PostgreSQL database.
pub async fn databases(dir: &std::path::Path) -> Vec<(&'static str, TestDb)> {
    let mut out = vec![("sqlite", TestDb::Sqlite(format!("sqlite://{}?mode=rwc", dir.join("e2e.db").display())))];
    match postgres().await {
        Some(db) => out.push(("postgres", TestDb::Postgres(db))),
        None => {
            assert!(std::env::var("LINCHPIN_REQUIRE_SERVICES").is_err(), "CI requires LINCHPIN_TEST_DATABASE_URL");
            eprintln!("LINCHPIN_TEST_DATABASE_URL is not set: skipping the PostgreSQL run of this test");
        }
    }
    out
}

pub fn uscc(body: &str) -> String {
    let alphabet = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let weights = [1u32, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let sum: u32 =
        body.bytes().zip(weights).map(|(c, w)| alphabet.iter().position(|&a| a == c).unwrap() as u32 * w).sum();
    format!("{body}{}", alphabet[((31 - sum % 31) % 31) as usize] as char)
}

pub const REGISTER: &str =
    "mutation($input: RegisterFirmInput!) { registerFirm(input: $input) { firm { id uscc } userErrors { code } } }";

pub fn firm_input(uscc: &str, name: &str) -> Value {
    json!({"input": {"uscc": uscc, "name": name, "regionCode": "330106", "industryCode": "C36", "employees": 30, "revenue10kCny": 500.0}})
}

/// The token of the database's `e2e-admin` account, created on first use.
pub fn admin_token(db: &str) -> String {
    create_account(db, &["--role", "admin", "--name", &format!("e2e-admin-{}", rand::random::<u32>())])
}

/// A graphql-ws (graphql-transport-ws) client.
pub struct Ws {
    stream: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

/// What a graphql-ws connection saw while waiting.
#[derive(Debug)]
pub enum WsSeen {
    /// A protocol message (`next`, `error`, `complete`, ...).
    Message(Value),
    /// The server closed the connection with this code.
    Closed(Option<u16>),
}

impl Ws {
    /// Connects and signs in with `token` (anonymous when `None`); waits for `connection_ack`.
    pub async fn connect(server: &Server, token: Option<&str>) -> Self {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = format!("ws://{}/graphql/ws", server.addr).into_client_request().unwrap();
        req.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
        let (mut stream, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        let payload = match token {
            Some(t) => json!({"Authorization": format!("Bearer {t}")}),
            None => json!({}),
        };
        let init = json!({"type": "connection_init", "payload": payload});
        stream.send(tokio_tungstenite::tungstenite::Message::text(init.to_string())).await.unwrap();
        let ack = stream.next().await.unwrap().unwrap();
        assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");
        Self { stream }
    }

    /// Starts operation `id`.
    pub async fn send(&mut self, id: &str, query: &str) {
        use futures_util::SinkExt;
        let msg = json!({"id": id, "type": "subscribe", "payload": {"query": query}});
        self.stream.send(tokio_tungstenite::tungstenite::Message::text(msg.to_string())).await.unwrap();
    }

    /// The next protocol message or the close, within `secs` seconds (`None` when nothing came).
    pub async fn next(&mut self, secs: u64) -> Option<WsSeen> {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        tokio::time::timeout(Duration::from_secs(secs), async {
            loop {
                match self.stream.next().await {
                    Some(Ok(Message::Text(t))) => return WsSeen::Message(serde_json::from_str(&t).unwrap()),
                    Some(Ok(Message::Close(frame))) => return WsSeen::Closed(frame.map(|f| u16::from(f.code))),
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return WsSeen::Closed(None),
                }
            }
        })
        .await
        .ok()
    }

    /// Runs a query as operation `id` and returns its payload (`data`, `errors`).
    pub async fn query(&mut self, id: &str, query: &str) -> Value {
        self.send(id, query).await;
        loop {
            match self.next(10).await {
                Some(WsSeen::Message(m)) if m["id"] == id && m["type"] == "next" => return m["payload"].clone(),
                Some(WsSeen::Message(m)) if m["id"] == id && m["type"] == "error" => {
                    return json!({"errors": m["payload"]});
                }
                Some(WsSeen::Message(_)) => continue,
                other => panic!("no answer to {id}: {other:?}"),
            }
        }
    }

    /// Waits up to `secs` seconds for the server to close the connection; its close code.
    pub async fn closed_within(&mut self, secs: u64) -> Option<Option<u16>> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return None;
            }
            match self.next(left.as_secs().max(1)).await {
                Some(WsSeen::Closed(code)) => return Some(code),
                Some(WsSeen::Message(_)) => continue,
                None => return None,
            }
        }
    }
}

impl Server {
    /// Kills the server with SIGKILL (no graceful shutdown) and waits for it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A Redis server of the test's own (never the shared one), on a free port; stopped on drop.
pub struct OwnRedis {
    child: Option<Child>,
    pub port: u16,
}

impl OwnRedis {
    /// Starts `redis-server` on a free port (or `port`), without persistence, and waits for it.
    pub fn start(port: Option<u16>) -> Self {
        let port = port.unwrap_or_else(free_port);
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child: Some(child), port }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL: as if the host went away).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}
