//! Rate limits (§8.6): fixed windows per authenticated actor, counted in process or in Redis.
//!
//! [`RateLimiter`] is only a counter of `(key, window)`; [`RateLimit`] holds the policy (limit
//! and window length) and turns a count into a [`Decision`]. The HTTP side (authenticating,
//! the `X-RateLimit-*` headers, the 429) is [`crate::middleware::rate_limit`], so this module
//! knows nothing of requests or of `AppState`.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use dashmap::DashMap;
use revdir_core::ids::don;
use revdir_core::DevOrgScope;
use secrecy::{ExposeSecret, SecretString};

/// DevRev's window length (§8.6): five minutes.
pub const DEFAULT_WINDOW_SECS: u64 = 300;
/// The key prefix of the Redis counters when none is configured.
pub const DEFAULT_REDIS_PREFIX: &str = "revdir:ratelimit:";

/// One fixed window: it starts at `start` (epoch seconds, a multiple of `secs`) and lasts `secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// Epoch second the window starts at.
    pub start: i64,
    /// Length in seconds (at least 1).
    pub secs: i64,
}

impl Window {
    /// The window of length `secs` that holds the epoch second `now`.
    pub fn containing(now: i64, secs: i64) -> Self {
        let secs = secs.max(1);
        Self { start: now.div_euclid(secs) * secs, secs }
    }

    /// Epoch second the window ends (and the next one starts) at.
    pub fn end(&self) -> i64 {
        self.start + self.secs
    }
}

/// Counts requests per key in fixed windows; shared by every request of a server.
///
/// Implementations must count atomically: `n` concurrent hits of one key and window return
/// each of `1..=n` exactly once.
#[async_trait]
pub trait RateLimiter: Send + Sync + fmt::Debug + 'static {
    /// Counts one request of `key` in `window` and returns the window's count so far, this
    /// request included.
    ///
    /// # Errors
    /// When the counter cannot be reached (Redis down).
    async fn hit(&self, key: &str, window: Window) -> anyhow::Result<u64>;
}

/// The in-process counter: a concurrent map of `(key, window start)` to a count. Windows that
/// have ended are pruned whenever a newer window is first counted.
#[derive(Debug, Default)]
pub struct InProcessLimiter {
    counts: DashMap<(String, i64), (u64, i64)>,
    newest_start: AtomicI64,
}

impl InProcessLimiter {
    /// An empty counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many `(key, window)` counters are held (for tests of pruning).
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether no counter is held.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

#[async_trait]
impl RateLimiter for InProcessLimiter {
    async fn hit(&self, key: &str, window: Window) -> anyhow::Result<u64> {
        let previous = self.newest_start.fetch_max(window.start, Ordering::AcqRel);
        if window.start > previous {
            // A newer window began: forget every window that has ended by its start.
            self.counts.retain(|_, (_, end)| *end > window.start);
        }
        let mut entry = self.counts.entry((key.to_owned(), window.start)).or_insert((0, window.end()));
        entry.0 += 1;
        Ok(entry.0)
    }
}

/// `INCR` the window's counter and give it a time to live on its first hit, in one atomic
/// script so that a counter can never be left without expiry.
const REDIS_HIT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return n
";

/// The shared counter: one Redis key per `(key, window)`, so every node that points at the
/// same Redis shares the limit.
pub struct RedisLimiter {
    conn: redis::aio::ConnectionManager,
    script: redis::Script,
    prefix: String,
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiter").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisLimiter {
    /// Connects to the Redis `url` names; counters are stored under `prefix`.
    ///
    /// # Errors
    /// When the URL is invalid or Redis cannot be reached.
    pub async fn connect(url: &SecretString, prefix: impl Into<String>) -> anyhow::Result<Self> {
        // The URL may carry a password: never put it in an error or a log.
        let client = redis::Client::open(url.expose_secret())
            .map_err(|e| anyhow::anyhow!("the Redis URL is not valid ({:?})", e.kind()))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2);
        let conn = redis::aio::ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| anyhow::anyhow!("connecting to Redis: {e}"))?;
        Ok(Self { conn, script: redis::Script::new(REDIS_HIT), prefix: prefix.into() })
    }
}

#[async_trait]
impl RateLimiter for RedisLimiter {
    async fn hit(&self, key: &str, window: Window) -> anyhow::Result<u64> {
        let redis_key = format!("{}{key}:{}", self.prefix, window.start);
        // The counter outlives its window by a second, then Redis drops it.
        let ttl = window.secs + 1;
        let mut conn = self.conn.clone();
        let n: u64 = self
            .script
            .key(redis_key)
            .arg(ttl)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| anyhow::anyhow!("counting in Redis: {e}"))?;
        Ok(n)
    }
}

/// A limit and window length, applied with a [`RateLimiter`].
#[derive(Clone)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: u64,
    /// Window length in seconds.
    pub window_secs: i64,
    /// Where the counts live.
    pub limiter: Arc<dyn RateLimiter>,
}

impl fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimit")
            .field("limit", &self.limit)
            .field("window_secs", &self.window_secs)
            .field("limiter", &self.limiter)
            .finish()
    }
}

/// What counting one request decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Requests allowed per window (`X-RateLimit-Limit`).
    pub limit: u64,
    /// Requests left in this window after this one (`X-RateLimit-Remaining`).
    pub remaining: u64,
    /// Epoch second the window ends at (`X-RateLimit-Reset`).
    pub reset: i64,
    /// Whether this request may proceed.
    pub allowed: bool,
    /// Seconds until the window ends, at least 1 (`Retry-After` when refused).
    pub retry_after: i64,
}

