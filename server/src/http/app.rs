//! The browser app's files, embedded in the binary at build time (built
//! from `web/app` by `build.rs`), served at every path the other routes
//! leave: a file by its path, and the app's page (`index.html`) for any
//! other `GET`, so that links into the app (`/invite`, `/signup/confirm`)
//! open it and it routes them itself.
//!
//! Files under `assets/` have content-hashed names (a change makes a new
//! name): cached for a year and never revalidated. Everything else,
//! `index.html` above all, is revalidated on each use (`no-cache`, with an
//! `ETag`), so a new server's app is picked up on the next load. That
//! includes the service worker, `sw.js` (a JavaScript type, at the root so
//! its scope is the whole app), which the browser checks for a new build,
//! and the manifest (`manifest.webmanifest`, `application/manifest+json`).
//!
//! Text files were compressed at build time (`NAME.br`, `NAME.gz` beside
//! `NAME`, written by the app's build): a request that accepts brotli or
//! gzip gets that copy with `Content-Encoding`, its own `ETag`, and
//! `Vary: Accept-Encoding` on every answer for such a file, so a cache
//! never hands one encoding to a browser that asked for another.
//!
//! Invariants: paths of the server's other endpoints (`/ws`, `/healthz`,
//! `/readyz`, `/metrics`, with anything below them) and missing files
//! (a last segment with a dot) are `404`, never the app's page, so a
//! script or stylesheet that is not there fails plainly instead of
//! arriving as HTML.

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "$OUT_DIR/web"]
struct Files;

/// The app's page, served for the app's own routes.
const PAGE: &str = "index.html";

/// Paths of the server's own endpoints: below them is never the app.
const RESERVED: [&str; 5] = ["/api", "/ws", "/healthz", "/readyz", "/metrics"];

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Answers a request no other route took.
pub(super) async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response();
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let path = uri.path();
    let reserved = RESERVED.iter().any(|r| {
        path == *r
            || path
                .strip_prefix(r)
                .is_some_and(|rest| rest.starts_with('/'))
    });
    if reserved {
        return not_found();
    }
    let name = path.trim_start_matches('/');
    if let Some(file) = Files::get(name) {
        return serve(name, file, &headers);
    }
    if name
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
    {
        return not_found();
    }
    match Files::get(PAGE) {
        Some(page) => serve(PAGE, page, &headers),
        None => not_found(),
    }
}

/// The contact's chat page (`chat.html`, the app build's second page):
/// the app's page while a build has none, so the route works all the same.
pub(super) fn chat_page(headers: &HeaderMap) -> Response {
    match Files::get(CHAT_PAGE) {
        Some(page) => serve(CHAT_PAGE, page, headers),
        None => match Files::get(PAGE) {
            Some(page) => serve(PAGE, page, headers),
            None => not_found(),
        },
    }
}

/// The contact's chat page.
const CHAT_PAGE: &str = "chat.html";

/// The encodings the build writes, best first: (suffix, `Content-Encoding`).
const ENCODINGS: [(&str, &str); 2] = [(".br", "br"), (".gz", "gzip")];

fn serve(name: &str, file: rust_embed::EmbeddedFile, request: &HeaderMap) -> Response {
    let mime = file.metadata.mimetype().to_string();
    let compressed = ENCODINGS
        .iter()
        .any(|(suffix, _)| Files::get(&format!("{name}{suffix}")).is_some());
    let (file, encoding) = ENCODINGS
        .iter()
        .filter(|(_, coding)| accepts(request, coding))
        .find_map(|(suffix, coding)| {
            Files::get(&format!("{name}{suffix}")).map(|copy| (copy, Some(*coding)))
        })
        .unwrap_or((file, None));
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let cache = if name.starts_with("assets/") {
        IMMUTABLE
    } else {
        "no-cache"
    };
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        file.data.into_owned().into_response()
    };
    let headers = response.headers_mut();
    if !fresh {
        headers.insert(header::CONTENT_TYPE, content_type(&mime));
        if let Some(coding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
    }
    if compressed {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // Hex digits in quotes: always a valid header value.
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    response
}

/// Whether the request's `Accept-Encoding` takes `coding` (named, or `*`,
/// with a weight above zero).
fn accepts(request: &HeaderMap, coding: &str) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
        })
}

/// The file's type, text ones in UTF-8 (what Vite writes).
fn content_type(mime: &str) -> HeaderValue {
    let text = mime.starts_with("text/")
        || mime == "application/javascript"
        || mime == "application/json"
        || mime == "image/svg+xml";
    let value = if text {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}
