//! A floating license's summary as staff see it (admin API detail, list, page, CSV export and
//! its "seats full" filter, hence the console too): its seats in use are its live leases; a
//! given back or lapsed one does not count.

use super::helpers::*;
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// `seats_used` of the license in every staff view of it, and whether the "seats full" filter
/// lists it; each view must agree.
async fn seats_used(server: &Server, key: &str) -> (u64, bool) {
    let (_, detail) = server.admin(Method::GET, &format!("/licenses/{key}"), None).await;
    let id = detail["id"].as_str().unwrap_or_else(|| panic!("{detail}")).to_string();
    let used = detail["seats_used"].as_u64().unwrap();
    let in_list = |list: &Value| -> u64 {
        let found = list.as_array().unwrap().iter().find(|l| l["id"] == id.as_str());
        found.unwrap_or_else(|| panic!("{id} not in {list}"))["seats_used"]
            .as_u64()
            .unwrap()
    };
    let (_, list) = server.admin(Method::GET, "/licenses", None).await;
    assert_eq!(in_list(&list), used, "list and detail agree");
    let (_, page) = server.admin(Method::GET, "/licenses/page?limit=100", None).await;
    assert_eq!(in_list(&page["licenses"]), used, "page and detail agree");
    let (_, csv) = server.admin(Method::GET, "/licenses/export.csv", None).await;
    let row = csv
        .as_str()
        .unwrap()
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap()
        .to_string();
    // …,seats_used,seats_max,expires_at,created_at,entitlements
    let fields: Vec<&str> = row.split(',').collect();
    assert_eq!(
        fields[fields.len() - 5],
        used.to_string(),
        "CSV and detail agree: {row}"
    );
    let (_, full) = server
        .admin(Method::GET, "/licenses/page?seats_full=true&limit=100", None)
        .await;
    let listed_full = full["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["id"] == id.as_str());
    (used, listed_full)
}

#[tokio::test]
async fn a_floating_licenses_seats_used_are_its_live_leases() {
    let server = Server::start();
    server.set_clock_offset(0).await;
    let key = floating(&server, 2);
    assert_eq!(seats_used(&server, &key).await, (0, false));

    let (status, a) = checkout(&server, &key, "fp-a").await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert_eq!(seats_used(&server, &key).await, (1, false));
    let (_, b) = checkout(&server, &key, "fp-b").await;
    assert_eq!(seats_used(&server, &key).await, (2, true), "every seat taken: full");

    // Given back: one seat in use.
    let (status, _) = release(&server, &key, &lease_id(&a)).await;
    assert!(status.is_success());
    assert_eq!(seats_used(&server, &key).await, (1, false));

    // The other lapses (60-second lease, never renewed): none in use, with no sweep.
    server.set_clock_offset(61).await;
    assert_eq!(seats_used(&server, &key).await, (0, false), "{b}");
}
