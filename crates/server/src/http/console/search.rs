//! `GET /console/api/search?q=`: finds licenses by what a support person has at hand.
//!
//! * a pasted support report (or any text) naming `lic_…` / `act_…` ids: those licenses, and
//!   the licenses of those activations (found in the event log, so a freed machine still leads to
//!   its license);
//! * a whole license key: its license;
//! * otherwise the first group of a key (`7K3QD`), or part of an owner's email or name.
//!
//! At most [`MAX_RESULTS`] licenses. Built only on the store's and the event log's operations.

use crate::domain::admin::LicenseView;
use crate::domain::errors::{ApiError, ApiResult};
use crate::events::EventQuery;
use crate::http::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use keyturn_protocol::{Code, LicenseKey};
use serde::Deserialize;
use serde_json::json;

pub const MAX_RESULTS: usize = 50;
/// A pasted report is a few KiB; more is not a search.
const MAX_QUERY: usize = 16 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    q: String,
}

pub async fn search(State(s): State<AppState>, Query(query): Query<SearchQuery>) -> ApiResult<Json<serde_json::Value>> {
    let licenses = find(&s, &query.q).await?;
    Ok(Json(json!({ "licenses": licenses })))
}

/// `lic_…` and `act_…` ids in free text (ids are the prefix, `_` and 20 base32 characters).
pub fn ids_in(text: &str, prefix: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| t.len() == prefix.len() + 21 && t.starts_with(prefix) && t.as_bytes()[prefix.len()] == b'_')
        .map(str::to_string)
        .collect();
    found.dedup();
    found
}

/// The key prefix a person may have typed: the first 5 characters of a key (dashes and spaces
/// dropped), when the text looks like the start of one.
fn key_prefix(text: &str) -> Option<String> {
    let canonical: String = text
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    (canonical.len() >= 5 && canonical.len() <= 30 && canonical.chars().all(|c| alphabet.contains(c)))
        .then(|| canonical[..5].to_string())
}

async fn find(s: &AppState, q: &str) -> ApiResult<Vec<LicenseView>> {
    let q = q.trim();
    if q.is_empty() || q.len() > MAX_QUERY {
        return Err(ApiError::bad_request(format!(
            "type a key prefix, an email, an id or paste a support report (up to {MAX_QUERY} characters)"
        )));
    }
    let mut license_ids = ids_in(q, "lic");
    for activation in ids_in(q, "act") {
        let page = s
            .events
            .query(EventQuery {
                activation_id: Some(activation),
                limit: Some(1),
                ..EventQuery::default()
            })
            .await?;
        license_ids.extend(page.events.into_iter().filter_map(|e| e.event.license_id));
    }
    if !license_ids.is_empty() || q.contains("lic_") || q.contains("act_") {
        let mut found: Vec<LicenseView> = Vec::new();
        for id in license_ids {
            if found.iter().any(|v| v.license.id == id) {
                continue;
            }
            match s.store.license(s.clock.now(), id).await {
                Ok(view) => found.push(view),
                Err(e) if e.code() == Code::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        return Ok(found);
    }
    if LicenseKey::parse(q).is_ok() {
        return match s.store.license(s.clock.now(), q.to_string()).await {
            Ok(view) => Ok(vec![view]),
            Err(e) if e.code() == Code::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        };
    }
    let prefix = key_prefix(q);
    let needle = q.to_lowercase();
    Ok(s.store
        .licenses(s.clock.now(), None)
        .await?
        .into_iter()
        .filter(|v| {
            let l = &v.license;
            prefix.as_deref() == Some(l.key_prefix.as_str())
                || l.owner_email.to_lowercase().contains(&needle)
                || l.owner_name.to_lowercase().contains(&needle)
        })
        .take(MAX_RESULTS)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_in_a_pasted_report() {
        let report = "License: lic_0123456789abcdefghjk\nActivation: act_0123456789abcdefghjk.\nlic_short";
        assert_eq!(ids_in(report, "lic"), vec!["lic_0123456789abcdefghjk"]);
        assert_eq!(ids_in(report, "act"), vec!["act_0123456789abcdefghjk"]);
    }

    #[test]
    fn key_prefixes_are_read_like_keys() {
        assert_eq!(key_prefix("7k3qd").as_deref(), Some("7K3QD"));
        assert_eq!(key_prefix("7K3QD-M2X").as_deref(), Some("7K3QD"));
        assert_eq!(key_prefix("ann@example.com"), None);
        assert_eq!(key_prefix("7K3"), None);
    }
}
