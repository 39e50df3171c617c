//! The reader against its promise: read from any cursor a batch at a
//! time, a file gives the same rows, with the same lines, as read whole,
//! quoted line breaks and refused rows included; and the mapping's checks.

use super::mapping::{Columns, RowDraft};
use super::reader::{batch, headers};
use crate::store::{ImportMapping, Rejection};
use std::collections::BTreeMap;
use switchboard_protocol::contacts::{FieldDef, FieldKind};

const FILE: &str = "\
name,phone,email,tags,notes,size\n\
Ada,+1 212 555 0100,ada@x.test,a;B,\"two\nlines\",3\n\
,+1 212 555 0101,,,,\n\
Bob,12,,,,\n\
Cy,,cy@x.test,,\"a \"\"quoted\"\" word\",x\n\
Dee,,dee@x.test,,,4,extra\n\
Eve,+44 20 7946 0018,,,,\n";

fn columns(path: &std::path::Path) -> Columns {
    let (headers, _) = headers(path).unwrap();
    let def = FieldDef {
        key: "size".into(),
        label: "Size".into(),
        kind: FieldKind::Number,
        options: Vec::new(),
    };
    let fields = vec![def];
    let mapping = ImportMapping {
        columns: BTreeMap::from([("size".into(), "field:size".into())]),
    };
    Columns::new(&mapping, &headers, fields).unwrap()
}

/// Every row of the file, read `max` rows at a time from cursor to cursor.
fn read_all(max: usize) -> (Vec<(u64, RowDraft)>, Vec<Rejection>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.csv");
    std::fs::write(&path, FILE).unwrap();
    let columns = columns(&path);
    let (_, mut cursor) = headers(&path).unwrap();
    let (mut rows, mut rejects) = (Vec::new(), Vec::new());
    loop {
        let read = batch(&path, cursor, &columns, max).unwrap();
        rows.extend(read.rows);
        rejects.extend(read.rejects);
        cursor = read.next;
        if read.end {
            return (rows, rejects);
        }
    }
}

#[test]
fn batches_from_cursors_read_what_the_whole_file_holds() {
    let whole = read_all(1000);
    for max in 1..=4 {
        assert_eq!(read_all(max), whole, "in batches of {max}");
    }
    let (rows, rejects) = whole;
    let lines: Vec<u64> = rows.iter().map(|(line, _)| *line).collect();
    // Ada's notes take two lines: the rows after her start one further.
    assert_eq!(lines, [2, 8]);
    assert_eq!(rows[0].1.tags, ["a", "b"]);
    assert_eq!(rows[0].1.notes, "two\nlines");
    assert_eq!(rows[0].1.fields["size"], "3");
    assert_eq!(rows[1].1.phones, ["+442079460018"]);
    let refused: Vec<(u64, &str)> = (rejects.iter())
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(refused[0], (4, "missing name"));
    assert_eq!(refused[1].0, 5);
    assert!(refused[1].1.starts_with("bad phone: \"12\""), "{refused:?}");
    assert_eq!(refused[2].0, 6);
    assert!(refused[2].1.contains("the field \"size\""), "{refused:?}");
    assert_eq!(refused[3].0, 7);
    assert!(refused[3].1.contains("7 values"), "{refused:?}");
}

#[test]
fn a_header_without_a_target_is_refused_before_any_row() {
    let mapping = ImportMapping::default();
    let headers = ["name".to_string(), "shoe".to_string()];
    let refused = Columns::new(&mapping, &headers, Vec::new()).unwrap_err();
    assert!(refused.contains("\"shoe\""), "{refused}");
    let headers = ["email".to_string()];
    let refused = Columns::new(&mapping, &headers, Vec::new()).unwrap_err();
    assert_eq!(refused, "no column is mapped to name");
}
