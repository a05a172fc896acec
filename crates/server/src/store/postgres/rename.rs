//! [`RenameTx`] in PostgreSQL's SQL (the rule: [`crate::domain::rename`]).

use super::tx::PgTx;
use crate::domain::errors::ApiResult;
use crate::domain::rename::RenameTx;
use deadpool_postgres::GenericClient;

impl<C: GenericClient + Sync> RenameTx for PgTx<'_, C> {
    async fn set_activation_name(&mut self, license_id: &str, id: &str, name: &str) -> ApiResult<u64> {
        let stmt = self
            .0
            .prepare_cached("UPDATE activations SET name = $1 WHERE id = $2 AND license_id = $3")
            .await?;
        Ok(self.0.execute(&stmt, &[&name, &id, &license_id]).await?)
    }
}
