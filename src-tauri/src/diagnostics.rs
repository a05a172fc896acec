//! The support report of the app's Support screen and `keyturn report`: keyturn-client's
//! (`support_report`), the same text the C library's `keyturn_report` gives.

use crate::state::AppState;

pub async fn report(state: &AppState) -> String {
    let product = state.config.as_ref().map(|c| c.product_name.as_str());
    match state.session() {
        Ok(session) => keyturn_client::support_report::report(product, Ok(session)).await,
        Err(e) => keyturn_client::support_report::report(product, Err((e.code(), e.to_string()))).await,
    }
}
