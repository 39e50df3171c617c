//! Reading a spooled CSV a batch at a time, from a cursor (byte offset and
//! line), with the `csv` crate: the file is opened and sought to the
//! cursor for each batch, so memory holds one batch of rows whatever the
//! file's size, and a resumed import reads on exactly where the last
//! written batch stopped.
//!
//! Blocking (file I/O): called from `spawn_blocking`.

use super::mapping::{Columns, RowDraft};
use crate::store::{ImportCursor, Rejection};
use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::Path;

/// A batch of rows read from a cursor.
pub(crate) struct Batch {
    /// The rows that read as contacts, with their line.
    pub(crate) rows: Vec<(u64, RowDraft)>,
    /// The rows refused, with their line and reason.
    pub(crate) rejects: Vec<Rejection>,
    /// Where the next batch starts.
    pub(crate) next: ImportCursor,
    /// Whether the file ends here.
    pub(crate) end: bool,
}

impl Batch {
    /// Data rows read in this batch, good or refused.
    pub(crate) fn lines(&self) -> u64 {
        (self.rows.len() + self.rejects.len()) as u64
    }
}

fn reader(file: File) -> csv::Reader<BufReader<File>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        // A row with a wrong number of values is refused with its line,
        // not an error that stops the file.
        .flexible(true)
        .from_reader(BufReader::with_capacity(64 * 1024, file))
}

/// The header line of a spooled file, and the cursor of its first row.
pub(crate) fn headers(path: &Path) -> Result<(Vec<String>, ImportCursor), String> {
    let file = File::open(path).map_err(|e| format!("cannot open the upload: {e}"))?;
    let mut csv = reader(file);
    let mut record = csv::ByteRecord::new();
    let found = csv
        .read_byte_record(&mut record)
        .map_err(|e| format!("cannot read the header line: {e}"))?;
    if !found {
        return Err("the file is empty: a header line is needed".into());
    }
    let headers = (record.iter())
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect::<Vec<_>>();
    let position = csv.position();
    let cursor = ImportCursor {
        byte: position.byte(),
        line: position.line(),
    };
    Ok((headers, cursor))
}

/// Up to `max` rows from `from`.
pub(crate) fn batch(
    path: &Path,
    from: ImportCursor,
    columns: &Columns,
    max: usize,
) -> Result<Batch, String> {
    let mut file = File::open(path).map_err(|e| format!("cannot open the upload: {e}"))?;
    file.seek(SeekFrom::Start(from.byte))
        .map_err(|e| format!("cannot read the upload: {e}"))?;
    let mut csv = reader(file);
    let mut batch = Batch {
        rows: Vec::new(),
        rejects: Vec::new(),
        next: from,
        end: false,
    };
    let mut record = csv::ByteRecord::new();
    while batch.lines() < max as u64 {
        // The line a record starts on, in the whole file: the reader
        // counts from 1 at the cursor.
        let line = from.line + csv.position().line() - 1;
        match csv.read_byte_record(&mut record) {
            Ok(false) => {
                batch.end = true;
                break;
            }
            Ok(true) if record.len() == 1 && record.get(0).is_some_and(|v| v.is_empty()) => {
                // A blank line: nothing to import, nothing to refuse.
            }
            Ok(true) => match columns.row(&record) {
                Ok(draft) => batch.rows.push((line, draft)),
                Err(reason) => batch.rejects.push(Rejection { line, reason }),
            },
            // A malformed row (a stray quote) is refused, and reading goes
            // on from where the parser stopped.
            Err(e) => {
                let stuck = csv.position().byte() + from.byte <= batch.next.byte;
                if stuck {
                    return Err(format!("cannot read the upload at line {line}: {e}"));
                }
                batch.rejects.push(Rejection {
                    line,
                    reason: format!("unreadable row: {e}"),
                })
            }
        }
        let position = csv.position();
        batch.next = ImportCursor {
            byte: from.byte + position.byte(),
            line: from.line + position.line() - 1,
        };
    }
    Ok(batch)
}
