//! Time and randomness behind small traits, so renewal logic is tested without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

/// Unix seconds.
pub trait Clock: Send + Sync {
    fn now(&self) -> i64;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        crate::flow::now()
    }
}

/// A clock tests set by hand.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(now: i64) -> Self {
        ManualClock(AtomicI64::new(now))
    }
    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A source of jitter: a number in `[0, 1)`.
pub trait Jitter: Send {
    fn unit(&mut self) -> f64;
}

/// Jitter from a real random number generator.
#[derive(Debug)]
pub struct RandomJitter(rand::rngs::StdRng);

impl Default for RandomJitter {
    fn default() -> Self {
        use rand::SeedableRng;
        RandomJitter(rand::rngs::StdRng::from_entropy())
    }
}

impl Jitter for RandomJitter {
    fn unit(&mut self) -> f64 {
        use rand::Rng;
        self.0.gen::<f64>()
    }
}

/// The same jitter every time (tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedJitter(pub f64);

impl Jitter for FixedJitter {
    fn unit(&mut self) -> f64 {
        self.0.clamp(0.0, 1.0 - f64::EPSILON)
    }
}
