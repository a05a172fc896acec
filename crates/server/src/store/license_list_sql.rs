//! The license list's SQL, the same for SQLite and PostgreSQL (each store names its own
//! placeholders and binds [`Param`]s its own way). See [`crate::domain::license_list`].

use crate::domain::license_list::{After, Filter, ListRequest, Sort};
use crate::domain::model::LicenseState;

/// A value to bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Int(i64),
    Text(String),
}

/// A statement and its values in placeholder order.
pub struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

/// How a store writes its SQL: placeholders (`?1` or `$1`) and the collation that compares text
/// byte by byte (SQLite's default; PostgreSQL's `"C"`), so both stores sort owners alike.
pub struct Dialect {
    pub placeholder: fn(usize) -> String,
    pub bytewise: &'static str,
    /// The text filter for a LIKE pattern (placeholder): case-insensitive. SQLite: two LIKEs
    /// (already case-insensitive for ASCII; cheaper than joining the columns); PostgreSQL:
    /// ILIKE over [`OWNER_TEXT`], the expression its trigram index is on.
    pub owner_matches: fn(&str) -> String,
}

pub const SQLITE: Dialect = Dialect {
    placeholder: |n| format!("?{n}"),
    bytewise: "",
    owner_matches: |p| format!("(l.owner_email LIKE {p} ESCAPE '\\' OR l.owner_name LIKE {p} ESCAPE '\\')"),
};

pub const POSTGRES: Dialect = Dialect {
    placeholder: |n| format!("${n}"),
    bytewise: " COLLATE \"C\"",
    owner_matches: |p| format!("(l.owner_email || ' ' || l.owner_name) ILIKE {p} ESCAPE '\\'"),
};

/// Builds a statement, numbering placeholders with the store's style.
struct Builder<'a> {
    params: Vec<Param>,
    dialect: &'a Dialect,
}

impl Builder<'_> {
    fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        (self.dialect.placeholder)(self.params.len())
    }

    /// The conditions after `WHERE` (`TRUE` when there are none).
    fn filter(&mut self, f: &Filter) -> String {
        let mut conds: Vec<String> = Vec::new();
        if let Some(state) = f.state {
            // The same order as rules::license_problem: revoked, suspended, then expired.
            conds.push(match state {
                LicenseState::Revoked => "l.status = 'REVOKED'".into(),
                LicenseState::Suspended => "l.status = 'SUSPENDED'".into(),
                LicenseState::Expired => {
                    let now = self.bind(Param::Int(f.now));
                    format!("l.status = 'ACTIVE' AND l.expires_at IS NOT NULL AND l.expires_at <= {now}")
                }
                LicenseState::Active => {
                    let now = self.bind(Param::Int(f.now));
                    format!("l.status = 'ACTIVE' AND (l.expires_at IS NULL OR l.expires_at > {now})")
                }
            });
        }
        if let Some(product) = &f.product_id {
            conds.push(format!("l.product_id = {}", self.bind(Param::Text(product.clone()))));
        }
        if let Some(policy) = &f.policy_id {
            conds.push(format!("l.policy_id = {}", self.bind(Param::Text(policy.clone()))));
        }
        if let Some(before) = f.expires_before {
            let at = self.bind(Param::Int(before));
            conds.push(format!("l.expires_at IS NOT NULL AND l.expires_at < {at}"));
        }
        if let Some(after) = f.created_after {
            conds.push(format!("l.created_at >= {}", self.bind(Param::Int(after))));
        }
        if let Some(before) = f.created_before {
            conds.push(format!("l.created_at < {}", self.bind(Param::Int(before))));
        }
        if f.seats_full {
            // A floating license's seats in use are its live leases, as in its summary
            // (`domain::leases::admin::seats_in_use`).
            let now = self.bind(Param::Int(f.now));
            conds.push(format!(
                "(SELECT CASE WHEN sp.floating \
                 THEN (SELECT COUNT(*) FROM leases le WHERE le.license_id = l.id AND le.expires_at > {now}) \
                 ELSE l.seats_used END >= sp.max_machines FROM policies sp WHERE sp.id = l.policy_id)"
            ));
        }
        if let Some(text) = &f.text {
            let escaped: String = text
                .chars()
                .flat_map(|c| {
                    if matches!(c, '%' | '_' | '\\') {
                        vec!['\\', c]
                    } else {
                        vec![c]
                    }
                })
                .collect();
            let like = self.bind(Param::Text(format!("%{escaped}%")));
            conds.push((self.dialect.owner_matches)(&like));
        }
        if conds.is_empty() {
            "1 = 1".into()
        } else {
            conds.iter().map(|c| format!("({c})")).collect::<Vec<_>>().join(" AND ")
        }
    }
}

/// PostgreSQL's text filter searches owner email and name as one string: its trigram index is
/// on this very expression (see [`POSTGRES`]).
pub const OWNER_TEXT: &str = "owner_email || ' ' || owner_name";

/// The sort value's expression, and whether the order is descending.
fn sort_key(sort: Sort, d: &Dialect) -> (String, bool) {
    match sort {
        Sort::Newest => ("l.created_at".into(), true),
        // Never-expiring licenses last: the cursor uses the same stand-in (i64::MAX).
        Sort::Expiring => ("COALESCE(l.expires_at, 9223372036854775807)".into(), false),
        Sort::Owner => (format!("l.owner_email{}", d.bytewise), false),
    }
}

/// The page's statement: `select` is the store's `SELECT … FROM licenses l JOIN … WHERE` head
/// ([`crate::store::sqlite::rows::ctx_query`] with an empty filter).
pub fn page(req: &ListRequest, select_where: &str, d: &Dialect) -> Sql {
    let mut b = Builder {
        params: Vec::new(),
        dialect: d,
    };
    let mut text = format!("{select_where} {}", b.filter(&req.filter));
    let (key, desc) = sort_key(req.sort, d);
    if let Some(after) = &req.after {
        let (value, id) = match after {
            After::Number(n, id) => (b.bind(Param::Int(*n)), id),
            After::Text(t, id) => (b.bind(Param::Text(t.clone())), id),
        };
        let id = b.bind(Param::Text(id.clone()));
        let op = if desc { "<" } else { ">" };
        text.push_str(&format!(" AND ({key}, l.id) {op} ({value}, {id})"));
    }
    let dir = if desc { "DESC" } else { "ASC" };
    let rows = b.bind(Param::Int(i64::from(req.rows)));
    text.push_str(&format!(" ORDER BY {key} {dir}, l.id {dir} LIMIT {rows}"));
    Sql { text, params: b.params }
}

/// How many licenses match.
pub fn count(filter: &Filter, d: &Dialect) -> Sql {
    let mut b = Builder {
        params: Vec::new(),
        dialect: d,
    };
    let text = format!("SELECT count(*) FROM licenses l WHERE {}", b.filter(filter));
    Sql { text, params: b.params }
}

/// Indexes for the list's orders (`CREATE INDEX IF NOT EXISTS` also upgrades an existing
/// database).
pub fn indexes(d: &Dialect) -> String {
    format!(
        "CREATE INDEX IF NOT EXISTS licenses_created ON licenses(created_at, id);
         CREATE INDEX IF NOT EXISTS licenses_expiring ON licenses((COALESCE(expires_at, 9223372036854775807)), id);
         CREATE INDEX IF NOT EXISTS licenses_owner_email ON licenses(owner_email{}, id);",
        d.bytewise
    )
}

/// Lists and maps are stored as JSON text (as both stores' `tx.rs` write them).
pub fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("lists and maps serialize")
}
