//! The delivery rules' unit tests (retry delays, endpoint checks).

use super::*;

#[test]
fn delays_grow_to_four_hours_and_retries_last_three_days() {
    assert_eq!([1, 2, 3].map(retry_delay), [30, 60, 120]);
    assert_eq!(retry_delay(40), 4 * 3600);
    let total: i64 = (1..=30).map(retry_delay).sum();
    assert!(total > 86_400, "{total}");
    let d = Delivery {
        id: 1,
        endpoint_id: "whk_x".into(),
        event_id: 1,
        sequence: Some(1),
        state: PENDING.into(),
        attempts: 0,
        next_at: 0,
        last_status: None,
        last_error: None,
        created_at: 0,
        delivered_at: None,
    };
    let failed = Attempt {
        status: Some(500),
        error: None,
    };
    let later = after_attempt(d.clone(), 100, &failed);
    assert_eq!((later.state.as_str(), later.next_at, later.attempts), (PENDING, 130, 1));
    assert_eq!(after_attempt(d.clone(), GIVE_UP_AFTER_SECS, &failed).state, FAILED);
    let ok = after_attempt(
        d,
        5,
        &Attempt {
            status: Some(204),
            error: None,
        },
    );
    assert_eq!((ok.state.as_str(), ok.delivered_at), (DELIVERED, Some(5)));
}

#[test]
fn endpoints_are_checked() {
    let new = |url: &str, types: &[&str]| NewEndpoint {
        url: url.into(),
        event_types: types.iter().map(|s| s.to_string()).collect(),
        secret: None,
    };
    assert!(check_new(&new("https://example.com/h", &["*"])).is_ok());
    assert!(check_new(&new("http://127.0.0.1:9/h", &["activate", "activate.refused"])).is_ok());
    assert!(check_new(&new("ftp://x", &["*"])).is_err());
    assert!(check_new(&new("https://x", &[])).is_err());
    assert!(check_new(&new("https://x", &["Activate"])).is_err());
}
