//! Keyturn as a C library, for programs in any language: C and C++ include `keyturn.h`, Python,
//! Node.js and C# call the same functions (bindings/). Same keychain entries, state file and
//! offline check as the app and the `keyturn` command line, so an activation made in any one of
//! them is seen by all.
//!
//! Every function returns a result code from the one table the command line exits with
//! (`KEYTURN_OK` = 0, `KEYTURN_NOT_ACTIVATED` = 3, ...; keyturn_client::exit_code), never
//! panics across the boundary (a panic is `KEYTURN_INTERNAL`), never prints, and takes UTF-8
//! text. Answers are JSON written into the caller's buffer: when it is too small the function
//! returns `KEYTURN_BUFFER_TOO_SMALL` and `*needed` says how many bytes (with the final NUL) it
//! takes; pass a NULL buffer and size 0 to ask. A failure's code and words are kept for
//! `keyturn_last_error`. Handles are numbers, safe to share between threads; a closed handle
//! answers `KEYTURN_INVALID_HANDLE`, never a crash.

// The C functions check every pointer they are given; the caller's promises are in the header.
#![allow(clippy::missing_safety_doc)]

mod call;
mod seat;

use call::{Handle, Outcome};
use keyturn_client::exit_code;
use keyturn_client::flow::ActivationOutcome;
use keyturn_client::{answers, host, ErrorCode, LicenseKey, VendorConfig};
use std::ffi::{c_char, c_int};

/// An open Keyturn handle (0 is never one).
pub type KeyturnHandle = u64;

fn flat(result: Result<Outcome, Outcome>) -> Outcome {
    result.unwrap_or_else(|failure| failure)
}

/// The vendor config: JSON text when it starts with `{`, else the path of a vendor.json.
fn load_config(text: &str) -> Result<VendorConfig, Outcome> {
    let config = if text.trim_start().starts_with('{') {
        VendorConfig::from_json(text).map_err(|e| format!("vendor config: {e}"))
    } else {
        VendorConfig::load(text.as_ref()).map_err(|e| format!("vendor config {text}: {e}"))
    };
    config.map_err(|message| Outcome::error(ErrorCode::Config, message))
}

fn open(config: &str) -> Result<Handle, Outcome> {
    let config = load_config(config)?;
    let session = host::open_installed(config).map_err(|e| Outcome::error(e.error_code(), &e))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("keyturn")
        .enable_all()
        .build()
        .map_err(|e| Outcome::library(exit_code::INTERNAL, format!("no async runtime: {e}")))?;
    Ok(Handle::new(session, runtime))
}

/// Opens Keyturn for the vendor config `config` (JSON text, or the path of a vendor.json file)
/// and writes the new handle to `*handle`. Returns `KEYTURN_CONFIG` for a missing or invalid
/// config; `keyturn_last_error(0, ...)` on the same thread then says why.
#[no_mangle]
pub unsafe extern "C" fn keyturn_open(config: *const c_char, handle: *mut KeyturnHandle) -> c_int {
    call::without_handle(|| {
        flat((|| {
            if handle.is_null() {
                return Err(Outcome::library(exit_code::INVALID_ARGUMENT, "handle is NULL"));
            }
            *handle = 0;
            let config = call::text(config, "config")?;
            *handle = call::register(open(config)?);
            Ok(Outcome::ok())
        })())
    })
}

/// Closes `handle`; using it afterwards answers `KEYTURN_INVALID_HANDLE`.
#[no_mangle]
pub extern "C" fn keyturn_close(handle: KeyturnHandle) -> c_int {
    call::without_handle(|| match call::unregister(handle) {
        true => Outcome::ok(),
        false => Outcome::library(
            exit_code::INVALID_HANDLE,
            format!("handle {handle} is closed or was never opened"),
        ),
    })
}

/// The offline check now (no network): the JSON document `keyturn status --json` prints. Returns
/// `KEYTURN_OK` when licensed, else why not (e.g. `KEYTURN_NOT_ACTIVATED`, `KEYTURN_ENDED`),
/// with the document written either way.
#[no_mangle]
pub unsafe extern "C" fn keyturn_status(
    handle: KeyturnHandle,
    buffer: *mut c_char,
    size: usize,
    needed: *mut usize,
) -> c_int {
    call::with_handle(handle, |h| {
        if let Err(bad) = call::check_buffer(buffer, size) {
            return bad;
        }
        let report = answers::status(&h.session);
        let json = serde_json::to_string(&report).unwrap_or_default();
        call::reply(
            &json,
            Outcome::answer(&report.code, report.message.clone()),
            buffer,
            size,
            needed,
        )
    })
}

