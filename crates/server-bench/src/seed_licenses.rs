//! `seed-licenses`: many licenses for the license-list benchmark (the console's list must answer
//! a page in under 100 ms over 100,000 licenses). Made like `seed`: the product and policy
//! through the server's [`Store`] contract, the bulk rows in plain SQL against its schema (one
//! transaction on SQLite, one statement on PostgreSQL). Owners, states and expiries vary so
//! that every filter has something to find.

use keyturn_server::clock::system_now;
use keyturn_server::store::{self, postgres, Sync};

#[derive(Debug, Clone, clap::Args)]
pub struct SeedLicensesOptions {
    /// SQLite database file (created when missing) or PostgreSQL URL (`postgres://…`).
    #[arg(long, env = "KEYTURN_DB")]
    pub db: String,
    /// How many licenses.
    #[arg(long, default_value_t = 100_000)]
    pub count: u32,
}

/// Row `i` (SQL, both stores): every 50th suspended, every 97th revoked; a third never expire,
/// the rest expire between 30 days ago and a year ahead; created a minute apart.
const ROW: &str = "'lic_seed_' || i, $POLICY, $PRODUCT, 'seed-hash-' || i, 'SEED0', \
    CASE WHEN i % 97 = 0 THEN 'REVOKED' WHEN i % 50 = 0 THEN 'SUSPENDED' ELSE 'ACTIVE' END, \
    CASE WHEN i % 3 = 0 THEN NULL ELSE $NOW + ((i * 7919) % 395 - 30) * 86400 END, \
    'Customer ' || i, 'customer' || i || '@example' || (i % 100) || '.com', '[]', '{}', \
    $NOW - ($COUNT - i) * 60";

pub async fn seed(opts: &SeedLicensesOptions) -> Result<String, String> {
    let store = store::open(&opts.db, Sync::Full).await?;
    let policy = crate::seed::bench_policy(&store).await?;
    let product = store
        .policies(None)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|p| p.id == policy)
        .ok_or("the policy vanished")?
        .product_id;
    drop(store);
    let now = system_now();
    let row = ROW
        .replace("$POLICY", &format!("'{policy}'"))
        .replace("$PRODUCT", &format!("'{product}'"))
        .replace("$NOW", &now.to_string())
        .replace("$COUNT", &opts.count.to_string());
    let columns = "id, policy_id, product_id, key_hash, key_prefix, status, expires_at, owner_name, owner_email, \
                   entitlements, metadata, created_at";
    if postgres::is_url(&opts.db) {
        let (client, connection) = tokio_postgres::connect(&opts.db, tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        let sql = format!(
            "INSERT INTO licenses ({columns}) SELECT {row} FROM generate_series(1, {}::BIGINT) AS i",
            opts.count
        );
        client.batch_execute(&sql).await.map_err(|e| e.to_string())?;
        client
            .batch_execute("ANALYZE licenses")
            .await
            .map_err(|e| e.to_string())?;
    } else {
        let conn = rusqlite::Connection::open(&opts.db).map_err(|e| e.to_string())?;
        let sql = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) \
             INSERT INTO licenses ({columns}) SELECT {row} FROM n; ANALYZE;",
            opts.count
        );
        conn.execute_batch(&format!("BEGIN; {sql} COMMIT;"))
            .map_err(|e| e.to_string())?;
    }
    Ok(format!(
        "{} licenses of policy {policy}, product {product}\n",
        opts.count
    ))
}
