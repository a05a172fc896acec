//! Reading PostgreSQL rows into [`crate::domain::model`] types (the column lists and their order
//! are the SQLite store's, [`crate::store::sqlite::rows`]).

use crate::domain::leases::SeatTerms;
use crate::domain::model::{
    self, Activation, FingerprintRule, License, LicenseCtx, Matching, Policy, Product, Uniqueness, ValidateActivation,
    ValidateView,
};
use crate::domain::page::Page;
use crate::domain::tx::Held;
use deadpool_postgres::GenericClient;
use std::sync::LazyLock;
use tokio_postgres::Row;

pub type PgResult<T> = Result<T, tokio_postgres::Error>;

/// A database failure as the server logs it: with PostgreSQL's SQLSTATE and message (e.g.
/// `40P01 deadlock detected`), which tokio-postgres's own text ("db error") leaves out. Never the
/// error's DETAIL, which may quote row values.
///
/// A unique index refusing a row is the client's answer, not a failure: two requests creating
/// the same thing at once (the same staff email, sent twice by a double click) both pass the
/// rule's "does it exist?" read, and the second insert meets the index. SQLite's one writer
/// never gets there; here it answered 500.
impl From<tokio_postgres::Error> for crate::domain::errors::ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
            return crate::domain::errors::ApiError::new(
                keyturn_protocol::Code::AlreadyExists,
                "this already exists (another request made it at the same moment)",
            );
        }
        let text = match e.as_db_error() {
            Some(db) => format!("{} {}", db.code().code(), db.message()),
            None => e.to_string(),
        };
        crate::domain::errors::ApiError::Store(text)
    }
}

use crate::store::sqlite::rows::{
    ctx_query, validate_query, ACTIVATION_N, CTX_POLICY_AT, CTX_PRODUCT_NAME_AT, VALIDATE_TAIL_AT,
};
pub use crate::store::sqlite::rows::{ACTIVATION_COLS, POLICY_COLS};

fn policy_at(r: &Row, o: usize) -> Policy {
    Policy {
        id: r.get(o),
        product_id: r.get(o + 1),
        name: r.get(o + 2),
        max_machines: model::count(r.get(o + 3)),
        uniqueness: Uniqueness::parse(r.get(o + 4)),
        matching: Matching::parse(r.get(o + 5)),
        fuzzy_min: model::count(r.get(o + 6)),
        renew_interval_secs: r.get(o + 7),
        grace_secs: r.get(o + 8),
        duration_secs: r.get(o + 9),
        allow_vm: r.get(o + 10),
        trial: r.get(o + 11),
        created_at: r.get(o + 12),
        offline_lease_secs: r.get(o + 13),
        seats: SeatTerms {
            floating: r.get(o + 14),
            lease_secs: r.get(o + 15),
            max_borrow_secs: r.get(o + 16),
            release_unseen_days: r.get(o + 17),
        },
    }
}

fn license_at(r: &Row, o: usize) -> License {
    License {
        id: r.get(o),
        policy_id: r.get(o + 1),
        product_id: r.get(o + 2),
        key_prefix: r.get(o + 3),
        status: model::parse_status(r.get(o + 4)),
        expires_at: r.get(o + 5),
        owner_name: r.get(o + 6),
        owner_email: r.get(o + 7),
        entitlements: serde_json::from_str(r.get(o + 8)).unwrap_or_default(),
        metadata: serde_json::from_str(r.get(o + 9)).unwrap_or_default(),
        created_at: r.get(o + 10),
    }
}

pub fn activation_at(r: &Row, o: usize) -> Activation {
    Activation {
        id: r.get(o),
        license_id: r.get(o + 1),
        fingerprint: r.get(o + 2),
        components: serde_json::from_str(r.get(o + 3)).unwrap_or_default(),
        name: r.get(o + 4),
        platform: r.get(o + 5),
        vm: r.get(o + 6),
        container: r.get(o + 7),
        created_at: r.get(o + 8),
        last_renewed_at: r.get(o + 9),
        offline_until: r.get(o + 10),
    }
}

pub fn product_at(r: &Row) -> Product {
    Product {
        id: r.get(0),
        name: r.get(1),
        created_at: r.get(2),
    }
}

