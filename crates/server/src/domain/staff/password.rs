//! Staff credentials: email addresses, password rules and argon2id hashes (the `argon2` crate,
//! RustCrypto's maintained implementation, with its default parameters: argon2id, 19 MiB, 2
//! passes, as OWASP recommends). Hashing takes tens of milliseconds on purpose: callers run it
//! off the async workers ([`hash_blocking`], [`verify_blocking`]) and never inside a store's
//! transaction.

use super::super::errors::{ApiError, ApiResult};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use keyturn_protocol::Code;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The address, trimmed and lower-cased; `INVALID_EMAIL` unless it looks like `name@host.tld`.
pub fn normalize_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    let invalid = || {
        ApiError::new(
            Code::InvalidEmail,
            "that is not an email address (like ann@example.com)",
        )
    };
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let ok = !local.is_empty()
        && email.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.chars().all(|c| c.is_alphanumeric() || "@.+-_'".contains(c));
    if ok {
        Ok(email)
    } else {
        Err(invalid())
    }
}

/// `WEAK_PASSWORD` for a password shorter than 12 or longer than 128 characters, made of fewer
/// than 5 different characters, or containing the email's name part.
pub fn check_strength(password: &str, email: &str) -> ApiResult<()> {
    let chars = password.chars().count();
    let weak = |why: &str| Err(ApiError::new(Code::WeakPassword, why.to_string()));
    if chars < MIN_PASSWORD_CHARS {
        return weak("the password needs at least 12 characters");
    }
    if chars > MAX_PASSWORD_CHARS {
        return weak("the password may have at most 128 characters");
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return weak("the password repeats too few characters; use a passphrase");
    }
    let local = email.split('@').next().unwrap_or_default();
    if local.len() >= 4 && password.to_lowercase().contains(local) {
        return weak("the password must not contain the email address");
    }
    Ok(())
}

/// The argon2id PHC string of a password (salted).
pub fn hash(password: &str) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("cannot hash a password: {e}")))
}

/// Does the password match the stored hash? (A damaged hash matches nothing.)
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// [`hash`] on a blocking thread.
pub async fn hash_blocking(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// [`verify`] on a blocking thread.
pub async fn verify_blocking(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &stored))
        .await
        .unwrap_or(false)
}

/// A hash no password matches, verified against for unknown accounts so that a wrong email
/// takes as long as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password that is never used").expect("hashing works"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_normalized() {
        assert_eq!(normalize_email(" Ann@Acme.COM ").unwrap(), "ann@acme.com");
        for bad in [
            "ann",
            "ann@acme",
            "@acme.com",
            "ann@@acme.com",
            "a n@acme.com",
            "ann@.com",
            "ann@acme.com.",
        ] {
            assert_eq!(normalize_email(bad).unwrap_err().code(), Code::InvalidEmail, "{bad}");
        }
    }

    #[test]
    fn weak_and_overlong_passwords_are_refused() {
        let email = "annabel@acme.com";
        for bad in [
            "short1!",
            "aaaaaaaaaaaaaaaa",
            "abababababcdcdcd",
            "my-annabel-pass-1",
            &"x1y2z3w4v5".repeat(13),
        ] {
            assert_eq!(
                check_strength(bad, email).unwrap_err().code(),
                Code::WeakPassword,
                "{bad}"
            );
        }
        check_strength("correct horse battery", email).unwrap();
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(!h.contains("correct"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterz", &h));
        assert!(!verify("correct horse battery", "not a hash"));
    }
}
