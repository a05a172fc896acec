//! The one table of result codes: the `keyturn` command line exits with them and every function
//! of the C library (`libkeyturn`, header `keyturn.h`) returns them. A contract: README lists
//! them, the header's `KEYTURN_*` constants are generated from [`TABLE`], and codes never change
//! meaning. Codes 20 and up only come from the library (a program's call went wrong, not the
//! license).

use crate::ErrorCode;

pub const OK: i32 = 0;
/// Anything else (e.g. the server failed or rate-limited us): see the message.
pub const ERROR: i32 = 1;
/// Bad arguments (clap's own code).
pub const USAGE: i32 = 2;
pub const NOT_ACTIVATED: i32 = 3;
/// The license ended: expired, suspended, revoked, overdue, or this activation was removed.
pub const ENDED: i32 = 4;
/// The stored activation does not check out: damaged, another device's, or the clock was set back.
pub const TAMPERED: i32 = 5;
pub const KEYCHAIN_UNAVAILABLE: i32 = 6;
/// The license server could not be reached.
pub const OFFLINE: i32 = 7;
/// Every seat of the license is taken (the machines are listed).
pub const SEAT_LIMIT: i32 = 8;
/// The server refused the key or this device (mistyped or unknown key, device bound elsewhere).
pub const REFUSED: i32 = 9;
/// The vendor config is missing or invalid, or no fingerprint can be made.
pub const CONFIG: i32 = 10;
/// The activation ran out offline: run `keyturn check` online to renew it.
pub const SYNC_NEEDED: i32 = 11;
/// `keyturn run`: the program could not be started (not found, not executable).
pub const NOT_STARTED: i32 = 12;
/// Library: the caller's buffer is too small; the size needed (with the final NUL) is reported.
pub const BUFFER_TOO_SMALL: i32 = 20;
/// Library: a required pointer is NULL, or a text is not UTF-8.
pub const INVALID_ARGUMENT: i32 = 21;
/// Library: the handle was closed, or never opened.
pub const INVALID_HANDLE: i32 = 22;
/// Library: an internal failure (a bug); the message says what, nothing was changed by halves.
pub const INTERNAL: i32 = 23;

/// One result code: its number, its name (the header's `KEYTURN_<NAME>`) and its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultCode {
    pub code: i32,
    pub name: &'static str,
    pub meaning: &'static str,
}

const fn row(code: i32, name: &'static str, meaning: &'static str) -> ResultCode {
    ResultCode { code, name, meaning }
}

/// Every result code with its meaning, in order.
pub const TABLE: &[ResultCode] = &[
    row(OK, "OK", "success; for status: licensed"),
    row(ERROR, "ERROR", "other error (see the message)"),
    row(USAGE, "USAGE", "usage error"),
    row(NOT_ACTIVATED, "NOT_ACTIVATED", "this computer is not activated"),
    row(
        ENDED,
        "ENDED",
        "the license ended: expired, suspended, revoked, overdue or removed",
    ),
    row(
        TAMPERED,
        "TAMPERED",
        "the stored activation does not check out (damaged, copied, or the clock was set back)",
    ),
    row(
        KEYCHAIN_UNAVAILABLE,
        "KEYCHAIN_UNAVAILABLE",
        "the system keychain (Secret Service) is unavailable",
    ),
    row(OFFLINE, "OFFLINE", "the license server could not be reached"),
    row(SEAT_LIMIT, "SEAT_LIMIT", "every seat of the license is taken"),
    row(
        REFUSED,
        "REFUSED",
        "the key or this device was refused (mistyped, unknown, in use elsewhere)",
    ),
    row(
        CONFIG,
        "CONFIG",
        "the vendor config is missing or invalid, or no fingerprint can be made",
    ),
    row(
        SYNC_NEEDED,
        "SYNC_NEEDED",
        "the activation ran out offline: run `keyturn check` online",
    ),
    row(
        NOT_STARTED,
        "NOT_STARTED",
        "keyturn run: the program could not be started",
    ),
    row(
        BUFFER_TOO_SMALL,
        "BUFFER_TOO_SMALL",
        "library: the buffer is too small; the size needed is reported",
    ),
    row(
        INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "library: a required pointer is NULL or a text is not UTF-8",
    ),
    row(
        INVALID_HANDLE,
        "INVALID_HANDLE",
        "library: the handle is closed or was never opened",
    ),
    row(
        INTERNAL,
        "INTERNAL",
        "library: internal failure (a bug; see the message)",
    ),
];

/// The result code of a stable answer code (`VALID`/`OK` → 0).
pub fn for_code(code: &str) -> i32 {
    match code {
        "VALID" | "OK" => OK,
        "NOT_ACTIVATED" => NOT_ACTIVATED,
        "SUSPENDED"
        | "REVOKED"
        | "EXPIRED"
        | "OVERDUE"
        | "ACTIVATION_NOT_FOUND"
        | "AUTO_RELEASED"
        | "LEASE_NOT_FOUND"
        | "FINGERPRINT_BLOCKED"
        | "VM_NOT_ALLOWED" => ENDED,
        "TOKEN_INVALID" | "FINGERPRINT_MISMATCH" | "CLOCK_ROLLED_BACK" | "TOKEN_FROM_FUTURE" | "STORAGE_CORRUPT" => {
            TAMPERED
        }
        "KEYCHAIN_UNAVAILABLE" => KEYCHAIN_UNAVAILABLE,
        "OFFLINE" => OFFLINE,
        "MACHINE_LIMIT_EXCEEDED" | "SEATS_IN_USE" => SEAT_LIMIT,
        "INVALID_KEY_FORMAT"
        | "NOT_FOUND"
        | "FINGERPRINT_IN_USE"
        | "INVALID_FINGERPRINT"
        | "NOT_FLOATING"
        | "FLOATING_LICENSE"
        | "BORROW_NOT_ALLOWED" => REFUSED,
        "CONFIG" | "FINGERPRINT_UNAVAILABLE" => CONFIG,
        "OFFLINE_EXPIRED" | "SIGNING_KEY_RETIRED" => SYNC_NEEDED,
        _ => ERROR,
    }
}

/// The result code of an error code.
pub fn for_error(code: ErrorCode) -> i32 {
    for_code(code.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_listed_in_order() {
        let codes: Vec<i32> = TABLE.iter().map(|row| row.code).collect();
        let mut expected: Vec<i32> = (0..=12).collect();
        expected.extend(20..=23);
        assert_eq!(codes, expected);
        let mut names: Vec<&str> = TABLE.iter().map(|row| row.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLE.len());
    }

    #[test]
    fn answer_codes_map_to_their_result_codes() {
        assert_eq!(for_code("VALID"), 0);
        assert_eq!(for_code("SUSPENDED"), 4);
        assert_eq!(for_code("CLOCK_ROLLED_BACK"), 5);
        assert_eq!(for_code("OFFLINE_EXPIRED"), 11);
        assert_eq!(for_error(ErrorCode::SigningKeyRetired), 11);
        assert_eq!(for_code("RATE_LIMITED"), 1);
        assert_eq!(for_error(ErrorCode::KeychainUnavailable), 6);
    }

    #[test]
    fn readme_lists_every_code_as_the_table_says() {
        let readme = include_str!("../../../README.md");
        for row in TABLE {
            let line = format!("| {} | `{}` | {} |", row.code, row.name, row.meaning);
            assert!(readme.contains(&line), "README.md lacks the row: {line}");
        }
    }
}
