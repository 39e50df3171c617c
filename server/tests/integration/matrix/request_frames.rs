//! The frame each request of [`super::table::REQUESTS`] is sent as, on a
//! target the harness chose (`requests`), or on one that exists nowhere.

use super::book_requests::book_frame;
use super::table::Request;
use switchboard_protocol::assign::{Assign, Unassign, Who};
use switchboard_protocol::bridge::{DeliveryStatus, Relay, ReportReceipt};
use switchboard_protocol::client::{
    ClientFrame, ConversationRequest, Conversations, History, MarkRead, SendMessage,
    StartConversation, Subscribe,
};
use switchboard_protocol::content::{
    CreatePost, EditPost, PostDraft, PostPatch, PostStatus, Posts,
};
use switchboard_protocol::dashboard::{Dashboard, Next};
use switchboard_protocol::deliver::{Deliver, DeliverTo, Report};
use switchboard_protocol::ids::{
    AccountId, ContactId, ConversationId, PostId, RequestId, Seq, TeamId,
};
use switchboard_protocol::invite::{Invitations, Invite, TeamInvitations};
use switchboard_protocol::manage::{
    AddMember, BotScope, Bots, CreateBot, CreateTeam, Members, RemoveMember, RemoveTeam, RevokeBot,
    SetRole, UpdateContact, UpdateTeam, Usage,
};
use switchboard_protocol::model::{NewContact, Role};
use switchboard_protocol::presence::{PresenceRequest, Typing, View};
use switchboard_protocol::webhook::{
    BridgesRequest, CreateBridge, DeadLettersRequest, RetryDeadLetter,
};
use switchboard_protocol::widget::{Identify, SetWidget, WidgetRequest, WidgetSettings};

/// Ids that exist nowhere, for the "indistinguishable" comparison.
const NO_TEAM: TeamId = TeamId(9_000_001);
const NO_CONVERSATION: ConversationId = ConversationId(9_000_002);
const NO_ACCOUNT: AccountId = AccountId(9_000_003);
const NO_CONTACT: ContactId = ContactId(9_000_004);

/// What a request is done to; the harness swaps it for a nonexistent one.
#[derive(Clone, Copy)]
pub(super) enum Target {
    Team(TeamId),
    Conversation(ConversationId),
    Account(AccountId),
    /// A contact of a team's book.
    Contact(TeamId, ContactId),
}

impl Target {
    pub(super) fn missing(self) -> Target {
        match self {
            Target::Team(_) => Target::Team(NO_TEAM),
            Target::Conversation(_) => Target::Conversation(NO_CONVERSATION),
            Target::Account(_) => Target::Account(NO_ACCOUNT),
            Target::Contact(team, _) => Target::Contact(team, NO_CONTACT),
        }
    }
}

pub(super) fn team(target: Target) -> TeamId {
    match target {
        Target::Team(t) => t,
        _ => unreachable!("a team-level request"),
    }
}

pub(super) fn conversation(target: Target) -> ConversationId {
    match target {
        Target::Conversation(c) => c,
        _ => unreachable!("a conversation-level request"),
    }
}

pub(super) fn contact(target: Target) -> (TeamId, ContactId) {
    match target {
        Target::Contact(team, contact) => (team, contact),
        _ => unreachable!("a contact-level request"),
    }
}

pub(super) fn account(target: Target) -> AccountId {
    match target {
        Target::Account(a) => a,
        _ => unreachable!("an account-level request"),
    }
}

