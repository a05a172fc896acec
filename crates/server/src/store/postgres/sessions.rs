//! The `sessions` table on PostgreSQL (see `crate::store::session_rows`, its SQLite twin).

use crate::errors::ApiResult;
use crate::store::session_rows::StoredSession;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    csrf TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
"#;

pub async fn put(c: &tokio_postgres::Client, s: &StoredSession, now: i64) -> ApiResult<()> {
    c.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])
        .await?;
    c.execute(
        "INSERT INTO sessions (id_hash, kind, csrf, data, expires_at) VALUES ($1, $2, $3, $4, $5)",
        &[&s.id_hash, &s.kind, &s.csrf, &s.data, &s.expires_at],
    )
    .await?;
    Ok(())
}

pub async fn get(c: &tokio_postgres::Client, kind: &str, id_hash: &str, now: i64) -> ApiResult<Option<StoredSession>> {
    let row = c
        .query_opt(
            "SELECT csrf, data, expires_at FROM sessions WHERE id_hash = $1 AND kind = $2 AND expires_at > $3",
            &[&id_hash, &kind, &now],
        )
        .await?;
    Ok(row.map(|r| StoredSession {
        kind: kind.to_owned(),
        id_hash: id_hash.to_owned(),
        csrf: r.get(0),
        data: r.get(1),
        expires_at: r.get(2),
    }))
}

pub async fn end(c: &tokio_postgres::Client, kind: &str, id_hash: &str) -> ApiResult<()> {
    c.execute(
        "DELETE FROM sessions WHERE id_hash = $1 AND kind = $2",
        &[&id_hash, &kind],
    )
    .await?;
    Ok(())
}
