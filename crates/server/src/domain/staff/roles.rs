//! Who may do what: the one table of roles × admin actions. The server checks it for every admin
//! route and console action ([`crate::http::staff::guard`]); the console asks it (`GET
//! /console/api/me`) only to hide the buttons a role may not use. The README's table is checked
//! against [`TABLE`] by a test (`readme_table_matches_the_code`).

use super::super::errors::{ApiError, ApiResult};
use keyturn_protocol::Code;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Support,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Support, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Support => "support",
            Role::Viewer => "viewer",
        }
    }

    /// `UNKNOWN_ROLE` for anything but the four names.
    pub fn parse(text: &str) -> ApiResult<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim().to_ascii_lowercase())
            .ok_or_else(|| ApiError::new(Code::UnknownRole, "the role must be owner, admin, support or viewer"))
    }
}

/// Every admin action a route or console button stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Look up: products, policies, licenses, machines, events, search, the public key.
    Read,
    SuspendReinstate,
    /// Extend by up to [`SUPPORT_EXTEND_DAYS`] past the later of now and the current expiry.
    Extend,
    /// Extend without limit, or make a license never expire.
    ExtendUnlimited,
    Reset,
    RemoveMachine,
    Revoke,
    CreateLicense,
    Products,
    Policies,
    Fingerprints,
    /// Change a license's owner details and add notes.
    EditLicense,
    /// Suspend or extend many licenses at once.
    Bulk,
    /// Webhook endpoints (their URLs and secrets) and the delivery log.
    Webhooks,
    /// Send a license's key email again (the console's mail queue).
    ResendMail,
    Staff,
    Tokens,
    /// Server settings (require TOTP for everyone) and the test clock.
    Settings,
}

/// How far support may extend a license: past the later of now and its current expiry.
pub const SUPPORT_EXTEND_DAYS: i64 = 31;

/// `(action, [owner, admin, support, viewer])`.
pub const TABLE: &[(Action, [bool; 4])] = &[
    (Action::Read, [true, true, true, true]),
    (Action::SuspendReinstate, [true, true, true, false]),
    (Action::Extend, [true, true, true, false]),
    (Action::ExtendUnlimited, [true, true, false, false]),
    (Action::Reset, [true, true, true, false]),
    (Action::RemoveMachine, [true, true, true, false]),
    (Action::Revoke, [true, true, false, false]),
    (Action::CreateLicense, [true, true, false, false]),
    (Action::Products, [true, true, false, false]),
    (Action::Policies, [true, true, false, false]),
    (Action::Fingerprints, [true, true, false, false]),
    (Action::EditLicense, [true, true, true, false]),
    (Action::Bulk, [true, true, false, false]),
    (Action::Webhooks, [true, false, false, false]),
    (Action::ResendMail, [true, true, true, false]),
    (Action::Staff, [true, false, false, false]),
    (Action::Tokens, [true, false, false, false]),
    (Action::Settings, [true, false, false, false]),
];

/// May this role do this? (An action missing from the table: nobody.)
pub fn may(role: Role, action: Action) -> bool {
    let column = Role::ALL
        .iter()
        .position(|r| *r == role)
        .expect("every role has a column");
    TABLE
        .iter()
        .find(|(a, _)| *a == action)
        .is_some_and(|(_, allowed)| allowed[column])
}

/// `FORBIDDEN` unless the role may do it.
pub fn require(role: Role, action: Action) -> ApiResult<()> {
    if may(role, action) {
        Ok(())
    } else {
        Err(ApiError::new(
            Code::Forbidden,
            format!("the {} role may not do this ({})", role.as_str(), action_name(action)),
        ))
    }
}

/// The action's wire name (`suspend_reinstate`).
pub fn action_name(action: Action) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The table as Markdown, as the README shows it.
pub fn markdown_table() -> String {
    let mut out = String::from("| action | owner | admin | support | viewer |\n|---|---|---|---|---|\n");
    for (action, allowed) in TABLE {
        let cells: Vec<&str> = allowed.iter().map(|a| if *a { "yes" } else { "no" }).collect();
        out.push_str(&format!("| `{}` | {} |\n", action_name(*action), cells.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest() {
        // Each role may do everything the next one down may.
        for (_, allowed) in TABLE {
            for pair in allowed.windows(2) {
                assert!(pair[0] || !pair[1], "{allowed:?}");
            }
        }
        assert!(may(Role::Support, Action::Reset) && !may(Role::Support, Action::Revoke));
        assert!(!may(Role::Viewer, Action::SuspendReinstate) && may(Role::Viewer, Action::Read));
        assert!(!may(Role::Admin, Action::Staff) && may(Role::Owner, Action::Tokens));
    }

    #[test]
    fn unknown_roles_are_refused() {
        assert_eq!(Role::parse(" Support").unwrap(), Role::Support);
        assert_eq!(Role::parse("root").unwrap_err().code(), Code::UnknownRole);
    }

    #[test]
    fn readme_table_matches_the_code() {
        let readme = include_str!("../../../README.md");
        assert!(
            readme.contains(&markdown_table()),
            "README.md's role table differs from the code; paste this:\n{}",
            markdown_table()
        );
    }
}
