//! Staff accounts, API tokens and who may do what, written once for both stores.
//!
//! * [`roles`]: the table of roles × admin actions; [`password`]: email and password rules,
//!   argon2id; [`totp`]: the second factor (RFC 6238).
//! * [`StaffOp`] is every query and change the HTTP layer and the CLI ask of a store; [`run`]
//!   carries one out over [`tx::StaffTx`] inside the store's transaction (reads on a snapshot).
//!   Password hashing happens before (it is slow on purpose), never inside a transaction.

pub mod attempts;
mod change;
pub mod password;
pub mod roles;
pub mod sealed;
pub mod totp;
pub mod tx;

use super::errors::{ApiError, ApiResult};
use keyturn_protocol::Code;
pub use roles::{may, Action, Role};
use serde::{Deserialize, Serialize};
use tx::StaffTx;

/// A person who signs in to the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: String,
    /// Normalized ([`password::normalize_email`]).
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    /// argon2id PHC string; never leaves the server.
    pub password_hash: String,
    /// The TOTP secret once the person set up a second factor, sealed ([`sealed`]; plain
    /// base32 only in rows of an earlier release, until the store seals them at its start).
    pub totp_secret: Option<String>,
    pub created_at: i64,
}

/// What the API shows of an account (no hash, no secret).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StaffView {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    /// Whether the account has a second factor.
    pub totp: bool,
    pub created_at: i64,
}

impl From<&StaffAccount> for StaffView {
    fn from(a: &StaffAccount) -> Self {
        StaffView {
            id: a.id.clone(),
            email: a.email.clone(),
            role: a.role,
            disabled: a.disabled,
            totp: a.totp_secret.is_some(),
            created_at: a.created_at,
        }
    }
}

/// A program's access to the admin API. Its secret is shown once and stored only as a keyed hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Sees and changes only this product's policies, licenses and machines.
    pub product_id: Option<String>,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub created_at: i64,
}

impl ApiToken {
    pub fn live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// Server-wide staff settings (owners change them).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StaffSettings {
    /// Every staff account must sign in with a TOTP code (accounts without one set it up first).
    pub require_totp: bool,
}

/// A change to one account.
#[derive(Debug, Clone)]
pub enum StaffChange {
    Disabled(bool),
    Role(Role),
    PasswordHash(String),
    /// Removes the TOTP secret (an owner's "clear").
    ClearTotp,
}

/// Every staff query and change a store runs ([`run`]).
#[derive(Debug, Clone)]
pub enum StaffOp {
    Add(StaffAccount),
    List,
    ById(String),
    ByEmail(String),
    Change {
        id: String,
        change: StaffChange,
        /// The staff account asking (None: the root token, an API token or the CLI): nobody
        /// disables or re-roles themselves (`CANNOT_CHANGE_SELF`).
        by: Option<String>,
    },
    /// The person's own second factor, confirmed with a code of `step`: the sealed secret is
    /// kept and that step counts as used (the confirming code does not sign in again).
    SetTotp {
        id: String,
        sealed: String,
        step: i64,
    },
    /// Takes one sign-in attempt of `key`'s budget ([`attempts`]): `Wait(0)` when taken, else
    /// `Wait(seconds)` and nothing taken.
    TakeAttempt {
        key: String,
        budget: attempts::Budget,
    },
    /// Gives a taken attempt back (the person got in).
    ReturnAttempt {
        key: String,
        budget: attempts::Budget,
    },
    /// How long until `key` may try again (a read: `Wait`).
    AttemptWait {
        key: String,
        budget: attempts::Budget,
    },
    AddToken {
        token: ApiToken,
        hash: String,
    },
    Tokens,
    RevokeToken(String),
    /// The live token with this hash (not revoked, not expired).
    TokenByHash(String),
    TouchToken(String),
    Settings,
    SetSettings(StaffSettings),
    /// A TOTP code of this time step signs this account in: accepted once, and only when the
    /// step is later than the last accepted one (a code seen over a shoulder or replayed within
    /// its 90 seconds is refused: `TOTP_REQUIRED`). One conditional write, so two replicas
    /// cannot both accept the same code.
    UseTotpStep {
        id: String,
        step: i64,
    },
}

/// What a [`StaffOp`] answers.
#[derive(Debug, Clone)]
pub enum StaffAnswer {
    Account(Option<StaffAccount>),
    Accounts(Vec<StaffAccount>),
    Token(Option<ApiToken>),
    Tokens(Vec<ApiToken>),
    Settings(StaffSettings),
    /// Seconds to wait before another attempt (0: it was taken / may start now).
    Wait(i64),
    Done,
}

impl StaffAnswer {
    pub fn account(self) -> Option<StaffAccount> {
        match self {
            StaffAnswer::Account(a) => a,
            _ => None,
        }
    }
    pub fn accounts(self) -> Vec<StaffAccount> {
        match self {
            StaffAnswer::Accounts(a) => a,
            _ => Vec::new(),
        }
    }
    pub fn token(self) -> Option<ApiToken> {
        match self {
            StaffAnswer::Token(t) => t,
            _ => None,
        }
    }
    pub fn tokens(self) -> Vec<ApiToken> {
        match self {
            StaffAnswer::Tokens(t) => t,
            _ => Vec::new(),
        }
    }
    pub fn wait(self) -> i64 {
        match self {
            StaffAnswer::Wait(w) => w,
            _ => 0,
        }
    }
    pub fn settings(self) -> StaffSettings {
        match self {
            StaffAnswer::Settings(s) => s,
            _ => StaffSettings::default(),
        }
    }
}

