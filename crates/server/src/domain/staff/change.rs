//! Changes to one staff account (role, disabled, password, second factor), with the rules that
//! keep an owner: nobody changes their own role or disables themselves, the last owner stays.

use super::tx::StaffTx;
use super::{Role, StaffAnswer, StaffChange};
use crate::domain::errors::{ApiError, ApiResult};
use keyturn_protocol::Code;

/// One change to one account. The owners are locked first, so that two owners demoting or
/// disabling each other at once are decided in turn and one owner stays (`LAST_OWNER`).
pub(super) async fn change_account(
    tx: &mut impl StaffTx,
    id: String,
    change: StaffChange,
    by: Option<String>,
) -> ApiResult<StaffAnswer> {
    tx.lock_owners().await?;
    let mut account = tx
        .staff_by_id(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("no staff account with this id"))?;
    let was_owner = account.role == Role::Owner && !account.disabled;
    let (was_role, was_disabled) = (account.role, account.disabled);
    match change {
        StaffChange::Disabled(d) => account.disabled = d,
        StaffChange::Role(r) => account.role = r,
        StaffChange::PasswordHash(h) => account.password_hash = h,
        StaffChange::ClearTotp => account.totp_secret = None,
    }
    let self_change = account.role != was_role || account.disabled != was_disabled;
    if self_change && by.as_deref() == Some(account.id.as_str()) {
        return Err(ApiError::new(
            Code::CannotChangeSelf,
            "you cannot disable or change the role of your own account: another owner can",
        ));
    }
    let still_owner = account.role == Role::Owner && !account.disabled;
    if was_owner && !still_owner && !other_owner(tx, &account.id).await? {
        return Err(ApiError::new(
            Code::LastOwner,
            "this is the last owner: make someone else owner first",
        ));
    }
    tx.update_staff(&account).await?;
    Ok(StaffAnswer::Account(Some(account)))
}

async fn other_owner(tx: &mut impl StaffTx, id: &str) -> ApiResult<bool> {
    Ok(tx
        .staff_list()
        .await?
        .iter()
        .any(|a| a.id != id && a.role == Role::Owner && !a.disabled))
}
