//! Floating seats through the C functions, against a real license server: a program takes a
//! seat and holds it while its handle lives; another computer meets `KEYTURN_SEAT_LIMIT` with how
//! many seats there are and when the next frees up; releasing (or closing the handle) gives the
//! seat back at once; a node-locked license is refused with `NOT_FLOATING`.

use keyturn::*;
use keyturn_client::exit_code::*;
use keyturn_testkit::Server;
use serde_json::Value;
use std::ffi::{c_int, CStr, CString};
use std::ptr::null_mut;

/// A config for `computer` (its own fingerprint variable, so two handles in this process are two
/// computers) on `server`'s product.
fn open(server: &Server, computer: &str) -> KeyturnHandle {
    let variable = format!("KEYTURN_FFI_SEAT_{}", computer.to_uppercase());
    std::env::set_var(&variable, format!("ffi-seat-{computer}"));
    let config = CString::new(
        serde_json::json!({
            "product_name": "Seats",
            "product_id": server.product(),
            "server_url": server.url,
            "public_key": server.public_key(),
            "identifier": format!("dev.keyturn.ffi-seat-{computer}"),
            "fingerprint_env": variable,
        })
        .to_string(),
    )
    .unwrap();
    let mut handle = 0;
    assert_eq!(unsafe { keyturn_open(config.as_ptr(), &mut handle) }, OK);
    handle
}

/// `keyturn_seat_take`: (result, answer).
fn take(handle: KeyturnHandle, key: &str) -> (c_int, Value) {
    let key = CString::new(key).unwrap();
    let mut buffer = vec![0u8; 4096];
    let mut needed = 0;
    let result = unsafe {
        keyturn_seat_take(
            handle,
            key.as_ptr(),
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            &mut needed,
        )
    };
    let text = CStr::from_bytes_until_nul(&buffer).unwrap().to_str().unwrap();
    (result, serde_json::from_str(text).unwrap_or(Value::Null))
}

fn lease_id(answer: &Value) -> String {
    answer["lease"]["id"].as_str().expect("a lease").to_string()
}

#[test]
fn a_handle_holds_a_floating_seat_until_released_or_closed() {
    // The library's state files (seat.json) go to a private folder.
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("XDG_DATA_HOME", home.path());
    let server = Server::options().product("ffi-seats", "Seats").start();
    let floating = server.new_policy(1, &["--floating", "--lease-secs", "60"]);
    let key = server.license(&floating);
    let (laptop, desktop) = (open(&server, "laptop"), open(&server, "desktop"));

    let (result, held) = take(laptop, &key);
    assert_eq!((result, held["code"].as_str()), (OK, Some("OK")), "{held}");
    assert_eq!(held["seats"], 1, "{held}");
    let ends_at = held["lease"]["ends_at"].as_i64().unwrap();
    // Asking again while holding it answers the same seat (no second checkout).
    let (result, again) = take(laptop, &key);
    assert_eq!((result, lease_id(&again)), (OK, lease_id(&held)));

    // Another computer: every seat is taken, with when the next one frees up.
    let (result, full) = take(desktop, &key);
    assert_eq!(result, SEAT_LIMIT, "{full}");
    assert_eq!(full["code"], "SEATS_IN_USE");
    assert_eq!(full["seats"], 1);
    assert_eq!(full["next_free_at"].as_i64(), Some(ends_at), "{full}");
    assert!(full["message"].as_str().unwrap().contains("seat is in use"), "{full}");

    // Released: the other computer gets it at once; closing that handle gives it back too.
    assert_eq!(keyturn_seat_release(laptop), OK);
    assert_eq!(keyturn_seat_release(laptop), OK, "nothing held: still OK");
    let (result, taken) = take(desktop, &key);
    assert_eq!(result, OK, "{taken}");
    assert_eq!(keyturn_close(desktop), OK);
    let (result, back) = take(laptop, &key);
    assert_eq!(result, OK, "{back}");
    assert_ne!(lease_id(&back), lease_id(&held), "a new lease");

    // A node-locked license has no seats to take.
    let node_locked = server.license(&server.new_policy(1, &[]));
    let other = open(&server, "other");
    let (result, refused) = take(other, &node_locked);
    assert_eq!(
        (result, refused["code"].as_str()),
        (REFUSED, Some("NOT_FLOATING")),
        "{refused}"
    );

    // What a program can get wrong: a closed handle, a key that is not one, no buffer.
    assert_eq!(take(desktop, &key).0, INVALID_HANDLE);
    assert_eq!(keyturn_seat_release(desktop), INVALID_HANDLE);
    let (result, bad) = take(other, "not a key");
    assert_eq!(result, REFUSED, "{bad}");
    // An answer that does not fit: the seat is held all the same, and the size is said.
    assert_eq!(keyturn_seat_release(laptop), OK);
    let floating_key = CString::new(key.as_str()).unwrap();
    let mut needed = 0;
    let asked = unsafe { keyturn_seat_take(other, floating_key.as_ptr(), null_mut(), 0, &mut needed) };
    assert_eq!(asked, BUFFER_TOO_SMALL);
    let (result, held_anyway) = take(other, &key);
    assert_eq!(result, OK, "{held_anyway}");
    assert_eq!(needed, held_anyway.to_string().len() + 1, "{held_anyway}");
    assert_eq!(take(laptop, &key).0, SEAT_LIMIT);
    assert_eq!(keyturn_close(laptop), OK);
    assert_eq!(keyturn_close(other), OK);
}
