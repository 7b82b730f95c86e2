//! Live connections and the tokens they stand on. A graphql-ws connection is authenticated once,
//! at `connection_init`, and may stay open for hours; this registry lets a revoked or expired
//! token, or a disabled account, end every connection that uses it within a second.
//!
//! Each replica keeps the token ids of its open connections. A sweeper checks them all against
//! the database in one batch twice a second (so `linchpin account disable` in another process,
//! or a `logout` on another replica, reaches every replica), and a revocation made on this
//! replica ends its connections at once. A connection waits on [`SessionWatch::ended`].
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use linchpin_store::{Store, accounts};
use tokio::sync::watch;

/// How often every replica checks the tokens of its open connections.
pub const SWEEP_EVERY: Duration = Duration::from_millis(500);

#[derive(Debug)]
struct Entry {
    ended: watch::Sender<bool>,
    connections: usize,
}

/// The open connections of this replica, by token id.
#[derive(Debug, Default)]
pub struct Sessions {
    by_token: Mutex<HashMap<i64, Entry>>,
}

/// One connection's hold on its token; dropping it unregisters the connection.
#[derive(Debug)]
pub struct SessionWatch {
    sessions: Arc<Sessions>,
    token_id: i64,
    ended: watch::Receiver<bool>,
}

impl SessionWatch {
    /// Resolves when the token stops being valid.
    pub async fn ended(&mut self) {
        // An error means the registry entry is gone, which only happens when the token ended.
        let _ = self.ended.wait_for(|e| *e).await;
    }
}

impl Drop for SessionWatch {
    fn drop(&mut self) {
        if let Ok(mut map) = self.sessions.by_token.lock()
            && let Some(entry) = map.get_mut(&self.token_id)
        {
            entry.connections = entry.connections.saturating_sub(1);
            if entry.connections == 0 {
                map.remove(&self.token_id);
            }
        }
    }
}

impl Sessions {
    /// Registers a connection that uses `token_id`.
    pub fn register(self: &Arc<Self>, token_id: i64) -> SessionWatch {
        let ended = match self.by_token.lock() {
            Ok(mut map) => {
                let entry =
                    map.entry(token_id).or_insert_with(|| Entry { ended: watch::channel(false).0, connections: 0 });
                entry.connections += 1;
                entry.ended.subscribe()
            }
            // A poisoned registry cannot track the connection: end it rather than let it outlive a revocation.
            Err(_) => watch::channel(true).1,
        };
        SessionWatch { sessions: Arc::clone(self), token_id, ended }
    }

    /// Ends every connection of these tokens now.
    pub fn end(&self, token_ids: &[i64]) {
        if let Ok(map) = self.by_token.lock() {
            for t in token_ids {
                if let Some(entry) = map.get(t) {
                    let _ = entry.ended.send(true);
                }
            }
        }
    }

    /// Number of tokens with open connections.
    pub fn tokens(&self) -> usize {
        self.by_token.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Checks every registered token against the store and ends the connections of those that
    /// are no longer valid. Returns how many tokens ended.
    pub async fn sweep(&self, store: &Store) -> Result<usize, linchpin_store::StoreError> {
        let ids: Vec<i64> = match self.by_token.lock() {
            Ok(map) => map.keys().copied().collect(),
            Err(_) => return Ok(0),
        };
        if ids.is_empty() {
            return Ok(0);
        }
        let valid = accounts::valid_tokens(store.db(), &ids, chrono::Utc::now()).await?;
        let ended: Vec<i64> = ids.into_iter().filter(|t| !valid.contains(t)).collect();
        self.end(&ended);
        Ok(ended.len())
    }

    /// Sweeps every [`SWEEP_EVERY`] until the process ends.
    pub fn spawn_sweeper(self: Arc<Self>, store: Store) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match self.sweep(&store).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(tokens = n, "ended live connections of tokens that are no longer valid"),
                    Err(e) => tracing::warn!(error = %e, "could not check the tokens of live connections"),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ending_a_token_ends_each_of_its_connections_and_only_those() {
        let s = Arc::new(Sessions::default());
        let mut a1 = s.register(1);
        let mut a2 = s.register(1);
        let b = s.register(2);
        assert_eq!(s.tokens(), 2);
        s.end(&[1]);
        tokio::time::timeout(Duration::from_secs(1), a1.ended()).await.unwrap();
        tokio::time::timeout(Duration::from_secs(1), a2.ended()).await.unwrap();
        assert!(!*b.ended.borrow());
        drop((a1, a2));
        assert_eq!(s.tokens(), 1, "the last connection of a token unregisters it");
    }
}
