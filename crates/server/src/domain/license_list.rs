//! The license list of the console and the admin API: one page of the licenses matching some
//! filters (state now, product, policy, expiring before, seats full, text in owner name or
//! email), in one of three orders, with the total. Paged by a cursor (the last row's sort value
//! and id), so a page costs about the same on the first page and the thousandth.
//!
//! Its queries live in [`LicenseListTx`] beside [`Tx`] (`store/sqlite/license_list.rs`,
//! `store/postgres/license_list.rs`; their shared SQL in `store/license_list_sql.rs`).

use super::admin::LicenseView;
use super::errors::{ApiError, ApiResult};
use super::leases::admin::staff_view;
use super::leases::tx::LeaseTx;
use super::model::LicenseState;
use super::tx::{Held, Tx};
use serde::{Deserialize, Serialize};
use std::future::Future;

pub const PAGE_DEFAULT: u32 = 50;
pub const PAGE_MAX: u32 = 500;
/// The longest text filter (an email is at most 320 characters).
const TEXT_MAX: usize = 320;

/// The query string of `GET /licenses/page` and `GET /licenses/export.csv`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseQuery {
    /// `ACTIVE`, `EXPIRED`, `SUSPENDED` or `REVOKED` (the state now, as every screen shows it).
    pub status: Option<String>,
    pub product_id: Option<String>,
    pub policy_id: Option<String>,
    /// Only licenses with an expiry before this time (Unix seconds); e.g. now + 30 days.
    pub expires_before: Option<i64>,
    /// Only licenses created at or after / before these times (Unix seconds).
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
    /// Only licenses whose every seat is taken.
    #[serde(default)]
    pub seats_full: bool,
    /// Part of the owner's name or email (case does not matter).
    pub q: Option<String>,
    /// `newest` (default), `expiring` (soonest first, never-expiring last) or `owner` (email).
    pub sort: Option<String>,
    pub limit: Option<u32>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}

/// Which licenses: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The time "expired" is judged at.
    pub now: i64,
    pub state: Option<LicenseState>,
    pub product_id: Option<String>,
    pub policy_id: Option<String>,
    pub expires_before: Option<i64>,
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
    pub seats_full: bool,
    /// Lower-cased.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Expiring,
    Owner,
}

/// Where a page starts: after the row with this sort value and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    Number(i64, String),
    Text(String, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    pub filter: Filter,
    pub sort: Sort,
    /// Rows to read (the page size and one more, to know whether another page follows).
    pub rows: u32,
    pub after: Option<After>,
}

/// What the list needs on top of [`Tx`].
pub trait LicenseListTx: Tx {
    /// Up to `req.rows` licenses in the request's order.
    fn license_page(&mut self, req: &ListRequest) -> impl Future<Output = ApiResult<Vec<Held>>> + Send;
    /// How many licenses match the filter.
    fn license_count(&mut self, filter: &Filter) -> impl Future<Output = ApiResult<u64>> + Send;
}

