//! The browser's session over HTTP: a cookie no page script can read,
//! traded for one-time WebSocket tickets, ended by a logout that clears it
//! and cuts the connections it opened; requests from other sites refused;
//! the security headers on every answer; mail links to the public URL.

use crate::api_client::*;
use crate::auth::hello_close_code;
use crate::util::*;
use std::time::Duration;
use switchboard_protocol::close;
use switchboard_protocol::model::Role;
use switchboard_server::admin;
use switchboard_server::password::{self, Password};
use switchboard_server::store::Store;

const PASSWORD: &str = "correct horse battery staple";

/// Gives `email` the test password.
async fn set_password(store: &dyn Store, email: &str) {
    let hash = tokio::task::spawn_blocking(|| password::hash(&Password::new(PASSWORD)))
        .await
        .unwrap()
        .unwrap();
    admin::set_password(store, email, hash).unwrap();
}

/// The server's own origin, as its pages send it.
fn own_origin(server: &TestServer) -> String {
    format!("http://{}", server.addr)
}

/// Logs alice in from the server's own page, asking for the cookie;
/// panics unless it answers 200. Returns the answer.
async fn cookie_login(server: &TestServer) -> HttpAnswer {
    set_password(server.server.store().as_ref(), "alice@one.test").await;
    let origin = own_origin(server);
    let body = serde_json::json!({"email": "alice@one.test", "password": PASSWORD, "cookie": true});
    let answer = post_json_with(server.addr, "/api/login", &[("Origin", &origin)], &body).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer
}

/// Asks for a WebSocket ticket with `cookie` from `origin`.
async fn ticket_answer(server: &TestServer, cookie: &str, origin: Option<&str>) -> HttpAnswer {
    let mut headers = vec![("Cookie", cookie)];
    headers.extend(origin.map(|o| ("Origin", o)));
    http(server.addr, "POST", "/api/ws-ticket", &headers, b"").await
}

/// A ticket for `cookie`, asked from the server's own page.
async fn ticket(server: &TestServer, cookie: &str) -> String {
    let answer = ticket_answer(server, cookie, Some(&own_origin(server))).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()["ticket"].as_str().unwrap().to_string()
}

async fn current_session(server: &TestServer, cookie: &str) -> HttpAnswer {
    http(
        server.addr,
        "GET",
        "/api/session",
        &[("Cookie", cookie)],
        b"",
    )
    .await
}

#[tokio::test]
async fn a_cookie_login_keeps_the_token_out_of_page_scripts_reach() {
    let (_dir, server, world) = seeded().await;
    let answer = cookie_login(&server).await;
    let set = answer.header("set-cookie").unwrap();
    assert!(set.starts_with("sb_session=sb_"), "{set}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=2592000"] {
        assert!(set.contains(flag), "{flag} in {set}");
    }
    assert!(!set.contains("Secure"), "plain http: not Secure: {set}");
    let body = answer.json();
    assert!(body.get("token").is_none(), "no token in the body: {body}");
    assert_eq!(body["user"]["email"], "alice@one.test");

    // The session says who is logged in, with the teams.
    let cookie = cookie_pair(&answer);
    let session = current_session(&server, &cookie).await;
    assert_eq!(session.status, 200);
    let session = session.json();
    assert_eq!(session["user"]["id"], world.alice.user.0);
    let teams: Vec<u64> = (session["teams"].as_array().unwrap().iter())
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    assert!(teams.contains(&world.team_a.0), "{session}");
    let nobody = current_session(&server, "sb_session=sb_forged").await;
    assert_eq!(
        (nobody.status, nobody.error_code().as_str()),
        (401, "unauthorized")
    );

    let post = http(
        server.addr,
        "POST",
        "/api/session",
        &[("Cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(
        (post.status, post.error_code().as_str()),
        (405, "method_not_allowed")
    );

    // Without "cookie", the answer is the token, as before, and no cookie.
    let plain = log_in(server.addr, "alice@one.test", PASSWORD).await;
    assert!(plain.json()["token"].as_str().unwrap().starts_with("sb_"));
    assert!(plain.header("set-cookie").is_none());
}

#[tokio::test]
async fn under_an_https_public_url_the_cookie_is_secure_and_bound_to_the_host() {
    let (_dir, server, _world) =
        seeded_with(|c| c.public_url = Some("https://chat.example.test".into())).await;
    set_password(server.server.store().as_ref(), "alice@one.test").await;
    let body = serde_json::json!({"email": "alice@one.test", "password": PASSWORD, "cookie": true});
    // The public URL's pages are the server's own, whatever the Host.
    let origin = [("Origin", "https://chat.example.test")];
    let answer = post_json_with(server.addr, "/api/login", &origin, &body).await;
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let set = answer.header("set-cookie").unwrap();
    assert!(set.starts_with("__Host-sb_session=sb_"), "{set}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
        assert!(set.contains(flag), "{flag} in {set}");
    }
    let cookie = cookie_pair(&answer);
    assert_eq!(current_session(&server, &cookie).await.status, 200);
}

#[tokio::test]
async fn a_ticket_from_the_cookie_opens_one_websocket_once() {
    let (_dir, server, _world) = seeded().await;
    let cookie = cookie_pair(&cookie_login(&server).await);
    let answer = ticket_answer(&server, &cookie, Some(&own_origin(&server))).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["expires_in_ms"], 30_000);
    let first = answer.json()["ticket"].as_str().unwrap().to_string();
    assert!(first.starts_with("sbt_"), "{first}");

    let _live = Raw::login(&server.url(), &first).await;
    assert_eq!(
        hello_close_code(&server.url(), &first).await,
        Some(close::UNAUTHORIZED),
        "a ticket works once"
    );
    let other = ticket(&server, &cookie).await;
    let _second = Raw::login(&server.url(), &other).await;
}

#[tokio::test]
async fn an_expired_ticket_opens_nothing() {
    let (_dir, server, _world) =
        seeded_with(|c| c.ws_ticket_ttl = Duration::from_millis(200)).await;
    let cookie = cookie_pair(&cookie_login(&server).await);
    let late = ticket(&server, &cookie).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        hello_close_code(&server.url(), &late).await,
        Some(close::UNAUTHORIZED)
    );
}

