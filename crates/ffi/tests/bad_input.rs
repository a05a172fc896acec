//! Every function called with what a program can get wrong: NULL pointers, text that is not
//! UTF-8, a closed handle, a wrong config, a buffer too small. Each answers its documented code
//! and words (keyturn_last_error), never a crash.

use keyturn::*;
use keyturn_client::exit_code::*;
use std::ffi::{c_char, c_int, CStr, CString};
use std::ptr::{null, null_mut};

const NOT_UTF8: &[u8] = b"\xff\xfe\0";

fn not_utf8() -> *const c_char {
    NOT_UTF8.as_ptr().cast()
}

/// A valid config for a product no other test uses (no keychain entry, no state file).
fn config() -> CString {
    let key = keyturn_protocol::token::signing_key_from_seed([9; 32]);
    let public_key = keyturn_protocol::token::public_key_to_string(&key.verifying_key());
    CString::new(format!(
        r#"{{"product_name":"Bad Input","product_id":"ffi-bad-input","server_url":"http://127.0.0.1:9",
            "public_key":"{public_key}","identifier":"dev.keyturn.ffi-bad-input"}}"#
    ))
    .unwrap()
}

fn open() -> KeyturnHandle {
    let mut handle = 0;
    assert_eq!(unsafe { keyturn_open(config().as_ptr(), &mut handle) }, OK);
    assert_ne!(handle, 0);
    handle
}

/// (result, code, message) of the last failure on `handle` (0: this thread's handle-less ones).
fn last_error(handle: KeyturnHandle) -> (c_int, String, String) {
    let mut result = -1;
    let mut buffer = vec![0u8; 2048];
    let mut needed = 0;
    let got = unsafe {
        keyturn_last_error(
            handle,
            &mut result,
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            &mut needed,
        )
    };
    assert_eq!(got, OK);
    let json: serde_json::Value =
        serde_json::from_str(CStr::from_bytes_until_nul(&buffer).unwrap().to_str().unwrap()).unwrap();
    assert_eq!(json["result"], result);
    (
        result,
        json["code"].as_str().unwrap().to_string(),
        json["message"].as_str().unwrap_or("").to_string(),
    )
}

fn assert_failed(handle: KeyturnHandle, got: c_int, expected: c_int, words: &str) {
    assert_eq!(got, expected, "{:?}", last_error(handle));
    let (result, code, message) = last_error(handle);
    assert_eq!(result, expected);
    let name = TABLE.iter().find(|r| r.code == expected).unwrap().name;
    if expected >= BUFFER_TOO_SMALL {
        assert_eq!(code, name);
    }
    assert!(message.contains(words), "{message:?} should say {words:?}");
}

