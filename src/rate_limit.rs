//! Per-client rate limiting of searches: a token bucket per client address, in a table of
//! bounded size, and the rule that decides which address a request comes from.
//!
//! Forgetting a client only ever gives it a fresh (full) bucket, so the table can shed entries
//! whenever it must without ever refusing someone who should have been served.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

/// Most clients whose buckets are remembered at once (about 40 bytes each).
pub const MAX_TRACKED_CLIENTS: usize = 65_536;

/// A continuously refilling allowance: `per_minute` tokens at most, one spent per search.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    pub(crate) fn full(per_minute: u32, now: Instant) -> Self {
        Bucket { tokens: f64::from(per_minute), updated: now }
    }

    /// Takes one token at `now`, or says how long until one is available.
    pub(crate) fn take(&mut self, per_minute: u32, now: Instant) -> Result<(), Duration> {
        let capacity = f64::from(per_minute);
        let per_second = capacity / 60.0;
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_second).min(capacity);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - self.tokens) / per_second))
    }
}

/// Searches a minute per client address. A limit of 0 turns limiting off.
#[derive(Debug)]
pub struct ClientRateLimiter {
    per_minute: u32,
    capacity: usize,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl ClientRateLimiter {
    /// A limiter allowing `per_minute` searches a minute per client (0: unlimited), remembering
    /// at most [`MAX_TRACKED_CLIENTS`] clients.
    pub fn new(per_minute: u32) -> Self {
        Self::with_capacity(per_minute, MAX_TRACKED_CLIENTS)
    }

    /// The same, remembering at most `capacity` clients.
    pub fn with_capacity(per_minute: u32, capacity: usize) -> Self {
        ClientRateLimiter { per_minute, capacity: capacity.max(2), buckets: Mutex::new(HashMap::new()) }
    }

    /// Whether limiting is on.
    pub fn is_enabled(&self) -> bool {
        self.per_minute > 0
    }

    /// Spends one search of `client` at `now`; `Err` carries the whole seconds to wait.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let client = bucket_key(client);
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !buckets.contains_key(&client) && buckets.len() >= self.capacity {
            self.shed(&mut buckets, now);
        }
        let bucket = buckets.entry(client).or_insert_with(|| Bucket::full(self.per_minute, now));
        bucket.take(self.per_minute, now).map_err(|wait| (wait.as_millis() as u64).div_ceil(1000).max(1))
    }

    /// Clients currently remembered.
    pub fn tracked(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    /// Makes room: first forgets clients whose bucket has refilled (they lose nothing), then,
    /// if that is not enough, the least recently seen half. Each shedding frees at least half
    /// the table, so its cost is spread over as many insertions.
    fn shed(&self, buckets: &mut HashMap<IpAddr, Bucket>, now: Instant) {
        let refill = Duration::from_secs(60);
        buckets.retain(|_, bucket| now.saturating_duration_since(bucket.updated) < refill);
        if buckets.len() < self.capacity / 2 {
            return;
        }
        let mut seen: Vec<Instant> = buckets.values().map(|b| b.updated).collect();
        let middle = seen.len() / 2;
        let (_, cutoff, _) = seen.select_nth_unstable(middle);
        let cutoff = *cutoff;
        buckets.retain(|_, bucket| bucket.updated > cutoff);
    }
}

/// IPv6 clients are limited by their /64: one host usually holds a whole /64, and could
/// otherwise take a fresh bucket for every address in it.
fn bucket_key(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(_) => client,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The address a request comes from. The peer's address, unless the peer is one of
/// `trusted_proxies`: then `X-Forwarded-For` is read from the right (the entries the trusted
/// proxies appended) and the first address that is not itself a trusted proxy is the client.
/// Entries further left were written by the client and could be anything, so they are not used.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
    for entry in forwarded.iter().rev().flat_map(|v| v.rsplit(',')) {
        match entry.trim().parse::<IpAddr>() {
            Ok(address) => {
                client = address;
                if !trusted_proxies.contains(&address) {
                    break;
                }
            }
            // A malformed entry: stop at the last address a trusted party vouched for.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use proptest::prelude::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn each_client_has_its_own_allowance_and_it_refills() {
        let limiter = ClientRateLimiter::new(3);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(ip("192.0.2.1"), start), Ok(()));
        }
        assert_eq!(limiter.check(ip("192.0.2.1"), start), Err(20), "one token every 20 s");
        assert_eq!(limiter.check(ip("192.0.2.2"), start), Ok(()), "another client is not affected");
        assert_eq!(limiter.check(ip("192.0.2.1"), start + Duration::from_secs(20)), Ok(()));
    }

    #[test]
    fn zero_turns_limiting_off() {
        let limiter = ClientRateLimiter::new(0);
        let now = Instant::now();
        assert!(!limiter.is_enabled());
        assert!((0..10_000).all(|_| limiter.check(ip("192.0.2.1"), now).is_ok()));
        assert_eq!(limiter.tracked(), 0);
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let limiter = ClientRateLimiter::new(1);
        let now = Instant::now();
        assert!(limiter.check(ip("2001:db8:1:2::1"), now).is_ok());
        assert!(limiter.check(ip("2001:db8:1:2:ffff::9"), now).is_err(), "same /64");
        assert!(limiter.check(ip("2001:db8:1:3::1"), now).is_ok(), "another /64");
        assert!(limiter.check(ip("::ffff:192.0.2.7"), now).is_ok());
        assert!(limiter.check(ip("192.0.2.7"), now).is_err(), "a mapped IPv4 address is that address");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9, 198.51.100.4, 10.0.0.2"));
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        assert_eq!(client_address(ip("192.0.2.5"), &headers, &proxies), ip("192.0.2.5"), "untrusted peer");
        assert_eq!(client_address(ip("10.0.0.1"), &headers, &[]), ip("10.0.0.1"), "nothing trusted");
        assert_eq!(
            client_address(ip("10.0.0.1"), &headers, &proxies),
            ip("198.51.100.4"),
            "the rightmost address that is not a proxy; the client-written left part is ignored"
        );
        headers.insert("x-forwarded-for", HeaderValue::from_static("junk, 10.0.0.2"));
        assert_eq!(client_address(ip("10.0.0.1"), &headers, &proxies), ip("10.0.0.2"));
        headers.remove("x-forwarded-for");
        assert_eq!(client_address(ip("10.0.0.1"), &headers, &proxies), ip("10.0.0.1"));
    }

    proptest! {
        /// However many distinct clients come, the table stays within its capacity, and a
        /// client just served keeps its (spent) bucket.
        #[test]
        fn the_table_is_bounded(clients in proptest::collection::vec(any::<u32>(), 1..2_000), capacity in 2usize..200) {
            let limiter = ClientRateLimiter::with_capacity(1, capacity);
            let start = Instant::now();
            for (i, client) in clients.iter().enumerate() {
                let now = start + Duration::from_millis(i as u64);
                let address = IpAddr::from(client.to_be_bytes());
                let _ = limiter.check(address, now);
                prop_assert!(limiter.tracked() <= capacity);
                prop_assert!(limiter.check(address, now).is_err(), "the bucket just spent is remembered");
            }
        }
    }
}
