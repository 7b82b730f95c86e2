//! Change events: published after every committed firm or link change, delivered to GraphQL
//! subscriptions (and, later, to every replica's in-memory network).
//!
//! [`EventBus`] hides where events travel. [`InProcessBus`] is the embedded default;
//! [`RedisBus`] fans events out across replicas with Redis pub/sub. Both share one contract:
//! a subscriber sees every event published after it subscribed. Losing Redis degrades live
//! updates (publishing logs a warning and carries on); it never fails a committed change.
use std::time::Duration;

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use linchpin_domain::{End, FirmId, FirmRecord, RegionCode, Viewer};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

/// The Redis channel events travel on.
pub const CHANNEL: &str = "linchpin:events";
const BUFFER: usize = 4096;

/// Errors of an event bus.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BusError {
    /// Redis failed or is unreachable.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// An event could not be encoded or decoded.
    #[error("event encoding: {0}")]
    Encoding(#[from] serde_json::Error),
}

/// What happened.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NetworkEventKind {
    /// A firm was registered.
    FirmRegistered,
    /// A firm's fields changed.
    FirmUpdated,
    /// A supply link was declared.
    LinkDeclared,
    /// A supply link was confirmed.
    LinkConfirmed,
    /// A supply link was removed.
    LinkRemoved,
    /// A bulk import changed firms or links.
    Imported,
}

/// A change to the supply network.
#[derive(SimpleObject, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkEvent {
    /// What happened.
    pub kind: NetworkEventKind,
    /// Global id of the firm or link concerned (absent for imports).
    pub subject_id: Option<ID>,
    /// When the change was committed.
    pub at: DateTime<Utc>,
    /// For link events, the two ends, so each subscriber sees only links it may see.
    #[graphql(skip)]
    #[serde(default)]
    pub link_ends: Option<[EventEnd; 2]>,
}

/// One end of a link event: firm id and region code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventEnd {
    /// Firm id.
    pub firm: i64,
    /// GB/T 2260 region code.
    pub region: String,
}

impl NetworkEvent {
    /// An event happening now.
    pub fn now(kind: NetworkEventKind, subject_id: Option<ID>) -> Self {
        Self { kind, subject_id, at: Utc::now(), link_ends: None }
    }

    /// Marks the event as concerning the link between these two firms.
    pub fn about_link(mut self, supplier: &FirmRecord, customer: &FirmRecord) -> Self {
        let end = |f: &FirmRecord| EventEnd { firm: f.id.0, region: f.firm.region.as_str().to_owned() };
        self.link_ends = Some([end(supplier), end(customer)]);
        self
    }

    /// Whether `viewer` may receive this event: firm and import events are public to signed-in
    /// accounts; a link event only to those who may see the link.
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        let Some([s, c]) = &self.link_ends else { return true };
        let (Ok(sr), Ok(cr)) = (RegionCode::parse(&s.region), RegionCode::parse(&c.region)) else { return false };
        viewer.can_see_link(End { firm: FirmId(s.firm), region: &sr }, End { firm: FirmId(c.firm), region: &cr })
    }
}

/// Carries events from publishers to subscribers.
#[async_trait::async_trait]
pub trait EventBus: Send + Sync + std::fmt::Debug {
    /// Publishes an event to every current subscriber (on every replica, for a shared bus).
    async fn publish(&self, event: NetworkEvent) -> Result<(), BusError>;
    /// A stream of every event published from now on.
    fn subscribe(&self) -> BoxStream<'static, NetworkEvent>;
    /// Checks the transport (always fine in process).
    async fn ping(&self) -> Result<(), BusError>;
    /// A short name for logs and health output.
    fn name(&self) -> &'static str;
    /// Tries to take the named lock for `ttl` across all replicas sharing this bus; in process
    /// there is one replica, so it always succeeds.
    async fn try_lock(&self, _name: &str, _ttl: Duration) -> bool {
        true
    }
}

fn stream_of(rx: broadcast::Receiver<NetworkEvent>) -> BoxStream<'static, NetworkEvent> {
    // A lagging subscriber skips what it missed rather than ending.
    BroadcastStream::new(rx).filter_map(|r| async move { r.ok() }).boxed()
}

/// Events within one process.
#[derive(Debug, Clone)]
pub struct InProcessBus {
    tx: broadcast::Sender<NetworkEvent>,
}

