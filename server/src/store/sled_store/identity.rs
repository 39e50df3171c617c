//! The store's identity, kept twice: in the database (`meta`, `store_id`)
//! and in a file beside it in the data folder ([`ID_FILE`]).
//!
//! sled opens a database file it cannot make sense of (overwritten,
//! truncated, replaced) as an empty database, without an error. The
//! identity turns that silent loss into a refusal to open: a folder whose
//! file names an identity the database does not hold has lost its data.
//!
//! A new store gets both; a store from before this check (data, no file)
//! gets the file; a restored backup carries the database's copy and gets
//! the file written from it.

use super::SledStore;
use crate::store::{StoreError, StoreResult};
use std::path::Path;

/// The file in the data folder holding the store's identity.
pub const ID_FILE: &str = "switchboard-store-id";
/// The `meta` key of the identity.
const STORE_ID: &[u8] = b"store_id";

impl SledStore {
    /// Compares the identity in the database with the one in `dir`; gives
    /// either a copy from the other when only one exists.
    pub(super) fn check_identity(&self, dir: &Path) -> StoreResult<()> {
        let path = dir.join(ID_FILE);
        let in_file = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text.trim().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(StoreError::Io(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
        };
        let in_db = self
            .meta
            .get(STORE_ID)?
            .map(|raw| String::from_utf8_lossy(&raw).into_owned());
        match (in_file, in_db) {
            (Some(file), Some(db)) if file == db => Ok(()),
            (Some(file), Some(db)) => Err(StoreError::Io(format!(
                "the database in {} is store {db}, but the folder belongs to store {file}: \
                 its files were replaced",
                dir.display()
            ))),
            (Some(file), None) => Err(StoreError::Io(format!(
                "the database in {} lost its data: the folder belongs to store {file}, \
                 but its database files hold none of it (damaged or replaced); \
                 restore it from a backup",
                dir.display()
            ))),
            (None, db) => {
                let id = match db {
                    Some(id) => id,
                    None => {
                        let id = hex::encode(rand::random::<[u8; 16]>());
                        self.meta.insert(STORE_ID, id.as_bytes())?;
                        self.db.flush()?;
                        id
                    }
                };
                std::fs::write(&path, format!("{id}\n"))
                    .map_err(|e| StoreError::Io(format!("cannot write {}: {e}", path.display())))
            }
        }
    }
}
