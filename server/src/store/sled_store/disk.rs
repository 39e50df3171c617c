//! What sled's flush leaves out: making the store's files durable against
//! a power cut or a kernel crash, not only against the process dying.
//!
//! sled 0.34 keeps its log in one file, `db`, and on Linux its flush ends
//! with `sync_file_range` on the range it wrote. That starts and waits for
//! the writeback of those pages, but it does not flush the drive's volatile
//! write cache and does not persist the file's metadata (the new length of
//! a log that grew): after a power cut, an acknowledged write can be gone.
//! sled also writes, beside `db`, without any sync of its own:
//! - `conf`, its storage parameters, once when the folder is created;
//! - `blobs/<lsn>`, one file per value too large for a log segment,
//!   written once (`create_new`) and never changed afterwards;
//! - `snap.<lsn>`, its snapshot: written as `.generating` and synced, but
//!   the rename into place and the removal of the older one are directory
//!   changes that no sync covers.
//!
//! The store's identity file (see `identity`) lives in the folder too.
//!
//! So every flush of the store ends with [`Files::sync`]: `fdatasync` of
//! `db` through a handle opened once, then `fsync` of every other file
//! that is new or has grown since the last sync, and of each folder whose
//! listing changed (a file created, renamed or removed). `fdatasync` is
//! enough for `db`: it persists the file's length along with its data;
//! only its timestamps are left to the kernel's own pace.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// sled's log file, synced through [`Files::db`] at every flush.
const DB_FILE: &str = "db";
/// sled's folder of values too large for a log segment.
const BLOBS_DIR: &str = "blobs";

/// The files of one sled folder, and what was last made durable of them.
pub(super) struct Files {
    dir: PathBuf,
    /// sled's log, opened once: every flush syncs it.
    db: File,
    /// The listing of the folder and of `blobs/` at the last sync, with
    /// each file's length then.
    seen: Mutex<Listings>,
}

#[derive(Default)]
struct Listings {
    top: HashMap<OsString, u64>,
    blobs: HashMap<OsString, u64>,
}

impl Files {
    /// Opens `dir`'s log file and makes everything in the folder durable,
    /// the folder's own entry in its parent included (sled creates the
    /// folder when it is missing).
    pub(super) fn open(dir: &Path) -> io::Result<Files> {
        // Read-only is enough to sync a file's data on Linux and leaves
        // sled's lock (held on its own handle) alone.
        let db = File::open(dir.join(DB_FILE))?;
        let files = Files {
            dir: dir.to_path_buf(),
            db,
            seen: Mutex::new(Listings::default()),
        };
        files.sync()?;
        let parent = match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        sync_dir(parent)?;
        Ok(files)
    }

    /// The folder.
    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Makes everything sled has written so far durable. Call it after
    /// `Db::flush`, which hands sled's buffers to the kernel.
    pub(super) fn sync(&self) -> io::Result<()> {
        self.db.sync_data()?;
        // One sync at a time: two would race on the listings (the group
        // committer is the only caller while the server runs anyway).
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let Listings { top, blobs } = &mut *seen;
        sync_changed(&self.dir, top)?;
        sync_changed(&self.dir.join(BLOBS_DIR), blobs)?;
        Ok(())
    }
}

/// Syncs each file of `dir` (but `db`) that is not in `seen` or has grown
/// since, then `dir` itself if a name appeared or went; `seen` becomes the
/// listing. A file's length is tracked, not only its name, because sled may
/// be writing a blob while the folder is listed: once it is complete (and
/// so before any write that refers to it is acknowledged) it has grown, and
/// the next sync takes it again.
fn sync_changed(dir: &Path, seen: &mut HashMap<OsString, u64>) -> io::Result<()> {
    let mut listing = HashMap::with_capacity(seen.len());
    let mut names_changed = false;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let metadata = match entry.metadata() {
            Ok(metadata) => metadata,
            // Removed by sled meanwhile (an old snapshot, a collected
            // blob): the folder's sync below records the removal.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let len = metadata.len();
        let known = seen.get(&name).copied();
        names_changed |= known.is_none();
        if metadata.is_file() && name != DB_FILE && known != Some(len) {
            match File::open(entry.path()) {
                Ok(file) => file.sync_all()?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            }
        }
        listing.insert(name, len);
    }
    names_changed |= seen.keys().any(|name| !listing.contains_key(name));
    if names_changed {
        sync_dir(dir)?;
    }
    *seen = listing;
    Ok(())
}

/// Makes a folder's entries (files created, renamed, removed) durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_or_grown_file_is_taken_and_a_removed_one_noticed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(BLOBS_DIR)).unwrap();
        std::fs::write(dir.path().join(DB_FILE), b"log").unwrap();
        let files = Files::open(dir.path()).unwrap();
        let blob = dir.path().join(BLOBS_DIR).join("42");
        std::fs::write(&blob, b"part").unwrap();
        files.sync().unwrap();
        assert_eq!(
            files.seen.lock().unwrap().blobs.get(&OsString::from("42")),
            Some(&4)
        );
        std::fs::write(&blob, b"part and rest").unwrap();
        files.sync().unwrap();
        assert_eq!(
            files.seen.lock().unwrap().blobs.get(&OsString::from("42")),
            Some(&13)
        );
        std::fs::remove_file(&blob).unwrap();
        files.sync().unwrap();
        assert!(files.seen.lock().unwrap().blobs.is_empty());
        let top = &files.seen.lock().unwrap().top;
        assert!(top.contains_key(&OsString::from(DB_FILE)));
        assert!(top.contains_key(&OsString::from(BLOBS_DIR)));
    }

    #[test]
    fn the_store_s_flush_takes_the_blob_sled_writes_for_a_large_value() {
        use crate::store::Store;
        let dir = tempfile::tempdir().unwrap();
        let store = super::super::SledStore::open(dir.path()).unwrap();
        assert!(store.files.seen.lock().unwrap().blobs.is_empty());
        // Over a quarter of sled's 512 KiB segment: stored as a blob file.
        store.meta.insert(b"large", vec![7u8; 300 * 1024]).unwrap();
        store.flush().unwrap();
        let blobs = store.files.seen.lock().unwrap().blobs.clone();
        assert_eq!(blobs.len(), 1, "{blobs:?}");
        assert!(blobs.values().all(|len| *len > 300 * 1024));
    }
}