/// A license and its seat count from a [`ctx_query`] row.
pub fn held_at(r: &Row) -> Held {
    (
        LicenseCtx {
            license: license_at(r, 0),
            policy: policy_at(r, CTX_POLICY_AT),
            product_name: r.get(CTX_PRODUCT_NAME_AT),
        },
        model::count(r.get(CTX_PRODUCT_NAME_AT + 1)),
    )
}

/// What validate reads, in one statement (prepared once per connection).
pub async fn validate_view<C: GenericClient>(
    c: &C,
    key_hash: &str,
    fingerprint: &str,
) -> PgResult<Option<ValidateView>> {
    static SQL: LazyLock<String> = LazyLock::new(|| validate_query("$1", "$2"));
    let stmt = c.prepare_cached(&SQL).await?;
    let Some(row) = c.query_opt(&stmt, &[&key_hash, &fingerprint]).await? else {
        return Ok(None);
    };
    let (ctx, seats_used) = held_at(&row);
    let at = VALIDATE_TAIL_AT;
    Ok(Some(ValidateView {
        ctx,
        seats_used,
        rule: row.get::<_, Option<&str>>(at + 1).and_then(FingerprintRule::parse),
        activation: row.get::<_, Option<String>>(at + 2).map(|id| ValidateActivation {
            id,
            last_renewed_at: row.get(at + 3),
            offline_until: row.get(at + 4),
        }),
    }))
}

/// The license by key hash (`by_hash`) or id; with `lock` its row stays locked until the
/// transaction ends (every change of the license's seats goes through that lock).
pub async fn license<C: GenericClient>(c: &C, by_hash: bool, value: &str, lock: bool) -> PgResult<Option<Held>> {
    static SQL: LazyLock<[String; 4]> = LazyLock::new(|| {
        [
            ctx_query("l.id = $1"),
            ctx_query("l.id = $1 FOR UPDATE OF l"),
            ctx_query("l.key_hash = $1"),
            ctx_query("l.key_hash = $1 FOR UPDATE OF l"),
        ]
    });
    let sql = &SQL[usize::from(by_hash) * 2 + usize::from(lock)];
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query_opt(&stmt, &[&value]).await?.map(|r| held_at(&r)))
}

pub async fn seats_used<C: GenericClient>(c: &C, license_id: &str) -> PgResult<u32> {
    let row = c
        .query_one(
            &c.prepare_cached("SELECT seats_used FROM licenses WHERE id = $1")
                .await?,
            &[&license_id],
        )
        .await?;
    Ok(model::count(row.get(0)))
}

pub async fn product<C: GenericClient>(c: &C, id: &str) -> PgResult<Option<Product>> {
    let row = c
        .query_opt("SELECT id, name, created_at FROM products WHERE id = $1", &[&id])
        .await?;
    Ok(row.as_ref().map(product_at))
}

pub async fn products<C: GenericClient>(c: &C) -> PgResult<Vec<Product>> {
    let rows = c
        .query(
            "SELECT id, name, created_at FROM products ORDER BY created_at, seq",
            &[],
        )
        .await?;
    Ok(rows.iter().map(product_at).collect())
}

pub async fn policy<C: GenericClient>(c: &C, id: &str) -> PgResult<Option<Policy>> {
    let sql = format!("SELECT {POLICY_COLS} FROM policies p WHERE p.id = $1");
    Ok(c.query_opt(&sql, &[&id]).await?.map(|r| policy_at(&r, 0)))
}

pub async fn policies<C: GenericClient>(c: &C, product_id: Option<&str>) -> PgResult<Vec<Policy>> {
    let sql = format!(
        "SELECT {POLICY_COLS} FROM policies p WHERE ($1::TEXT IS NULL OR p.product_id = $1) ORDER BY p.created_at, p.seq"
    );
    Ok(c.query(&sql, &[&product_id])
        .await?
        .iter()
        .map(|r| policy_at(r, 0))
        .collect())
}

pub async fn trial_policy<C: GenericClient>(c: &C, product_id: &str) -> PgResult<Option<Policy>> {
    let sql = format!(
        "SELECT {POLICY_COLS} FROM policies p WHERE p.product_id = $1 AND p.trial ORDER BY p.created_at, p.seq LIMIT 1"
    );
    Ok(c.query_opt(&sql, &[&product_id]).await?.map(|r| policy_at(&r, 0)))
}

