//! Per-client-address rate limiting of key look-ups: a token bucket per IP address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_sec` look-ups a second with bursts of `burst`; `per_sec <= 0` disables limiting.
    pub fn new(per_sec: f64, burst: u32) -> RateLimiter {
        RateLimiter {
            per_sec,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.per_sec > 0.0
    }

    /// Takes one token for `ip`; false when the client must wait.
    pub fn allow(&self, ip: IpAddr) -> bool {
        self.allow_at(ip, Instant::now())
    }

    /// Whether `ip` has a token left, without taking it.
    pub fn would_allow(&self, ip: IpAddr) -> bool {
        if !self.enabled() {
            return true;
        }
        let buckets = self.buckets.lock().expect("rate limiter");
        buckets
            .get(&ip)
            .is_none_or(|(tokens, at)| *tokens + Instant::now().duration_since(*at).as_secs_f64() * self.per_sec >= 1.0)
    }

    /// How long until `ip` has a token again (zero: it has one now): what `Retry-After` says.
    pub fn wait(&self, ip: IpAddr) -> Duration {
        self.wait_at(ip, Instant::now())
    }

    fn wait_at(&self, ip: IpAddr, now: Instant) -> Duration {
        if !self.enabled() {
            return Duration::ZERO;
        }
        let buckets = self.buckets.lock().expect("rate limiter");
        let tokens = buckets.get(&ip).map_or(self.burst, |(tokens, at)| {
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_sec).min(self.burst)
        });
        Duration::from_secs_f64(((1.0 - tokens) / self.per_sec).max(0.0))
    }

    fn allow_at(&self, ip: IpAddr, now: Instant) -> bool {
        if !self.enabled() {
            return true;
        }
        let mut buckets = self.buckets.lock().expect("rate limiter");
        if buckets.len() > 100_000 {
            let (per_sec, burst) = (self.per_sec, self.burst);
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst);
        }
        let (tokens, at) = buckets.entry(ip).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_sec).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_per_address() {
        let limiter = RateLimiter::new(2.0, 3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.allow_at(a, t0)));
        assert!(!limiter.allow_at(a, t0));
        assert!(limiter.allow_at(b, t0));
        assert!(limiter.allow_at(a, t0 + Duration::from_millis(500)));
        assert!(!limiter.allow_at(a, t0 + Duration::from_millis(500)));
    }

    #[test]
    fn the_wait_is_until_the_next_token() {
        // As the admin sign-in limiter: 10 tries, then one every 10 s.
        let limiter = RateLimiter::new(0.1, 10);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        assert_eq!(limiter.wait_at(a, t0), Duration::ZERO);
        assert!((0..10).all(|_| limiter.allow_at(a, t0)));
        let wait = limiter.wait_at(a, t0);
        assert!((9.9..=10.0).contains(&wait.as_secs_f64()), "{wait:?}");
        assert!((6.9..=7.0).contains(&limiter.wait_at(a, t0 + Duration::from_secs(3)).as_secs_f64()));
        assert_eq!(limiter.wait_at(a, t0 + Duration::from_secs(10)), Duration::ZERO);
    }

    #[test]
    fn zero_disables() {
        let limiter = RateLimiter::new(0.0, 1);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        assert!((0..1000).all(|_| limiter.allow(a)));
    }
}