#[tokio::test]
async fn logout_clears_the_cookie_and_closes_what_its_tickets_opened() {
    let (_dir, server, _world) = seeded().await;
    let cookie = cookie_pair(&cookie_login(&server).await);
    let mut live = Raw::login(&server.url(), &ticket(&server, &cookie).await).await;
    let unused = ticket(&server, &cookie).await;

    let origin = own_origin(&server);
    let headers = [("Cookie", cookie.as_str()), ("Origin", origin.as_str())];
    let logout = http(server.addr, "POST", "/api/logout", &headers, b"").await;
    assert_eq!(logout.status, 204);
    let set = logout.header("set-cookie").expect("the cookie is cleared");
    assert!(
        set.starts_with("sb_session=;") && set.contains("Max-Age=0"),
        "{set}"
    );

    assert_eq!(live.close_code().await, Some(close::UNAUTHORIZED));
    assert_eq!(
        hello_close_code(&server.url(), &unused).await,
        Some(close::UNAUTHORIZED),
        "a ticket of a logged-out session opens nothing"
    );
    assert_eq!(current_session(&server, &cookie).await.status, 401);
    let refused = ticket_answer(&server, &cookie, Some(&origin)).await;
    assert_eq!(refused.status, 401);
}

#[tokio::test]
async fn a_post_with_the_cookie_from_another_origin_is_refused() {
    let (_dir, server, _world) = seeded().await;
    let cookie = cookie_pair(&cookie_login(&server).await);
    let evil = "https://evil.test";
    for origin in [Some(evil), None] {
        let refused = ticket_answer(&server, &cookie, origin).await;
        assert_eq!(
            (refused.status, refused.error_code().as_str()),
            (403, "forbidden"),
            "Origin {origin:?}"
        );
    }
    let headers = [("Cookie", cookie.as_str()), ("Origin", evil)];
    let logout = http(server.addr, "POST", "/api/logout", &headers, b"").await;
    assert_eq!(logout.status, 403);
    assert_eq!(
        current_session(&server, &cookie).await.status,
        200,
        "the refused logout did nothing"
    );

    // Nor can another site log a browser into a session of its choosing.
    let body = serde_json::json!({"email": "alice@one.test", "password": PASSWORD, "cookie": true});
    let login = post_json_with(server.addr, "/api/login", &[("Origin", evil)], &body).await;
    assert_eq!(login.status, 403);
    assert!(login.header("set-cookie").is_none());
}

#[tokio::test]
async fn every_answer_carries_a_strict_content_security_policy() {
    let (_dir, server, _world) = seeded().await;
    for path in ["/", "/healthz", "/api/session"] {
        let answer = http(server.addr, "GET", path, &[], b"").await;
        let policy = answer
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("a policy on {path}"));
        let host = server.addr;
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            &format!("connect-src 'self' ws://{host} wss://{host}"),
        ] {
            assert!(policy.contains(directive), "{directive} in {policy}");
        }
        assert!(!policy.contains("unsafe"), "{policy}");
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
    }
    let login = log_in(server.addr, "alice@one.test", "wrong password!").await;
    assert_eq!(login.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn mail_links_lead_to_the_apps_pages_at_the_public_url() {
    let public = "https://chat.example.test/";
    let (_dir, server, world) = seeded_with(|c| c.public_url = Some(public.into())).await;
    let store = server.server.store();
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    alice
        .add_member(world.team_a, "dora@new.test", Role::Member, None)
        .await
        .unwrap();
    let conversation = start_conversation(&alice, world.team_a, "Jordan").await;
    alice
        .invite(conversation, "sam@guest.test", None)
        .await
        .unwrap();
    ask_sign_up(server.addr, "ana@acme.test", PASSWORD, "Ana", "Acme").await;

    let mails = store.mails().unwrap();
    for (to, page) in [
        (
            "dora@new.test",
            "https://chat.example.test/invite#token=sbi_",
        ),
        (
            "sam@guest.test",
            "https://chat.example.test/invite#token=sbi_",
        ),
        (
            "ana@acme.test",
            "https://chat.example.test/signup/confirm#token=sbs_",
        ),
    ] {
        let mail = mails.iter().find(|m| m.to == to).expect("a mail");
        assert!(mail.body.contains(page), "{page} in {}", mail.body);
    }

    // The link's token is the one the page posts.
    let signup = mails.iter().find(|m| m.to == "ana@acme.test").unwrap();
    let token = confirmation_token(store.as_ref(), "ana@acme.test").unwrap();
    assert!(signup.body.contains(&format!("#token={token}\n")));
}
