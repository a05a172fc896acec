//! The `sessions` table in PostgreSQL (the rules: [`crate::domain::sessions`]; the queries are
//! in [`super::tx`]).

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    csrf TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
"#;
