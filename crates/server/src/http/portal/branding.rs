//! The vendor's look in the customer portal: their name, logo and accent colour, from the
//! server's settings. The logo is a file read once at start and served from this server at
//! `/portal/logo` (the pages' Content Security Policy loads images only from here).
//!
//! | route | answer |
//! |---|---|
//! | `GET /portal/branding.json` | 200 `{vendor_name, accent, logo}` (`logo`: the logo's path or null) |
//! | `GET /portal/logo` | the logo file; 404 `ROUTE_NOT_FOUND` without one |

use crate::domain::errors::ApiError;
use crate::http::console::assets::serve;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use keyturn_protocol::Code;
use std::path::PathBuf;
use std::sync::Arc;

/// Largest logo accepted (a page header's logo; bigger files are a mistake).
const LOGO_MAX_BYTES: u64 = 512 * 1024;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct BrandingOptions {
    /// The vendor's name in the customer portal's header (e.g. "Acme Software").
    #[arg(long)]
    pub portal_vendor_name: Option<String>,
    /// The vendor's logo in the customer portal's header: a PNG, JPEG, SVG or WebP file
    /// (at most 512 KiB), read at start.
    #[arg(long)]
    pub portal_logo: Option<PathBuf>,
    /// The customer portal's accent colour (header and buttons), `#rrggbb`.
    #[arg(long, value_parser = parse_accent)]
    pub portal_accent: Option<String>,
}

/// A `#rrggbb` colour, lower-cased.
fn parse_accent(text: &str) -> Result<String, String> {
    let hex = text.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(format!("#{}", hex.to_ascii_lowercase()))
    } else {
        Err("give the colour as #rrggbb, e.g. #0f766e".into())
    }
}

/// The branding the portal shows (loaded from [`BrandingOptions`]).
#[derive(Debug, Default)]
pub struct Branding {
    vendor_name: Option<String>,
    accent: Option<String>,
    logo: Option<(Vec<u8>, &'static str)>,
}

impl Branding {
    pub fn load(opts: &BrandingOptions) -> Result<Branding, String> {
        let vendor_name = opts
            .portal_vendor_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if vendor_name.is_some_and(|n| n.chars().count() > 100) {
            return Err("--portal-vendor-name: at most 100 characters".into());
        }
        let logo = match &opts.portal_logo {
            None => None,
            Some(path) => Some(read_logo(path).map_err(|e| format!("--portal-logo {}: {e}", path.display()))?),
        };
        Ok(Branding {
            vendor_name: vendor_name.map(String::from),
            accent: opts.portal_accent.clone(),
            logo,
        })
    }
}

fn read_logo(path: &std::path::Path) -> Result<(Vec<u8>, &'static str), String> {
    let kind = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        Some("webp") => "image/webp",
        _ => return Err("give a .png, .jpg, .svg or .webp file".into()),
    };
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > LOGO_MAX_BYTES {
        return Err(format!("{size} bytes; a logo may have at most {LOGO_MAX_BYTES}"));
    }
    Ok((std::fs::read(path).map_err(|e| e.to_string())?, kind))
}

pub fn routes<S: Clone + Send + Sync + 'static>(branding: Arc<Branding>) -> Router<S> {
    let for_logo = branding.clone();
    Router::new()
        .route(
            "/portal/branding.json",
            get(move || async move {
                let logo = branding.logo.as_ref().map(|_| "/portal/logo");
                let mut response = Json(serde_json::json!({
                    "vendor_name": branding.vendor_name,
                    "accent": branding.accent,
                    "logo": logo,
                }))
                .into_response();
                response
                    .headers_mut()
                    .insert(CACHE_CONTROL, "no-store".parse().unwrap());
                response
            }),
        )
        .route(
            "/portal/logo",
            get(move || async move {
                match &for_logo.logo {
                    None => ApiError::new(Code::RouteNotFound, "this server has no portal logo").into_response(),
                    Some((bytes, kind)) => {
                        let mut response = serve("", kind);
                        *response.body_mut() = axum::body::Body::from(bytes.clone());
                        response.headers_mut().insert(CONTENT_TYPE, kind.parse().unwrap());
                        response
                    }
                }
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accent_is_a_hex_colour() {
        assert_eq!(parse_accent("#0F766E").unwrap(), "#0f766e");
        for bad in ["0f766e", "#0f766", "#0f766eff", "red", "#ggg000", "#0f766e;color:red"] {
            assert!(parse_accent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_logo_must_be_an_image_file_of_reasonable_size() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("logo.txt");
        std::fs::write(&text, "x").unwrap();
        let big = dir.path().join("big.png");
        std::fs::write(&big, vec![0u8; LOGO_MAX_BYTES as usize + 1]).unwrap();
        let fine = dir.path().join("logo.svg");
        std::fs::write(&fine, "<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap();
        let load = |path: &std::path::Path| {
            Branding::load(&BrandingOptions {
                portal_logo: Some(path.into()),
                ..Default::default()
            })
        };
        assert!(load(&text).unwrap_err().contains(".png"));
        assert!(load(&big).unwrap_err().contains("at most"));
        assert_eq!(load(&fine).unwrap().logo.unwrap().1, "image/svg+xml");
    }
}
