//! Paging of machine listings: a page size and an opaque cursor (the position of the last
//! activation of the previous page), so a page costs the same whatever the license's size.

use super::errors::{ApiError, ApiResult};
use keyturn_protocol::wire::{MACHINES_PAGE_DEFAULT, MACHINES_PAGE_MAX};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1 to [`MACHINES_PAGE_MAX`].
    pub limit: u32,
    /// Activations after this position (0: from the first).
    pub after: i64,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            limit: MACHINES_PAGE_DEFAULT,
            after: 0,
        }
    }
}

impl Page {
    /// A page from what a caller sent; refuses sizes out of range and cursors this server did not make.
    pub fn parse(limit: Option<u32>, after: Option<&str>) -> ApiResult<Page> {
        let limit = limit.unwrap_or(MACHINES_PAGE_DEFAULT);
        if limit == 0 || limit > MACHINES_PAGE_MAX {
            return Err(ApiError::bad_request(format!("limit must be 1 to {MACHINES_PAGE_MAX}")));
        }
        let after = match after {
            None => 0,
            Some(cursor) => cursor
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0 && cursor.len() <= 20)
                .ok_or_else(|| ApiError::bad_request("after: not a cursor of this listing"))?,
        };
        Ok(Page { limit, after })
    }
}

/// A page of items and the cursor of the next page (None on the last page).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Paged<T> {
    pub machines: Vec<T>,
    /// Machines in all pages.
    pub total: u32,
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_refusals() {
        assert_eq!(Page::parse(None, None).unwrap(), Page::default());
        assert_eq!(Page::parse(Some(5), Some("42")).unwrap(), Page { limit: 5, after: 42 });
        assert!(Page::parse(Some(0), None).is_err());
        assert!(Page::parse(Some(MACHINES_PAGE_MAX + 1), None).is_err());
        assert!(Page::parse(None, Some("-1")).is_err());
        assert!(Page::parse(None, Some("act_x")).is_err());
        assert!(Page::parse(None, Some("")).is_err());
    }
}
