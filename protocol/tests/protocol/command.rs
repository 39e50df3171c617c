//! The `^command` grammar: every valid command survives render and parse,
//! and every mistake gets an error that shows the person the usage line.

use proptest::option;
use proptest::prelude::*;
use switchboard_protocol::command::{
    classify, is_email, is_handle, is_status, parse, Assignee, Command, CommandError, Input, Target,
};
use switchboard_protocol::ids::PostId;

const USAGE_INVITE: &str = "^invite EMAIL [note]";
const USAGE_ASSIGN: &str = "^assign @user | ^assign me";
const USAGE_UNASSIGN: &str = "^unassign @user | ^unassign me";
const USAGE_DELIVER: &str = "^deliver @user|#team [status] [note]";

// ---- strategies ----

fn handle() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
}

fn status() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,32}"
}

fn email() -> impl Strategy<Value = String> {
    let local = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}";
    let label = "[A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?";
    (local, proptest::collection::vec(label, 2..5))
        .prop_map(|(local, labels)| format!("{local}@{}", labels.join(".")))
}

/// A note as the parser returns it: non-empty, no leading or trailing
/// whitespace, anything (newlines, unicode, carets) inside.
fn note() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}( [a-z]{1,8}){0,4}".boxed(),
        any::<String>()
            .prop_map(|s| s.trim().to_string())
            .prop_filter("a note is never empty", |s| !s.is_empty())
            .boxed(),
    ]
}

