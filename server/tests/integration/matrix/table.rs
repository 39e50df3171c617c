//! The permission matrix of DESIGN.md section 2 as data: who may send each
//! request (harness 1) and which connections receive each event (harness 2).
//!
//! Every request targets team A, conversation C of team A, or account 1
//! (team A's account). The columns are the subjects in [`SUBJECTS`] order.
//! This table and PROTOCOL.md's "Who may do what" table say the same thing;
//! a change to one is a change to the other.

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// The owner of account 1 (Manager of every team of it).
    Owner,
    /// A Manager of team A.
    Manager,
    /// A Member of team A.
    Member,
    /// A Restricted Member with an accepted grant to conversation C.
    RestrictedC,
    /// A Restricted Member whose grant to C is still pending.
    PendingC,
    /// A Restricted Member with an accepted grant to D, another
    /// conversation of team A.
    RestrictedOther,
    /// A Member of team S, the sibling team in account 1.
    Sibling,
    /// A Member of team B, in account 2.
    OtherAccount,
    /// A `read_write` bot token of team A.
    Bot,
    /// A web chat visitor whose conversation is C.
    Visitor,
    /// A session token of the Member that has expired.
    Expired,
    /// A session token of the Member that was logged out.
    Revoked,
    /// A hello with an empty token.
    NoToken,
}

/// The subjects, in column order.
pub const SUBJECTS: [Subject; 13] = [
    Subject::Owner,
    Subject::Manager,
    Subject::Member,
    Subject::RestrictedC,
    Subject::PendingC,
    Subject::RestrictedOther,
    Subject::Sibling,
    Subject::OtherAccount,
    Subject::Bot,
    Subject::Visitor,
    Subject::Expired,
    Subject::Revoked,
    Subject::NoToken,
];

/// The subjects that can say hello, in column order: the first ten.
pub const CONNECTED: usize = 10;

/// A request, as sent by harness 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// `subscribe` to team A.
    Subscribe,
    /// `history` of conversation C.
    History,
    /// `conversations` of team A.
    Conversations,
    /// `send` into C.
    Send,
    /// `start_conversation` in team A.
    StartConversation,
    /// `mark_read` in C.
    MarkRead,
    /// `members` of team A.
    Members,
    /// `add_member` of a throwaway email to team A.
    AddMember,
    /// `remove_member` of a throwaway member of team A.
    RemoveMember,
    /// `set_role` of a throwaway member of team A.
    SetRole,
    /// `update_team` of team A, with a harmless change.
    UpdateTeam,
    /// `create_team` in account 1, with a unique handle.
    CreateTeam,
    /// `remove_team` of a throwaway team of account 1 whose roles copy team
    /// A's (the Manager and the Member hold the same roles in it).
    RemoveTeam,
    /// `usage` of account 1.
    Usage,
    /// `create_bot` in team A.
    CreateBot,
    /// `revoke_bot` of a throwaway bot of team A.
    RevokeBot,
    /// `bots` of team A.
    Bots,
    /// `update_contact` of C's contact.
    UpdateContact,
    /// `assign` of the caller (`me`) in C.
    Assign,
    /// `unassign` of the caller (`me`) in C.
    Unassign,
    /// `dashboard` of team A.
    Dashboard,
    /// `next` in team A.
    Next,
    /// `invite` of a throwaway email into C.
    Invite,
    /// `invitations` of C.
    Invitations,
    /// `team_invitations` of team A.
    TeamInvitations,
    /// `conversation` C: its details and read markers.
    Conversation,
    /// `typing` in C.
    Typing,
    /// `view` of C.
    View,
    /// `presence` of team A.
    Presence,
    /// `deliver` of C to the Manager (`@mia`), without status.
    Deliver,
    /// `report` of team A.
    Report,
    /// `contacts`: a search of team A's book.
    Contacts,
    /// `contact`: C's contact and its conversations.
    Contact,
    /// `create_contact` in team A, with a unique name.
    CreateContact,
    /// `edit_contact` of C's contact (its notes).
    EditContact,
    /// `delete_contact` of a throwaway contact of team A.
    DeleteContact,
    /// `merge_contacts` of a throwaway contact into C's contact.
    MergeContacts,
    /// `contact_fields` of team A.
    ContactFields,
    /// `define_contact_fields` of team A.
    DefineContactFields,
    /// `posts` of team A.
    Posts,
    /// `create_post` in team A.
    CreatePost,
    /// `edit_post` of a post of team A.
    EditPost,
    // Blasts.
    /// `preview_blast` of team A's whole book.
    PreviewBlast,
    /// `blasts` of team A.
    Blasts,
    /// `relay` of a contact's message (a bridge's request: it names no
    /// team, so nobody else learns anything from the refusal).
    Relay,
    /// `receipt` for C's first message (C is on no bridge).
    Receipt,
    /// `widget`: team A's web chat settings.
    Widget,
    /// `set_widget` of team A (not paused).
    SetWidget,
    /// `identify` (a visitor names itself; no target).
    Identify,
    // Webhook bridges.
    /// `create_bridge` in team A.
    CreateBridge,
    /// `bridges` of team A.
    Bridges,
    /// `dead_letters` of team A.
    DeadLetters,
    /// `retry_dead_letter` of a throwaway dead letter of team A (its
    /// gateway answers 200).
    RetryDeadLetter,
}

