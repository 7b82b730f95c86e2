//! Change events: published after every committed firm or link change, delivered to GraphQL
//! subscriptions (and, later, to every replica's in-memory network).
//!
//! [`EventBus`] hides where events travel. [`InProcessBus`] is the embedded default;
//! [`RedisBus`] fans events out across replicas with Redis pub/sub. Both share one contract:
//! a subscriber sees every event published after it subscribed. Losing Redis degrades live
//! updates (publishing logs a warning and carries on); it never fails a committed change.
use std::sync::Arc;
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

use crate::redis_link::RedisLink;

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
    /// Redis did not answer in time.
    #[error("redis did not answer in time")]
    Timeout,
    /// Redis is down; this replica runs on its in-process fallback.
    #[error("redis is down; events stay on this replica")]
    Down,
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
    /// A supply link was rejected by the other end.
    LinkRejected,
    /// A supply link was removed.
    LinkRemoved,
    /// A bulk import changed firms or links.
    Imported,
    /// A whitelist entry took a step, or a batch was published (delivered on `whitelistChanged`
    /// only, never on `networkChanged`).
    WhitelistChanged,
    /// A blockage was reported, took a step, was escalated or commented on (delivered on
    /// `blockageEvents` only).
    BlockageChanged,
    /// A firm reported its production status (delivered on `productionStatusChanged` only).
    ProductionStatusChanged,
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
    /// For whitelist events, what a subscriber's visibility depends on.
    #[graphql(skip)]
    #[serde(default)]
    pub whitelist: Option<WhitelistNote>,
    /// For blockage events, what a subscriber's visibility depends on.
    #[graphql(skip)]
    #[serde(default)]
    pub blockage: Option<BlockageNote>,
    /// For production reports, the firm, its region and chains.
    #[graphql(skip)]
    #[serde(default)]
    pub production: Option<ProductionNote>,
    /// Part of a bulk change (a supplier list) that an IMPORTED notice also announces: live
    /// networks take it from that reload, not one event at a time.
    #[graphql(skip)]
    #[serde(default)]
    pub bulk: bool,
}

/// A whitelist step or a published batch, as an event carries it: enough for each subscriber to
/// decide whether it may hear of it, and to load what it may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhitelistNote {
    /// The entry (none for a batch).
    pub entry: Option<i64>,
    /// The batch (a publication).
    pub batch: Option<i64>,
    /// The firm (entries).
    pub firm: Option<i64>,
    /// The recommending firm.
    pub recommender: Option<i64>,
    /// The firm's region code, or the batch's province.
    pub region: String,
    /// The chain (none for a batch of every chain).
    pub chain: Option<String>,
    /// The step (wire name).
    pub action: String,
    /// The entry's status after the step (wire name; none for a batch).
    pub status: Option<String>,
    /// Whether the entry is in a published batch.
    pub published: bool,
}

impl WhitelistNote {
    /// Whether `viewer` may hear of it: a batch is public; an entry by the whitelist rule.
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        let (Some(firm), Some(status)) = (self.firm, self.status.as_deref()) else { return self.batch.is_some() };
        let (Ok(region), Some(status)) =
            (RegionCode::parse(&self.region), linchpin_domain::whitelist::WhitelistStatus::from_wire(status))
        else {
            return false;
        };
        viewer.can_see_whitelist_entry(&linchpin_domain::whitelist::EntryView {
            region: &region,
            firm: FirmId(firm),
            recommender: self.recommender.map(FirmId),
            status,
            published: self.published,
        })
    }

    /// Whether it concerns `prefix`: an entry inside it, or a batch of its province.
    pub fn within(&self, prefix: &str) -> bool {
        self.region.starts_with(prefix) || (self.batch.is_some() && prefix.starts_with(&self.region))
    }
}

/// A blockage change as an event carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockageNote {
    /// The blockage.
    pub id: i64,
    /// The affected firm.
    pub firm: i64,
    /// FREIGHT: the firm at the other end.
    pub counterpart: Option<i64>,
    /// The regions it concerns (the firm's, then a freight trip's origin and destination).
    pub regions: Vec<String>,
    /// What happened (REPORT, a step, ESCALATE, COMMENT).
    pub action: String,
    /// The status after.
    pub status: String,
}

impl BlockageNote {
    /// Whether `viewer` may hear of it: the blockage visibility rule.
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        let regions: Vec<RegionCode> = self.regions.iter().filter_map(|r| RegionCode::parse(r).ok()).collect();
        viewer.can_see_blockage(FirmId(self.firm), self.counterpart.map(FirmId), &regions)
    }

    /// Whether it concerns a region under `prefix`.
    pub fn within(&self, prefix: &str) -> bool {
        self.regions.iter().any(|r| r.starts_with(prefix))
    }
}