fn assignee() -> impl Strategy<Value = Assignee> {
    prop_oneof![Just(Assignee::Me), handle().prop_map(Assignee::User)]
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        handle().prop_map(Target::User),
        handle().prop_map(Target::Team)
    ]
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (email(), option::of(note())).prop_map(|(email, note)| Command::Invite { email, note }),
        assignee().prop_map(|who| Command::Assign { who }),
        assignee().prop_map(|who| Command::Unassign { who }),
        // A note can only follow a status: the first word after the target
        // is always read as the status.
        target().prop_map(|to| Command::Deliver {
            to,
            status: None,
            note: None
        }),
        (target(), status(), option::of(note())).prop_map(|(to, status, note)| {
            Command::Deliver {
                to,
                status: Some(status),
                note,
            }
        }),
        // Any post id but 0; the text is anything, as a note is.
        (1..=u64::MAX, option::of(note())).prop_map(|(id, text)| Command::Post {
            post: PostId(id),
            text,
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn generated_words_are_valid(h in handle(), s in status(), e in email()) {
        // Guards the strategies themselves: they must stay inside the grammar.
        prop_assert!(is_handle(&h), "{}", h);
        prop_assert!(is_status(&s), "{}", s);
        prop_assert!(is_email(&e), "{}", e);
    }

    #[test]
    fn every_valid_command_round_trips(cmd in command()) {
        let rendered = cmd.render();
        prop_assert_eq!(parse(&rendered), Ok(cmd.clone()));
        prop_assert_eq!(classify(&rendered), Input::Command(Ok(cmd)));
    }

    #[test]
    fn command_names_are_case_insensitive(cmd in command(), upper in any::<bool>()) {
        let rendered = cmd.render();
        let (name, rest) = rendered.split_once(' ').unwrap();
        let name = if upper { name.to_uppercase() } else { capitalize(name) };
        prop_assert_eq!(parse(&format!("{name} {rest}")), Ok(cmd));
    }

    #[test]
    fn extra_whitespace_between_words_is_ignored(cmd in command(), gap in "[ \t]{1,3}") {
        // Only the separators the renderer wrote are widened: the note keeps
        // its own inner spacing.
        let widened = match &cmd {
            Command::Invite { email, note } => {
                format!("^invite{gap}{email}{gap}{}{gap}", note.as_deref().unwrap_or(""))
            }
            Command::Assign { who } => format!("^assign{gap}{who}{gap}"),
            Command::Unassign { who } => format!("^unassign{gap}{who}{gap}"),
            Command::Deliver { to, status, note } => format!(
                "^deliver{gap}{to}{gap}{}{gap}{}{gap}",
                status.as_deref().unwrap_or(""),
                note.as_deref().unwrap_or("")
            ),
            Command::Post { post, text } => {
                format!("^post{gap}{post}{gap}{}{gap}", text.as_deref().unwrap_or(""))
            }
        };
        prop_assert_eq!(parse(&widened), Ok(cmd));
    }

    /// Whatever parses renders to a canonical form that parses the same.
    #[test]
    fn parse_never_panics_and_what_parses_is_canonical(input in "\\^(?s).{0,80}") {
        if let Ok(cmd) = parse(&input) {
            prop_assert_eq!(parse(&cmd.render()), Ok(cmd));
        }
    }

    #[test]
    fn parse_never_panics_on_anything(input in any::<String>()) {
        let _ = parse(&input);
        let _ = classify(&input);
    }

    #[test]
    fn a_double_caret_sends_the_rest_with_one_caret(text in any::<String>()) {
        let typed = format!("^^{text}");
        let expected = format!("^{text}");
        prop_assert_eq!(classify(&typed), Input::Text(&expected));
    }

    #[test]
    fn text_without_a_leading_caret_is_text(text in "[^^](?s).{0,40}") {
        prop_assert_eq!(classify(&text), Input::Text(&text));
    }
}

fn capitalize(word: &str) -> String {
    // "^assign" -> "^Assign"
    let mut chars = word.chars();
    let caret = chars.next().unwrap();
    let first = chars.next().unwrap().to_ascii_uppercase();
    format!("{caret}{first}{}", chars.as_str())
}

// ---- precise errors ----

/// Parses `input`, expecting an error whose message names `usage`.
pub(crate) fn error_of(input: &str) -> CommandError {
    match classify(input) {
        Input::Command(Err(error)) => error,
        other => panic!("{input:?} should be a bad command, got {other:?}"),
    }
}

pub(crate) fn assert_names_usage(error: &CommandError, usage: &str) {
    let message = error.to_string();
    assert!(
        message.ends_with(usage),
        "{message:?} should end with the usage line {usage:?}"
    );
}

#[test]
fn a_bare_caret_asks_for_a_command_name() {
    let error = error_of("^");
    assert_eq!(error, CommandError::Empty);
    assert!(error.to_string().contains("a command name must follow ^"));
    assert_eq!(error_of("^   "), CommandError::Empty);
}

#[test]
fn an_unknown_command_lists_the_real_ones_and_the_escape() {
    let error = error_of("^foo bar");
    assert_eq!(error, CommandError::Unknown("foo".into()));
    let message = error.to_string();
    assert!(message.contains("^foo"), "{message}");
    for name in ["^invite", "^assign", "^unassign", "^deliver", "^post", "^^"] {
        assert!(message.contains(name), "{message} should mention {name}");
    }
}

#[test]
fn invite_without_an_email() {
    let error = error_of("^invite");
    assert_eq!(
        error,
        CommandError::Missing {
            command: "invite",
            expected: "an email address",
            usage: USAGE_INVITE,
        }
    );
    assert_eq!(
        error.to_string(),
        "^invite needs an email address: ^invite EMAIL [note]"
    );
}

#[test]
fn invite_with_something_that_is_not_an_email() {
    let error = error_of("^invite notanemail please");
    assert_eq!(
        error,
        CommandError::Invalid {
            command: "invite",
            found: "notanemail".into(),
            expected: "an email address",
            usage: USAGE_INVITE,
        }
    );
    assert_eq!(
        error.to_string(),
        "^invite: \"notanemail\" is not an email address: ^invite EMAIL [note]"
    );
}

#[test]
fn assign_without_the_at_sign() {
    let error = error_of("^assign bob");
    assert_eq!(
        error,
        CommandError::Invalid {
            command: "assign",
            found: "bob".into(),
            expected: "@user or me",
            usage: USAGE_ASSIGN,
        }
    );
    assert_names_usage(&error, USAGE_ASSIGN);
}

#[test]
fn assign_with_words_after_the_user() {
    let error = error_of("^assign @bob extra words");
    assert_eq!(
        error,
        CommandError::Unexpected {
            command: "assign",
            after: "@bob".into(),
            found: "extra words".into(),
            usage: USAGE_ASSIGN,
        }
    );
    assert_eq!(
        error.to_string(),
        "^assign takes nothing after \"@bob\", found \"extra words\": ^assign @user | ^assign me"
    );
}

#[test]
fn assign_and_unassign_without_anyone() {
    let error = error_of("^assign");
    assert!(matches!(
        error,
        CommandError::Missing {
            command: "assign",
            ..
        }
    ));
    assert_names_usage(&error, USAGE_ASSIGN);
    let error = error_of("^unassign ");
    assert!(matches!(
        error,
        CommandError::Missing {
            command: "unassign",
            ..
        }
    ));
    assert_names_usage(&error, USAGE_UNASSIGN);
}

#[test]
fn deliver_without_a_target() {
    let error = error_of("^deliver");
    assert_eq!(
        error,
        CommandError::Missing {
            command: "deliver",
            expected: "a @user or #team",
            usage: USAGE_DELIVER,
        }
    );
    assert_names_usage(&error, USAGE_DELIVER);
}

#[test]
fn deliver_to_a_bare_name() {
    let error = error_of("^deliver bob");
    assert_eq!(
        error,
        CommandError::Invalid {
            command: "deliver",
            found: "bob".into(),
            expected: "a @user or #team",
            usage: USAGE_DELIVER,
        }
    );
    assert_names_usage(&error, USAGE_DELIVER);
    // A sigil alone is not a handle either.
    assert!(matches!(
        error_of("^deliver @"),
        CommandError::Invalid { .. }
    ));
    assert!(matches!(
        error_of("^deliver #-x"),
        CommandError::Invalid { .. }
    ));
}

#[test]
fn deliver_with_a_bad_status() {
    let error = error_of("^deliver @bob bad!status and a note");
    assert_eq!(
        error,
        CommandError::Invalid {
            command: "deliver",
            found: "bad!status".into(),
            expected: "a status (letters, digits, - and _)",
            usage: USAGE_DELIVER,
        }
    );
    assert_names_usage(&error, USAGE_DELIVER);
}

#[test]
fn double_caret_is_text() {
    assert_eq!(classify("^^hi"), Input::Text("^hi"));
    assert_eq!(classify("^^"), Input::Text("^"));
    assert_eq!(classify("^^assign me"), Input::Text("^assign me"));
    assert_eq!(
        classify("hello ^assign me"),
        Input::Text("hello ^assign me")
    );
}

#[test]
fn command_names_ignore_case() {
    assert_eq!(
        parse("^ASSIGN me"),
        Ok(Command::Assign { who: Assignee::Me })
    );
    assert_eq!(
        parse("^Unassign ME"),
        Ok(Command::Unassign { who: Assignee::Me })
    );
    assert_eq!(
        parse("^DeLiVeR #sales hired Starts Monday"),
        Ok(Command::Deliver {
            to: Target::Team("sales".into()),
            status: Some("hired".into()),
            note: Some("Starts Monday".into()),
        })
    );
}

#[test]
fn whitespace_after_the_caret_is_tolerated() {
    // PROTOCOL.md documents this; the browser's copy of the grammar must
    // agree.
    assert_eq!(
        parse("^ assign me"),
        Ok(Command::Assign { who: Assignee::Me })
    );
    assert_eq!(classify("^ \n "), Input::Command(Err(CommandError::Empty)));
}

#[test]
fn commands_as_typed() {
    assert_eq!(
        parse("^invite ada@example.com  Please join,\n thanks! "),
        Ok(Command::Invite {
            email: "ada@example.com".into(),
            note: Some("Please join,\n thanks!".into()),
        })
    );
    assert_eq!(
        parse("^assign @bob.smith-2"),
        Ok(Command::Assign {
            who: Assignee::User("bob.smith-2".into())
        })
    );
    assert_eq!(
        parse("^deliver @carol"),
        Ok(Command::Deliver {
            to: Target::User("carol".into()),
            status: None,
            note: None,
        })
    );
}

#[test]
fn word_validators_match_the_grammar() {
    let long = "a".repeat(65);
    for (handle, ok) in [
        ("bob", true),
        ("9lives", true),
        ("a.b_c-d", true),
        (&long[..64], true),
        (&long[..], false),
        ("", false),
        ("-bob", false),
        (".bob", false),
        ("bob!", false),
        ("böb", false),
    ] {
        assert_eq!(is_handle(handle), ok, "handle {handle:?}");
    }
    for (status, ok) in [
        ("hired", true),
        ("no-show_2", true),
        (&long[..32], true),
        (&long[..33], false),
        ("", false),
        ("a.b", false),
    ] {
        assert_eq!(is_status(status), ok, "status {status:?}");
    }
    for (email, ok) in [
        ("ada@example.com", true),
        ("a+b@x.co", true),
        ("ada@localhost", false),
        ("ada@", false),
        ("@example.com", false),
        ("ada@-x.com", false),
        ("ada@x..com", false),
        ("a da@x.com", false),
        ("ada@exam_ple.com", false),
    ] {
        assert_eq!(is_email(email), ok, "email {email:?}");
    }
}
