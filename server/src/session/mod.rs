//! A session: the authenticated user on one connection, answering each
//! request frame.
//!
//! Every request is checked through [`Principal::allows`] before anything
//! is read or written, and is answered exactly once: here for reads, by the
//! team's hub for writes. Reads of things the user may not see answer
//! `not_found`, the same as for things that do not exist; a caller who
//! may read the thing but not do this to it (a read-only bot sending) gets
//! `forbidden`. Managing teams, members and roles is in [`manage`], bots
//! in [`bots`], invitations into a conversation in [`invite`], a message
//! sent in [`send`], the idempotency keys of commands and creating
//! requests in [`keys`].

use crate::access::{Action, Principal, Resource};
use crate::hub::{HubCommand, HubRequest};
use crate::live::Registration;
use crate::outlet::Outlet;
use crate::server::ServerState;
use crate::store::{ConversationRecord, Page, StoreError};
use std::sync::Arc;
use switchboard_protocol::client::{Conversations, History, MarkRead, StartConversation};
use switchboard_protocol::ids::{ConversationId, RequestId, TeamId};
use switchboard_protocol::model::SenderKind;
use switchboard_protocol::server::{ConversationPage, ErrorFrame, HistoryPage, Reply, ResultFrame};
use switchboard_protocol::{ClientFrame, ErrorCode, ServerFrame};

mod assign;
mod blasts;
mod book;
mod bots;
mod bridge;
mod contacts;
mod conversation;
mod dashboard;
mod deliver;
mod invitations;
mod invite;
mod keys;
mod manage;
mod members;
mod posts;
mod presence;
mod report;
mod send;
mod webhook;
mod widget;

/// Longest `client_msg_id`, in bytes.
const MAX_CLIENT_MSG_ID: usize = 64;
/// Most conversations in one `conversations` page.
const MAX_CONVERSATION_PAGE: usize = 100;
/// Longest contact name, in bytes.
const MAX_CONTACT_FIELD: usize = 200;

/// A request that fails: the code and message for the user.
struct Refusal(ErrorCode, String);

impl Refusal {
    fn new(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal(code, message.into())
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        // The user learns only that it failed; the log has the detail.
        tracing::error!(error = %e, "store error while answering a request");
        Refusal::new(ErrorCode::Internal, "internal error")
    }
}

/// The refusal of a caller who sees the thing but may not do this to it.
fn forbidden() -> Refusal {
    Refusal::new(ErrorCode::Forbidden, "your access does not allow this")
}

pub(crate) struct Session {
    state: Arc<ServerState>,
    principal: Arc<Principal>,
    outlet: Outlet,
    /// The teams subscribed to, each once: a few at most, so a list (a
    /// set's table would cost every idle connection more).
    subscribed: Vec<TeamId>,
    /// The conversation this connection has open (see `presence`).
    viewing: Option<(TeamId, ConversationId)>,
    /// The connection's place among the live connections, listed under
    /// the teams its access reaches (see `manage`'s refresh); it leaves
    /// when the session closes.
    registration: Registration,
}

impl Session {
    pub(crate) fn new(
        state: Arc<ServerState>,
        mut principal: Principal,
        outlet: Outlet,
        registration: Registration,
    ) -> Session {
        // Nothing a connection does reads the password hash (passwords are
        // checked over HTTP, against the store): an idle connection need
        // not keep its hundred bytes for its whole life.
        principal.user.password_hash = None;
        Session {
            state,
            principal: Arc::new(principal),
            outlet,
            subscribed: Vec::new(),
            viewing: None,
            registration,
        }
    }

