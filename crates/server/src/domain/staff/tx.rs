//! The queries staff accounts, API tokens and their settings need, on top of [`Tx`]: each
//! store implements them next to its other SQL (`store/sqlite/staff.rs`,
//! `store/postgres/staff.rs`).

use super::super::errors::ApiResult;
use super::super::tx::Tx;
use super::{ApiToken, StaffAccount};
use std::future::Future;

pub trait StaffTx: Tx {
    fn insert_staff(&mut self, account: &StaffAccount) -> impl Future<Output = ApiResult<()>> + Send;
    /// `email` is normalized ([`super::password::normalize_email`]).
    fn staff_by_email(&mut self, email: &str) -> impl Future<Output = ApiResult<Option<StaffAccount>>> + Send;
    fn staff_by_id(&mut self, id: &str) -> impl Future<Output = ApiResult<Option<StaffAccount>>> + Send;
    /// Every account, oldest first.
    fn staff_list(&mut self) -> impl Future<Output = ApiResult<Vec<StaffAccount>>> + Send;
    /// Writes role, disabled, password hash and TOTP secret of the account with this id.
    fn update_staff(&mut self, account: &StaffAccount) -> impl Future<Output = ApiResult<()>> + Send;

    fn insert_api_token(&mut self, token: &ApiToken, hash: &str) -> impl Future<Output = ApiResult<()>> + Send;
    fn api_token_by_hash(&mut self, hash: &str) -> impl Future<Output = ApiResult<Option<ApiToken>>> + Send;
    fn api_token_by_id(&mut self, id: &str) -> impl Future<Output = ApiResult<Option<ApiToken>>> + Send;
    /// Every token, oldest first.
    fn api_tokens(&mut self) -> impl Future<Output = ApiResult<Vec<ApiToken>>> + Send;
    fn set_api_token_revoked(&mut self, id: &str, at: i64) -> impl Future<Output = ApiResult<()>> + Send;
    fn set_api_token_used(&mut self, id: &str, at: i64) -> impl Future<Output = ApiResult<()>> + Send;

    fn staff_setting(&mut self, name: &str) -> impl Future<Output = ApiResult<Option<String>>> + Send;
    fn put_staff_setting(&mut self, name: &str, value: &str) -> impl Future<Output = ApiResult<()>> + Send;
    /// Records `step` as the account's last accepted TOTP step when it is later than the one
    /// recorded (in one statement); false when it is not (a code used again).
    fn claim_totp_step(&mut self, staff_id: &str, step: i64) -> impl Future<Output = ApiResult<bool>> + Send;

    /// Holds the staff accounts' roles still until the transaction ends (PostgreSQL: an advisory
    /// lock; SQLite's one writer needs none), so two owners changing each other at once are
    /// decided one after the other and the last owner stays.
    fn lock_owners(&mut self) -> impl Future<Output = ApiResult<()>> + Send;

    // Sign-in attempts (super::attempts): one row per key, `ahead_until` on the server's clock.
    /// Takes one attempt in one conditional write: sets `ahead_until` to `max(ahead_until, now)
    /// + every` where it is at most `max_ahead` past `now`, or to `now + every` where the key has
    /// no row or one more than `cap` ahead (another clock's); whether it did.
    fn take_attempt(
        &mut self,
        key: &str,
        now: i64,
        budget: super::attempts::Budget,
    ) -> impl Future<Output = ApiResult<bool>> + Send;
    /// Gives one attempt back (`ahead_until - every`).
    fn return_attempt(&mut self, key: &str, every: i64) -> impl Future<Output = ApiResult<()>> + Send;
    fn attempts_ahead_until(&mut self, key: &str) -> impl Future<Output = ApiResult<Option<i64>>> + Send;
    /// Forgets keys whose `ahead_until` has passed (a full bucket), a bounded number at a time.
    fn forget_attempts_before(&mut self, now: i64) -> impl Future<Output = ApiResult<()>> + Send;
}