pub async fn licenses<C: GenericClient>(c: &C, product_id: Option<&str>) -> PgResult<Vec<Held>> {
    let sql = ctx_query("($1::TEXT IS NULL OR l.product_id = $1) ORDER BY l.created_at, l.seq");
    Ok(c.query(&sql, &[&product_id]).await?.iter().map(held_at).collect())
}

pub async fn policy_named<C: GenericClient>(c: &C, product_id: &str, name: &str) -> PgResult<Option<Policy>> {
    let sql = format!(
        "SELECT {POLICY_COLS} FROM policies p WHERE p.product_id = $1 AND p.name = $2 ORDER BY p.created_at, p.seq LIMIT 1"
    );
    Ok(c.query_opt(&sql, &[&product_id, &name])
        .await?
        .map(|r| policy_at(&r, 0)))
}

pub async fn activations<C: GenericClient>(c: &C, license_id: &str) -> PgResult<Vec<Activation>> {
    let sql = format!("SELECT {ACTIVATION_COLS} FROM activations a WHERE a.license_id = $1 ORDER BY a.seq");
    Ok(c.query(&sql, &[&license_id])
        .await?
        .iter()
        .map(|r| activation_at(r, 0))
        .collect())
}

/// One page in insertion order and the next page's cursor (the last row's `seq`).
pub async fn activations_page<C: GenericClient>(
    c: &C,
    license_id: &str,
    page: &Page,
) -> PgResult<(Vec<Activation>, Option<String>)> {
    let sql = format!(
        "SELECT {ACTIVATION_COLS}, a.seq FROM activations a WHERE a.license_id = $1 AND a.seq > $2 \
         ORDER BY a.seq LIMIT $3"
    );
    let rows = c
        .query(&sql, &[&license_id, &page.after, &(i64::from(page.limit) + 1)])
        .await?;
    let more = rows.len() > page.limit as usize;
    let rows = &rows[..rows.len().min(page.limit as usize)];
    let next = more
        .then(|| rows.last().map(|r| r.get::<_, i64>(ACTIVATION_N).to_string()))
        .flatten();
    Ok((rows.iter().map(|r| activation_at(r, 0)).collect(), next))
}

pub async fn stalest_activations<C: GenericClient>(c: &C, license_id: &str, limit: u32) -> PgResult<Vec<Activation>> {
    let sql = format!(
        "SELECT {ACTIVATION_COLS} FROM activations a WHERE a.license_id = $1 ORDER BY a.last_renewed_at, a.seq LIMIT $2"
    );
    let rows = c.query(&sql, &[&license_id, &i64::from(limit)]).await?;
    Ok(rows.iter().map(|r| activation_at(r, 0)).collect())
}

pub async fn activation_by_fingerprint<C: GenericClient>(
    c: &C,
    license_id: &str,
    fingerprint: &str,
) -> PgResult<Option<Activation>> {
    let sql = format!("SELECT {ACTIVATION_COLS} FROM activations a WHERE a.license_id = $1 AND a.fingerprint = $2");
    Ok(
        c.query_opt(&c.prepare_cached(&sql).await?, &[&license_id, &fingerprint])
            .await?
            .map(|r| activation_at(&r, 0)),
    )
}

pub async fn activation_by_id<C: GenericClient>(c: &C, license_id: &str, id: &str) -> PgResult<Option<Activation>> {
    let sql = format!("SELECT {ACTIVATION_COLS} FROM activations a WHERE a.license_id = $1 AND a.id = $2");
    Ok(c.query_opt(&c.prepare_cached(&sql).await?, &[&license_id, &id])
        .await?
        .map(|r| activation_at(&r, 0)))
}

pub async fn fingerprint_rule<C: GenericClient>(
    c: &C,
    product_id: &str,
    fingerprint: &str,
) -> PgResult<Option<FingerprintRule>> {
    let row = c
        .query_opt(
            &c.prepare_cached("SELECT rule FROM fingerprint_rules WHERE product_id = $1 AND fingerprint = $2")
                .await?,
            &[&product_id, &fingerprint],
        )
        .await?;
    Ok(row.and_then(|r| FingerprintRule::parse(r.get(0))))
}
