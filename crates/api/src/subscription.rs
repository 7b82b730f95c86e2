use async_graphql::{Context, Result, Subscription};
use futures_util::Stream;

use crate::events::NetworkEvent;
use crate::schema::ApiState;

/// The root of every subscription (graphql-ws at `/graphql/ws`).
#[derive(Default)]
pub struct SubscriptionRoot;

/// Live change events over graphql-ws.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every change to firms and supply links committed from now on, on any replica.
    async fn network_changed(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = NetworkEvent>> {
        let state = ctx.data::<ApiState>()?;
        Ok(state.events.subscribe())
    }
}
