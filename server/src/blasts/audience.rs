//! A blast's audience: the contacts of the book its query finds, read a
//! page at a time through the book's own search, so that a book of any
//! size is never held in memory (beyond the page being read).

use crate::store::{ContactRecord, Store, StoreResult};
use switchboard_protocol::contacts::ContactQuery;
use switchboard_protocol::ids::TeamId;

/// Contacts read per page.
const PAGE: usize = 500;

/// Calls `each` with every contact of `team` that `query` finds, by id
/// (the query's `after` and `limit` are ignored); stops early when `each`
/// returns false.
pub(crate) fn for_each(
    store: &dyn Store,
    team: TeamId,
    query: &ContactQuery,
    mut each: impl FnMut(ContactRecord) -> bool,
) -> StoreResult<()> {
    let mut search = crate::contacts::query::search(query);
    search.after = None;
    loop {
        let page = store.search_contacts(team, &search, PAGE)?;
        let full = page.len() == PAGE;
        search.after = page.last().map(|c| c.id);
        for contact in page {
            if !each(contact) {
                return Ok(());
            }
        }
        if !full {
            return Ok(());
        }
    }
}