impl Default for InProcessBus {
    fn default() -> Self {
        Self { tx: broadcast::channel(BUFFER).0 }
    }
}

#[async_trait::async_trait]
impl EventBus for InProcessBus {
    async fn publish(&self, event: NetworkEvent) -> Result<(), BusError> {
        // No subscriber is not an error.
        let _ = self.tx.send(event);
        Ok(())
    }

    fn subscribe(&self) -> BoxStream<'static, NetworkEvent> {
        stream_of(self.tx.subscribe())
    }

    async fn ping(&self) -> Result<(), BusError> {
        Ok(())
    }

    fn name(&self) -> &'static str {
        "in-process"
    }
}

/// Events across replicas through Redis pub/sub. A background task holds the subscription,
/// reconnecting with back-off, and feeds a local broadcast that subscribers read.
#[derive(Clone)]
pub struct RedisBus {
    conn: redis::aio::ConnectionManager,
    local: broadcast::Sender<NetworkEvent>,
    ready: tokio::sync::watch::Receiver<bool>,
}

impl std::fmt::Debug for RedisBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBus").finish_non_exhaustive()
    }
}

impl RedisBus {
    /// Connects to `url` and starts the subscriber task. Fails if Redis is unreachable now.
    pub async fn connect(url: &str) -> Result<Self, BusError> {
        let client = redis::Client::open(url)?;
        let conn = client.get_connection_manager().await?;
        let (local, _) = broadcast::channel(BUFFER);
        let (ready_tx, ready) = tokio::sync::watch::channel(false);
        let tx = local.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(100);
            loop {
                match Self::listen(&client, &tx, &ready_tx).await {
                    Ok(()) => tracing::warn!("redis event subscription ended; reconnecting"),
                    Err(e) => {
                        tracing::warn!(error = %e, "redis event subscription failed; reconnecting")
                    }
                }
                let _ = ready_tx.send(false);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        });
        let bus = Self { conn, local, ready };
        bus.wait_subscribed(Duration::from_secs(5)).await;
        Ok(bus)
    }

    async fn listen(
        client: &redis::Client,
        tx: &broadcast::Sender<NetworkEvent>,
        ready: &tokio::sync::watch::Sender<bool>,
    ) -> Result<(), BusError> {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(CHANNEL).await?;
        let _ = ready.send(true);
        let mut messages = pubsub.into_on_message();
        while let Some(msg) = messages.next().await {
            let payload: String = msg.get_payload()?;
            match serde_json::from_str::<NetworkEvent>(&payload) {
                Ok(event) => {
                    let _ = tx.send(event);
                }
                Err(e) => tracing::warn!(error = %e, "ignoring a malformed event on {CHANNEL}"),
            }
        }
        Ok(())
    }

    /// Waits until the subscriber task is subscribed (or `timeout` passes), so that events
    /// published right after start-up are not missed.
    pub async fn wait_subscribed(&self, timeout: Duration) -> bool {
        let mut ready = self.ready.clone();
        tokio::time::timeout(timeout, ready.wait_for(|r| *r)).await.is_ok_and(|r| r.is_ok())
    }
}

#[async_trait::async_trait]
impl EventBus for RedisBus {
    async fn publish(&self, event: NetworkEvent) -> Result<(), BusError> {
        let payload = serde_json::to_string(&event)?;
        let mut conn = self.conn.clone();
        redis::cmd("PUBLISH").arg(CHANNEL).arg(payload).query_async::<i64>(&mut conn).await?;
        Ok(())
    }

    fn subscribe(&self) -> BoxStream<'static, NetworkEvent> {
        stream_of(self.local.subscribe())
    }

    async fn ping(&self) -> Result<(), BusError> {
        let mut conn = self.conn.clone();
        redis::cmd("PING").query_async::<String>(&mut conn).await?;
        Ok(())
    }

    fn name(&self) -> &'static str {
        "redis"
    }

    async fn try_lock(&self, name: &str, ttl: Duration) -> bool {
        let mut conn = self.conn.clone();
        let res: Result<Option<String>, _> = redis::cmd("SET")
            .arg(format!("linchpin:lock:{name}"))
            .arg(std::process::id())
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis() as u64)
            .query_async(&mut conn)
            .await;
        match res {
            Ok(v) => v.is_some(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot take the {name} lock in Redis; running anyway");
                true
            }
        }
    }
}