/// Sets `*entitled` to 1 when this computer is licensed and its license grants `feature`, else
/// 0. Returns the status's result code (`KEYTURN_OK` when licensed, entitled or not).
#[no_mangle]
pub unsafe extern "C" fn keyturn_is_entitled(
    handle: KeyturnHandle,
    feature: *const c_char,
    entitled: *mut c_int,
) -> c_int {
    call::with_handle(handle, |h| {
        flat((|| {
            if entitled.is_null() {
                return Err(Outcome::library(exit_code::INVALID_ARGUMENT, "entitled is NULL"));
            }
            *entitled = 0;
            let feature = call::text(feature, "feature")?;
            let report = answers::status(&h.session);
            *entitled = c_int::from(report.has_entitlement(feature));
            Ok(Outcome::answer(&report.code, report.message))
        })())
    })
}

/// Activates this computer with the license `key` (online). With `free_machine_id` (NULL: none)
/// frees that machine first, after a seat-limit answer. Writes what `keyturn activate --json`
/// prints: `KEYTURN_OK` with the activation, or `KEYTURN_SEAT_LIMIT` with the license's
/// `machines` to free one of. The activation stands even if the answer does not fit the buffer.
#[no_mangle]
pub unsafe extern "C" fn keyturn_activate(
    handle: KeyturnHandle,
    key: *const c_char,
    free_machine_id: *const c_char,
    buffer: *mut c_char,
    size: usize,
    needed: *mut usize,
) -> c_int {
    call::with_handle(handle, |h| {
        flat((|| {
            call::check_buffer(buffer, size)?;
            let key = call::text(key, "key")?;
            let free = call::optional_text(free_machine_id, "free_machine_id")?;
            let key = LicenseKey::parse(key).map_err(|e| Outcome::error(ErrorCode::InvalidKeyFormat, e))?;
            let outcome = h.runtime.block_on(async {
                match free {
                    Some(machine) => h.session.free_and_activate(&key, machine, |_| {}).await,
                    None => h.session.activate(&key, |_| {}).await,
                }
            });
            let outcome = outcome.map_err(|e| Outcome::error(e.error_code(), &e))?;
            let answer = answers::activation(&outcome);
            let message = match outcome {
                ActivationOutcome::Activated(_) => None,
                ActivationOutcome::LimitReached { .. } => Some("every seat is taken: free one of the machines".into()),
            };
            Ok(call::reply(
                &answer.to_json_string(),
                Outcome::answer(&answer.code, message),
                buffer,
                size,
                needed,
            ))
        })())
    })
}

/// Frees this computer's seat on the license server and forgets the activation and key here.
#[no_mangle]
pub extern "C" fn keyturn_deactivate(handle: KeyturnHandle) -> c_int {
    call::with_handle(handle, |h| match h.runtime.block_on(h.session.deactivate_this(true)) {
        Ok(()) => Outcome::ok(),
        Err(e) => Outcome::error(e.error_code(), &e),
    })
}

/// Syncs with the license server now (renews the activation). Writes what `keyturn check
/// --json` prints: the sync's `code`, its `message` and the `status` after it.
#[no_mangle]
pub unsafe extern "C" fn keyturn_check(
    handle: KeyturnHandle,
    buffer: *mut c_char,
    size: usize,
    needed: *mut usize,
) -> c_int {
    call::with_handle(handle, |h| {
        flat((|| {
            call::check_buffer(buffer, size)?;
            let (answer, message, _) = h
                .runtime
                .block_on(answers::check(&h.session))
                .map_err(|e| Outcome::error(e.error_code(), &e))?;
            Ok(call::reply(
                &answer.to_json_string(),
                Outcome::answer(&answer.code, message),
                buffer,
                size,
                needed,
            ))
        })())
    })
}

