//! The import tests' shared parts: requests with a bearer token, a job
//! followed to its end, the generated file with its expected counts, and a
//! process's memory read from /proc.

use crate::api_client::{http, HttpAnswer};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use switchboard_protocol::ids::TeamId;

/// A request with a bearer token.
pub async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> HttpAnswer {
    let auth = format!("Bearer {token}");
    http(addr, method, path, &[("Authorization", &auth)], body).await
}

/// POSTs a CSV as an import of `team` (`query` after `?`).
pub async fn upload(
    addr: SocketAddr,
    team: TeamId,
    token: &str,
    query: &str,
    csv: &[u8],
) -> HttpAnswer {
    let path = format!("/api/teams/{}/imports?{query}", team.0);
    call(addr, "POST", &path, token, csv).await
}

/// Waits until the import `job` is done; its answer.
pub async fn finished(
    addr: SocketAddr,
    team: TeamId,
    token: &str,
    job: u64,
    bound: Duration,
) -> serde_json::Value {
    let deadline = Instant::now() + bound;
    loop {
        let path = format!("/api/teams/{}/imports/{job}", team.0);
        let answer = call(addr, "GET", &path, token, b"").await;
        assert_eq!(
            answer.status,
            200,
            "{:?}",
            String::from_utf8_lossy(&answer.body)
        );
        let json = answer.json();
        if json["job"]["status"] != "running" {
            return json;
        }
        assert!(
            Instant::now() < deadline,
            "the import did not finish in {bound:?}: {json}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The counts of an import's answer: (lines, created, merged, rejected).
pub fn counts(job: &serde_json::Value) -> (u64, u64, u64, u64) {
    let import = &job["import"];
    let n = |k: &str| import[k].as_u64().unwrap_or_else(|| panic!("{k} in {job}"));
    (n("lines"), n("created"), n("merged"), n("rejected"))
}

/// A generated file of `rows` data rows and what importing it into an
/// empty book must give: every 100 rows, one bad phone, one bad email,
/// one without a name (rejected), one repeating the previous row's email
/// and one repeating an earlier row's phone under another email (merged);
/// every row carries `pad` bytes in an ignored column.
pub struct Generated {
    pub csv: Vec<u8>,
    pub created: u64,
    pub merged: u64,
    pub rejected: u64,
}

pub fn generate(rows: u64, pad: usize) -> Generated {
    let mut csv = b"Full Name,Mobile,E-mail,Labels,Padding\n".to_vec();
    let padding = "x".repeat(pad);
    let (mut created, mut merged, mut rejected) = (0, 0, 0);
    for i in 0..rows {
        let phone = |n: u64| format!("+1 212 {:03} {:04}", 200 + n / 10_000 % 800, n % 10_000);
        let line = match i % 100 {
            7 => {
                rejected += 1;
                format!("Bad Phone {i},12,bad{i}@example.com,,{padding}\n")
            }
            13 => {
                rejected += 1;
                format!("Bad Email {i},,not-an-email,,{padding}\n")
            }
            21 => {
                rejected += 1;
                format!(",{},noname{i}@example.com,,{padding}\n", phone(i))
            }
            51 => {
                merged += 1;
                format!("Again {i},,person{}@example.com,again,{padding}\n", i - 1)
            }
            77 => {
                merged += 1;
                format!(
                    "Same Phone {i},{},other{i}@example.com,,{padding}\n",
                    phone(i - 75)
                )
            }
            _ => {
                created += 1;
                format!(
                    "Person {i},{},person{i}@example.com,lead;vip,{padding}\n",
                    phone(i)
                )
            }
        };
        csv.extend_from_slice(line.as_bytes());
    }
    Generated {
        csv,
        created,
        merged,
        rejected,
    }
}

/// `mapping=` and a mapping, percent-encoded for a query.
pub fn mapping_query(mapping: serde_json::Value) -> String {
    let encoded: String = (mapping.to_string().bytes())
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("mapping={encoded}")
}

/// The mapping for [`generate`]'s header, as a query.
pub fn generated_mapping() -> String {
    mapping_query(serde_json::json!({"columns": {
        "Full Name": "name", "Mobile": "phone", "E-mail": "email",
        "Labels": "tags", "Padding": "ignore"
    }}))
}

/// A process's resident memory (`VmRSS`) or its peak (`VmHWM`), in KiB.
pub fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
