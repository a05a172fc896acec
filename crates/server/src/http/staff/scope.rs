//! A product-scoped API token's view of the admin API ([`super::guard`] calls these after the
//! role check): another product's licenses, policies and products answer `NOT_FOUND` (as if
//! they did not exist), lists of another product are empty, and the lists leave them out.

use crate::domain::errors::{ApiError, ApiResult};
use crate::http::state::AppState;
use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

/// A product-scoped token's request: `NOT_FOUND` for another product's things, an empty
/// answer for a list of another product.
pub(super) async fn scoped(
    s: &AppState,
    (method, listed_product): (Method, Option<String>),
    route: &str,
    license: Option<&str>,
    body: &Value,
    product: &str,
) -> ApiResult<Option<Response>> {
    if let Some(id) = license {
        let view = s.store.license(s.clock.now(), id.to_owned()).await?;
        if view.license.product_id != product {
            return Err(ApiError::not_found("no license has this id or key"));
        }
    }
    let given_product = body.get("product_id").and_then(Value::as_str);
    match (method.as_str(), route) {
        ("GET", "/events") if license.is_none() => {
            return Ok(Some(
                Json(serde_json::json!({"events": [], "next_before": null})).into_response(),
            ))
        }
        // Orders without a license belong to no product.
        ("GET", "/payments/unmatched") => return Ok(Some(Json(serde_json::json!({"unmatched": []})).into_response())),
        ("GET", "/licenses" | "/policies") if listed_product.as_deref().is_some_and(|p| p != product) => {
            return Ok(Some(Json(Vec::<Value>::new()).into_response()))
        }
        ("POST", "/policies" | "/fingerprints/{rule}") if given_product != Some(product) => {
            return Err(ApiError::not_found("no product has this id"))
        }
        ("POST", "/licenses") => {
            let policy = body.get("policy_id").and_then(Value::as_str).unwrap_or_default();
            let policies = s.store.policies(Some(product.to_owned())).await?;
            if !policies.iter().any(|p| p.id == policy) {
                return Err(ApiError::not_found("no policy has this id"));
            }
        }
        _ => {}
    }
    Ok(None)
}

/// The list's query with `product_id` set to the scope.
pub(super) fn with_product_filter(mut req: Request, product: &str) -> Request {
    let path = req.uri().path().to_owned();
    let others: Vec<&str> = req
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("product_id="))
        .collect();
    let mut query = format!(
        "product_id={}",
        product.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-', "")
    );
    for p in others {
        query.push('&');
        query.push_str(p);
    }
    if let Ok(uri) = format!("{path}?{query}").parse() {
        *req.uri_mut() = uri;
    }
    req
}

/// The product list with only the scope's product.
pub(super) async fn keep_product(response: Response, product: &str) -> Response {
    if !response.status().is_success() {
        return response;
    }
    let Ok(bytes) = to_bytes(response.into_body(), usize::MAX).await else {
        return ApiError::Internal("could not read the product list".into()).into_response();
    };
    let list: Vec<Value> = serde_json::from_slice(&bytes).unwrap_or_default();
    let kept: Vec<Value> = list.into_iter().filter(|p| p["id"] == product).collect();
    Json(kept).into_response()
}