#[test]
fn open_refuses_null_bad_text_and_wrong_configs() {
    let mut handle = 7;
    let got = unsafe { keyturn_open(null(), &mut handle) };
    assert_failed(0, got, INVALID_ARGUMENT, "config is NULL");
    assert_eq!(handle, 0, "no handle on failure");
    let got = unsafe { keyturn_open(config().as_ptr(), null_mut()) };
    assert_failed(0, got, INVALID_ARGUMENT, "handle is NULL");
    let got = unsafe { keyturn_open(not_utf8(), &mut handle) };
    assert_failed(0, got, INVALID_ARGUMENT, "not UTF-8");
    let broken = CString::new(r#"{"product_name": "#).unwrap();
    let got = unsafe { keyturn_open(broken.as_ptr(), &mut handle) };
    assert_failed(0, got, CONFIG, "vendor config");
    assert_eq!(last_error(0).1, "CONFIG");
    let missing = CString::new("/no/such/vendor.json").unwrap();
    let got = unsafe { keyturn_open(missing.as_ptr(), &mut handle) };
    assert_failed(0, got, CONFIG, "/no/such/vendor.json");
    let bad_key =
        CString::new(r#"{"product_name":"X","product_id":"x","server_url":"http://127.0.0.1:9","public_key":"nope"}"#)
            .unwrap();
    let got = unsafe { keyturn_open(bad_key.as_ptr(), &mut handle) };
    assert_failed(0, got, CONFIG, "");
}

#[test]
fn every_call_on_a_closed_handle_answers_invalid_handle() {
    let handle = open();
    assert_eq!(keyturn_close(handle), OK);
    assert_failed(handle, keyturn_close(handle), INVALID_HANDLE, "closed");
    let mut buffer = [0 as c_char; 64];
    let (b, n) = (buffer.as_mut_ptr(), buffer.len());
    let mut needed = 0;
    let mut entitled = 5;
    let feature = CString::new("pro").unwrap();
    let key = CString::new("7K3QD-M2XWP-9RT4B-HC6NV-E8JZA-QF0Y5").unwrap();
    unsafe {
        assert_failed(
            handle,
            keyturn_status(handle, b, n, &mut needed),
            INVALID_HANDLE,
            "closed",
        );
        assert_failed(
            handle,
            keyturn_is_entitled(handle, feature.as_ptr(), &mut entitled),
            INVALID_HANDLE,
            "closed",
        );
        assert_failed(
            handle,
            keyturn_activate(handle, key.as_ptr(), null(), b, n, &mut needed),
            INVALID_HANDLE,
            "closed",
        );
        assert_failed(
            handle,
            keyturn_check(handle, b, n, &mut needed),
            INVALID_HANDLE,
            "closed",
        );
        assert_failed(
            handle,
            keyturn_fingerprint(handle, b, n, &mut needed),
            INVALID_HANDLE,
            "closed",
        );
        assert_failed(
            handle,
            keyturn_report(handle, b, n, &mut needed),
            INVALID_HANDLE,
            "closed",
        );
    }
    assert_failed(handle, keyturn_deactivate(handle), INVALID_HANDLE, "closed");
    assert_failed(0, keyturn_close(0), INVALID_HANDLE, "never opened");
}

#[test]
fn null_pointers_and_bad_text_answer_invalid_argument() {
    let handle = open();
    let mut needed = 0;
    let mut entitled = 5;
    let feature = CString::new("pro").unwrap();
    let key = CString::new("7K3QD-M2XWP-9RT4B-HC6NV-E8JZA-QF0Y5").unwrap();
    let mut buffer = [0 as c_char; 64];
    let b = buffer.as_mut_ptr();
    unsafe {
        assert_failed(
            handle,
            keyturn_status(handle, null_mut(), 10, &mut needed),
            INVALID_ARGUMENT,
            "buffer is NULL",
        );
        assert_failed(
            handle,
            keyturn_check(handle, null_mut(), 10, &mut needed),
            INVALID_ARGUMENT,
            "buffer is NULL",
        );
        assert_failed(
            handle,
            keyturn_fingerprint(handle, null_mut(), 1, &mut needed),
            INVALID_ARGUMENT,
            "buffer is NULL",
        );
        assert_failed(
            handle,
            keyturn_report(handle, null_mut(), 1, &mut needed),
            INVALID_ARGUMENT,
            "buffer is NULL",
        );
        assert_failed(
            handle,
            keyturn_is_entitled(handle, null(), &mut entitled),
            INVALID_ARGUMENT,
            "feature is NULL",
        );
        assert_eq!(entitled, 0);
        assert_failed(
            handle,
            keyturn_is_entitled(handle, feature.as_ptr(), null_mut()),
            INVALID_ARGUMENT,
            "entitled is NULL",
        );
        assert_failed(
            handle,
            keyturn_is_entitled(handle, not_utf8(), &mut entitled),
            INVALID_ARGUMENT,
            "not UTF-8",
        );
        assert_failed(
            handle,
            keyturn_activate(handle, null(), null(), b, 64, &mut needed),
            INVALID_ARGUMENT,
            "key is NULL",
        );
        assert_failed(
            handle,
            keyturn_activate(handle, not_utf8(), null(), b, 64, &mut needed),
            INVALID_ARGUMENT,
            "not UTF-8",
        );
        assert_failed(
            handle,
            keyturn_activate(handle, key.as_ptr(), not_utf8(), b, 64, &mut needed),
            INVALID_ARGUMENT,
            "free_machine_id",
        );
        assert_failed(
            handle,
            keyturn_activate(handle, key.as_ptr(), null(), null_mut(), 64, &mut needed),
            INVALID_ARGUMENT,
            "buffer is NULL",
        );
        // A mistyped key is the server's kind of refusal, found before any network call.
        let typo = CString::new("7K3QD-M2XWP").unwrap();
        assert_failed(
            handle,
            keyturn_activate(handle, typo.as_ptr(), null(), b, 64, &mut needed),
            REFUSED,
            "",
        );
        assert_eq!(last_error(handle).1, "INVALID_KEY_FORMAT");
        assert_eq!(
            keyturn_last_error(handle, null_mut(), null_mut(), 3, null_mut()),
            INVALID_ARGUMENT
        );
    }
    assert_eq!(keyturn_close(handle), OK);
}

#[test]
fn a_small_buffer_answers_the_size_needed_and_the_right_size_works() {
    let handle = open();
    let mut needed = 0;
    let got = unsafe { keyturn_fingerprint(handle, null_mut(), 0, &mut needed) };
    assert_failed(handle, got, BUFFER_TOO_SMALL, "needed");
    assert!(needed > 1);
    let mut small = vec![b'x' as c_char; needed - 1];
    let got = unsafe { keyturn_fingerprint(handle, small.as_mut_ptr(), small.len(), &mut needed) };
    assert_eq!(got, BUFFER_TOO_SMALL);
    assert_eq!(small[0], 0, "a buffer too small is left empty");
    let mut exact = vec![0 as c_char; needed];
    assert_eq!(
        unsafe { keyturn_fingerprint(handle, exact.as_mut_ptr(), exact.len(), null_mut()) },
        OK
    );
    let fingerprint = unsafe { CStr::from_ptr(exact.as_ptr()) }.to_str().unwrap();
    assert_eq!(fingerprint.len() + 1, needed);
    assert_eq!(keyturn_close(handle), OK);
}

#[test]
fn the_version_is_the_crates() {
    let version = unsafe { CStr::from_ptr(keyturn_version()) }.to_str().unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn threads_share_a_handle_and_a_close_among_their_calls_is_safe() {
    let handle = open();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                for _ in 0..200 {
                    let mut buffer = [0 as c_char; 256];
                    let got = unsafe { keyturn_fingerprint(handle, buffer.as_mut_ptr(), buffer.len(), null_mut()) };
                    seen.push(got);
                }
                seen
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(1));
    assert_eq!(keyturn_close(handle), OK);
    for thread in threads {
        let seen = thread.join().expect("no thread crashed");
        assert!(seen.iter().all(|&got| got == OK || got == INVALID_HANDLE), "{seen:?}");
        // Once closed, closed for good.
        let first_closed = seen.iter().position(|&got| got == INVALID_HANDLE).unwrap_or(seen.len());
        assert!(
            seen[first_closed..].iter().all(|&got| got == INVALID_HANDLE),
            "{seen:?}"
        );
    }
}

#[test]
fn a_panic_inside_a_call_is_an_internal_error_not_a_crash() {
    let handle = open();
    let got = keyturn::panic_inside_a_call(handle);
    assert_failed(handle, got, INTERNAL, "a bug inside a call");
    // The handle still works.
    let mut needed = 0;
    assert_eq!(
        unsafe { keyturn_fingerprint(handle, null_mut(), 0, &mut needed) },
        BUFFER_TOO_SMALL
    );
    assert_eq!(keyturn_close(handle), OK);
}
