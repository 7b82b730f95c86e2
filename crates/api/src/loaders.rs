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
    firm.map(Firm).ok_or_else(|| ApiError::NotFound(format!("firm {}", id.0)))
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

/// The timeline of blockage `id` through the request's [`BlockageTimelineLoader`].
pub(crate) async fn blockage_timeline(
    ctx: &Context<'_>,
    id: i64,
) -> Result<Vec<crate::blockage::BlockageEvent>, ApiError> {
    let loader = ctx.data_opt::<DataLoader<BlockageTimelineLoader>>().ok_or(ApiError::Internal)?;
    let found = loader.load_one(id).await.map_err(|e| ApiError::clone(&e))?;
    Ok(found.unwrap_or_default().into_iter().map(crate::blockage::BlockageEvent).collect())
}

/// Loads the timelines of blockages: one statement for a whole page.
pub struct BlockageTimelineLoader {
    store: Store,
}

impl BlockageTimelineLoader {
    /// A loader over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

impl Loader<i64> for BlockageTimelineLoader {
    type Value = Vec<linchpin_store::blockage::EventRecord>;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        linchpin_store::blockage::timelines(self.store.db(), keys).await.map_err(|e| Arc::new(ApiError::from(e)))
    }
}
