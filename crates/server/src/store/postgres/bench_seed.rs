//! Seeding for the external benchmark (`bench-seed --db postgres://…`): many devices bound in
//! one statement, as the SQLite seeding does row by row in one transaction.

use super::PgStore;
use crate::domain::errors::ApiResult;

impl PgStore {
    /// Binds `device` and `n - 1` devices `seeded-1`… to the license (the seat counter's trigger
    /// counts them).
    pub async fn bind_seeded(
        &self,
        license_id: &str,
        policy_id: &str,
        device: &str,
        n: u32,
        now: i64,
    ) -> ApiResult<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO activations (id, license_id, policy_id, fingerprint, components, name, platform, vm, \
                 container, created_at, last_renewed_at) \
                 SELECT 'act_seed_' || $1 || '_' || i, $1, $2, CASE WHEN i = 0 THEN $3 ELSE 'seeded-' || i END, \
                 '{}', 'seeded', 'linux-x86_64', FALSE, FALSE, $4, $4 \
                 FROM generate_series(0, $5::BIGINT - 1) AS i",
                &[&license_id, &policy_id, &device, &now, &i64::from(n)],
            )
            .await?;
        Ok(())
    }
}
