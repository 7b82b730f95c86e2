//! Redis as a dependency that may be absent. One link per replica, shared by the event bus and the
//! rate limiter: every command has a short timeout, a failing command marks Redis down, and while
//! it is down both fall back to this process (the in-process bus, in-memory buckets) without
//! trying Redis on the request path, so requests keep their normal latency. A monitor pings Redis
//! every second and brings it back when it answers; `/readyz` and `/metrics` show the state.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Longest wait for a Redis reply on the request path.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_millis(300);
/// Longest wait to open a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How often the monitor checks Redis.
pub const MONITOR_EVERY: Duration = Duration::from_secs(1);

/// The shared connection and whether Redis answers.
pub struct RedisLink {
    client: redis::Client,
    conn: RwLock<Option<ConnectionManager>>,
    up: AtomicBool,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink").field("up", &self.is_up()).finish_non_exhaustive()
    }
}

fn config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500))
}

impl RedisLink {
    /// Parses `url` (an unparsable URL is an error: a configuration mistake) and tries to connect.
    /// An unreachable Redis is not an error: the link starts down, says so in the log, and the
    /// monitor connects when Redis appears.
    pub async fn connect(url: &str) -> Result<Arc<Self>, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let link = Arc::new(Self { client, conn: RwLock::new(None), up: AtomicBool::new(false) });
        link.check().await;
        if !link.is_up() {
            tracing::warn!("Redis does not answer; running on in-process events and rate limits until it does");
        }
        Arc::clone(&link).spawn_monitor();
        Ok(link)
    }

    /// Whether Redis answered the last check.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// The connection, while Redis is up.
    pub fn connection(&self) -> Option<ConnectionManager> {
        if !self.is_up() {
            return None;
        }
        self.conn.read().ok().and_then(|c| c.clone())
    }

    /// The client, for connections of their own (pub/sub).
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// Records that a command failed: Redis is treated as down until the monitor sees it answer.
    pub fn mark_down(&self, why: &dyn std::fmt::Display) {
        if self.up.swap(false, Ordering::Relaxed) {
            tracing::warn!(error = %why, "Redis stopped answering; falling back to in-process events and rate limits");
            crate::metrics::redis_up(false);
        }
    }

    fn mark_up(&self) {
        if !self.up.swap(true, Ordering::Relaxed) {
            tracing::info!("Redis answers; events and rate limits are shared across replicas again");
        }
        crate::metrics::redis_up(true);
    }

    /// Connects if needed and pings, updating the state.
    async fn check(&self) {
        let existing = self.conn.read().ok().and_then(|c| c.clone());
        let conn = match existing {
            Some(c) => c,
            None => {
                let made =
                    tokio::time::timeout(CONNECT_TIMEOUT * 2, self.client.get_connection_manager_with_config(config()))
                        .await;
                match made {
                    Ok(Ok(c)) => {
                        if let Ok(mut slot) = self.conn.write() {
                            *slot = Some(c.clone());
                        }
                        c
                    }
                    Ok(Err(e)) => return self.mark_down(&e),
                    Err(_) => return self.mark_down(&"connection timed out"),
                }
            }
        };
        let mut conn = conn;
        let ping =
            tokio::time::timeout(RESPONSE_TIMEOUT * 2, redis::cmd("PING").query_async::<String>(&mut conn)).await;
        match ping {
            Ok(Ok(_)) => self.mark_up(),
            Ok(Err(e)) => self.mark_down(&e),
            Err(_) => self.mark_down(&"ping timed out"),
        }
    }

    fn spawn_monitor(self: Arc<Self>) {
        // A weak reference lets the monitor end with the last user of the link (tests build many).
        let weak = Arc::downgrade(&self);
        drop(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(MONITOR_EVERY).await;
                let Some(link) = weak.upgrade() else { return };
                link.check().await;
            }
        });
    }

    /// Runs `f` on the connection with [`RESPONSE_TIMEOUT`]; `None` (and Redis marked down) when
    /// Redis is down, fails or is slow.
    pub async fn call<T, F, Fut>(&self, f: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let conn = self.connection()?;
        match tokio::time::timeout(RESPONSE_TIMEOUT, f(conn)).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                self.mark_down(&e);
                None
            }
            Err(_) => {
                self.mark_down(&"command timed out");
                None
            }
        }
    }
}
