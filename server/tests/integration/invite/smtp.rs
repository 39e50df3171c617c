//! With an SMTP relay configured, the invitation goes over SMTP instead of
//! into the outbox, and the token it carries accepts the invitation.

use super::{accepted, invitation_token, PASSWORD};
use crate::util::*;
use switchboard_protocol::ids::ConversationId;
use switchboard_server::mail::SmtpConfig;
use switchboard_server::Config;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A fake SMTP relay on 127.0.0.1:0 that accepts one mail and hands over
/// what came after DATA.
async fn fake_smtp() -> (u16, tokio::sync::oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 fake.test ESMTP\r\n").await.unwrap();
        let mut data: Option<String> = None;
        let mut tx = Some(tx);
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(body) = data.as_mut() {
                if line == "." {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(std::mem::take(body));
                    }
                    data = None;
                    write.write_all(b"250 queued\r\n").await.unwrap();
                } else {
                    body.push_str(&line);
                    body.push('\n');
                }
                continue;
            }
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            let answer: &[u8] = match verb.as_str() {
                "DATA" => {
                    data = Some(String::new());
                    b"354 go ahead\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => b"250 ok\r\n",
            };
            write.write_all(answer).await.unwrap();
        }
    });
    (port, rx)
}

#[tokio::test]
async fn with_smtp_configured_the_invitation_is_mailed_over_smtp() {
    let (port, data) = fake_smtp().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path());
    config.smtp = Some(
        SmtpConfig::parse(
            &format!("smtp://127.0.0.1:{port}"),
            "Switchboard <sb@one.test>",
        )
        .unwrap(),
    );
    let server = TestServer::start_with(config).await;
    let store = server.server.store();
    let world = seed(store.as_ref());
    let (alice, _events) = connect(&server.url(), &world.alice.token).await;
    let conversation: ConversationId = start_conversation(&alice, world.team_a, "Jordan").await;
    alice
        .invite(conversation, "sam@guest.test", Some("over SMTP".into()))
        .await
        .unwrap();

    let data = tokio::time::timeout(PATIENCE, data)
        .await
        .expect("the mail arrives in time")
        .expect("the relay saw a DATA");
    // Undo quoted-printable's soft line breaks, as a mail reader would.
    let data = data.replace("=\n", "");
    assert!(data.contains("sam@guest.test"), "{data}");
    assert!(data.contains("sb@one.test"), "{data}");
    assert!(data.contains("over SMTP"), "{data}");
    assert!(store.mails().unwrap().is_empty(), "nothing in the outbox");
    // The token in the SMTP mail accepts the invitation.
    let token = invitation_token(&data);
    assert_eq!(token.len(), 4 + 64, "{data}");
    accepted(&server, &token, PASSWORD).await;
}
