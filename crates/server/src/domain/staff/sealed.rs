//! Staff TOTP secrets sealed at rest with [`Sealer`] ([`Purpose::TotpSecret`], the account's id
//! bound in). Rows written by releases before (plain base32) are sealed when the store opens
//! ([`seal_plain`], schema step "sign-in attempts, sealed TOTP secrets").

use super::tx::StaffTx;
use crate::domain::errors::ApiResult;
pub use crate::domain::sealed::{is_sealed, Purpose, Sealer};

/// Seals every TOTP secret still stored in plain base32 (an earlier release's rows); how many.
/// Runs inside the store's opening transaction, at every start (a no-op once all are sealed).
pub async fn seal_plain(tx: &mut impl StaffTx, sealer: &Sealer) -> ApiResult<usize> {
    let mut sealed = 0;
    for mut account in tx.staff_list().await? {
        let Some(plain) = account.totp_secret.as_deref().filter(|s| !is_sealed(s)) else {
            continue;
        };
        // A value that is not base32 could never sign in: it is dropped (an owner's "clear").
        account.totp_secret = super::totp::from_base32(plain).map(|secret| sealer.seal(&account.id, &secret));
        tx.update_staff(&account).await?;
        sealed += 1;
    }
    Ok(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_for_its_account_and_server_only() {
        let sealer = Sealer::new(b"server secret one", Purpose::TotpSecret);
        let secret = super::super::totp::new_secret();
        let stored = sealer.seal("stf_a", &secret);
        assert!(is_sealed(&stored));
        assert!(!stored.contains(&super::super::totp::base32(&secret)));
        assert_ne!(stored, sealer.seal("stf_a", &secret), "a fresh nonce every time");
        assert_eq!(sealer.open("stf_a", &stored), Some(secret.clone()));
        assert_eq!(sealer.open("stf_b", &stored), None, "another account's row");
        assert_eq!(
            Sealer::new(b"server secret two", Purpose::TotpSecret).open("stf_a", &stored),
            None
        );
        let mut damaged = stored.clone();
        damaged.pop();
        damaged.push(if stored.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(sealer.open("stf_a", &damaged), None);
        let mail = Sealer::new(b"server secret one", Purpose::MailedKey);
        assert_eq!(mail.open("stf_a", &stored), None, "sealed for another purpose");
        assert_eq!(
            sealer.open("stf_a", &super::super::totp::base32(&secret)),
            None,
            "plain"
        );
    }
}
