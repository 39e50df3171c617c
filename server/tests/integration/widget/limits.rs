//! The visitors' limits: creations per address, messages per minute,
//! message size, connections per address. Each refusal says what was
//! wrong, and nothing else is lost.

use super::fixture::*;
use crate::util::*;
use switchboard_protocol::{close, ErrorCode};

#[tokio::test]
async fn rate_and_size_limits_give_clear_errors_and_lose_nothing_else() {
    let (_dir, server, world) = seeded_with(|config| {
        let visitors = &mut config.limits.visitors;
        visitors.creations_per_minute = 2;
        visitors.messages_per_minute = 1;
        visitors.message_burst = 3;
        visitors.message_chars = 20;
        visitors.connections_per_address = 2;
    })
    .await;
    let visitor = create_visitor(&server, "team-a", None).await;
    let _second = create_visitor(&server, "team-a", None).await;
    let third = post_visitor(&server, "team-a", None).await;
    assert_eq!(third.status, 429);
    assert_eq!(third.error_code(), "too_many_requests");
    assert!(third.header("retry-after").is_some());

    let mut page = VisitorPage::open(&server, &visitor).await;
    let limits = &page.limits;
    assert_eq!(
        (
            limits.visitor_messages_per_minute,
            limits.visitor_message_chars
        ),
        (1, 20),
        "the limits are advertised"
    );
    let long = "x".repeat(21);
    let code = page.refused(send_frame(visitor.conversation, &long)).await;
    assert_eq!(code, ErrorCode::TooLarge);
    for body in ["one", "two", "three"] {
        page.send(body).await;
    }
    let code = page.refused(send_frame(visitor.conversation, "four")).await;
    assert_eq!(code, ErrorCode::RateLimited);

    let (agent, _events) = connect(&server.url(), &world.bob.token).await;
    let all = all_messages(&agent, visitor.conversation).await;
    let bodies: Vec<&str> = all.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["one", "two", "three"], "exactly what was accepted");
    // An agent's messages are not a visitor's: no limit of theirs applies.
    agent
        .send(
            visitor.conversation,
            "a reply longer than twenty characters",
        )
        .await
        .unwrap();

    // Two connections from this address are open (the page above and
    // the one below); a third is refused.
    let _other = VisitorPage::open(&server, &visitor).await;
    let mut third = Raw::connect(&server.url(), switchboard_protocol::Encoding::Json).await;
    third
        .send(&switchboard_protocol::ClientFrame::Hello(
            switchboard_protocol::client::Hello {
                version: switchboard_protocol::PROTOCOL_VERSION,
                token: visitor.token.clone(),
            },
        ))
        .await;
    assert_eq!(third.close_code().await, Some(close::TOO_MANY_CONNECTIONS));
    drop(page);
}
