//! The browser app served by the binary: its page at `/` and at the app's
//! own routes, its hashed files with a long cache and their types, the
//! security headers on all of it, its files compressed for browsers that
//! accept it, and the server's other endpoints never shadowed by the page.

use crate::api_client::*;
use crate::util::*;

/// The path of the page's script (`/assets/...js`), read from the page.
fn script_path(page: &str) -> String {
    let start = page
        .find("/assets/")
        .expect("the page loads a script from /assets/");
    let end = start + page[start..].find('"').expect("a quoted path");
    let path = &page[start..end];
    assert!(path.ends_with(".js"), "{path}");
    path.to_string()
}

#[tokio::test]
async fn the_app_page_is_served_at_the_root_and_at_its_own_routes() {
    let (_dir, server) = started_with(|_| {}).await;
    let root = http(server.addr, "GET", "/", &[], b"").await;
    assert_eq!(root.status, 200);
    assert_eq!(
        root.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(root.header("cache-control"), Some("no-cache"));
    let policy = root.header("content-security-policy").expect("a CSP");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let page = String::from_utf8(root.body.clone()).unwrap();
    assert!(page.contains("<div id=\"app\">"), "{page}");
    assert!(!page.contains("<script>"), "no inline script: {page}");

    for route in ["/invite", "/signup/confirm", "/some/deep/route"] {
        let answer = http(server.addr, "GET", route, &[], b"").await;
        assert_eq!(answer.status, 200, "{route}");
        assert_eq!(answer.body, root.body, "{route}");
    }

    // Unchanged since the browser's copy: 304, no body.
    let etag = root.header("etag").expect("an ETag").to_string();
    let again = http(server.addr, "GET", "/", &[("If-None-Match", &etag)], b"").await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
}

#[tokio::test]
async fn hashed_files_are_cached_for_long_with_their_type_and_missing_ones_are_404() {
    let (_dir, server) = started_with(|_| {}).await;
    let root = http(server.addr, "GET", "/", &[], b"").await;
    let script = script_path(&String::from_utf8(root.body).unwrap());
    let answer = http(server.addr, "GET", &script, &[], b"").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        answer.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert!(answer.header("content-security-policy").is_some());

    for missing in ["/assets/gone-123.js", "/favicon.ico", "/deep/style.css"] {
        let answer = http(server.addr, "GET", missing, &[], b"").await;
        assert_eq!(answer.status, 404, "{missing}");
        assert!(answer.header("content-security-policy").is_some());
    }
}

#[tokio::test]
async fn files_come_compressed_as_the_browser_accepts_and_decode_to_the_same_bytes() {
    use std::io::Read;

    let (_dir, server) = started_with(|_| {}).await;
    let root = http(server.addr, "GET", "/", &[], b"").await;
    let script = script_path(&String::from_utf8(root.body).unwrap());
    let plain = http(server.addr, "GET", &script, &[], b"").await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("accept-encoding"));

    let gzip = http(
        server.addr,
        "GET",
        &script,
        &[("Accept-Encoding", "gzip")],
        b"",
    )
    .await;
    assert_eq!(gzip.status, 200);
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(gzip.header("vary"), Some("accept-encoding"));
    assert_eq!(
        gzip.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(gzip.body.as_slice())
        .read_to_end(&mut decoded)
        .expect("a gzip body");
    assert_eq!(decoded, plain.body);
    assert!(gzip.body.len() * 2 < plain.body.len(), "compressed well");

    // Brotli first when both are taken; what the browser refuses, never.
    let br = http(
        server.addr,
        "GET",
        &script,
        &[("Accept-Encoding", "gzip, deflate, br, zstd")],
        b"",
    )
    .await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert!(br.body.len() < gzip.body.len(), "brotli beats gzip");
    let refused = http(
        server.addr,
        "GET",
        &script,
        &[("Accept-Encoding", "br;q=0, gzip;q=0")],
        b"",
    )
    .await;
    assert_eq!(refused.header("content-encoding"), None);
    assert_eq!(refused.body, plain.body);

    // Each encoding is its own version for caches.
    let etag = br.header("etag").expect("an ETag").to_string();
    assert_ne!(Some(etag.as_str()), plain.header("etag"));
    let again = http(
        server.addr,
        "GET",
        &script,
        &[("Accept-Encoding", "br"), ("If-None-Match", &etag)],
        b"",
    )
    .await;
    assert_eq!(again.status, 304);
}

#[tokio::test]
async fn the_page_never_shadows_the_servers_own_endpoints() {
    let (_dir, server) = started_with(|_| {}).await;
    let health = http(server.addr, "GET", "/healthz", &[], b"").await;
    assert_eq!((health.status, health.body.as_slice()), (200, &b"ok"[..]));
    let api = http(server.addr, "GET", "/api/nope", &[], b"").await;
    assert_eq!(
        (api.status, api.error_code()),
        (404, "not_found".to_string())
    );
    for path in ["/ws/x", "/healthz/x", "/metrics/x", "/readyz/x"] {
        let answer = http(server.addr, "GET", path, &[], b"").await;
        assert_eq!(answer.status, 404, "{path}");
    }
    let post = http(server.addr, "POST", "/", &[], b"").await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
}

#[tokio::test]
async fn the_service_worker_and_the_manifest_make_the_app_installable() {
    let (_dir, server) = started_with(|_| {}).await;
    // The worker: JavaScript from the root (its scope is the whole app),
    // revalidated on each use so a new server's worker replaces the old.
    let worker = http(server.addr, "GET", "/sw.js", &[], b"").await;
    assert_eq!(worker.status, 200);
    assert_eq!(
        worker.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(worker.header("cache-control"), Some("no-cache"));
    let policy = worker.header("content-security-policy").expect("a CSP");
    for directive in ["worker-src 'self'", "manifest-src 'self'"] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    let code = String::from_utf8(worker.body).unwrap();
    assert!(code.contains("\"/manifest.webmanifest\""), "{code}");
    assert!(!code.contains("__SHELL__"), "the build filled in the shell");

    let manifest = http(server.addr, "GET", "/manifest.webmanifest", &[], b"").await;
    assert_eq!(manifest.status, 200);
    assert_eq!(
        manifest.header("content-type"),
        Some("application/manifest+json")
    );
    assert_eq!(manifest.header("cache-control"), Some("no-cache"));
    let manifest: serde_json::Value = serde_json::from_slice(&manifest.body).unwrap();
    assert_eq!(manifest["name"], "Switchboard");
    assert_eq!(manifest["display"], "standalone");
    let icons = manifest["icons"].as_array().expect("icons");
    assert!(!icons.is_empty());
    for icon in icons {
        let src = icon["src"].as_str().expect("an icon's src");
        let answer = http(server.addr, "GET", src, &[], b"").await;
        assert_eq!(answer.status, 200, "{src}");
        let kind = icon["type"].as_str().expect("an icon's type");
        let served = answer.header("content-type").unwrap_or_default();
        assert!(served.starts_with(kind), "{src}: {served}");
    }
}