const REQUIRE_TOTP: &str = "require_totp";
/// API token names: 1–64 of letters, digits, `-`, `_`, `.`, space.
pub const MAX_TOKEN_NAME: usize = 64;

/// Runs one op inside the store's transaction. `now`: unix seconds (the server's clock).
pub async fn run(tx: &mut impl StaffTx, now: i64, op: StaffOp) -> ApiResult<StaffAnswer> {
    Ok(match op {
        StaffOp::Add(account) => {
            if tx.staff_by_email(&account.email).await?.is_some() {
                return Err(ApiError::new(
                    Code::AlreadyExists,
                    "a staff account with this email exists",
                ));
            }
            tx.insert_staff(&account).await?;
            StaffAnswer::Account(Some(account))
        }
        StaffOp::List => StaffAnswer::Accounts(tx.staff_list().await?),
        StaffOp::ById(id) => StaffAnswer::Account(tx.staff_by_id(&id).await?),
        StaffOp::ByEmail(email) => StaffAnswer::Account(tx.staff_by_email(&email).await?),
        StaffOp::Change { id, change, by } => change::change_account(tx, id, change, by).await?,
        StaffOp::SetTotp { id, sealed, step } => {
            let mut account = tx
                .staff_by_id(&id)
                .await?
                .ok_or_else(|| ApiError::not_found("no staff account with this id"))?;
            account.totp_secret = Some(sealed);
            tx.update_staff(&account).await?;
            // False when a later step was used already (with the old secret): this one is too.
            tx.claim_totp_step(&id, step).await?;
            StaffAnswer::Account(Some(account))
        }
        StaffOp::TakeAttempt { key, budget } => StaffAnswer::Wait(attempts::take(tx, now, &key, budget).await?),
        StaffOp::ReturnAttempt { key, budget } => {
            tx.return_attempt(&key, budget.every).await?;
            StaffAnswer::Done
        }
        StaffOp::AttemptWait { key, budget } => {
            StaffAnswer::Wait(budget.wait(tx.attempts_ahead_until(&key).await?, now))
        }
        StaffOp::AddToken { token, hash } => {
            check_token_name(&token.name)?;
            if tx
                .api_tokens()
                .await?
                .iter()
                .any(|t| t.name == token.name && t.live(now))
            {
                return Err(ApiError::new(Code::AlreadyExists, "a live token has this name"));
            }
            tx.insert_api_token(&token, &hash).await?;
            StaffAnswer::Token(Some(token))
        }
        StaffOp::Tokens => StaffAnswer::Tokens(tx.api_tokens().await?),
        StaffOp::RevokeToken(id) => {
            let token = tx
                .api_token_by_id(&id)
                .await?
                .ok_or_else(|| ApiError::not_found("no API token with this id"))?;
            if token.revoked_at.is_none() {
                tx.set_api_token_revoked(&id, now).await?;
            }
            StaffAnswer::Token(tx.api_token_by_id(&id).await?)
        }
        StaffOp::TokenByHash(hash) => StaffAnswer::Token(tx.api_token_by_hash(&hash).await?.filter(|t| t.live(now))),
        StaffOp::TouchToken(id) => {
            tx.set_api_token_used(&id, now).await?;
            StaffAnswer::Done
        }
        StaffOp::Settings => StaffAnswer::Settings(settings(tx).await?),
        StaffOp::UseTotpStep { id, step } => {
            if !tx.claim_totp_step(&id, step).await? {
                return Err(ApiError::new(
                    Code::TotpRequired,
                    "that code was used already: wait for the next code from your authenticator app",
                ));
            }
            StaffAnswer::Done
        }
        StaffOp::SetSettings(s) => {
            tx.put_staff_setting(REQUIRE_TOTP, if s.require_totp { "1" } else { "0" })
                .await?;
            StaffAnswer::Settings(s)
        }
    })
}

async fn settings(tx: &mut impl StaffTx) -> ApiResult<StaffSettings> {
    Ok(StaffSettings {
        require_totp: tx.staff_setting(REQUIRE_TOTP).await?.as_deref() == Some("1"),
    })
}

fn check_token_name(name: &str) -> ApiResult<()> {
    let ok = !name.trim().is_empty()
        && name.len() <= MAX_TOKEN_NAME
        && name.chars().all(|c| c.is_alphanumeric() || "-_. ".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "a token name has 1-64 letters, digits, '-', '_', '.' or spaces",
        ))
    }
}

/// A new account from what a person typed: `INVALID_EMAIL`, `WEAK_PASSWORD` (the role is parsed
/// by the caller: `UNKNOWN_ROLE`). Hashes the password (slow: not in a transaction).
pub async fn new_account(email: &str, role: Role, password: String, now: i64) -> ApiResult<StaffAccount> {
    let email = password::normalize_email(email)?;
    password::check_strength(&password, &email)?;
    Ok(StaffAccount {
        id: super::ids::new_id("stf"),
        email,
        role,
        disabled: false,
        password_hash: password::hash_blocking(password).await?,
        totp_secret: None,
        created_at: now,
    })
}

/// A new token's record and its secret (`kt_…`, shown once); store only `hasher`'s hash of it.
pub fn new_token(
    name: &str,
    role: Role,
    product_id: Option<String>,
    expires_at: Option<i64>,
    now: i64,
) -> (ApiToken, String) {
    use base64::Engine;
    let secret = format!(
        "kt_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(crate::domain::secrets::fresh_secret())
    );
    let token = ApiToken {
        id: super::ids::new_id("tok"),
        name: name.trim().to_string(),
        role,
        product_id,
        expires_at,
        last_used_at: None,
        revoked_at: None,
        created_at: now,
    };
    (token, secret)
}
