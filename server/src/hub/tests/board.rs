//! The board: the first dashboard of a large team, loaded in pages while
//! writes go on.

use super::*;

#[tokio::test]
async fn the_first_dashboard_of_a_large_team_has_every_conversation_and_the_writes_made_while_it_loads(
) {
    use crate::store::{ContactRecord, ConversationRecord, Entry};
    use switchboard_protocol::dashboard::View;
    use switchboard_protocol::ids::ContactId;
    const CONVERSATIONS: u64 = 1_200;
    let f = fixture();
    // Conversations the hub has never seen: in the store before it starts.
    let store = &f.registry.context.store;
    for i in 1..=CONVERSATIONS {
        let contact = ContactRecord::new(
            ContactId(i),
            TEAM,
            format!("contact {i}"),
            None,
            None,
            Millis(i),
        );
        let conversation = ConversationRecord::new(ConversationId(i), TEAM, contact.id, Millis(i));
        let entry = Entry::ConversationStarted {
            contact: &contact,
            conversation: &conversation,
        };
        store.commit(TEAM, Offset(i), entry).unwrap();
    }
    let (asker, mut asker_rx) = outlet(1, 64);
    let dashboard = HubRequest::from(
        asker.clone(),
        Some(RequestId(7)),
        HubCommand::Dashboard {
            query: BoardQuery {
                user: f.principal.user.id,
                view: View::All,
                status: None,
                after: None,
                limit: 5_000,
            },
        },
    );
    f.registry.dispatch(TEAM, dashboard).await.unwrap();
    // A write while the board loads.
    let (writer, mut writer_rx) = outlet(2, 64);
    f.send(&writer, &mut writer_rx, ConversationId(5), "m")
        .await;

    let Reply::Dashboard(page) = result(next(&mut asker_rx).await) else {
        panic!("expected the dashboard");
    };
    let counts = page.counts;
    assert_eq!(
        counts.open + counts.waiting + counts.delivered,
        CONVERSATIONS
    );
    assert_eq!(page.rows.len() as u64, CONVERSATIONS);
    let written = page
        .rows
        .iter()
        .find(|row| row.conversation == ConversationId(5))
        .expect("the conversation written to");
    assert_eq!(written.last_seq, Seq(1), "its row has the write");
}
