//! Backup and restore of a sled store, consistent while the server writes.
//!
//! A backup file is `MAGIC`, then each tree as a name record followed by
//! its key/value records, then an end record; lengths are big-endian u32.
//! A file without its end record is refused by [`SledStore::restore`].
//!
//! Why not sled's own `export`/`import`: they panic on an I/O error, and
//! neither is a snapshot of a live database (each tree is iterated while
//! writes continue). Neither is a copy of the files after a flush (sled
//! keeps writing to them during the copy). Consistency here comes from the
//! order trees are copied in, which follows the order the store writes in
//! (see the parent module): derived data first, its source of truth after.
//!
//! - Indexes (`conversation_messages`, `client_msg_ids`, ...) are copied
//!   before `team_log`, so every index entry copied points at a log record
//!   that is copied too. Each team's log is appended at increasing keys, so
//!   the copy of each team's log is a prefix of it: within every
//!   conversation, contiguous seqs. Log records the copied indexes missed
//!   (appended while the copy ran) are the newest of their stream, exactly
//!   what [`SledStore::open`]'s repair re-indexes when the backup is
//!   restored and opened.
//! - Records that refer to log entries (stream heads, conversation records,
//!   assignees, handoffs) come after the log, so none is missing for a
//!   copied message. Posts too, their listing (`team_posts`) before the
//!   records it points at (`posts`): every `post_changed` copied has its
//!   post, and every post listed is there.
//! - The id counter (`meta`) comes last, so it is at least every id any
//!   copied record uses: a restored server never hands out a used id.
//! - `team_grants` is not restored as copied: it is copied after
//!   `conversation_grants` and may name grants the copy missed, or miss
//!   grants it holds. The restored store rebuilds it from the grants at
//!   its first open.
//!
//! [`SledStore::restore`] writes into a fresh folder beside the target,
//! gives every team's stream a new epoch, opens it (repair and check) and
//! only then moves it into place.
//!
//! Why new epochs: a restored stream is not the one clients followed. Its
//! head is older than theirs (whatever was written after the backup is
//! gone), and the offsets after it will be taken again by other events. A
//! client resuming with the old epoch would be told `recovered` and trust
//! offsets that now hold different events; with a new one it is told
//! `epoch_changed` and reloads (PROTOCOL.md section 8).

use super::SledStore;
use crate::store::{keys, new_epoch, Store, StoreError, StoreResult};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"SWBKUP01";
const TAG_TREE: u8 = 1;
const TAG_ENTRY: u8 = 2;
const TAG_END: u8 = 0;

/// Trees copied after all the others, in this order (see the module docs).
const LATE: &[&str] = &[
    "team_log",
    "team_streams",
    "conversations",
    "team_conversations",
    "conversation_assignees",
    "handoffs",
    "team_posts",
    "posts",
    "meta",
];

/// What a backup or restore copied.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// Trees copied.
    pub trees: usize,
    /// Key/value entries copied.
    pub entries: u64,
}

impl std::fmt::Display for BackupReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} trees, {} entries", self.trees, self.entries)
    }
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> StoreError {
    move |e| StoreError::Io(format!("{what}: {e}"))
}

fn bad_file(path: &Path, detail: &str) -> StoreError {
    StoreError::Io(format!(
        "{} is not a complete backup: {detail}",
        path.display()
    ))
}

fn write_bytes(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| std::io::Error::other("a key or value over 4 GiB"))?;
    out.write_all(&len.to_be_bytes())?;
    out.write_all(bytes)
}