impl RateLimit {
    /// Counts one request of `key` at epoch second `now`.
    ///
    /// # Errors
    /// When the counter cannot be reached.
    pub async fn check(&self, key: &str, now: i64) -> anyhow::Result<Decision> {
        let window = Window::containing(now, self.window_secs);
        let count = self.limiter.hit(key, window).await?;
        Ok(Decision {
            limit: self.limit,
            remaining: self.limit.saturating_sub(count),
            reset: window.end(),
            allowed: count <= self.limit,
            retry_after: (window.end() - now).max(1),
        })
    }
}

/// The rate-limit key of an actor: its user's DON, which names the dev org too.
pub fn actor_key(scope: &DevOrgScope) -> String {
    don(scope.actor.kind, &scope.dev_org, scope.actor.id)
}

#[cfg(test)]
mod tests {
    //! One behaviour suite, run on both counters.

    use super::*;

    fn redis_url() -> SecretString {
        SecretString::from(std::env::var("REVDIR_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned()))
    }

    async fn redis() -> RedisLimiter {
        let prefix = format!("revdir-test:{}:", uuid::Uuid::new_v4().simple());
        RedisLimiter::connect(&redis_url(), prefix)
            .await
            .expect("Redis must be reachable at REVDIR_TEST_REDIS (default redis://127.0.0.1:6379)")
    }

    fn policy(limiter: Arc<dyn RateLimiter>, limit: u64, window_secs: i64) -> RateLimit {
        RateLimit { limit, window_secs, limiter }
    }

    async fn counts_up_to_the_limit_then_refuses(limiter: Arc<dyn RateLimiter>) {
        let p = policy(limiter, 3, 60);
        let now = 1_700_000_010;
        let window = Window::containing(now, 60);
        let mut seen = Vec::new();
        for _ in 0..5 {
            seen.push(p.check("actor-a", now).await.unwrap());
        }
        let remaining: Vec<u64> = seen.iter().map(|d| d.remaining).collect();
        assert_eq!(remaining, [2, 1, 0, 0, 0]);
        let allowed: Vec<bool> = seen.iter().map(|d| d.allowed).collect();
        assert_eq!(allowed, [true, true, true, false, false]);
        for d in &seen {
            assert_eq!(d.limit, 3);
            assert_eq!(d.reset, window.end());
            assert_eq!(d.retry_after, window.end() - now);
        }
    }

    async fn keys_are_counted_apart(limiter: Arc<dyn RateLimiter>) {
        let p = policy(limiter, 2, 60);
        let now = 1_700_000_000;
        assert!(p.check("a", now).await.unwrap().allowed);
        assert!(p.check("a", now).await.unwrap().allowed);
        assert!(!p.check("a", now).await.unwrap().allowed);
        let b = p.check("b", now).await.unwrap();
        assert!(b.allowed);
        assert_eq!(b.remaining, 1);
    }

    async fn a_new_window_starts_afresh(limiter: Arc<dyn RateLimiter>) {
        let p = policy(limiter, 1, 60);
        let start = Window::containing(1_700_000_000, 60).start;
        assert!(p.check("a", start + 59).await.unwrap().allowed);
        let refused = p.check("a", start + 59).await.unwrap();
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, 1);
        let next = p.check("a", start + 60).await.unwrap();
        assert!(next.allowed, "the next window starts from zero");
        assert_eq!(next.reset, start + 120);
    }

    async fn concurrent_hits_are_counted_exactly(limiter: Arc<dyn RateLimiter>) {
        let window = Window::containing(1_700_000_000, 300);
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let l = Arc::clone(&limiter);
            tasks.push(tokio::spawn(async move { l.hit("hot", window).await.unwrap() }));
        }
        let mut counts = Vec::new();
        for t in tasks {
            counts.push(t.await.unwrap());
        }
        counts.sort_unstable();
        assert_eq!(counts, (1..=50).collect::<Vec<u64>>());
    }

    async fn behaviour_suite(make: impl AsyncFnMut() -> Arc<dyn RateLimiter>) {
        let mut make = make;
        counts_up_to_the_limit_then_refuses(make().await).await;
        keys_are_counted_apart(make().await).await;
        a_new_window_starts_afresh(make().await).await;
        concurrent_hits_are_counted_exactly(make().await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn in_process_limiter_passes_the_suite() {
        behaviour_suite(async || Arc::new(InProcessLimiter::new()) as Arc<dyn RateLimiter>).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis_limiter_passes_the_suite() {
        behaviour_suite(async || Arc::new(redis().await) as Arc<dyn RateLimiter>).await;
    }

    #[tokio::test]
    async fn in_process_limiter_prunes_ended_windows() {
        let l = InProcessLimiter::new();
        let w1 = Window::containing(1_700_000_000, 60);
        l.hit("a", w1).await.unwrap();
        l.hit("b", w1).await.unwrap();
        assert_eq!(l.len(), 2);
        let w2 = Window { start: w1.end(), secs: 60 };
        l.hit("a", w2).await.unwrap();
        assert_eq!(l.len(), 1, "the ended window's counters are gone");
    }

    #[tokio::test]
    async fn redis_counters_expire_with_their_window() {
        let l = redis().await;
        let w = Window::containing(1_700_000_000, 30);
        l.hit("a", w).await.unwrap();
        let mut conn = l.conn.clone();
        let ttl: i64 =
            redis::cmd("TTL").arg(format!("{}a:{}", l.prefix, w.start)).query_async(&mut conn).await.unwrap();
        assert!((1..=31).contains(&ttl), "ttl {ttl}");
    }

    #[test]
    fn windows_are_aligned() {
        let w = Window::containing(1_700_000_123, 300);
        assert_eq!(w.start % 300, 0);
        assert!(w.start <= 1_700_000_123 && 1_700_000_123 < w.end());
        assert_eq!(Window::containing(5, 0).secs, 1);
    }
}
