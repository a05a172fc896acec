//! `policy create` options for floating seats and seats that free themselves (checked by
//! [`crate::domain::leases::terms`], like the admin API's).

use clap::Args;

#[derive(Args, Debug, Clone, Default)]
pub struct SeatArgs {
    /// Floating seats: --max-machines people at once, each holding a lease kept by heartbeats.
    #[arg(long)]
    pub floating: bool,
    /// With --floating: seconds a checkout or heartbeat holds a seat (at least 60; default 900).
    #[arg(long, requires = "floating")]
    pub lease_secs: Option<i64>,
    /// With --floating: the longest a seat can be borrowed for offline use, in seconds (default
    /// 0: no borrowing).
    #[arg(long, requires = "floating")]
    pub max_borrow_secs: Option<i64>,
    /// Node-locked: when the license is full, a computer unseen this many days is freed for a
    /// new one (event `auto_released`).
    #[arg(long, conflicts_with = "floating")]
    pub release_unseen_days: Option<i64>,
}
