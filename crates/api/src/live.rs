//! The live supply network of this replica: built from the store at start, updated on every
//! change event (from this replica or, through Redis, from the others), and reloaded in full
//! before each analysis run so drift from a missed event never outlives a run.
use std::sync::{Arc, RwLock};

use futures_util::StreamExt;
use linchpin_domain::{FirmId, FirmRecord, LinkId, SupplyLinkRecord};
use linchpin_graph::{FirmNode, LinkEdge, SupplyNetwork};
use linchpin_store::{Store, StoreError, analysis, firms, links};

use crate::events::{NetworkEvent, NetworkEventKind};
use crate::ids::{self, Kind};

/// The live network's node of a stored firm.
pub fn node_of(f: &FirmRecord) -> FirmNode {
    FirmNode {
        id: f.id,
        industry: f.firm.industry.clone(),
        size_class: f.size_class,
        employees: f.firm.indicators.employees.unwrap_or(0),
        province: f.firm.region.province().to_owned(),
        chains: f.firm.chains.clone(),
    }
}

/// The live network's edge of a stored link.
pub fn edge_of(l: &SupplyLinkRecord) -> LinkEdge {
    LinkEdge {
        id: l.id,
        product: l.product.as_str().to_owned(),
        value: l.annual_value.get(),
        essentiality: l.essentiality,
        status: l.status,
        declared_by: l.declared_by,
    }
}

/// The shared, editable network.
#[derive(Debug, Clone, Default)]
pub struct LiveNetwork(Arc<RwLock<SupplyNetwork>>);

impl LiveNetwork {
    /// Replaces the network with a fresh read of the store.
    pub async fn reload(&self, store: &Store) -> Result<(usize, usize), StoreError> {
        let (fs, ls) = analysis::load_network(store.db()).await?;
        let mut net = SupplyNetwork::new();
        for f in fs {
            net.upsert_firm(FirmNode {
                id: f.id,
                industry: f.industry,
                size_class: f.size,
                employees: f.employees,
                province: f.province,
                chains: f.chains,
            });
        }
        for l in ls {
            // The database holds the same invariants, so a refusal here means a concurrent change;
            // the next event or reload settles it.
            let edge = LinkEdge {
                id: l.id,
                product: format!("#{}", l.id.0),
                value: l.value,
                essentiality: l.essentiality,
                status: l.status,
                declared_by: l.declared_by,
            };
            if let Err(e) = net.add_link(l.supplier, l.customer, edge) {
                tracing::warn!(error = %e, "link skipped while loading the network");
            }
        }
        let counts = (net.firm_count(), net.link_count());
        if let Ok(mut slot) = self.0.write() {
            *slot = net;
        }
        Ok(counts)
    }

    /// Runs `f` on the current network.
    pub fn read<T>(&self, f: impl FnOnce(&SupplyNetwork) -> T) -> Option<T> {
        self.0.read().ok().map(|n| f(&n))
    }

    /// Applies one change event, reading the changed object from the store.
    pub async fn apply(&self, store: &Store, event: &NetworkEvent) -> Result<(), StoreError> {
        if event.bulk {
            return Ok(()); // the bulk change's IMPORTED notice reloads the network
        }
        let subject = event.subject_id.as_ref().and_then(|id| ids::decode_any(id));
        match (event.kind, subject) {
            (NetworkEventKind::FirmRegistered | NetworkEventKind::FirmUpdated, Some((Kind::Firm, id))) => {
                let f = firms::get(store.db(), FirmId(id)).await?;
                // a PENDING firm stays out; one just verified joins with the links it already has
                if f.verification == linchpin_domain::Verification::Pending {
                    return Ok(());
                }
                let joins = self.0.read().map(|net| net.firm(f.id).is_err()).unwrap_or(false);
                if joins && event.kind == NetworkEventKind::FirmUpdated {
                    return self.reload(store).await.map(|_| ());
                }
                if let Ok(mut net) = self.0.write() {
                    net.upsert_firm(node_of(&f));
                }
            }
            (NetworkEventKind::LinkDeclared, Some((Kind::SupplyLink, id))) => {
                let l = links::get(store.db(), LinkId(id)).await?;
                if let Ok(mut net) = self.0.write()
                    && let Err(e) = net.add_link(l.supplier_id, l.customer_id, edge_of(&l))
                {
                    tracing::debug!(error = %e, "declared link already in the live network");
                }
            }
            (NetworkEventKind::LinkConfirmed | NetworkEventKind::LinkRejected, Some((Kind::SupplyLink, id))) => {
                let l = links::get(store.db(), LinkId(id)).await?;
                if let Ok(mut net) = self.0.write()
                    && let Err(e) = net.update_link(l.id, l.annual_value.get(), l.essentiality, l.status)
                {
                    tracing::debug!(error = %e, "confirmed link not in the live network");
                }
            }
            (NetworkEventKind::LinkRemoved, Some((Kind::SupplyLink, id))) => {
                if let Ok(mut net) = self.0.write() {
                    let _ = net.remove_link(LinkId(id));
                }
            }
            (NetworkEventKind::Imported, _) => {
                self.reload(store).await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Keeps the network current from `events` until the stream ends.
    pub fn follow(
        &self,
        store: Store,
        mut events: futures_util::stream::BoxStream<'static, NetworkEvent>,
    ) -> tokio::task::JoinHandle<()> {
        let live = self.clone();
        tokio::spawn(async move {
            while let Some(event) = events.next().await {
                if let Err(e) = live.apply(&store, &event).await {
                    tracing::warn!(error = %e, "could not apply a change to the live network; reloading");
                    if let Err(e) = live.reload(&store).await {
                        tracing::error!(error = %e, "could not reload the live network");
                    }
                }
            }
        })
    }
}
