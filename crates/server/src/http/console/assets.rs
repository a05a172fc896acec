//! The console's page, script and style, embedded in the binary. Served with a strict Content
//! Security Policy: no inline script, nothing from other origins, no framing.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderName;
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/console.js");
const STYLE: &str = include_str!("assets/console.css");

/// Headers every page of the console and the portal carries.
pub fn serve(body: &'static str, content_type: &'static str) -> Response {
    let headers: [(HeaderName, &str); 6] = [
        (CONTENT_TYPE, content_type),
        (CACHE_CONTROL, "no-store"),
        (
            HeaderName::from_static("content-security-policy"),
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        (HeaderName::from_static("x-content-type-options"), "nosniff"),
        (HeaderName::from_static("referrer-policy"), "no-referrer"),
        (HeaderName::from_static("x-frame-options"), "DENY"),
    ];
    (headers, body).into_response()
}

pub async fn page() -> Response {
    serve(PAGE, "text/html; charset=utf-8")
}

pub async fn script() -> Response {
    serve(SCRIPT, "text/javascript; charset=utf-8")
}

pub async fn style() -> Response {
    serve(STYLE, "text/css; charset=utf-8")
}

// The console's page modules (ES modules, no build step): words, shared helpers, pages.
const MODULES: &[(&str, &str)] = &[
    ("/console/i18n.js", include_str!("assets/i18n.js")),
    ("/console/words_en.js", include_str!("assets/words_en.js")),
    ("/console/words_de.js", include_str!("assets/words_de.js")),
    ("/console/words_fr.js", include_str!("assets/words_fr.js")),
    ("/console/words_es.js", include_str!("assets/words_es.js")),
    ("/console/json_api.js", crate::http::shared_assets::JSON_API),
    ("/console/console_api.js", include_str!("assets/console_api.js")),
    ("/console/search_page.js", include_str!("assets/search_page.js")),
    ("/console/license_page.js", include_str!("assets/license_page.js")),
    ("/console/licenses.js", include_str!("assets/licenses.js")),
    ("/console/license_extra.js", include_str!("assets/license_extra.js")),
    ("/console/staff.js", include_str!("assets/staff.js")),
    ("/console/webhooks.js", include_str!("assets/webhooks.js")),
    ("/console/mail_queue.js", include_str!("assets/mail_queue.js")),
    (
        "/console/unmatched_payments.js",
        include_str!("assets/unmatched_payments.js"),
    ),
    ("/console/leases.js", include_str!("assets/leases.js")),
];

/// The routes of [`MODULES`].
pub fn module_routes() -> axum::Router<crate::http::AppState> {
    MODULES.iter().fold(axum::Router::new(), |router, (path, body)| {
        router.route(
            path,
            axum::routing::get(move || async move { serve(body, "text/javascript; charset=utf-8") }),
        )
    })
}