/// The frame for `request` to `target`. `extra` is the throwaway member of
/// `remove_member` and `set_role`, the throwaway bot of `revoke_bot`, the
/// post of `edit_post`, or the throwaway contact of `delete_contact` and
/// `merge_contacts` (merged into the target).
pub(super) fn frame(request: Request, target: Target, n: usize, extra: u64) -> ClientFrame {
    let id = RequestId(n as u64 + 1);
    match request {
        Request::Subscribe => ClientFrame::Subscribe(Subscribe {
            id,
            team: team(target),
            after: None,
        }),
        Request::History => ClientFrame::History(History {
            id,
            conversation: conversation(target),
            before: None,
            after: None,
            limit: None,
        }),
        Request::Conversations => ClientFrame::Conversations(Conversations {
            id,
            team: team(target),
            before: None,
            limit: None,
        }),
        Request::Send => ClientFrame::Send(SendMessage {
            id,
            conversation: conversation(target),
            client_msg_id: format!("matrix-{n}"),
            body: format!("cell {n}"),
            as_contact: false,
            post: None,
        }),
        Request::StartConversation => ClientFrame::StartConversation(StartConversation {
            id,
            team: team(target),
            contact: NewContact {
                name: format!("Contact {n}"),
                email: None,
                phone: None,
            },
        }),
        Request::MarkRead => ClientFrame::MarkRead(MarkRead {
            id,
            conversation: conversation(target),
            seq: Seq(1),
        }),
        Request::Members => ClientFrame::Members(Members {
            id,
            team: team(target),
        }),
        Request::AddMember => ClientFrame::AddMember(AddMember {
            id,
            team: team(target),
            email: format!("added-{n}@new.test"),
            role: Role::Member,
            name: None,
            key: None,
        }),
        Request::RemoveMember => ClientFrame::RemoveMember(RemoveMember {
            id,
            team: team(target),
            user: switchboard_protocol::ids::UserId(extra),
        }),
        Request::SetRole => ClientFrame::SetRole(SetRole {
            id,
            team: team(target),
            user: switchboard_protocol::ids::UserId(extra),
            role: Role::Manager,
        }),
        Request::UpdateTeam => ClientFrame::UpdateTeam(UpdateTeam {
            id,
            team: team(target),
            name: Some("Team A".into()),
            identity: None,
            statuses: None,
            max_members: None,
            blast_rate: None,
        }),
        Request::CreateTeam => ClientFrame::CreateTeam(CreateTeam {
            id,
            account: account(target),
            name: "New team".into(),
            handle: format!("created-{n}"),
            identity: String::new(),
            key: None,
        }),
        Request::RemoveTeam => ClientFrame::RemoveTeam(RemoveTeam {
            id,
            team: team(target),
        }),
        Request::Usage => ClientFrame::Usage(Usage {
            id,
            account: account(target),
        }),
        Request::CreateBot => ClientFrame::CreateBot(CreateBot {
            id,
            team: team(target),
            name: format!("bot {n}"),
            scope: BotScope::Read,
            key: None,
        }),
        Request::RevokeBot => ClientFrame::RevokeBot(RevokeBot {
            id,
            team: team(target),
            bot: switchboard_protocol::ids::UserId(extra),
        }),
        Request::Bots => ClientFrame::Bots(Bots {
            id,
            team: team(target),
        }),
        Request::UpdateContact => ClientFrame::UpdateContact(UpdateContact {
            id,
            conversation: conversation(target),
            name: None,
            email: None,
            phone: Some(format!("+1 555 {n:04}")),
        }),
        Request::Assign => ClientFrame::Assign(Assign {
            id,
            conversation: conversation(target),
            who: Who::Me,
            key: None,
        }),
        Request::Unassign => ClientFrame::Unassign(Unassign {
            id,
            conversation: conversation(target),
            who: Who::Me,
            key: None,
        }),
        Request::Dashboard => ClientFrame::Dashboard(Dashboard {
            id,
            team: team(target),
            view: switchboard_protocol::dashboard::View::All,
            status: None,
            after: None,
            limit: None,
        }),
        Request::Next => ClientFrame::Next(Next {
            id,
            team: team(target),
        }),
        Request::Invite => ClientFrame::Invite(Invite {
            id,
            conversation: conversation(target),
            email: format!("invitee-{n}@guest.test"),
            note: None,
            key: None,
        }),
        Request::Invitations => ClientFrame::Invitations(Invitations {
            id,
            conversation: conversation(target),
        }),
        Request::TeamInvitations => ClientFrame::TeamInvitations(TeamInvitations {
            id,
            team: team(target),
            after: None,
            limit: None,
        }),
        Request::Conversation => ClientFrame::Conversation(ConversationRequest {
            id,
            conversation: conversation(target),
        }),
        Request::Typing => ClientFrame::Typing(Typing {
            id,
            conversation: conversation(target),
        }),
        Request::View => ClientFrame::View(View {
            id,
            conversation: Some(conversation(target)),
        }),
        Request::Presence => ClientFrame::Presence(PresenceRequest {
            id,
            team: team(target),
        }),
        Request::Deliver => ClientFrame::Deliver(Deliver {
            id,
            conversation: conversation(target),
            to: DeliverTo::User {
                handle: "mia".into(),
            },
            status: None,
            note: None,
            key: None,
        }),
        Request::Report => ClientFrame::Report(Report {
            id,
            team: Some(team(target)),
            account: None,
            from: None,
            to: None,
        }),
        Request::Posts => ClientFrame::Posts(Posts {
            id,
            team: team(target),
            status: None,
            after: None,
            limit: None,
        }),
        Request::CreatePost => ClientFrame::CreatePost(CreatePost {
            id,
            team: team(target),
            key: None,
            post: PostDraft {
                kind: "job".into(),
                title: format!("Post {n}"),
                body: String::new(),
                link: None,
                location: None,
                status: PostStatus::Open,
            },
        }),
        Request::EditPost => ClientFrame::EditPost(EditPost {
            id,
            team: team(target),
            post: PostId(extra),
            key: None,
            changes: PostPatch {
                body: Some(format!("edited by cell {n}")),
                ..PostPatch::default()
            },
        }),
        // Blasts.
        Request::PreviewBlast | Request::Blasts => {
            super::blast_requests::blast_frame(request, target, id)
        }
        Request::Relay => ClientFrame::Relay(Relay {
            id,
            address: "+14155550123".into(),
            name: None,
            client_msg_id: format!("matrix-{n}"),
            body: format!("cell {n}"),
        }),
        Request::Receipt => ClientFrame::Receipt(ReportReceipt {
            id,
            conversation: conversation(target),
            seq: Seq(1),
            status: DeliveryStatus::Sent,
            detail: None,
        }),
        Request::Widget => ClientFrame::Widget(WidgetRequest {
            id,
            team: team(target),
        }),
        Request::SetWidget => ClientFrame::SetWidget(SetWidget {
            id,
            team: team(target),
            settings: WidgetSettings {
                paused: false,
                greeting: format!("cell {n}"),
                allowed_origins: Vec::new(),
            },
            key: None,
        }),
        // Its one conversation is the visitor's alone to name: no target.
        Request::CreateBridge => ClientFrame::CreateBridge(CreateBridge {
            id,
            team: team(target),
            name: format!("bridge {n}"),
            outbound_url: "http://127.0.0.1:9/".into(),
            key: None,
        }),
        Request::Bridges => ClientFrame::Bridges(BridgesRequest {
            id,
            team: team(target),
        }),
        Request::DeadLetters => ClientFrame::DeadLetters(DeadLettersRequest {
            id,
            team: team(target),
        }),
        Request::RetryDeadLetter => ClientFrame::RetryDeadLetter(RetryDeadLetter {
            id,
            team: team(target),
            dead_letter: extra,
        }),
        Request::Identify => ClientFrame::Identify(Identify {
            id,
            name: Some(format!("Casey {n}")),
            email: None,
            phone: None,
            key: None,
        }),
        _ => book_frame(request, target, id, n, extra),
    }
}
