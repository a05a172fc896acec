//! Page modules the console and the customer portal share, each served under both
//! (`/console/…`, `/portal/…`) so each page stays same-origin and under its own path.

/// The JSON API helper: `jsonApi(base, csrfToken)` (see the file's header).
pub const JSON_API: &str = include_str!("json_api.js");
