//! Reading SQLite rows into [`crate::domain::model`] types. The column lists are shared with the
//! PostgreSQL store, which reads the same columns in the same order.

use crate::domain::leases::SeatTerms;
use crate::domain::model::{
    self, Activation, FingerprintRule, License, LicenseCtx, Matching, Policy, Product, Uniqueness, ValidateActivation,
    ValidateView,
};
use crate::domain::page::Page;
use crate::domain::tx::Held;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::sync::LazyLock;

// The column lists both stores read (PostgreSQL too), and how many columns each has.
pub const POLICY_COLS: &str = "p.id, p.product_id, p.name, p.max_machines, p.uniqueness, p.matching, p.fuzzy_min, \
    p.renew_interval_secs, p.grace_secs, p.duration_secs, p.allow_vm, p.trial, p.created_at, p.offline_lease_secs, \
    p.floating, p.lease_secs, p.max_borrow_secs, p.release_unseen_days";
pub const POLICY_N: usize = 18;
pub const LICENSE_COLS: &str = "l.id, l.policy_id, l.product_id, l.key_prefix, l.status, l.expires_at, l.owner_name, \
    l.owner_email, l.entitlements, l.metadata, l.created_at";
pub const LICENSE_N: usize = 11;
pub const ACTIVATION_COLS: &str = "a.id, a.license_id, a.fingerprint, a.components, a.name, a.platform, a.vm, \
    a.container, a.created_at, a.last_renewed_at, a.offline_until";
pub const ACTIVATION_N: usize = 11;
/// In a row of `LICENSE_COLS, POLICY_COLS, pr.name, ...`: where the policy and the product name are.
pub const CTX_POLICY_AT: usize = LICENSE_N;
pub const CTX_PRODUCT_NAME_AT: usize = LICENSE_N + POLICY_N;

fn policy_at(r: &Row, o: usize) -> rusqlite::Result<Policy> {
    Ok(Policy {
        id: r.get(o)?,
        product_id: r.get(o + 1)?,
        name: r.get(o + 2)?,
        max_machines: model::count(r.get(o + 3)?),
        uniqueness: Uniqueness::parse(&r.get::<_, String>(o + 4)?),
        matching: Matching::parse(&r.get::<_, String>(o + 5)?),
        fuzzy_min: model::count(r.get(o + 6)?),
        renew_interval_secs: r.get(o + 7)?,
        grace_secs: r.get(o + 8)?,
        duration_secs: r.get(o + 9)?,
        allow_vm: r.get(o + 10)?,
        trial: r.get(o + 11)?,
        created_at: r.get(o + 12)?,
        offline_lease_secs: r.get(o + 13)?,
        seats: SeatTerms {
            floating: r.get(o + 14)?,
            lease_secs: r.get(o + 15)?,
            max_borrow_secs: r.get(o + 16)?,
            release_unseen_days: r.get(o + 17)?,
        },
    })
}

fn license_at(r: &Row, o: usize) -> rusqlite::Result<License> {
    let entitlements: String = r.get(o + 8)?;
    let metadata: String = r.get(o + 9)?;
    Ok(License {
        id: r.get(o)?,
        policy_id: r.get(o + 1)?,
        product_id: r.get(o + 2)?,
        key_prefix: r.get(o + 3)?,
        status: model::parse_status(&r.get::<_, String>(o + 4)?),
        expires_at: r.get(o + 5)?,
        owner_name: r.get(o + 6)?,
        owner_email: r.get(o + 7)?,
        entitlements: serde_json::from_str(&entitlements).unwrap_or_default(),
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        created_at: r.get(o + 10)?,
    })
}

fn activation_at(r: &Row, o: usize) -> rusqlite::Result<Activation> {
    let components: String = r.get(o + 3)?;
    Ok(Activation {
        id: r.get(o)?,
        license_id: r.get(o + 1)?,
        fingerprint: r.get(o + 2)?,
        components: serde_json::from_str(&components).unwrap_or_default(),
        name: r.get(o + 4)?,
        platform: r.get(o + 5)?,
        vm: r.get(o + 6)?,
        container: r.get(o + 7)?,
        created_at: r.get(o + 8)?,
        last_renewed_at: r.get(o + 9)?,
        offline_until: r.get(o + 10)?,
    })
}

/// The license, its policy and product name, then `seats_used`; `filter` follows `WHERE`
/// (both stores).
pub fn ctx_query(filter: &str) -> String {
    format!(
        "SELECT {LICENSE_COLS}, {POLICY_COLS}, pr.name, l.seats_used FROM licenses l \
         JOIN policies p ON p.id = l.policy_id JOIN products pr ON pr.id = l.product_id WHERE {filter}"
    )
}

