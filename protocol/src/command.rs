//! The `^command` grammar typed in the chat input.
//!
//! ```text
//! input    = "^^" text            ; a literal message starting with "^"
//!          | "^" command
//!          | text                 ; anything not starting with "^"
//! command  = "invite" SP email [SP note]
//!          | "assign" SP who
//!          | "unassign" SP who
//!          | "deliver" SP target [SP status [SP note]]
//!          | "post" SP id [SP text]
//! who      = "me" | "@" handle
//! target   = "@" handle | "#" handle
//! handle   = 1*64 (ALPHA / DIGIT / "." / "_" / "-"), starting with ALPHA or DIGIT
//! status   = 1*32 (ALPHA / DIGIT / "_" / "-")
//! note     = the rest of the line, trimmed; never empty
//! id       = 1*19 DIGIT         ; a post of the conversation's team, not 0
//! text     = the rest of the input, trimmed; never empty (newlines kept)
//! ```
//!
//! Command names are case-insensitive and rendered in lowercase; `SP` is any
//! run of whitespace. One grammar serves the server, the SDK and the browser
//! app, so that what parses in one parses everywhere.
//! Invariant: `parse(&cmd.render()) == Ok(cmd)` for every valid command.

use crate::ids::PostId;
use std::fmt;

/// A parsed `^command`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `^invite EMAIL [note]`: invite someone into this conversation alone.
    Invite {
        /// Who to invite.
        email: String,
        /// A note for the invitation mail.
        note: Option<String>,
    },
    /// `^assign @user|me`: add an assignee.
    Assign {
        /// Who to assign.
        who: Assignee,
    },
    /// `^unassign @user|me`: remove an assignee.
    Unassign {
        /// Who to unassign.
        who: Assignee,
    },
    /// `^deliver @user|#team [status] [note]`: hand over and wrap up.
    Deliver {
        /// Where the conversation goes.
        to: Target,
        /// The outcome status, one of the team's list.
        status: Option<String>,
        /// A handoff note.
        note: Option<String>,
    },
    /// `^post ID [text]`: send a message carrying a post's card, with
    /// `text` as its body (empty without).
    Post {
        /// The post.
        post: PostId,
        /// The message's text.
        text: Option<String>,
    },
}

/// The user an `^assign` or `^unassign` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    /// The user typing the command.
    Me,
    /// A user by handle (without the `@`).
    User(String),
}

/// Where a `^deliver` sends the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A user by handle (without the `@`).
    User(String),
    /// A team of the same account by handle (without the `#`).
    Team(String),
}

/// What a line typed in the chat input is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input<'a> {
    /// A plain message, with a leading `^^` already turned into `^`.
    Text(&'a str),
    /// A command, or why it does not parse.
    Command(Result<Command, CommandError>),
}

/// Why a `^command` does not parse. The `Display` text is written for the
/// person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Just `^` with nothing after it.
    #[error("a command name must follow ^ (try ^assign me)")]
    Empty,
    /// A name that is not a command.
    #[error("unknown command ^{0}: the commands are ^invite, ^assign, ^unassign, ^deliver and ^post (write ^^ to send a message starting with ^)")]
    Unknown(String),
    /// A required argument is missing.
    #[error("^{command} needs {expected}: {usage}")]
    Missing {
        /// The command.
        command: &'static str,
        /// What was expected.
        expected: &'static str,
        /// The command's usage line.
        usage: &'static str,
    },
    /// An argument is not of the expected form.
    #[error("^{command}: {found:?} is not {expected}: {usage}")]
    Invalid {
        /// The command.
        command: &'static str,
        /// The offending word.
        found: String,
        /// What was expected.
        expected: &'static str,
        /// The command's usage line.
        usage: &'static str,
    },
    /// Words after a command that takes no more.
    #[error("^{command} takes nothing after {after:?}, found {found:?}: {usage}")]
    Unexpected {
        /// The command.
        command: &'static str,
        /// The last accepted word.
        after: String,
        /// The extra text.
        found: String,
        /// The command's usage line.
        usage: &'static str,
    },
}

const USAGE_INVITE: &str = "^invite EMAIL [note]";
const USAGE_ASSIGN: &str = "^assign @user | ^assign me";
const USAGE_UNASSIGN: &str = "^unassign @user | ^unassign me";
const USAGE_DELIVER: &str = "^deliver @user|#team [status] [note]";
const USAGE_POST: &str = "^post ID [text]";

/// Classifies a line typed in the chat input.
pub fn classify(input: &str) -> Input<'_> {
    if input.starts_with("^^") {
        // Keep one caret: "^^5 stars" is the text "^5 stars".
        Input::Text(&input[1..])
    } else if input.starts_with('^') {
        Input::Command(parse(input))
    } else {
        Input::Text(input)
    }
}

