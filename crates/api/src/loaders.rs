//! DataLoaders: batch the look-ups that resolvers make one object at a time, so a page of links
//! with both firms costs a bounded number of statements, not one per link.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, Loader};
use linchpin_domain::{FirmId, FirmRecord};
use linchpin_store::{Store, firms};

use crate::error::ApiError;
use crate::types::firm::Firm;

/// The firm `id` through the request's [`FirmLoader`]: calls made while a page resolves are
/// batched into one statement.
pub(crate) async fn firm(ctx: &Context<'_>, id: FirmId) -> Result<Firm, ApiError> {
    let loader = ctx.data_opt::<DataLoader<FirmLoader>>().ok_or(ApiError::Internal)?;
    let firm = loader.load_one(id.0).await.map_err(|e| ApiError::clone(&e))?;
    firm.map(Firm::of).ok_or_else(|| ApiError::NotFound(format!("firm {}", id.0)))
}

/// Loads firms by id in batches.
pub struct FirmLoader {
    store: Store,
}

impl FirmLoader {
    /// A loader over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Loader<i64> for FirmLoader {
    type Value = FirmRecord;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let ids: Vec<FirmId> = keys.iter().copied().map(FirmId).collect();
        let found = firms::get_many(self.store.db(), &ids).await.map_err(|e| Arc::new(ApiError::from(e)))?;
        Ok(found.into_iter().map(|(k, v)| (k.0, v)).collect())
    }
}

/// Loads the latest run's assessments of firms in batches: one statement for the run, one for
/// the results, whatever the page size.
pub struct AssessmentLoader {
    store: Store,
}

impl AssessmentLoader {
    /// A loader over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Loader<i64> for AssessmentLoader {
    type Value = (linchpin_store::analysis::AssessmentRecord, linchpin_store::analysis::RunRecord);
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let db = self.store.db();
        let err = |e| Arc::new(ApiError::from(e));
        let Some(run) = linchpin_store::analysis::latest_run(db).await.map_err(err)? else {
            return Ok(HashMap::new());
        };
        let ids: Vec<FirmId> = keys.iter().copied().map(FirmId).collect();
        let found = linchpin_store::analysis::assessments(db, run.id, &ids).await.map_err(err)?;
        Ok(found.into_iter().map(|(k, v)| (k.0, (v, run.clone()))).collect())
    }
}

/// The batch `id` through the request's [`WhitelistBatchLoader`].
pub(crate) async fn whitelist_batch(
    ctx: &Context<'_>,
    id: i64,
) -> Result<Option<crate::whitelist::WhitelistBatch>, ApiError> {
    let loader = ctx.data_opt::<DataLoader<WhitelistBatchLoader>>().ok_or(ApiError::Internal)?;
    let found = loader.load_one(id).await.map_err(|e| ApiError::clone(&e))?;
    Ok(found.map(crate::whitelist::WhitelistBatch))
}

/// The history of entry `id` through the request's [`WhitelistHistoryLoader`].
pub(crate) async fn whitelist_history(
    ctx: &Context<'_>,
    id: i64,
) -> Result<Vec<crate::whitelist::WhitelistStep>, ApiError> {
    let loader = ctx.data_opt::<DataLoader<WhitelistHistoryLoader>>().ok_or(ApiError::Internal)?;
    let found = loader.load_one(id).await.map_err(|e| ApiError::clone(&e))?;
    Ok(found.unwrap_or_default().into_iter().map(crate::whitelist::WhitelistStep).collect())
}

/// Loads published whitelist batches by id in batches.
pub struct WhitelistBatchLoader {
    store: Store,
}

impl WhitelistBatchLoader {
    /// A loader over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Loader<i64> for WhitelistBatchLoader {
    type Value = linchpin_store::whitelist::BatchRecord;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        linchpin_store::whitelist::batches(self.store.db(), keys).await.map_err(|e| Arc::new(ApiError::from(e)))
    }
}

/// Loads the histories of whitelist entries: one statement for a whole page.
pub struct WhitelistHistoryLoader {
    store: Store,
}

impl WhitelistHistoryLoader {
    /// A loader over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Loader<i64> for WhitelistHistoryLoader {
    type Value = Vec<linchpin_store::whitelist::EventRecord>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        linchpin_store::whitelist::histories(self.store.db(), keys).await.map_err(|e| Arc::new(ApiError::from(e)))
    }
}

/// The last `last` timeline entries of blockage `id` through the request's
/// [`BlockageTimelineLoader`].
pub(crate) async fn blockage_timeline(
    ctx: &Context<'_>,
    id: i64,
    last: u64,
) -> Result<Vec<crate::blockage::BlockageEvent>, ApiError> {
    let loader = ctx.data_opt::<DataLoader<BlockageTimelineLoader>>().ok_or(ApiError::Internal)?;
    let found = loader.load_one((id, last)).await.map_err(|e| ApiError::clone(&e))?;
    Ok(found.unwrap_or_default().into_iter().map(crate::blockage::BlockageEvent).collect())
}