    /// Answers one request frame (or hands it to a hub that will).
    pub(crate) async fn handle(&mut self, frame: ClientFrame) {
        let Some(id) = frame.request_id() else {
            self.refuse(
                None,
                Refusal::new(ErrorCode::BadState, "hello was already received"),
            );
            return;
        };
        let outcome = match frame {
            ClientFrame::Hello(_) => Ok(None),
            ClientFrame::Ping(_) => Ok(Some(Reply::Pong)),
            ClientFrame::Subscribe(s) => self.subscribe(id, s.team, s.after).await,
            ClientFrame::Unsubscribe(u) => self.unsubscribe(id, u.team).await,
            ClientFrame::Send(s) => self.send(id, s).await,
            ClientFrame::History(h) => self.history(h).map(Some),
            ClientFrame::Conversations(c) => self.conversations(c).map(Some),
            ClientFrame::Conversation(c) => self.conversation(c.conversation).map(Some),
            ClientFrame::StartConversation(s) => self.start_conversation(id, s).await,
            ClientFrame::MarkRead(m) => self.mark_read(id, m).await,
            ClientFrame::CreateTeam(c) => self.create_team(id, c).await,
            ClientFrame::UpdateTeam(u) => self.update_team(u).await.map(Some),
            ClientFrame::RemoveTeam(r) => self.remove_team(r).await.map(Some),
            ClientFrame::Members(m) => self.members(m).map(Some),
            ClientFrame::AddMember(a) => self.add_member(id, a).await,
            ClientFrame::RemoveMember(r) => self.remove_member(r).await.map(Some),
            ClientFrame::SetRole(r) => self.set_role(r).await.map(Some),
            ClientFrame::Usage(u) => self.usage(u).await.map(Some),
            ClientFrame::CreateBot(c) => self.create_bot(id, c).await,
            ClientFrame::RevokeBot(r) => self.revoke_bot(r).await.map(Some),
            ClientFrame::Bots(b) => self.bots(b).map(Some),
            ClientFrame::UpdateContact(u) => self.update_contact(id, u).await,
            ClientFrame::Assign(a) => {
                let key = a.key;
                self.assign(id, a.conversation, a.who.into(), true, key)
                    .await
            }
            ClientFrame::Unassign(u) => {
                let key = u.key;
                self.assign(id, u.conversation, u.who.into(), false, key)
                    .await
            }
            ClientFrame::Dashboard(d) => self.dashboard(id, d).await,
            ClientFrame::Next(n) => self.next(id, n.team).await,
            ClientFrame::Invite(i) => {
                self.invite(id, i.conversation, &i.email, i.note, i.key)
                    .await
            }
            ClientFrame::RevokeInvitation(r) => {
                self.revoke_invitation(id, r.conversation, r.user).await
            }
            ClientFrame::Invitations(i) => self.invitations(i.conversation).map(Some),
            ClientFrame::TeamInvitations(t) => self.team_invitations(t).map(Some),
            ClientFrame::Typing(t) => self.typing(id, t.conversation).await,
            ClientFrame::View(v) => self.view(id, v.conversation).await,
            ClientFrame::Presence(p) => self.presence(id, p.team).await,
            ClientFrame::Deliver(d) => {
                self.deliver(id, d.conversation, d.to.into(), d.status, d.note, d.key)
                    .await
            }
            ClientFrame::Report(r) => self.report(r).await.map(Some),
            ClientFrame::Posts(p) => self.posts(p).map(Some),
            ClientFrame::CreatePost(c) => self.create_post(id, c).await,
            ClientFrame::EditPost(e) => self.edit_post(id, e).await,
            frame @ (ClientFrame::Contacts(_)
            | ClientFrame::Contact(_)
            | ClientFrame::CreateContact(_)
            | ClientFrame::EditContact(_)
            | ClientFrame::DeleteContact(_)
            | ClientFrame::MergeContacts(_)
            | ClientFrame::ContactFields(_)
            | ClientFrame::DefineContactFields(_)) => self.contact_book(id, frame).await,
            // Blasts.
            frame @ (ClientFrame::PreviewBlast(_)
            | ClientFrame::CreateBlast(_)
            | ClientFrame::Blasts(_)
            | ClientFrame::Blast(_)
            | ClientFrame::PauseBlast(_)
            | ClientFrame::ResumeBlast(_)
            | ClientFrame::CancelBlast(_)) => self.blasts(frame).await.map(Some),
            // Web chat.
            ClientFrame::Widget(w) => self.widget(w).map(Some),
            ClientFrame::SetWidget(s) => self.set_widget(s).await.map(Some),
            ClientFrame::Identify(i) => self.identify(i).await.map(Some),
            ClientFrame::Relay(r) => self.relay_inbound(id, r).await,
            ClientFrame::Receipt(r) => self.report_receipt(id, r).await,
            // Webhook bridges.
            ClientFrame::CreateBridge(c) => self.create_bridge(id, c).await,
            ClientFrame::Bridges(b) => self.webhook_bridges(b).map(Some),
            ClientFrame::DeadLetters(d) => self.dead_letters(d).map(Some),
            ClientFrame::RetryDeadLetter(r) => self.retry_dead_letter(r).await.map(Some),
        };
        match outcome {
            Ok(Some(result)) => {
                self.outlet
                    .send(&ServerFrame::Result(ResultFrame::new(id, result)));
            }
            // A hub answers this one once the write is durable.
            Ok(None) => {}
            Err(refusal) => self.refuse(Some(id), refusal),
        }
    }