fn ctx_at(r: &Row) -> rusqlite::Result<LicenseCtx> {
    Ok(LicenseCtx {
        license: license_at(r, 0)?,
        policy: policy_at(r, CTX_POLICY_AT)?,
        product_name: r.get(CTX_PRODUCT_NAME_AT)?,
    })
}

pub fn held_at(r: &Row) -> rusqlite::Result<Held> {
    Ok((ctx_at(r)?, model::count(r.get(CTX_PRODUCT_NAME_AT + 1)?)))
}

pub fn license_by_hash(conn: &Connection, key_hash: &str) -> rusqlite::Result<Option<Held>> {
    static SQL: LazyLock<String> = LazyLock::new(|| ctx_query("l.key_hash = ?1"));
    conn.prepare_cached(&SQL)?.query_row([key_hash], held_at).optional()
}

/// Validate's columns after `LICENSE_COLS, POLICY_COLS, pr.name`, where they are in its row.
pub const VALIDATE_TAIL_AT: usize = CTX_PRODUCT_NAME_AT + 1;

/// Validate's statement (both stores), with each store's placeholders for the key hash and the
/// fingerprint.
pub fn validate_query(key_hash: &str, fp: &str) -> String {
    format!(
        "SELECT {LICENSE_COLS}, {POLICY_COLS}, pr.name, \
         l.seats_used, \
         (SELECT rule FROM fingerprint_rules f WHERE f.product_id = l.product_id AND f.fingerprint = {fp}), \
         a.id, a.last_renewed_at, a.offline_until \
         FROM licenses l JOIN policies p ON p.id = l.policy_id JOIN products pr ON pr.id = l.product_id \
         LEFT JOIN activations a ON a.license_id = l.id AND a.fingerprint = {fp} \
         WHERE l.key_hash = {key_hash}"
    )
}

pub fn validate_view(conn: &Connection, key_hash: &str, fingerprint: &str) -> rusqlite::Result<Option<ValidateView>> {
    // Built once: validate is the hottest request.
    static SQL: LazyLock<String> = LazyLock::new(|| validate_query("?1", "?2"));
    conn.prepare_cached(&SQL)?
        .query_row(params![key_hash, fingerprint], |r| {
            let at = VALIDATE_TAIL_AT;
            let activation_id: Option<String> = r.get(at + 2)?;
            let activation = match activation_id {
                Some(id) => Some(ValidateActivation {
                    id,
                    last_renewed_at: r.get(at + 3)?,
                    offline_until: r.get(at + 4)?,
                }),
                None => None,
            };
            Ok(ValidateView {
                ctx: ctx_at(r)?,
                seats_used: model::count(r.get(at)?),
                rule: r
                    .get::<_, Option<String>>(at + 1)?
                    .as_deref()
                    .and_then(FingerprintRule::parse),
                activation,
            })
        })
        .optional()
}

pub fn license_by_id(conn: &Connection, id: &str) -> rusqlite::Result<Option<Held>> {
    static SQL: LazyLock<String> = LazyLock::new(|| ctx_query("l.id = ?1"));
    conn.prepare_cached(&SQL)?.query_row([id], held_at).optional()
}

pub fn licenses(conn: &Connection, product_id: Option<&str>) -> rusqlite::Result<Vec<Held>> {
    let mut stmt = conn.prepare(&ctx_query(
        "(?1 IS NULL OR l.product_id = ?1) ORDER BY l.created_at, l.rowid",
    ))?;
    let rows = stmt.query_map([product_id], held_at)?;
    rows.collect()
}

pub fn product(conn: &Connection, id: &str) -> rusqlite::Result<Option<Product>> {
    conn.query_row("SELECT id, name, created_at FROM products WHERE id = ?1", [id], |r| {
        Ok(Product {
            id: r.get(0)?,
            name: r.get(1)?,
            created_at: r.get(2)?,
        })
    })
    .optional()
}

pub fn products(conn: &Connection) -> rusqlite::Result<Vec<Product>> {
    let mut stmt = conn.prepare("SELECT id, name, created_at FROM products ORDER BY created_at, rowid")?;
    let rows = stmt.query_map([], |r| {
        Ok(Product {
            id: r.get(0)?,
            name: r.get(1)?,
            created_at: r.get(2)?,
        })
    })?;
    rows.collect()
}

pub fn policy(conn: &Connection, id: &str) -> rusqlite::Result<Option<Policy>> {
    conn.query_row(
        &format!("SELECT {POLICY_COLS} FROM policies p WHERE p.id = ?1"),
        [id],
        |r| policy_at(r, 0),
    )
    .optional()
}

pub fn policies(conn: &Connection, product_id: Option<&str>) -> rusqlite::Result<Vec<Policy>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {POLICY_COLS} FROM policies p WHERE (?1 IS NULL OR p.product_id = ?1) ORDER BY p.created_at, p.rowid"
    ))?;
    let rows = stmt.query_map([product_id], |r| policy_at(r, 0))?;
    rows.collect()
}

