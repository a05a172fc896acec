//! The support report of the app's Support screen and `keyturn report`: keyturn-client's
//! (`support_report`), the same text the C library's `keyturn_report` gives, with the errors the
//! window showed.

use crate::state::AppState;
use crate::views::SeenErrorView;
use keyturn_client::support_report::{self, ShownError};

/// The report; `seen` are the errors the window showed (code, technical message, time), so
/// support sees them even when nothing was activated or the failure never reached the server
/// (`None` for `keyturn report`, which shows nothing to people: the same text as the library's).
pub async fn report(state: &AppState, seen: Option<&[SeenErrorView]>) -> String {
    let product = state.config.as_ref().map(|c| c.product_name.as_str());
    let shown: Option<Vec<ShownError>> = seen.map(|seen| {
        seen.iter()
            .map(|e| ShownError {
                code: e.code.clone(),
                message: e.message.clone(),
                at: e.at,
            })
            .collect()
    });
    let shown = shown.as_deref();
    match state.session() {
        Ok(session) => support_report::report(product, Ok(session), shown).await,
        Err(e) => support_report::report(product, Err((e.code(), e.to_string())), shown).await,
    }
}
