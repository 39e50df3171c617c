//! A small HTTP/1.1 client for the JSON endpoints (`/api/...`), written
//! by hand over a `TcpStream`: one request per connection
//! (`Connection: close`), enough HTTP for the tests and no client library.

use crate::util::{TestServer, PATIENCE};
use std::net::SocketAddr;
use switchboard_server::store::Store;
use tokio::net::TcpStream;

/// One HTTP answer.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    /// Header names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpAnswer {
    /// The body as JSON; panics if it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{e}: status {} body {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `error.code` of a JSON error body.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap().to_string()
    }

    /// The `error.message` of a JSON error body.
    pub fn error_message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.1 request on a connection of its own and reads the
/// whole answer.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpAnswer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw))
        .await
        .expect("an answer in time")
        .unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = unchunk(&body);
    }
    HttpAnswer {
        status,
        headers,
        body,
    }
}

fn unchunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = raw.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&raw[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 4 + size..];
    }
}

/// POSTs a JSON value.
pub async fn post_json(addr: SocketAddr, path: &str, body: &serde_json::Value) -> HttpAnswer {
    let body = serde_json::to_vec(body).unwrap();
    http(
        addr,
        "POST",
        path,
        &[("Content-Type", "application/json")],
        &body,
    )
    .await
}

/// Asks to sign up through the API (the first step); returns the answer.
pub async fn ask_sign_up(
    addr: SocketAddr,
    email: &str,
    password: &str,
    name: &str,
    account: &str,
) -> HttpAnswer {
    post_json(
        addr,
        "/api/signup",
        &serde_json::json!({
            "email": email, "password": password, "name": name, "account_name": account,
        }),
    )
    .await
}

/// The confirmation token of the newest sign-up mail to `email` in the
/// outbox, if there is one.
pub fn confirmation_token(store: &dyn Store, email: &str) -> Option<String> {
    let mails = store.mails().unwrap();
    let mail = mails.iter().rev().find(|m| m.to == email)?;
    let at = mail.body.find("sbs_")?;
    Some(mail.body[at..at + 4 + 64].to_string())
}

/// Signs up through the API, confirming through the mail in the outbox;
/// panics unless the sign-up answers 202 and the confirmation 201.
/// Returns the confirmation's body (token, user, account).
pub async fn sign_up(
    server: &TestServer,
    email: &str,
    password: &str,
    name: &str,
    account: &str,
) -> serde_json::Value {
    let asked = ask_sign_up(server.addr, email, password, name, account).await;
    assert_eq!(
        asked.status,
        202,
        "{:?}",
        String::from_utf8_lossy(&asked.body)
    );
    let token = confirmation_token(server.server.store().as_ref(), email)
        .expect("a confirmation mail in the outbox");
    let answer = post_json(
        server.addr,
        "/api/signup/confirm",
        &serde_json::json!({"token": token}),
    )
    .await;
    assert_eq!(
        answer.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

/// Logs in through the API.
pub async fn log_in(addr: SocketAddr, email: &str, password: &str) -> HttpAnswer {
    post_json(
        addr,
        "/api/login",
        &serde_json::json!({"email": email, "password": password}),
    )
    .await
}

/// Logs in through the API; panics unless it answers 200. Returns the token.
pub async fn token_by_login(addr: SocketAddr, email: &str, password: &str) -> String {
    let answer = log_in(addr, email, password).await;
    assert_eq!(
        answer.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()["token"].as_str().unwrap().to_string()
}

/// Logs out through the API.
pub async fn log_out(addr: SocketAddr, token: &str) -> HttpAnswer {
    let authorization = format!("Bearer {token}");
    http(
        addr,
        "POST",
        "/api/logout",
        &[("Authorization", &authorization)],
        b"",
    )
    .await
}

/// The server's `/metrics`, as text.
pub async fn scrape(addr: SocketAddr) -> String {
    let answer = http(addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(answer.status, 200);
    String::from_utf8(answer.body).expect("the exposition is UTF-8")
}

/// The value of the sample `name` (exact, labels included) in a scrape.
pub fn sample(scrape: &str, name: &str) -> f64 {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            (key == name).then(|| value.parse().ok())?
        })
        .unwrap_or(0.0)
}

/// POSTs a JSON value with extra headers (`Origin`, `Cookie`).
pub async fn post_json_with(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: &serde_json::Value,
) -> HttpAnswer {
    let body = serde_json::to_vec(body).unwrap();
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    http(addr, "POST", path, &all, &body).await
}

/// The `name=value` pair of an answer's `Set-Cookie`, for a `Cookie`
/// header; panics if there is none.
pub fn cookie_pair(answer: &HttpAnswer) -> String {
    let set = answer.header("set-cookie").expect("a Set-Cookie header");
    set.split(';').next().unwrap().trim().to_string()
}
