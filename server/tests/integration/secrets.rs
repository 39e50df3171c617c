//! Passwords and tokens are never kept in clear: not in the store, which
//! a test reads with sled itself after the server stops, and not in the
//! logs, captured at TRACE while a user signs up, logs in and out.

use crate::api_client::*;
use crate::util::*;
use std::sync::{Arc, Mutex};
use switchboard_server::store::{Directory, SledStore};
use switchboard_server::Config;

const PASSWORD: &str = "tr0ub4dor&3-staple";

#[tokio::test]
async fn the_store_holds_no_password_or_token_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let signed = sign_up(&server, "ana@acme.test", PASSWORD, "Ana", "Acme").await;
    let mut tokens = vec![signed["token"].as_str().unwrap().to_string()];
    tokens.push(token_by_login(server.addr, "ana@acme.test", PASSWORD).await);
    let revoked = token_by_login(server.addr, "ana@acme.test", PASSWORD).await;
    assert_eq!(log_out(server.addr, &revoked).await.status, 204);
    tokens.push(revoked);
    server.server.shutdown().await;

    let mut secrets: Vec<Vec<u8>> = vec![PASSWORD.as_bytes().to_vec()];
    for token in &tokens {
        secrets.push(token.as_bytes().to_vec());
        // The random part, as text and as the bytes it encodes.
        let random = token.trim_start_matches("sb_");
        secrets.push(random.as_bytes().to_vec());
        secrets.push(hex::decode(random).unwrap());
    }
    let mut email_seen = false;
    {
        let db = reopen(|| sled::open(dir.path()));
        for name in db.tree_names() {
            let tree = db.open_tree(&name).unwrap();
            for item in tree.iter() {
                let (key, value) = item.unwrap();
                for bytes in [&key[..], &value[..]] {
                    email_seen |= contains(bytes, b"ana@acme.test");
                    for secret in &secrets {
                        assert!(
                            !contains(bytes, secret),
                            "tree {:?} holds a secret in clear",
                            String::from_utf8_lossy(&name)
                        );
                    }
                }
            }
        }
    }
    assert!(email_seen, "the scan reads the records (control)");
    let store = reopen(|| SledStore::open(dir.path()));
    let user = store.user_by_email("ana@acme.test").unwrap().unwrap();
    let stored = user.password_hash.expect("a password hash");
    assert!(stored.starts_with("$argon2id$"), "{stored}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A `std::io::Write` into a shared buffer, for capturing logs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn sign_up_login_and_logout_never_log_the_password() {
    let logs = Captured::default();
    let writer = logs.clone();
    let dispatch = tracing::Dispatch::new(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    );
    // tracing caches whether a call site is enabled. With a single
    // dispatcher registered in the process it asks only the default of the
    // thread that first reaches the call site: another test's thread, with
    // no subscriber, would switch it off for us too. A second dispatcher,
    // which wants nothing, makes tracing ask every dispatcher instead.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    // The subscriber is the default of this test's threads only (the
    // runtime's workers and blocking pool included), not of the process.
    let for_threads = dispatch.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            // Kept for the thread's whole life: the runtime's threads end
            // with the runtime, at the end of this test.
            std::mem::forget(tracing::dispatcher::set_default(&for_threads));
        })
        .build()
        .unwrap();
    let _default = tracing::dispatcher::set_default(&dispatch);
    let token = runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let server =
            TestServer::start_with(Config::new("127.0.0.1:0".parse().unwrap(), dir.path())).await;
        let addr = server.addr;
        sign_up(&server, "ana@acme.test", PASSWORD, "Ana", "Acme").await;
        assert_eq!(
            log_in(addr, "ana@acme.test", "not the password")
                .await
                .status,
            401
        );
        let token = token_by_login(addr, "ana@acme.test", PASSWORD).await;
        let (client, _events) = connect(&server.url(), &token).await;
        client.ping().await.unwrap();
        assert_eq!(log_out(addr, &token).await.status, 204);
        // A password sent where a string is not expected.
        let odd = serde_json::json!({"email": "ana@acme.test", "password": [PASSWORD]});
        assert_eq!(post_json(addr, "/api/login", &odd).await.status, 400);
        server.server.shutdown().await;
        token
    });
    drop(runtime);
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("signed up"),
        "the capture works (control):\n{logs}"
    );
    assert!(
        logs.contains("logged in"),
        "debug events are captured:\n{logs}"
    );
    assert!(!logs.contains(PASSWORD), "the password was logged:\n{logs}");
    assert!(!logs.contains(&token), "a token was logged:\n{logs}");
}