/// A production report as an event carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionNote {
    /// The report.
    pub report: i64,
    /// The firm.
    pub firm: i64,
    /// Its region.
    pub region: String,
    /// Its chains.
    pub chains: Vec<String>,
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
        Self {
            kind,
            subject_id,
            at: Utc::now(),
            link_ends: None,
            whitelist: None,
            blockage: None,
            production: None,
            bulk: false,
        }
    }

    /// Whether it is a change of the supply network (firms, links, imports), not a workflow's.
    pub fn is_network_change(&self) -> bool {
        self.whitelist.is_none() && self.blockage.is_none() && self.production.is_none()
    }

    /// Marks the event as part of a bulk change (see [`NetworkEvent::bulk`]).
    pub fn in_bulk(mut self) -> Self {
        self.bulk = true;
        self
    }

    /// Whether it is a change of one supply link.
    pub fn is_link_change(&self) -> bool {
        matches!(
            self.kind,
            NetworkEventKind::LinkDeclared
                | NetworkEventKind::LinkConfirmed
                | NetworkEventKind::LinkRejected
                | NetworkEventKind::LinkRemoved
        )
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
        if let Some(w) = &self.whitelist {
            return w.visible_to(viewer);
        }
        if let Some(b) = &self.blockage {
            return b.visible_to(viewer);
        }
        if let Some(p) = &self.production {
            let Ok(region) = RegionCode::parse(&p.region) else { return false };
            return viewer.can_see_firm_details(FirmId(p.firm), &region);
        }
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
    /// Publishes several events in order (a bulk change); a shared bus sends them in few round
    /// trips.
    async fn publish_all(&self, events: Vec<NetworkEvent>) -> Result<(), BusError> {
        for e in events {
            self.publish(e).await?;
        }
        Ok(())
    }
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
/// reconnecting while Redis is away, and feeds a local broadcast that subscribers read. While Redis
/// is down ([`RedisLink`]), events published here go straight to this replica's subscribers, so a
/// single replica keeps its live updates; other replicas see them again once Redis is back.
#[derive(Clone)]
pub struct RedisBus {
    link: Arc<RedisLink>,
    local: broadcast::Sender<NetworkEvent>,
    ready: tokio::sync::watch::Receiver<bool>,
}

impl std::fmt::Debug for RedisBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBus").finish_non_exhaustive()
    }
}

impl RedisBus {
    /// Connects to `url` and starts the subscriber task. Fails only on an unparsable URL; an
    /// unreachable Redis starts the bus on its in-process fallback.
    pub async fn connect(url: &str) -> Result<Self, BusError> {
        Ok(Self::over(RedisLink::connect(url).await?).await)
    }

    /// A bus over an existing link (shared with the rate limiter).
    pub async fn over(link: Arc<RedisLink>) -> Self {
        let (local, _) = broadcast::channel(BUFFER);
        let (ready_tx, ready) = tokio::sync::watch::channel(false);
        let tx = local.clone();
        let weak = Arc::downgrade(&link);
        tokio::spawn(async move {
            loop {
                let Some(link) = weak.upgrade() else { return };
                if link.is_up() {
                    match Self::listen(link.client(), &tx, &ready_tx).await {
                        Ok(()) => tracing::warn!("redis event subscription ended; reconnecting"),
                        Err(e) => tracing::warn!(error = %e, "redis event subscription failed; reconnecting"),
                    }
                    let _ = ready_tx.send(false);
                }
                drop(link);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        let bus = Self { link, local, ready };
        if bus.link.is_up() {
            bus.wait_subscribed(Duration::from_secs(2)).await;
        }
        bus
    }

    async fn listen(
        client: &redis::Client,
        tx: &broadcast::Sender<NetworkEvent>,
        ready: &tokio::sync::watch::Sender<bool>,
    ) -> Result<(), BusError> {
        let mut pubsub = tokio::time::timeout(Duration::from_secs(2), client.get_async_pubsub())
            .await
            .map_err(|_| BusError::Timeout)??;
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
        let sent = self
            .link
            .call(|mut conn| async move {
                redis::cmd("PUBLISH").arg(CHANNEL).arg(payload).query_async::<i64>(&mut conn).await
            })
            .await;
        if sent.is_none() {
            // Redis is away: this replica's subscribers still hear it.
            let _ = self.local.send(event);
        }
        Ok(())
    }

    /// Pipelines the PUBLISH commands, a thousand per round trip.
    async fn publish_all(&self, events: Vec<NetworkEvent>) -> Result<(), BusError> {
        for chunk in events.chunks(1_000) {
            let mut pipe = redis::pipe();
            for e in chunk {
                pipe.cmd("PUBLISH").arg(CHANNEL).arg(serde_json::to_string(e)?).ignore();
            }
            let sent = self.link.call(|mut conn| async move { pipe.query_async::<()>(&mut conn).await }).await;
            if sent.is_none() {
                // Redis is away: this replica's subscribers still hear them.
                for e in chunk {
                    let _ = self.local.send(e.clone());
                }
            }
        }
        Ok(())
    }

    fn subscribe(&self) -> BoxStream<'static, NetworkEvent> {
        stream_of(self.local.subscribe())
    }

    /// Up when Redis answers and this replica is subscribed (so it hears the other replicas).
    async fn ping(&self) -> Result<(), BusError> {
        if self.link.is_up() && *self.ready.borrow() { Ok(()) } else { Err(BusError::Down) }
    }

    fn name(&self) -> &'static str {
        "redis"
    }

    async fn try_lock(&self, name: &str, ttl: Duration) -> bool {
        let key = format!("linchpin:lock:{name}");
        let taken = self
            .link
            .call(|mut conn| async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(std::process::id())
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl.as_millis() as u64)
                    .query_async::<Option<String>>(&mut conn)
                    .await
            })
            .await;
        match taken {
            Some(v) => v.is_some(),
            None => {
                tracing::warn!("cannot take the {name} lock in Redis; running anyway");
                true
            }
        }
    }
}