/// Loads the timelines of blockages, keyed by (blockage, entries wanted): one statement for a
/// whole page.
pub struct BlockageTimelineLoader {
    store: Store,
}

impl BlockageTimelineLoader {
    /// A loader over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Loader<(i64, u64)> for BlockageTimelineLoader {
    type Value = Vec<linchpin_store::blockage::EventRecord>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[(i64, u64)]) -> Result<HashMap<(i64, u64), Self::Value>, Self::Error> {
        let mut groups: HashMap<u64, Vec<i64>> = HashMap::new();
        for (id, last) in keys {
            groups.entry(*last).or_default().push(*id);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (last, ids) in groups {
            let found = linchpin_store::blockage::timelines(self.store.db(), &ids, last)
                .await
                .map_err(|e| Arc::new(ApiError::from(e)))?;
            out.extend(found.into_iter().map(|(id, events)| ((id, last), events)));
        }
        Ok(out)
    }
}

/// One firm's page of links as a nested connection asks for it: the side, who asks (their link
/// scope), where the page starts and how long it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LinkPageKey {
    /// The firm.
    pub firm: FirmId,
    /// Suppliers or customers.
    pub side: linchpin_store::links::Side,
    /// The viewer's link visibility (so one viewer never gets another's page).
    pub scope: linchpin_domain::LinkScope,
    /// Start after this link id.
    pub after: Option<i64>,
    /// Page size.
    pub limit: u64,
}

/// Loads the link pages of every firm of a list at once: one statement per (side, scope, after,
/// limit), so `firms { suppliers { ... } }` costs one statement for the firms and one for all
/// their suppliers, whatever the page size.
pub struct LinkPageLoader {
    store: Store,
}

impl LinkPageLoader {
    /// A loader over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Loader<LinkPageKey> for LinkPageLoader {
    type Value = linchpin_store::Page<(linchpin_domain::SupplyLinkRecord, linchpin_store::firms::ChainsNotRead)>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[LinkPageKey]) -> Result<HashMap<LinkPageKey, Self::Value>, Self::Error> {
        let mut groups: HashMap<
            (linchpin_store::links::Side, &linchpin_domain::LinkScope, Option<i64>, u64),
            Vec<FirmId>,
        > = HashMap::new();
        for k in keys {
            groups.entry((k.side, &k.scope, k.after, k.limit)).or_default().push(k.firm);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((side, scope, after, limit), firms) in groups {
            let pages = linchpin_store::links::pages_for_firms(
                self.store.db(),
                &firms,
                side,
                scope,
                after.map(linchpin_domain::LinkId),
                limit,
            )
            .await
            .map_err(|e| Arc::new(ApiError::from(e)))?;
            for (firm, page) in pages {
                let key = LinkPageKey { firm, side, scope: scope.clone(), after, limit };
                out.insert(key, page);
            }
        }
        Ok(out)
    }
}

/// The page `key` asks for through the request's [`LinkPageLoader`].
pub(crate) async fn link_page(
    ctx: &Context<'_>,
    key: LinkPageKey,
) -> Result<linchpin_store::Page<(linchpin_domain::SupplyLinkRecord, linchpin_store::firms::ChainsNotRead)>, ApiError> {
    let loader = ctx.data_opt::<DataLoader<LinkPageLoader>>().ok_or(ApiError::Internal)?;
    let found = loader.load_one(key).await.map_err(|e| ApiError::clone(&e))?;
    Ok(found.unwrap_or_else(linchpin_store::Page::empty))
}

/// A firm's whitelist entries as `Firm.whitelist` asks for them: the firm and who asks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FirmEntriesKey {
    /// The firm.
    pub firm: FirmId,
    /// The viewer's whitelist visibility.
    pub scope: linchpin_domain::whitelist::EntryScope,
}

/// Loads the whitelist entries of every firm of a list at once (one statement per scope).
pub struct FirmEntriesLoader {
    store: Store,
}

impl FirmEntriesLoader {
    /// A loader over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Loader<FirmEntriesKey> for FirmEntriesLoader {
    type Value = Vec<linchpin_store::whitelist::EntryRecord>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[FirmEntriesKey]) -> Result<HashMap<FirmEntriesKey, Self::Value>, Self::Error> {
        let mut groups: HashMap<&linchpin_domain::whitelist::EntryScope, Vec<FirmId>> = HashMap::new();
        for k in keys {
            groups.entry(&k.scope).or_default().push(k.firm);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (scope, firms) in groups {
            let q = crate::whitelist::entry_query(Default::default(), scope.clone(), chrono::Utc::now())
                .map_err(Arc::new)?;
            let found =
                linchpin_store::whitelist::of_firms(self.store.db(), &q, &firms, crate::whitelist::FIRM_ENTRIES)
                    .await
                    .map_err(|e| Arc::new(ApiError::from(e)))?;
            for (firm, entries) in found {
                out.insert(FirmEntriesKey { firm, scope: scope.clone() }, entries);
            }
        }
        Ok(out)
    }
}