#[derive(Debug, Clone, Serialize)]
pub struct LicensePage {
    pub licenses: Vec<LicenseView>,
    /// Licenses matching the filters in all pages.
    pub total: u64,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

fn parse_state(text: &str) -> ApiResult<LicenseState> {
    Ok(match text.to_ascii_uppercase().as_str() {
        "ACTIVE" => LicenseState::Active,
        "EXPIRED" => LicenseState::Expired,
        "SUSPENDED" => LicenseState::Suspended,
        "REVOKED" => LicenseState::Revoked,
        _ => return Err(ApiError::bad_request("status is ACTIVE, EXPIRED, SUSPENDED or REVOKED")),
    })
}

fn parse_sort(text: Option<&str>) -> ApiResult<Sort> {
    Ok(match text.unwrap_or("newest") {
        "newest" => Sort::Newest,
        "expiring" => Sort::Expiring,
        "owner" => Sort::Owner,
        _ => return Err(ApiError::bad_request("sort is newest, expiring or owner")),
    })
}

/// A cursor: `n.<number>.<id>` or `t.<hex of the text>.<id>`, of the sort it was made for.
pub fn parse_after(text: &str, sort: Sort) -> ApiResult<After> {
    let bad = || ApiError::bad_request("after: not a cursor of this list (start again from the first page)");
    let mut parts = text.splitn(3, '.');
    let (kind, value, id) = match (parts.next(), parts.next(), parts.next()) {
        (Some(k), Some(v), Some(id)) if !id.is_empty() && id.len() <= 64 => (k, v, id.to_string()),
        _ => return Err(bad()),
    };
    match (kind, sort) {
        ("n", Sort::Newest | Sort::Expiring) => value.parse().map(|n| After::Number(n, id)).map_err(|_| bad()),
        ("t", Sort::Owner) => {
            let bytes = (0..value.len())
                .step_by(2)
                .map(|i| value.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(bad)?;
            String::from_utf8(bytes).map(|t| After::Text(t, id)).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

/// The cursor after `held` in `sort`'s order.
fn cursor_after(held: &Held, sort: Sort) -> String {
    let l = &held.0.license;
    match sort {
        Sort::Newest => format!("n.{}.{}", l.created_at, l.id),
        Sort::Expiring => format!("n.{}.{}", l.expires_at.unwrap_or(i64::MAX), l.id),
        Sort::Owner => {
            let hex: String = l.owner_email.bytes().map(|b| format!("{b:02x}")).collect();
            format!("t.{hex}.{}", l.id)
        }
    }
}

/// Checks a query and turns it into the store's request (`rows` is the page size).
pub fn request(now: i64, q: &LicenseQuery) -> ApiResult<ListRequest> {
    let limit = q.limit.unwrap_or(PAGE_DEFAULT);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(ApiError::bad_request(format!("limit must be 1 to {PAGE_MAX}")));
    }
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > TEXT_MAX) {
        return Err(ApiError::bad_request(format!("q: at most {TEXT_MAX} characters")));
    }
    let sort = parse_sort(q.sort.as_deref())?;
    Ok(ListRequest {
        filter: Filter {
            now,
            state: q
                .status
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(parse_state)
                .transpose()?,
            product_id: q.product_id.clone().filter(|s| !s.is_empty()),
            policy_id: q.policy_id.clone().filter(|s| !s.is_empty()),
            expires_before: q.expires_before,
            created_after: q.created_after,
            created_before: q.created_before,
            seats_full: q.seats_full,
            text: text.map(str::to_lowercase),
        },
        sort,
        rows: limit,
        after: q
            .after
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|a| parse_after(a, sort))
            .transpose()?,
    })
}

/// One page of the list and the total.
pub async fn page(tx: &mut (impl LicenseListTx + LeaseTx), req: &ListRequest) -> ApiResult<LicensePage> {
    let limit = req.rows as usize;
    let mut rows = tx
        .license_page(&ListRequest {
            rows: req.rows + 1,
            ..req.clone()
        })
        .await?;
    let next = (rows.len() > limit).then(|| cursor_after(&rows[limit - 1], req.sort));
    // A first page that is the whole list is its own count: a rare match (a text search) then
    // costs one scan of the table, not two.
    let total = if req.after.is_none() && next.is_none() {
        rows.len() as u64
    } else {
        tx.license_count(&req.filter).await?
    };
    rows.truncate(limit);
    let mut licenses = Vec::with_capacity(rows.len());
    for held in rows {
        licenses.push(staff_view(tx, held, req.filter.now).await?);
    }
    Ok(LicensePage { licenses, total, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_belong_to_their_sort() {
        assert_eq!(
            parse_after("n.17.lic_a", Sort::Newest).unwrap(),
            After::Number(17, "lic_a".into())
        );
        assert_eq!(
            parse_after("t.616e6e2e78.lic_b", Sort::Owner).unwrap(),
            After::Text("ann.x".into(), "lic_b".into())
        );
        for (bad, sort) in [
            ("n.17.lic_a", Sort::Owner),
            ("t.61.lic_a", Sort::Newest),
            ("n.x.lic_a", Sort::Newest),
            ("t.6.lic_a", Sort::Owner),
            ("n.17", Sort::Newest),
        ] {
            assert!(parse_after(bad, sort).is_err(), "{bad}");
        }
    }

    #[test]
    fn queries_are_checked() {
        let ok = request(
            5,
            &LicenseQuery {
                status: Some("expired".into()),
                q: Some(" Ann ".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(ok.filter.state, Some(LicenseState::Expired));
        assert_eq!(ok.filter.text.as_deref(), Some("ann"));
        assert_eq!((ok.sort, ok.rows), (Sort::Newest, PAGE_DEFAULT));
        for bad in [
            LicenseQuery {
                status: Some("gone".into()),
                ..Default::default()
            },
            LicenseQuery {
                sort: Some("price".into()),
                ..Default::default()
            },
            LicenseQuery {
                limit: Some(0),
                ..Default::default()
            },
            LicenseQuery {
                limit: Some(501),
                ..Default::default()
            },
        ] {
            assert!(request(5, &bad).is_err(), "{bad:?}");
        }
    }
}
