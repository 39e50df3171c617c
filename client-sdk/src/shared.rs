//! State the driver writes and every [`Client`](crate::Client) handle reads.
//!
//! Each lock is held for one clone or one assignment, never across an
//! `.await`, so std mutexes serve and handles never wait on the driver.

use crate::error::Error;
use crate::subscriptions::PositionBoard;
use std::sync::{Mutex, MutexGuard, PoisonError};
use switchboard_protocol::server::Welcome;

pub(crate) struct Shared {
    welcome: Mutex<Welcome>,
    /// The server of the latest welcome.
    server_url: Mutex<String>,
    /// Why the client ended, once it has.
    ending: Mutex<Option<Error>>,
    /// The last position delivered per subscribed team.
    pub(crate) positions: PositionBoard,
}

impl Shared {
    pub(crate) fn new(welcome: Welcome, server_url: String) -> Self {
        Shared {
            welcome: Mutex::new(welcome),
            server_url: Mutex::new(server_url),
            ending: Mutex::new(None),
            positions: PositionBoard::default(),
        }
    }

    pub(crate) fn welcome(&self) -> Welcome {
        lock(&self.welcome).clone()
    }

    /// A new connection: its server's welcome, and which server it is.
    pub(crate) fn set_welcome(&self, welcome: Welcome, server_url: &str) {
        *lock(&self.welcome) = welcome;
        server_url.clone_into(&mut lock(&self.server_url));
    }

    pub(crate) fn server_url(&self) -> String {
        lock(&self.server_url).clone()
    }

    /// The error for a request made after the client ended.
    pub(crate) fn ending(&self) -> Error {
        lock(&self.ending)
            .clone()
            .unwrap_or_else(Error::closed_by_client)
    }

    pub(crate) fn set_ending(&self, ending: Error) {
        *lock(&self.ending) = Some(ending);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a single clone or assignment, which cannot
    // leave the value half-written, so a poisoned lock is still sound.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
