//! Sign-in attempts, counted in the database so every replica spends one budget: per client
//! address (the admin token's budget: 10 attempts, then one per 10 s; wrong admin tokens spend it
//! too) and per staff account (5, then one per 6 s: someone guessing can keep an account at that
//! pace, never lock its owner out for longer than one step).
//!
//! A budget is a token bucket kept as one number per key, its "theoretical arrival time" (GCRA):
//! `ahead_until` = when the bucket is full again, on the server's clock (the test clock moves
//! it). An attempt may start while `ahead_until - now <= (burst - 1) * every`; taking one sets
//! `ahead_until = max(ahead_until, now) + every`. Check and take are one conditional write
//! ([`super::tx::StaffTx::take_attempt`]), so concurrent attempts on any number of replicas never
//! take more than the budget. Sign-in takes the attempt before the (slow) password check and
//! gives it back when the person got in ([`super::StaffOp::ReturnAttempt`]): only failures count.
//! A row whose time has passed means a full bucket; such rows are forgotten as attempts are made.
//! A row further ahead than a full burst (`burst * every`) cannot come from a clock that only
//! moves forward: it was written by a clock ahead of this one (a replica's, or the test clock
//! moved back) and counts as a full bucket too, so nobody is locked out for that clock's gap.

use super::tx::StaffTx;
use crate::domain::errors::ApiResult;
use std::net::IpAddr;

/// `burst` attempts at once, then one every `every` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub burst: i64,
    pub every: i64,
}

impl Budget {
    /// How far ahead of now `ahead_until` may be for an attempt to start.
    pub fn max_ahead(self) -> i64 {
        (self.burst - 1) * self.every
    }

    /// The furthest ahead of now a row can be on a clock that only moves forward.
    pub fn cap(self) -> i64 {
        self.burst * self.every
    }

    /// Seconds until an attempt may start (0: now), given the stored `ahead_until`.
    pub fn wait(self, ahead_until: Option<i64>, now: i64) -> i64 {
        match ahead_until {
            Some(at) if at - now <= self.cap() => (at - now - self.max_ahead()).max(0),
            _ => 0,
        }
    }
}

/// Per client address (sign-in of staff and of the root token, and wrong admin tokens).
pub const PER_ADDRESS: Budget = Budget { burst: 10, every: 10 };
/// Per staff account (its normalized email, whether or not an account has it).
pub const PER_ACCOUNT: Budget = Budget { burst: 5, every: 6 };

/// The key of an address's budget.
pub fn address_key(peer: IpAddr) -> String {
    format!("addr:{peer}")
}

/// The key of an account's budget (`email` normalized).
pub fn account_key(email: &str) -> String {
    format!("email:{email}")
}

/// Takes one attempt of `key`'s budget: 0 when taken, else the seconds to wait (nothing taken).
pub async fn take(tx: &mut impl StaffTx, now: i64, key: &str, budget: Budget) -> ApiResult<i64> {
    tx.forget_attempts_before(now).await?;
    if tx.take_attempt(key, now, budget).await? {
        return Ok(0);
    }
    // Refused: how long, from the row that refused (it is there: the write above did not insert).
    Ok(budget.wait(tx.attempts_ahead_until(key).await?, now).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_until_the_next_attempt() {
        let b = PER_ADDRESS;
        assert_eq!(b.wait(None, 100), 0);
        // Ten attempts at t=100 put the time 100 s ahead: the next one waits 10 s.
        assert_eq!(b.wait(Some(200), 100), 10);
        assert_eq!(b.wait(Some(200), 107), 3);
        assert_eq!(b.wait(Some(200), 110), 0);
        assert_eq!(PER_ACCOUNT.max_ahead(), 24);
        // Written by a clock 1000 s ahead: a full bucket here.
        assert_eq!(b.wait(Some(1200), 100), 0);
    }
}
