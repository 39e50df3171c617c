//! Command parsing: `classify` and `parse` never panic on any UTF-8 line,
//! and whatever parses renders to a line that parses to the same command.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_protocol::command::{classify, parse, Input};

fuzz_target!(|line: &str| {
    if let Input::Command(Ok(command)) = classify(line) {
        assert_eq!(parse(&command.render()), Ok(command));
    }
    if let Ok(command) = parse(line) {
        let rendered = command.render();
        assert_eq!(parse(&rendered), Ok(command), "render gave {rendered:?}");
    }
});
