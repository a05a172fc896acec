//! Floating seats and seats that free themselves, over real HTTP on the store under test
//! (`KEYTURN_TEST_STORE=postgres` for PostgreSQL): checkout, shared leases, the full answer,
//! heartbeats, lapses (moved with the server's test clock, no sleeps), release, borrowing, staff
//! ending a lease, bad input, auto-release, and exactness under 1,000 concurrent checkouts.

mod auto_release;
mod helpers;
mod load;
mod seats;
mod summary;