/// What a request must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A result.
    Allow,
    /// `forbidden`: the subject sees the team or account, but its role does
    /// not allow this.
    Forbid,
    /// `not_found`, identical (ids masked) to the answer for an id that
    /// does not exist.
    Hide,
    /// The connection is closed at hello with 4001; no request is answered.
    Refused,
}

use Expect::{Allow as Y, Forbid as F, Hide as H, Refused as R};

/// Harness 1: every request by every subject. The bot's `remove_team`
/// targets team A itself (its one team), not a throwaway team.
#[rustfmt::skip]
pub const REQUESTS: [(Request, [Expect; 13]); 53] = [
    //                           owner mgr mbr  rC  pC  rD  sib acc2 bot  vis  exp rev none
    (Request::Subscribe,         [Y,   Y,  Y,   Y,  H,  Y,  H,  H,   Y,   Y,   R,  R,  R]),
    (Request::History,           [Y,   Y,  Y,   Y,  H,  H,  H,  H,   Y,   Y,   R,  R,  R]),
    (Request::Conversations,     [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::Send,              [Y,   Y,  Y,   Y,  H,  H,  H,  H,   Y,   Y,   R,  R,  R]),
    (Request::StartConversation, [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::MarkRead,          [Y,   Y,  Y,   Y,  H,  H,  H,  H,   Y,   Y,   R,  R,  R]),
    (Request::Members,           [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::AddMember,         [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::RemoveMember,      [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::SetRole,           [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::UpdateTeam,        [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::CreateTeam,        [Y,   F,  F,   H,  H,  H,  F,  H,   F,   H,   R,  R,  R]),
    (Request::RemoveTeam,        [Y,   F,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::Usage,             [Y,   F,  F,   H,  H,  H,  F,  H,   F,   H,   R,  R,  R]),
    (Request::CreateBot,         [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::RevokeBot,         [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::Bots,              [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::UpdateContact,     [Y,   Y,  Y,   Y,  H,  H,  H,  H,   Y,   F,   R,  R,  R]),
    (Request::Assign,            [Y,   Y,  Y,   F,  H,  H,  H,  H,   F,   F,   R,  R,  R]),
    (Request::Unassign,          [Y,   Y,  Y,   F,  H,  H,  H,  H,   F,   F,   R,  R,  R]),
    (Request::Dashboard,         [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::Next,              [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::Invite,            [Y,   Y,  Y,   F,  H,  H,  H,  H,   F,   F,   R,  R,  R]),
    (Request::Invitations,       [Y,   Y,  Y,   F,  H,  H,  H,  H,   F,   F,   R,  R,  R]),
    (Request::TeamInvitations,   [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::Conversation,      [Y,   Y,  Y,   Y,  H,  H,  H,  H,   Y,   Y,   R,  R,  R]),
    (Request::Typing,            [Y,   Y,  Y,   Y,  H,  H,  H,  H,   Y,   Y,   R,  R,  R]),
    (Request::View,              [Y,   Y,  Y,   Y,  H,  H,  H,  H,   Y,   Y,   R,  R,  R]),
    (Request::Presence,          [Y,   Y,  Y,   Y,  H,  Y,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::Deliver,           [Y,   Y,  Y,   F,  H,  H,  H,  H,   F,   F,   R,  R,  R]),
    (Request::Report,            [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::Contacts,          [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::Contact,           [Y,   Y,  Y,   Y,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::CreateContact,     [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::EditContact,       [Y,   Y,  Y,   Y,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::DeleteContact,     [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::MergeContacts,     [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::ContactFields,     [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::DefineContactFields, [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::Posts,             [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::CreatePost,        [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::EditPost,          [Y,   Y,  Y,   H,  H,  H,  H,  H,   Y,   H,   R,  R,  R]),
    (Request::Widget,            [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::SetWidget,         [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::Identify,          [F,   F,  F,   F,  F,  F,  F,  F,   F,   Y,   R,  R,  R]),
    // Blasts and bridges.
    (Request::PreviewBlast,      [Y,   Y,  Y,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::Blasts,            [Y,   Y,  Y,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::Relay,             [F,   F,  F,   F,  F,  F,  F,  F,   F,   F,   R,  R,  R]),
    (Request::Receipt,           [F,   F,  F,   F,  H,  H,  H,  H,   F,   F,   R,  R,  R]),
    // Webhook bridges: managing the team's bots.
    (Request::CreateBridge,      [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::Bridges,           [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::DeadLetters,       [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
    (Request::RetryDeadLetter,   [Y,   Y,  F,   H,  H,  H,  H,  H,   F,   H,   R,  R,  R]),
];

/// Where an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    /// Conversation C of team A.
    C,
    /// Conversation D, another of team A.
    D,
    /// A conversation of team S, the sibling team in account 1.
    Sibling,
    /// A conversation of team B, in account 2.
    OtherAccount,
    /// A team itself, for its team-wide events (`post_changed`).
    Team(Team),
}

/// The teams each connected subject subscribes to in harness 2: every team
/// it may subscribe to.
pub fn subscriptions(subject: Subject) -> &'static [Team] {
    match subject {
        Subject::Owner => &[Team::A, Team::S],
        Subject::Manager
        | Subject::Member
        | Subject::RestrictedC
        | Subject::RestrictedOther
        | Subject::Bot
        | Subject::Visitor => &[Team::A],
        Subject::Sibling => &[Team::S],
        Subject::OtherAccount => &[Team::B],
        Subject::PendingC | Subject::Expired | Subject::Revoked | Subject::NoToken => &[],
    }
}

/// The three teams of the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Team {
    /// Team A, account 1.
    A,
    /// Team S, account 1.
    S,
    /// Team B, account 2.
    B,
}

const T: bool = true;
const O: bool = false;

/// Harness 2: which connected subjects (the first [`CONNECTED`] columns)
/// receive the events (conversation started, message, system message,
/// read, contact updated and changed, contacts merged, assignees) of each
/// place; a web chat visitor, of those, only the messages not written by
/// the system (see `events`).
#[rustfmt::skip]
pub const EVENTS: [(Place, [bool; CONNECTED]); 4] = [
    //                    owner mgr mbr rC pC rD sib acc2 bot vis
    (Place::C,            [T,   T,  T,  T, O, O, O,  O,   T,  T]),
    (Place::D,            [T,   T,  T,  O, O, T, O,  O,   T,  O]),
    (Place::Sibling,      [T,   O,  O,  O, O, O, T,  O,   O,  O]),
    (Place::OtherAccount, [O,   O,  O,  O, O, O, O,  T,   O,  O]),
];

/// Harness 2: which connected subjects receive each team's team-wide
/// events (`post_changed`, `contact_fields`, and the contact-book events
/// of a contact without conversations): its Managers (the owner too),
/// Members and bots, never a Restricted Member, whatever conversation it
/// reads.
#[rustfmt::skip]
pub const TEAM_EVENTS: [(Team, [bool; CONNECTED]); 3] = [
    //         owner mgr mbr rC pC rD sib acc2 bot vis
    (Team::A,  [T,   T,  T,  O, O, O, O,  O,   T,  O]),
    (Team::S,  [T,   O,  O,  O, O, O, T,  O,   O,  O]),
    (Team::B,  [O,   O,  O,  O, O, O, O,  T,   O,  O]),
];
