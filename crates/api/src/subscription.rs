//! The root of every subscription (graphql-ws at `/graphql/ws`).
use async_graphql::{Context, Result, Subscription};
use futures_util::{Stream, StreamExt};

use crate::blockage::BlockageChange;
use crate::events::NetworkEvent;
use crate::guard;
use crate::production::ProductionStatusChange;
use crate::whitelist::WhitelistChange;

/// The root of every subscription (graphql-ws at `/graphql/ws`).
#[derive(Default)]
pub struct SubscriptionRoot;

/// Live change events over graphql-ws.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every change to firms and supply links committed from now on, on any replica; link
    /// events only for links the viewer may see.
    async fn network_changed(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = NetworkEvent>> {
        let viewer = guard::viewer(ctx).map_err(async_graphql::Error::from)?.clone();
        let state = guard::state(ctx).map_err(async_graphql::Error::from)?;
        Ok(state.events.subscribe().filter(move |e| std::future::ready(e.is_network_change() && e.visible_to(&viewer))))
    }

    /// Every change to a supply link the viewer may see, committed from now on on any replica:
    /// declared (also by a supplier list), confirmed, rejected, removed. An ENTERPRISE hears of
    /// the links of its own firm, so a supplier learns at once that a customer declared a link
    /// for its inbox, and a customer that its supplier confirmed or rejected one.
    async fn supply_link_changed(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = NetworkEvent>> {
        let viewer = guard::viewer(ctx).map_err(async_graphql::Error::from)?.clone();
        let state = guard::state(ctx).map_err(async_graphql::Error::from)?;
        Ok(state.events.subscribe().filter(move |e| std::future::ready(e.is_link_change() && e.visible_to(&viewer))))
    }

    /// Every whitelist step and published batch committed from now on, on any replica, inside
    /// `regionPrefix` (2, 4 or 6 digits; every region when absent): only what the viewer may
    /// see, so a subscriber of another province hears of approved, published entries and
    /// batches, never of nominations.
    async fn whitelist_changed(
        &self,
        ctx: &Context<'_>,
        region_prefix: Option<String>,
    ) -> Result<impl Stream<Item = WhitelistChange>> {
        crate::whitelist::changes(ctx, region_prefix).map_err(async_graphql::Error::from)
    }

    /// Every blockage reported, moved, escalated or commented on from now on, on any replica,
    /// concerning a region under `regionPrefix` (2, 4 or 6 digits; every region when absent):
    /// only blockages the viewer may see (its firm's; for offices, those concerning their
    /// jurisdiction, a freight trip at either end).
    async fn blockage_events(
        &self,
        ctx: &Context<'_>,
        region_prefix: Option<String>,
    ) -> Result<impl Stream<Item = BlockageChange>> {
        crate::blockage::changes(ctx, region_prefix).map_err(async_graphql::Error::from)
    }

    /// Every production report from now on, on any replica, of firms on `chain` (every chain when
    /// absent) whose details the viewer may see.
    async fn production_status_changed(
        &self,
        ctx: &Context<'_>,
        chain: Option<String>,
    ) -> Result<impl Stream<Item = ProductionStatusChange>> {
        crate::production::changes(ctx, chain).map_err(async_graphql::Error::from)
    }
}