    /// Tells the hubs this connection is gone.
    pub(crate) fn close(mut self) {
        // The team of the open conversation too, subscribed there or not.
        if let Some((team, _)) = self.viewing {
            add(&mut self.subscribed, team);
        }
        for team in self.subscribed {
            self.state.registry.disconnect(team, self.outlet.clone());
        }
    }

    fn refuse(&self, id: Option<RequestId>, Refusal(code, message): Refusal) {
        self.outlet
            .send(&ServerFrame::Error(ErrorFrame { id, code, message }));
    }

    /// Hands `command` to the team's hub, answered there under `request`.
    async fn dispatch(
        &self,
        team: TeamId,
        request: impl Into<Option<RequestId>>,
        command: HubCommand,
    ) -> Result<Option<Reply>, Refusal> {
        let command = HubRequest::from(self.outlet.clone(), request.into(), command);
        self.state
            .registry
            .dispatch(team, command)
            .await
            .map(|()| None)
            .map_err(|_| Refusal::new(ErrorCode::Unavailable, "the server is shutting down"))
    }

    fn team_for(&self, action: Action, team: TeamId) -> Result<(), Refusal> {
        if self.principal.allows(action, Resource::Team(team)) {
            Ok(())
        } else if self
            .principal
            .allows(Action::ReadTeam, Resource::Team(team))
        {
            Err(forbidden())
        } else {
            Err(Refusal::new(ErrorCode::NotFound, format!("no team {team}")))
        }
    }

    /// The conversation, if it exists and the user may do `action` in it.
    fn conversation_for(
        &self,
        action: Action,
        id: ConversationId,
    ) -> Result<ConversationRecord, Refusal> {
        match self.state.store.conversation(id)? {
            Some(c) if self.principal.allows(action, Resource::Conversation(&c)) => Ok(c),
            Some(c)
                if self
                    .principal
                    .allows(Action::ReadConversation, Resource::Conversation(&c)) =>
            {
                Err(forbidden())
            }
            _ => Err(Refusal::new(
                ErrorCode::NotFound,
                format!("no conversation {id}"),
            )),
        }
    }

    async fn subscribe(
        &mut self,
        request: RequestId,
        team: TeamId,
        after: Option<switchboard_protocol::model::Position>,
    ) -> Result<Option<Reply>, Refusal> {
        self.team_for(Action::Subscribe, team)?;
        add(&mut self.subscribed, team);
        let command = HubCommand::Subscribe {
            principal: Arc::clone(&self.principal),
            after,
        };
        self.dispatch(team, request, command).await
    }

    async fn unsubscribe(
        &mut self,
        request: RequestId,
        team: TeamId,
    ) -> Result<Option<Reply>, Refusal> {
        self.team_for(Action::Subscribe, team)?;
        self.subscribed.retain(|t| *t != team);
        // The hub forgets this connection's view in the team with it.
        if self.viewing.is_some_and(|(viewed, _)| viewed == team) {
            self.viewing = None;
        }
        let command = HubCommand::Unsubscribe;
        self.dispatch(team, request, command).await
    }

