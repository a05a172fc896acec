//! The command line's exit codes: a contract (README lists them), tested one by one.

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

/// Every exit code with its meaning, in order.
pub const TABLE: &[(i32, &str)] = &[
    (OK, "success; for status: licensed"),
    (ERROR, "other error (see the message)"),
    (USAGE, "usage error"),
    (NOT_ACTIVATED, "this computer is not activated"),
    (
        ENDED,
        "the license ended: expired, suspended, revoked, overdue or removed",
    ),
    (
        TAMPERED,
        "the stored activation does not check out (damaged, copied, or the clock was set back)",
    ),
    (
        KEYCHAIN_UNAVAILABLE,
        "the system keychain (Secret Service) is unavailable",
    ),
    (OFFLINE, "the license server could not be reached"),
    (SEAT_LIMIT, "every seat of the license is taken"),
    (
        REFUSED,
        "the key or this device was refused (mistyped, unknown, in use elsewhere)",
    ),
    (
        CONFIG,
        "the vendor config is missing or invalid, or no fingerprint can be made",
    ),
    (
        SYNC_NEEDED,
        "the activation ran out offline: run the check command online",
    ),
];

/// The exit code of a stable answer code (`VALID`/`OK` → 0).
pub fn for_code(code: &str) -> i32 {
    match code {
        "VALID" | "OK" => OK,
        "NOT_ACTIVATED" => NOT_ACTIVATED,
        "SUSPENDED"
        | "REVOKED"
        | "EXPIRED"
        | "OVERDUE"
        | "ACTIVATION_NOT_FOUND"
        | "FINGERPRINT_BLOCKED"
        | "VM_NOT_ALLOWED" => ENDED,
        "TOKEN_INVALID" | "FINGERPRINT_MISMATCH" | "CLOCK_ROLLED_BACK" | "TOKEN_FROM_FUTURE" | "STORAGE_CORRUPT" => {
            TAMPERED
        }
        "KEYCHAIN_UNAVAILABLE" => KEYCHAIN_UNAVAILABLE,
        "OFFLINE" => OFFLINE,
        "MACHINE_LIMIT_EXCEEDED" => SEAT_LIMIT,
        "INVALID_KEY_FORMAT" | "NOT_FOUND" | "FINGERPRINT_IN_USE" | "INVALID_FINGERPRINT" => REFUSED,
        "CONFIG" | "FINGERPRINT_UNAVAILABLE" => CONFIG,
        "OFFLINE_EXPIRED" => SYNC_NEEDED,
        _ => ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_listed_in_order() {
        let codes: Vec<i32> = TABLE.iter().map(|(code, _)| *code).collect();
        assert_eq!(codes, (0..=11).collect::<Vec<_>>());
    }

    #[test]
    fn answer_codes_map_to_their_exit_codes() {
        assert_eq!(for_code("VALID"), 0);
        assert_eq!(for_code("SUSPENDED"), 4);
        assert_eq!(for_code("CLOCK_ROLLED_BACK"), 5);
        assert_eq!(for_code("OFFLINE_EXPIRED"), 11);
        assert_eq!(for_code("RATE_LIMITED"), 1);
    }
}
