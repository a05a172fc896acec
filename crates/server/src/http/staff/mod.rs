//! Staff accounts and API tokens over HTTP: who is asking ([`Principal`], set by the admin API's
//! bearer check and the console's session check, see [`auth`]), whether they may ([`guard`]),
//! and the owners' pages of staff, tokens and settings plus everyone's own password and second
//! factor ([`manage`]).
//!
//! | route (under `/admin/v1` and `/console/api`) | who | answer |
//! |---|---|---|
//! | `GET /staff` · `POST /staff` `{email, role, password}` | owner | list / 201 account |
//! | `POST /staff/{id}/disable` · `/enable` · `/role` `{role}` · `/password` `{password}` · `/totp/clear` | owner | account |
//! | `GET /tokens` · `POST /tokens` `{name, role, product_id?, expires_at?}` | owner | list / 201 `{token, api_token}` (the token only here) |
//! | `POST /tokens/{id}/revoke` | owner | token |
//! | `GET /settings` · `POST /settings` `{require_totp}` | owner | settings |
//! | `GET /me` (console) | anyone signed in | who, role, what the role may do |
//! | `POST /me/password` `{current, new}` · `POST /me/totp/begin` · `POST /me/totp` `{secret, code}` (console) | staff | 204 / `{secret, otpauth_url}` / 204 |

pub mod auth;
pub mod guard;
pub mod manage;
mod scope;

use crate::domain::staff::Role;

/// Who a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The root token from the environment (`--admin-token`), or a console session opened with it.
    Root,
    Staff {
        id: String,
        email: String,
        role: Role,
        /// TOTP is required for everyone and this account has none yet: it may only read and
        /// set one up.
        totp_pending: bool,
    },
    Token {
        id: String,
        name: String,
        role: Role,
        product_id: Option<String>,
    },
}

impl Principal {
    pub fn role(&self) -> Role {
        match self {
            Principal::Root => Role::Owner,
            Principal::Staff { role, .. } | Principal::Token { role, .. } => *role,
        }
    }

    /// The one product a scoped token sees.
    pub fn scope(&self) -> Option<&str> {
        match self {
            Principal::Token { product_id, .. } => product_id.as_deref(),
            _ => None,
        }
    }

    pub fn must_set_up_totp(&self) -> bool {
        matches!(self, Principal::Staff { totp_pending: true, .. })
    }

    /// How the event log names it: `support: ann@acme.com`, `token: shop-backend` (the root
    /// token: nothing more than the door and address).
    pub fn label(&self) -> Option<String> {
        match self {
            Principal::Root => None,
            Principal::Staff { email, role, .. } => Some(format!("{}: {email}", role.as_str())),
            Principal::Token { name, .. } => Some(format!("token: {name}")),
        }
    }
}

pub use manage::{console_handlers, handlers};