/// The entries `key` asks for through the request's [`FirmEntriesLoader`].
pub(crate) async fn firm_entries(
    ctx: &Context<'_>,
    key: FirmEntriesKey,
) -> Result<Vec<linchpin_store::whitelist::EntryRecord>, ApiError> {
    let loader = ctx.data_opt::<DataLoader<FirmEntriesLoader>>().ok_or(ApiError::Internal)?;
    Ok(loader.load_one(key).await.map_err(|e| ApiError::clone(&e))?.unwrap_or_default())
}

/// Loads the chains of firms that a list read without them, in batches (one statement).
pub struct ChainsLoader {
    store: Store,
}

impl ChainsLoader {
    /// A loader over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Loader<FirmId> for ChainsLoader {
    type Value = Vec<linchpin_domain::ChainCode>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[FirmId]) -> Result<HashMap<FirmId, Self::Value>, Self::Error> {
        linchpin_store::chains::of_firms(self.store.db(), keys).await.map_err(|e| Arc::new(ApiError::from(e)))
    }
}

/// The chains of `firm` through the request's [`ChainsLoader`].
pub(crate) async fn chains(ctx: &Context<'_>, firm: FirmId) -> Result<Vec<linchpin_domain::ChainCode>, ApiError> {
    let loader = ctx.data_opt::<DataLoader<ChainsLoader>>().ok_or(ApiError::Internal)?;
    Ok(loader.load_one(firm).await.map_err(|e| ApiError::clone(&e))?.unwrap_or_default())
}

/// Loads the latest production report of firms in batches (one statement).
pub struct ProductionLoader {
    store: Store,
}

impl ProductionLoader {
    /// A loader over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Loader<FirmId> for ProductionLoader {
    type Value = linchpin_store::production::ReportRecord;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[FirmId]) -> Result<HashMap<FirmId, Self::Value>, Self::Error> {
        linchpin_store::production::latest(self.store.db(), keys).await.map_err(|e| Arc::new(ApiError::from(e)))
    }
}

/// The latest report of `firm` through the request's [`ProductionLoader`].
pub(crate) async fn latest_production(
    ctx: &Context<'_>,
    firm: FirmId,
) -> Result<Option<linchpin_store::production::ReportRecord>, ApiError> {
    let loader = ctx.data_opt::<DataLoader<ProductionLoader>>().ok_or(ApiError::Internal)?;
    loader.load_one(firm).await.map_err(|e| ApiError::clone(&e))
}

/// One firm's page of blockages as `Firm.blockages` asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FirmBlockagesKey {
    /// The firm.
    pub firm: FirmId,
    /// The listing (the viewer's scope and the filter).
    pub query: linchpin_store::blockage::BlockageQuery,
    /// Start after this (queue key bits, id).
    pub after: Option<(u64, i64)>,
    /// Page size.
    pub limit: u64,
}

/// Loads the blockage pages of every firm of a list at once (one statement per listing).
pub struct FirmBlockagesLoader {
    store: Store,
}

impl FirmBlockagesLoader {
    /// A loader over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Loader<FirmBlockagesKey> for FirmBlockagesLoader {
    type Value = linchpin_store::Page<linchpin_store::blockage::BlockageRecord>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[FirmBlockagesKey]) -> Result<HashMap<FirmBlockagesKey, Self::Value>, Self::Error> {
        type Group<'a> = (&'a linchpin_store::blockage::BlockageQuery, Option<(u64, i64)>, u64);
        let mut groups: HashMap<Group<'_>, Vec<FirmId>> = HashMap::new();
        for k in keys {
            groups.entry((&k.query, k.after, k.limit)).or_default().push(k.firm);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((query, after, limit), firms) in groups {
            let cursor =
                after.map(|(bits, id)| linchpin_store::blockage::Cursor { queue_key: f64::from_bits(bits), id });
            let pages = linchpin_store::blockage::pages_for_firms(self.store.db(), query, &firms, cursor, limit)
                .await
                .map_err(|e| Arc::new(ApiError::from(e)))?;
            for (firm, page) in pages {
                out.insert(FirmBlockagesKey { firm, query: query.clone(), after, limit }, page);
            }
        }
        Ok(out)
    }
}

/// The page `key` asks for through the request's [`FirmBlockagesLoader`].
pub(crate) async fn firm_blockages(
    ctx: &Context<'_>,
    key: FirmBlockagesKey,
) -> Result<linchpin_store::Page<linchpin_store::blockage::BlockageRecord>, ApiError> {
    let loader = ctx.data_opt::<DataLoader<FirmBlockagesLoader>>().ok_or(ApiError::Internal)?;
    let found = loader.load_one(key).await.map_err(|e| ApiError::clone(&e))?;
    Ok(found.unwrap_or_else(linchpin_store::Page::empty))
}