/// The product's trial policy (the oldest policy marked trial).
pub fn trial_policy(conn: &Connection, product_id: &str) -> rusqlite::Result<Option<Policy>> {
    conn.query_row(
        &format!("SELECT {POLICY_COLS} FROM policies p WHERE p.product_id = ?1 AND p.trial = 1 ORDER BY p.created_at, p.rowid LIMIT 1"),
        [product_id],
        |r| policy_at(r, 0),
    )
    .optional()
}

/// Every activation of the license (FUZZY matching compares a new device with all of them).
pub fn activations(conn: &Connection, license_id: &str) -> rusqlite::Result<Vec<Activation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ACTIVATION_COLS} FROM activations a WHERE a.license_id = ?1 ORDER BY a.rowid"
    ))?;
    let rows = stmt.query_map([license_id], |r| activation_at(r, 0))?;
    rows.collect()
}

/// One page of the license's activations in insertion order, and the cursor of the next page.
pub fn activations_page(
    conn: &Connection,
    license_id: &str,
    page: &Page,
) -> rusqlite::Result<(Vec<Activation>, Option<String>)> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ACTIVATION_COLS}, a.rowid FROM activations a WHERE a.license_id = ?1 AND a.rowid > ?2 \
         ORDER BY a.rowid LIMIT ?3"
    ))?;
    let mut last = 0i64;
    let rows = stmt.query_map(params![license_id, page.after, page.limit + 1], |r| {
        Ok((activation_at(r, 0)?, r.get::<_, i64>(ACTIVATION_N)?))
    })?;
    let mut list = Vec::with_capacity(page.limit as usize);
    let mut more = false;
    for row in rows {
        let (activation, seq) = row?;
        if list.len() == page.limit as usize {
            more = true;
            break;
        }
        last = seq;
        list.push(activation);
    }
    Ok((list, more.then(|| last.to_string())))
}

/// The `limit` activations of the license seen longest ago (to offer for freeing a seat).
pub fn stalest_activations(conn: &Connection, license_id: &str, limit: u32) -> rusqlite::Result<Vec<Activation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ACTIVATION_COLS} FROM activations a WHERE a.license_id = ?1 \
         ORDER BY a.last_renewed_at, a.rowid LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![license_id, limit], |r| activation_at(r, 0))?;
    rows.collect()
}

pub fn activation_by_fingerprint(
    conn: &Connection,
    license_id: &str,
    fingerprint: &str,
) -> rusqlite::Result<Option<Activation>> {
    conn.prepare_cached(&format!(
        "SELECT {ACTIVATION_COLS} FROM activations a WHERE a.license_id = ?1 AND a.fingerprint = ?2"
    ))?
    .query_row(params![license_id, fingerprint], |r| activation_at(r, 0))
    .optional()
}

pub fn activation_by_id(conn: &Connection, license_id: &str, id: &str) -> rusqlite::Result<Option<Activation>> {
    conn.prepare_cached(&format!(
        "SELECT {ACTIVATION_COLS} FROM activations a WHERE a.license_id = ?1 AND a.id = ?2"
    ))?
    .query_row(params![license_id, id], |r| activation_at(r, 0))
    .optional()
}

/// The license's seat counter (kept by the schema's triggers).
pub fn seats_used(conn: &Connection, license_id: &str) -> rusqlite::Result<u32> {
    conn.prepare_cached("SELECT seats_used FROM licenses WHERE id = ?1")?
        .query_row([license_id], |r| Ok(model::count(r.get(0)?)))
}

/// The product's oldest policy with this name.
pub fn policy_named(conn: &Connection, product_id: &str, name: &str) -> rusqlite::Result<Option<Policy>> {
    conn.query_row(
        &format!("SELECT {POLICY_COLS} FROM policies p WHERE p.product_id = ?1 AND p.name = ?2 ORDER BY p.created_at, p.rowid LIMIT 1"),
        [product_id, name],
        |r| policy_at(r, 0),
    )
    .optional()
}

/// `BLOCK`, `ALLOW` or nothing for this fingerprint of this product.
pub fn fingerprint_rule(
    conn: &Connection,
    product_id: &str,
    fingerprint: &str,
) -> rusqlite::Result<Option<FingerprintRule>> {
    let rule: Option<String> = conn
        .prepare_cached("SELECT rule FROM fingerprint_rules WHERE product_id = ?1 AND fingerprint = ?2")?
        .query_row(params![product_id, fingerprint], |r| r.get(0))
        .optional()?;
    Ok(rule.as_deref().and_then(FingerprintRule::parse))
}
