//! The schema's version, one rule for both stores.
//!
//! Each store's schema is its base (every table of the first releases, written so that running
//! it again changes nothing: `CREATE TABLE IF NOT EXISTS`, guarded `ADD COLUMN`) and then a list
//! of steps (`store/sqlite/schema.rs` and `store/postgres/schema.rs`, `STEPS`), each as
//! idempotent as the base. The version is 1 (the base) + the number of steps; both stores have
//! the same steps in the same order. A release that changes the schema appends one step.
//!
//! At every start (server and CLI) the store reads the version recorded in its `meta` table,
//! refuses a database of a newer release (it may hold what this release would misread or drop),
//! runs the base and every step (a database of an earlier release gains what it lacks; one of
//! this release is unchanged), then records this release's version. PostgreSQL skips the base
//! and the steps for a database already of this release's version: its `ALTER TABLE` locks the
//! table even when there is nothing to do, which would stall the replicas already serving. Databases of releases
//! before versions were recorded (84395f5 and earlier) have none: they upgrade like any older one.

/// The `meta` row holding the version (decimal digits).
pub const META_KEY: &str = "schema_version";

/// The recorded version's bytes.
pub fn encode(version: u32) -> Vec<u8> {
    version.to_string().into_bytes()
}

/// A recorded version; a damaged one is an error naming what was found.
pub fn decode(bytes: &[u8]) -> Result<u32, String> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| {
            format!(
                "the database's schema version is unreadable ({:?}); restore a backup",
                String::from_utf8_lossy(bytes)
            )
        })
}

/// Can this release (schema `current`) open a database whose recorded version is `stored`?
pub fn check(stored: Option<u32>, current: u32) -> Result<(), String> {
    match stored {
        Some(stored) if stored > current => Err(format!(
            "this database was upgraded by a newer Keyturn server (schema version {stored}; this \
             release knows versions up to {current}): run that release or a newer one, or restore \
             a backup made before the upgrade. Nothing was changed."
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_and_equal_versions_open_newer_ones_are_refused() {
        assert!(check(None, 2).is_ok());
        assert!(check(Some(1), 2).is_ok());
        assert!(check(Some(2), 2).is_ok());
        let refused = check(Some(3), 2).unwrap_err();
        assert!(refused.contains("newer") && refused.contains('3'), "{refused}");
    }

    #[test]
    fn versions_round_trip_and_damage_is_named() {
        assert_eq!(decode(&encode(17)), Ok(17));
        assert!(decode(b"x1").unwrap_err().contains("x1"));
    }

    #[test]
    fn both_stores_have_the_same_steps() {
        use crate::store::{postgres, sqlite};
        assert_eq!(sqlite::schema::VERSION, postgres::schema::VERSION);
        let sqlite_names: Vec<&str> = sqlite::schema::STEPS.iter().map(|s| s.0).collect();
        let postgres_names: Vec<&str> = postgres::schema::STEPS.iter().map(|s| s.0).collect();
        assert_eq!(sqlite_names, postgres_names);
    }
}
