//! What leaves the server, as the console shows it (issue 18): the webhook delivery log with each
//! delivery's event type, and the queue of key emails with a staff Resend.
//!
//! Resend is an explicit staff action (logged with its actor by the route): it puts a failed
//! email (or a pending one: then nothing changes) back in the queue, due now, with three more
//! days of retries. The automatic sending stays at most once per license ([`mail::enqueue`]).
//! A sent email's key is wiped when it is sent (only the key's hash is kept, so a leaked
//! database hands out no working key): it cannot be sent again (`MAIL_KEY_GONE`).

pub mod tx;

use super::errors::{ApiError, ApiResult};
use super::mail::{self, KeyMail, MailTx};
use super::webhooks::{self, Delivery, DeliveryQuery, WebhookTx};
use keyturn_protocol::Code;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
pub use tx::OutboxTx;

/// A delivery of the log with the type of the event it carries (None: the event was pruned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedDelivery {
    #[serde(flatten)]
    pub delivery: Delivery,
    pub event_type: Option<String>,
}

/// One page of the delivery log, newest first (filters and paging: [`DeliveryQuery`]).
pub async fn delivery_log(tx: &mut impl WebhookTx, query: &DeliveryQuery) -> ApiResult<Vec<LoggedDelivery>> {
    let list = webhooks::deliveries(tx, query).await?;
    let ids: Vec<i64> = list.iter().map(|d| d.id).collect();
    let types: HashMap<i64, String> = tx
        .due(&ids)
        .await?
        .into_iter()
        .map(|due| (due.delivery.id, webhooks::event_type(&due.event)))
        .collect();
    Ok(list
        .into_iter()
        .map(|delivery| LoggedDelivery {
            event_type: types.get(&delivery.id).cloned(),
            delivery,
        })
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailQuery {
    /// PENDING, SENT or FAILED.
    pub state: Option<String>,
    /// The previous page's `next_before`.
    pub before: Option<String>,
    pub limit: Option<u32>,
}

/// A page of key emails, newest first; the key itself is never in it.
#[derive(Debug, Clone, Serialize)]
pub struct MailPage {
    pub mails: Vec<KeyMail>,
    /// The cursor of the next (older) page; None on the last.
    pub next_before: Option<String>,
}

/// The position of a mail in the listing (`CREATED_AT.LICENSE_ID`).
fn cursor(m: &KeyMail) -> String {
    format!("{}.{}", m.created_at, m.license_id)
}

fn parse_cursor(text: &str) -> ApiResult<(i64, String)> {
    text.split_once('.')
        .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id.to_string())))
        .filter(|(_, id)| !id.is_empty() && id.len() <= 64)
        .ok_or_else(|| ApiError::bad_request("before: not a cursor of this listing"))
}

pub async fn mail_queue(tx: &mut impl OutboxTx, query: &MailQuery) -> ApiResult<MailPage> {
    let limit = match query.limit {
        None => 50,
        Some(n @ 1..=500) => n,
        Some(_) => return Err(ApiError::bad_request("limit must be 1 to 500")),
    };
    if let Some(s) = &query.state {
        if ![mail::PENDING, mail::SENT, mail::FAILED].contains(&s.as_str()) {
            return Err(ApiError::bad_request("state: PENDING, SENT or FAILED"));
        }
    }
    let before = query.before.as_deref().map(parse_cursor).transpose()?;
    let mails = tx.mail_page(query.state.as_deref(), before, limit).await?;
    let next_before = (mails.len() == limit as usize)
        .then(|| mails.last().map(cursor))
        .flatten();
    Ok(MailPage { mails, next_before })
}

/// Queues the license's key email again (see the module's rules).
pub async fn resend_mail(tx: &mut impl MailTx, now: i64, license_id: &str) -> ApiResult<KeyMail> {
    let mut m = tx
        .mail(license_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no key email for this license"))?;
    if m.state == mail::PENDING {
        return Ok(m);
    }
    if m.key.is_none() {
        return Err(ApiError::new(
            Code::MailKeyGone,
            "this email was sent; its key is not kept after sending (only its hash is), so it cannot be sent again",
        ));
    }
    m.state = mail::PENDING.into();
    m.next_at = now;
    m.created_at = now;
    tx.update_mail(&m).await?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_what_they_did_not_make() {
        let m = KeyMail::new(1_700_000_000, "lic_abc", "a@example.com", "A", "App", "KEY");
        assert_eq!(
            parse_cursor(&cursor(&m)).unwrap(),
            (1_700_000_000, "lic_abc".to_string())
        );
        for bad in ["", "12", "x.lic", "12.", &format!("1.{}", "a".repeat(65))] {
            assert!(parse_cursor(bad).is_err(), "{bad}");
        }
    }
}