/// Parses a `^command` (the leading `^` included).
pub fn parse(input: &str) -> Result<Command, CommandError> {
    let body = input.strip_prefix('^').unwrap_or(input);
    let (name, rest) = split_word(body);
    if name.is_empty() {
        return Err(CommandError::Empty);
    }
    match name.to_ascii_lowercase().as_str() {
        "invite" => {
            let (email, rest) = split_word(rest);
            if email.is_empty() {
                return Err(missing("invite", "an email address", USAGE_INVITE));
            }
            if !is_email(email) {
                return Err(invalid("invite", email, "an email address", USAGE_INVITE));
            }
            Ok(Command::Invite {
                email: email.to_string(),
                note: note(rest),
            })
        }
        "assign" => Ok(Command::Assign {
            who: parse_assignee("assign", rest, USAGE_ASSIGN)?,
        }),
        "unassign" => Ok(Command::Unassign {
            who: parse_assignee("unassign", rest, USAGE_UNASSIGN)?,
        }),
        "deliver" => {
            let (word, rest) = split_word(rest);
            let to = if word.is_empty() {
                return Err(missing("deliver", "a @user or #team", USAGE_DELIVER));
            } else if let Some(handle) = word.strip_prefix('@').filter(|h| is_handle(h)) {
                Target::User(handle.to_string())
            } else if let Some(handle) = word.strip_prefix('#').filter(|h| is_handle(h)) {
                Target::Team(handle.to_string())
            } else {
                return Err(invalid("deliver", word, "a @user or #team", USAGE_DELIVER));
            };
            let (status, rest) = split_word(rest);
            if status.is_empty() {
                return Ok(Command::Deliver {
                    to,
                    status: None,
                    note: None,
                });
            }
            if !is_status(status) {
                return Err(invalid(
                    "deliver",
                    status,
                    "a status (letters, digits, - and _)",
                    USAGE_DELIVER,
                ));
            }
            Ok(Command::Deliver {
                to,
                status: Some(status.to_string()),
                note: note(rest),
            })
        }
        "post" => {
            let (word, rest) = split_word(rest);
            if word.is_empty() {
                return Err(missing("post", "a post id", USAGE_POST));
            }
            let id = word
                .parse::<u64>()
                .ok()
                .filter(|id| *id > 0 && word.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| invalid("post", word, "a post id (a number)", USAGE_POST))?;
            Ok(Command::Post {
                post: PostId(id),
                text: note(rest),
            })
        }
        _ => Err(CommandError::Unknown(name.to_string())),
    }
}

impl Command {
    /// Writes the command as it would be typed.
    pub fn render(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Invite { email, note } => {
                write!(f, "^invite {email}")?;
                write_opt(f, note)
            }
            Command::Assign { who } => write!(f, "^assign {who}"),
            Command::Unassign { who } => write!(f, "^unassign {who}"),
            Command::Deliver { to, status, note } => {
                write!(f, "^deliver {to}")?;
                write_opt(f, status)?;
                // A note without a status cannot be written: the first word
                // after the target is always the status.
                if status.is_some() {
                    write_opt(f, note)?;
                }
                Ok(())
            }
            Command::Post { post, text } => {
                write!(f, "^post {post}")?;
                write_opt(f, text)
            }
        }
    }
}

impl fmt::Display for Assignee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assignee::Me => f.write_str("me"),
            Assignee::User(handle) => write!(f, "@{handle}"),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::User(handle) => write!(f, "@{handle}"),
            Target::Team(handle) => write!(f, "#{handle}"),
        }
    }
}

fn write_opt(f: &mut fmt::Formatter<'_>, word: &Option<String>) -> fmt::Result {
    match word {
        Some(word) => write!(f, " {word}"),
        None => Ok(()),
    }
}

fn parse_assignee(
    command: &'static str,
    rest: &str,
    usage: &'static str,
) -> Result<Assignee, CommandError> {
    let (word, extra) = split_word(rest);
    let who = if word.is_empty() {
        return Err(missing(command, "@user or me", usage));
    } else if word.eq_ignore_ascii_case("me") {
        Assignee::Me
    } else if let Some(handle) = word.strip_prefix('@').filter(|h| is_handle(h)) {
        Assignee::User(handle.to_string())
    } else {
        return Err(invalid(command, word, "@user or me", usage));
    };
    let extra = extra.trim();
    if !extra.is_empty() {
        return Err(CommandError::Unexpected {
            command,
            after: word.to_string(),
            found: extra.to_string(),
            usage,
        });
    }
    Ok(who)
}

/// Splits off the first whitespace-delimited word; returns it and the rest
/// (which still starts with the whitespace, if any).
fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    s.split_at(end)
}

fn note(rest: &str) -> Option<String> {
    let rest = rest.trim();
    (!rest.is_empty()).then(|| rest.to_string())
}

fn missing(command: &'static str, expected: &'static str, usage: &'static str) -> CommandError {
    CommandError::Missing {
        command,
        expected,
        usage,
    }
}

fn invalid(
    command: &'static str,
    found: &str,
    expected: &'static str,
    usage: &'static str,
) -> CommandError {
    CommandError::Invalid {
        command,
        found: found.to_string(),
        expected,
        usage,
    }
}

/// Whether `s` is a valid user or team handle.
pub fn is_handle(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && s.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Whether `s` is a valid `^deliver` status word.
pub fn is_status(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

/// Whether `s` looks like an email address: `local@domain.tld`, with no
/// whitespace, a local part of at most 64 bytes and a dotted domain.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let domain_ok = domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}