/// Takes a floating seat for this computer and holds it for `handle` until
/// `keyturn_seat_release` or `keyturn_close` (heartbeats keep it, on a thread of the library's
/// own; a crashed program's seat frees itself when its lease ends). `key` NULL: the key stored on
/// this computer. Writes `{"code": "OK", "license_id", "seats", "lease": {"id", "ends_at", ...},
/// "problem"}`; when every seat is taken, `KEYTURN_SEAT_LIMIT` with `{"code": "SEATS_IN_USE",
/// "seats", "next_free_at", "message"}` (try again at `next_free_at`, Unix seconds). A node-locked
/// license answers `KEYTURN_REFUSED` (`NOT_FLOATING`). Called again while holding the seat, it
/// answers the seat as last kept (`problem`: the code while heartbeats fail, e.g. `OFFLINE`).
/// The seat is held even if the answer does not fit the buffer.
#[no_mangle]
pub unsafe extern "C" fn keyturn_seat_take(
    handle: KeyturnHandle,
    key: *const c_char,
    buffer: *mut c_char,
    size: usize,
    needed: *mut usize,
) -> c_int {
    call::with_handle(handle, |h| {
        flat((|| {
            call::check_buffer(buffer, size)?;
            let key = call::optional_text(key, "key")?;
            let (answer, outcome) = seat::take(h, key)?;
            Ok(call::reply(&answer.to_json_string(), outcome, buffer, size, needed))
        })())
    })
}

/// Gives the seat `handle` holds back to the license server now (waits for the answer; when the
/// server cannot be reached the seat frees itself when its lease ends). `KEYTURN_OK` also when
/// no seat was held.
#[no_mangle]
pub extern "C" fn keyturn_seat_release(handle: KeyturnHandle) -> c_int {
    call::with_handle(handle, |h| {
        seat::release(h);
        Outcome::ok()
    })
}

/// This device's fingerprint (text, not JSON).
#[no_mangle]
pub unsafe extern "C" fn keyturn_fingerprint(
    handle: KeyturnHandle,
    buffer: *mut c_char,
    size: usize,
    needed: *mut usize,
) -> c_int {
    call::with_handle(handle, |h| {
        call::reply(&h.session.device.fingerprint, Outcome::ok(), buffer, size, needed)
    })
}

/// The support report, as `keyturn report --json` gives it: `{"schema", "code", "report"}` with the
/// report as text (versions, server reachability, keychain, which fingerprint components were
/// found, license and activation ids, sync times, recent answer codes). Never the key, the token
/// or a raw hardware value. Asks the server whether it is reachable.
#[no_mangle]
pub unsafe extern "C" fn keyturn_report(
    handle: KeyturnHandle,
    buffer: *mut c_char,
    size: usize,
    needed: *mut usize,
) -> c_int {
    call::with_handle(handle, |h| {
        if let Err(bad) = call::check_buffer(buffer, size) {
            return bad;
        }
        let product = Some(h.session.config.product_name.as_str());
        let text = h
            .runtime
            .block_on(keyturn_client::support_report::report(product, Ok(&h.session), None));
        let answer = answers::Answer::new("OK", serde_json::json!({ "report": text }));
        call::reply(&answer.to_json_string(), Outcome::ok(), buffer, size, needed)
    })
}

/// The last failure (any non-zero result) of a call on `handle`, as JSON: `result` (the code it
/// returned), `code` (stable, e.g. `"SUSPENDED"`) and `message` (words; never a key or token).
/// For `keyturn_open` and calls on a closed handle, ask with that handle (or 0) on the same
/// thread. `*result` (when not NULL) gets the failure's result code; 0 when none happened.
#[no_mangle]
pub unsafe extern "C" fn keyturn_last_error(
    handle: KeyturnHandle,
    result: *mut c_int,
    buffer: *mut c_char,
    size: usize,
    needed: *mut usize,
) -> c_int {
    let last = match call::find(handle) {
        Some(h) => h.last_error(),
        None => call::thread_error(),
    };
    // Not guarded by the handle: asking must not replace what is asked for.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let last = last.unwrap_or_else(Outcome::ok);
        if !result.is_null() {
            *result = last.result;
        }
        match call::write_text(&last.to_json(), buffer, size, needed) {
            Ok(()) => exit_code::OK,
            Err(failure) => failure.result,
        }
    }))
    .unwrap_or(exit_code::INTERNAL)
}

/// For the tests: a call whose body panics (not exported to C).
#[doc(hidden)]
pub fn panic_inside_a_call(handle: KeyturnHandle) -> c_int {
    call::with_handle(handle, |_| panic!("a bug inside a call"))
}

/// The library's version (static text; never freed).
#[no_mangle]
pub extern "C" fn keyturn_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
