//! Identifier newtypes.
//!
//! Every id on the wire is an unsigned integer (a MessagePack uint, a JSON
//! number below 2^53). The newtypes keep a team id from being passed where a
//! conversation id is expected; on the wire they are transparent.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<u64> for $name {
            fn from(raw: u64) -> Self {
                Self(raw)
            }
        }
    };
}

id_type!(
    /// An account: owns teams, and is where billing lives.
    AccountId
);
id_type!(
    /// A team: one shared chat identity with its contacts and conversations.
    TeamId
);
id_type!(
    /// A user: one identity across teams.
    UserId
);
id_type!(
    /// A contact (candidate or customer) of one team.
    ContactId
);
id_type!(
    /// A conversation between a team and one contact.
    ConversationId
);
id_type!(
    /// A client-chosen request id, echoed in the one reply to that request.
    RequestId
);
id_type!(
    /// A message's position in its conversation: 1, 2, 3... with no gaps.
    Seq
);
id_type!(
    /// An event's position in its team's stream: 1, 2, 3... with no gaps.
    Offset
);
id_type!(
    /// The generation of a team's stream. If a stream's history is ever lost
    /// the epoch changes, so an offset from an older epoch is never trusted.
    Epoch
);
id_type!(
    /// Milliseconds since the Unix epoch, UTC.
    Millis
);

id_type!(
    /// A post of a team's content (a job post, or another kind the team
    /// names), from the store's id counter.
    PostId
);

impl Seq {
    /// The seq that follows this one.
    pub fn next(self) -> Seq {
        Seq(self.0 + 1)
    }
}

impl Offset {
    /// The offset that follows this one.
    pub fn next(self) -> Offset {
        Offset(self.0 + 1)
    }
}
id_type!(
    /// A blast: one message template sent to an audience of contacts.
    BlastId
);
