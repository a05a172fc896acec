//! The key by email: a license bought through a payment provider gets one email with its key
//! (queued in the transaction that creates the license, so the webhook's answer never waits for
//! the mail server and no crash loses it), sent by the mail worker (`crate::mail`), retried
//! while the mail server is down ([`retry_delay`], for [`GIVE_UP_AFTER_SECS`]), at most once
//! per license (one row per license).
//!
//! The key is the only copy outside the buyer's hands: it waits in the row, sealed under the
//! server's key secret, until the email is sent and is wiped in the same statement that records it. An email given up keeps it, so staff
//! can send it again once the mail server works ([`super::outbox::resend_mail`]). It is never
//! logged.

pub mod tx;

use super::errors::ApiResult;
use serde::Serialize;
pub use tx::MailTx;

pub const PENDING: &str = "PENDING";
pub const SENT: &str = "SENT";
pub const FAILED: &str = "FAILED";
/// Retries stop (FAILED, key kept for a Resend) once an email is this old: three days.
pub const GIVE_UP_AFTER_SECS: i64 = 3 * 86_400;
/// How long a claimed email is held by the process sending it.
pub const LEASE_SECS: i64 = 120;

/// One license's email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyMail {
    pub license_id: String,
    pub to_email: String,
    pub to_name: String,
    pub product_name: String,
    /// The key, sealed ([`crate::domain::secrets::KeyHasher::seal_mailed_key`]), until the email
    /// is sent; never serialized.
    #[serde(skip)]
    pub key: Option<String>,
    pub state: String,
    pub attempts: u32,
    pub next_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

impl KeyMail {
    pub fn new(now: i64, license_id: &str, to_email: &str, to_name: &str, product_name: &str, key: &str) -> KeyMail {
        KeyMail {
            license_id: license_id.into(),
            to_email: to_email.into(),
            to_name: to_name.into(),
            product_name: product_name.into(),
            key: Some(key.into()),
            state: PENDING.into(),
            attempts: 0,
            next_at: now,
            last_error: None,
            created_at: now,
            sent_at: None,
        }
    }
}

/// Queues the email (in the caller's transaction); false when the license already has one.
pub async fn enqueue(tx: &mut impl MailTx, mail: &KeyMail) -> ApiResult<bool> {
    tx.insert_mail(mail).await
}

pub async fn claim(tx: &mut impl MailTx, now: i64, limit: u32) -> ApiResult<Vec<KeyMail>> {
    tx.claim_mails(now, now + LEASE_SECS, limit).await
}

/// After the `attempts`-th failure: 60 s, doubling, at most an hour.
pub fn retry_delay(attempts: u32) -> i64 {
    (60i64 << attempts.saturating_sub(1).min(10)).min(3600)
}

/// Records an attempt: sent (key wiped), retried later, or given up (key kept for a staff Resend).
pub async fn finish(tx: &mut impl MailTx, now: i64, license_id: &str, error: Option<String>) -> ApiResult<()> {
    let Some(mut mail) = tx.mail(license_id).await? else {
        return Ok(());
    };
    if mail.state != PENDING {
        return Ok(());
    }
    mail.attempts += 1;
    match error {
        None => {
            mail.state = SENT.into();
            mail.sent_at = Some(now);
            mail.key = None;
            mail.last_error = None;
        }
        Some(e) => {
            mail.last_error = Some(e);
            if now - mail.created_at >= GIVE_UP_AFTER_SECS {
                mail.state = FAILED.into();
            } else {
                mail.next_at = now + retry_delay(mail.attempts);
            }
        }
    }
    tx.update_mail(&mail).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn retries_grow_to_an_hour() {
        assert_eq!([1, 2, 3].map(super::retry_delay), [60, 120, 240]);
        assert_eq!(super::retry_delay(30), 3600);
    }
}