    fn history(&self, history: History) -> Result<Reply, Refusal> {
        let conversation = self.conversation_for(Action::ReadConversation, history.conversation)?;
        let max = self.state.config.limits.max_history_page;
        let limit = history.limit.map_or(max, |l| (l as usize).min(max));
        if limit == 0 {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                "limit must be at least 1",
            ));
        }
        let page = match (history.before, history.after) {
            (Some(_), Some(_)) => {
                return Err(Refusal::new(
                    ErrorCode::BadRequest,
                    "give before or after, not both",
                ));
            }
            (Some(before), None) => Page::Before(before),
            (None, Some(after)) => Page::After(after),
            (None, None) => Page::Latest,
        };
        let (mut messages, more) = self.state.store.messages(conversation.id, page, limit)?;
        // Messages written but not yet flushed are not shown: they are not
        // acknowledged yet and would vanish in a crash.
        if let Some(durable) = self.state.registry.durable(conversation.team) {
            messages.retain(|m| m.offset <= durable);
        }
        if self.principal.visitor().is_some() {
            // The system's messages record commands: internal to the team.
            messages.retain(|m| m.sender.kind != SenderKind::System);
        }
        Ok(Reply::History(HistoryPage {
            conversation: conversation.id,
            messages,
            more,
        }))
    }

    fn conversations(&self, request: Conversations) -> Result<Reply, Refusal> {
        self.team_for(Action::ReadTeam, request.team)?;
        let limit = request.limit.map_or(MAX_CONVERSATION_PAGE, |l| {
            (l as usize).clamp(1, MAX_CONVERSATION_PAGE)
        });
        let store = &self.state.store;
        let mut records = store.team_conversations(request.team, request.before, limit + 1)?;
        let next = (records.len() > limit).then(|| {
            records.truncate(limit);
            records.last().map(|c| c.id)
        });
        let mut conversations = Vec::with_capacity(records.len());
        for record in records {
            let Some(contact) = store.contact(record.contact)? else {
                tracing::error!(conversation = %record.id, "conversation without its contact");
                continue;
            };
            let last_seq = store.last_seq(record.id)?;
            let mut info = record.info(&contact, last_seq);
            info.assignees = store.assignees(record.id)?;
            conversations.push(info);
        }
        Ok(Reply::Conversations(ConversationPage {
            team: request.team,
            conversations,
            next: next.flatten(),
        }))
    }

    async fn start_conversation(
        &self,
        request: RequestId,
        start: StartConversation,
    ) -> Result<Option<Reply>, Refusal> {
        self.team_for(Action::StartConversation, start.team)?;
        let mut contact = start.contact;
        contact.name = contact.name.trim().to_string();
        let fields = [
            Some(&contact.name),
            contact.email.as_ref(),
            contact.phone.as_ref(),
        ];
        if contact.name.is_empty() || fields.iter().flatten().any(|f| f.len() > MAX_CONTACT_FIELD) {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                format!(
                    "a contact needs a name; each field holds at most {MAX_CONTACT_FIELD} bytes"
                ),
            ));
        }
        let command = HubCommand::StartConversation {
            contact,
            channel: None,
        };
        self.dispatch(start.team, request, command).await
    }

    async fn mark_read(
        &self,
        request: RequestId,
        mark: MarkRead,
    ) -> Result<Option<Reply>, Refusal> {
        let conversation = self.conversation_for(Action::MarkRead, mark.conversation)?;
        let command = HubCommand::MarkRead {
            principal: Arc::clone(&self.principal),
            conversation: conversation.id,
            seq: mark.seq,
        };
        self.dispatch(conversation.team, request, command).await
    }
}

/// Adds `team` to `teams` unless it is there.
fn add(teams: &mut Vec<TeamId>, team: TeamId) {
    if !teams.contains(&team) {
        teams.push(team);
    }
}