fn read_bytes(input: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    let mut bytes = Vec::new();
    input.take(len as u64).read_to_end(&mut bytes)?;
    if bytes.len() != len {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(bytes)
}

impl SledStore {
    /// Writes a consistent copy of the store to `file`, which must not
    /// exist. The copy is written beside it and renamed into place once
    /// complete and synced.
    pub fn backup(&self, file: &Path) -> StoreResult<BackupReport> {
        if file.exists() {
            return Err(StoreError::Io(format!("{} already exists", file.display())));
        }
        let partial = partial_path(file);
        let result = self.write_backup(&partial);
        match result {
            Ok(report) => {
                std::fs::rename(&partial, file)
                    .map_err(io(format!("cannot move the backup to {}", file.display())))?;
                Ok(report)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                Err(e)
            }
        }
    }

    fn write_backup(&self, path: &Path) -> StoreResult<BackupReport> {
        let what = format!("cannot write {}", path.display());
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(io(what.clone()))?;
        let mut out = BufWriter::new(file);
        out.write_all(MAGIC).map_err(io(what.clone()))?;
        let mut names: Vec<Vec<u8>> = self
            .db
            .tree_names()
            .into_iter()
            .map(|n| n.to_vec())
            .filter(|n| !LATE.iter().any(|late| late.as_bytes() == n.as_slice()))
            .collect();
        names.sort();
        names.extend(LATE.iter().map(|n| n.as_bytes().to_vec()));
        let mut report = BackupReport::default();
        for name in names {
            let tree = self.db.open_tree(&name)?;
            out.write_all(&[TAG_TREE]).map_err(io(what.clone()))?;
            write_bytes(&mut out, &name).map_err(io(what.clone()))?;
            report.trees += 1;
            for item in tree.iter() {
                let (key, value) = item?;
                out.write_all(&[TAG_ENTRY]).map_err(io(what.clone()))?;
                write_bytes(&mut out, &key).map_err(io(what.clone()))?;
                write_bytes(&mut out, &value).map_err(io(what.clone()))?;
                report.entries += 1;
            }
        }
        out.write_all(&[TAG_END]).map_err(io(what.clone()))?;
        let file = out
            .into_inner()
            .map_err(|e| io(what.clone())(e.into_error()))?;
        file.sync_all().map_err(io(what))?;
        Ok(report)
    }

    /// Restores the backup `file` into the folder `dir`, which must be
    /// empty or missing unless `force` (then what it holds is replaced).
    /// The restored store is opened (repaired and checked) before it
    /// replaces anything.
    pub fn restore(file: &Path, dir: &Path, force: bool) -> StoreResult<BackupReport> {
        let occupied = match std::fs::read_dir(dir) {
            Ok(mut entries) => entries.next().is_some(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(io(format!("cannot read {}", dir.display()))(e)),
        };
        if occupied && !force {
            return Err(StoreError::Io(format!(
                "{} is not empty; restore with --force to replace what it holds",
                dir.display()
            )));
        }
        let staging = partial_path(dir);
        if staging.exists() {
            std::fs::remove_dir_all(&staging)
                .map_err(io(format!("cannot remove {}", staging.display())))?;
        }
        let report = match Self::import(file, &staging) {
            Ok(report) => report,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e);
            }
        };
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io(format!("cannot remove {}", dir.display())))?;
        }
        std::fs::rename(&staging, dir).map_err(io(format!(
            "cannot move the restored store to {}",
            dir.display()
        )))?;
        // The rename is a change of the parent folder: durable only once
        // the folder is synced.
        let parent = match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        File::open(parent)
            .and_then(|folder| folder.sync_all())
            .map_err(io(format!("cannot sync {}", parent.display())))?;
        Ok(report)
    }

    fn import(file: &Path, staging: &Path) -> StoreResult<BackupReport> {
        let what = format!("cannot read {}", file.display());
        let mut input = BufReader::new(File::open(file).map_err(io(what.clone()))?);
        let mut magic = [0u8; 8];
        input
            .read_exact(&mut magic)
            .map_err(|_| bad_file(file, "no header"))?;
        if &magic != MAGIC {
            return Err(bad_file(file, "not a Switchboard backup"));
        }
        let mut report = BackupReport::default();
        {
            let db = sled::Config::new().path(staging).open()?;
            let mut tree: Option<sled::Tree> = None;
            loop {
                let mut tag = [0u8; 1];
                input
                    .read_exact(&mut tag)
                    .map_err(|_| bad_file(file, "it ends early"))?;
                match tag[0] {
                    TAG_END => break,
                    TAG_TREE => {
                        let name =
                            read_bytes(&mut input).map_err(|_| bad_file(file, "it ends early"))?;
                        tree = Some(db.open_tree(name)?);
                        report.trees += 1;
                    }
                    TAG_ENTRY => {
                        let key =
                            read_bytes(&mut input).map_err(|_| bad_file(file, "it ends early"))?;
                        let value =
                            read_bytes(&mut input).map_err(|_| bad_file(file, "it ends early"))?;
                        let Some(tree) = &tree else {
                            return Err(bad_file(file, "an entry before any tree"));
                        };
                        tree.insert(key, value)?;
                        report.entries += 1;
                    }
                    _ => return Err(bad_file(file, "an unknown record")),
                }
            }
            renew_epochs(&db)?;
            super::grants::forget_team_grants(&db)?;
            db.flush()?;
        }
        // Repairs the indexes the copy missed, and checks the result.
        // sled's background thread may hold the folder's lock for a moment
        // after the database above is dropped.
        let mut attempts = 0;
        let store = loop {
            match SledStore::open(staging) {
                Ok(store) => break store,
                Err(StoreError::Backend { source, .. })
                    if attempts < 50 && lock_held(source.as_ref()) =>
                {
                    let e = source;
                    tracing::debug!(error = %e, "waiting for the staging store's lock");
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => return Err(e),
            }
        };
        store.flush()?;
        Ok(report)
    }
}

/// Whether sled failed to open because of an I/O error (its folder's
/// lock held by a sled thread not yet gone).
fn lock_held(source: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    matches!(
        source.downcast_ref::<sled::Error>(),
        Some(sled::Error::Io(_))
    )
}

/// Gives every team's stream (`team_streams`: team, epoch) a new epoch
/// (see the module docs).
fn renew_epochs(db: &sled::Db) -> StoreResult<()> {
    let streams = db.open_tree("team_streams")?;
    let mut renewed = 0usize;
    for item in streams.iter() {
        let (team, _) = item?;
        streams.insert(team, &keys::one(new_epoch().0))?;
        renewed += 1;
    }
    tracing::info!(streams = renewed, "restored streams start a new epoch");
    Ok(())
}

/// Where a file or folder is written before it is moved to `path`.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}
