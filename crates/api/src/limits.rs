//! Token-bucket rate limits, in memory (one process) or in Redis (shared by every replica).
//!
//! A bucket holds up to `capacity` tokens and refills at `per_second`; each request takes one.
//! An empty bucket answers with the seconds until the next token. While Redis is down the buckets
//! live in this process (each replica limits on its own): rate limiting degrades, service and its
//! latency do not.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::redis_link::RedisLink;

/// Prices of expensive operations in the query-complexity budget (default 2,000 per request; every
/// plain field costs 1, connections cost their page size times their nodes, see
/// `connection::page_cost`).
pub mod cost {
    /// `runAnalysis`: a whole-network analysis; at most one per request.
    pub const ANALYSIS_RUN: usize = 1_000;
    /// `simulateDisruption`: an ESRI cascade on the live network; a handful per request.
    pub const SIMULATION: usize = 300;
    /// An export of a list (whitelist, ledger): a few per request.
    pub const EXPORT: usize = 500;
}

/// A bucket's shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Burst size.
    pub capacity: u32,
    /// Tokens added per second.
    pub per_second: f64,
}

impl Rule {
    /// Requests of one account: bursts of 60, then 10 per second.
    pub const ACCOUNT: Self = Self { capacity: 60, per_second: 10.0 };
    /// Anonymous requests of one client address.
    pub const ANONYMOUS: Self = Self { capacity: 30, per_second: 2.0 };
    /// Sign-in attempts for one username: 5, then one a minute.
    pub const LOGIN: Self = Self { capacity: 5, per_second: 1.0 / 60.0 };
    /// `runAnalysis` of one account: 3, then one every five minutes (runs in flight are shared,
    /// so this bounds how often one account can make the whole network be analysed).
    pub const ANALYSIS: Self = Self { capacity: 3, per_second: 1.0 / 300.0 };
}

/// The answer of a limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allowed,
    /// Wait this many seconds.
    Limited {
        /// Seconds until a token is available.
        retry_after_secs: u64,
    },
}

/// Takes a token from the bucket named `key`.
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync + std::fmt::Debug {
    /// Takes one token from `key`'s bucket shaped by `rule`.
    async fn acquire(&self, key: &str, rule: Rule) -> Decision;
}

fn retry_after(missing: f64, per_second: f64) -> u64 {
    (missing / per_second).ceil().max(1.0) as u64
}

/// Buckets in this process's memory.
#[derive(Debug, Default)]
pub struct InMemoryLimiter {
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Buckets kept at most; full buckets are dropped beyond it, so memory stays bounded.
const MAX_BUCKETS: usize = 100_000;

#[async_trait::async_trait]
impl RateLimiter for InMemoryLimiter {
    async fn acquire(&self, key: &str, rule: Rule) -> Decision {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else { return Decision::Allowed };
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rule.per_second < f64::from(rule.capacity)
            });
        }
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((f64::from(rule.capacity), now));
        let refilled =
            (*tokens + now.duration_since(*at).as_secs_f64() * rule.per_second).min(f64::from(rule.capacity));
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Decision::Allowed
        } else {
            *tokens = refilled;
            Decision::Limited { retry_after_secs: retry_after(1.0 - refilled, rule.per_second) }
        }
    }
}

/// The bucket update, atomic in Redis; time comes from the Redis server so every replica agrees.
const SCRIPT: &str = r"
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil then tokens = cap; at = now end
tokens = math.min(cap, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(cap / rate) + 1)
return {allowed, tostring(tokens)}
";

/// Buckets in Redis, shared by all replicas; in this process's memory while Redis is down.
#[derive(Clone)]
pub struct RedisLimiter {
    link: Arc<RedisLink>,
    script: redis::Script,
    fallback: Arc<InMemoryLimiter>,
}

impl std::fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimiter").finish_non_exhaustive()
    }
}

impl RedisLimiter {
    /// Connects to `url` (an unreachable Redis starts on the in-memory fallback).
    pub async fn connect(url: &str) -> Result<Self, redis::RedisError> {
        Ok(Self::over(RedisLink::connect(url).await?))
    }

    /// A limiter over an existing link (shared with the event bus).
    pub fn over(link: Arc<RedisLink>) -> Self {
        Self { link, script: redis::Script::new(SCRIPT), fallback: Arc::default() }
    }
}

#[async_trait::async_trait]
impl RateLimiter for RedisLimiter {
    async fn acquire(&self, key: &str, rule: Rule) -> Decision {
        let script = &self.script;
        let redis_key = format!("linchpin:rl:{key}");
        let res: Option<(i64, String)> = self
            .link
            .call(|mut conn| async move {
                script.key(&redis_key).arg(rule.capacity).arg(rule.per_second).invoke_async(&mut conn).await
            })
            .await;
        match res {
            Some((1, _)) => Decision::Allowed,
            Some((_, tokens)) => {
                let left: f64 = tokens.parse().unwrap_or(0.0);
                Decision::Limited { retry_after_secs: retry_after(1.0 - left, rule.per_second) }
            }
            // Redis is away: limits still hold, per replica.
            None => self.fallback.acquire(key, rule).await,
        }
    }
}
