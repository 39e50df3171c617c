//! Passwords: checked for length, hashed with Argon2id into a PHC string
//! (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`), verified in constant time.
//!
//! Invariants:
//! - A password exists in memory only inside a [`Password`], whose `Debug`
//!   prints `***`; it is never stored, logged or echoed.
//! - Every hash gets a fresh random 16-byte salt, so two users with the same
//!   password have different hashes.
//! - Hashing and verifying cost tens of milliseconds of CPU on purpose: the
//!   server calls them through a [`Hasher`], off the async runtime, a
//!   bounded number at a time behind a bounded queue; a request that finds
//!   the queue full is refused at once ([`PasswordError::Busy`]) rather
//!   than waiting behind a flood.
//! - Verifying against a user who has no password (or does not exist) costs
//!   the same as a real check: [`verify`] with `None` checks against a dummy
//!   hash made with the same parameters, so timing does not tell whether an
//!   email is registered.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use serde::Deserialize;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// The shortest password accepted, in characters.
pub const MIN_LENGTH: usize = 10;
/// The longest password accepted, in bytes: bounds the work one request
/// can ask of the hasher.
pub const MAX_BYTES: usize = 1024;

/// An Argon2id PHC string of a random password nobody knows, made with
/// the crate's default parameters (the ones [`hash`] uses; a unit test
/// checks that they still match). Checked against when there is no real
/// hash, so that such a check takes as long as a real one.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$L2HLXIFylw1uvyyFJabVuQ$bacSzONX2sE50uYyGp1ZZUh/+peD7Sx9jvfqv//d0zE";

/// A password as received. Its `Debug` hides it; read it with
/// [`Password::expose`] only to hash or verify it.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Password {
        Password(password.into())
    }

    /// The password itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// Why a password could not be set or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Too short for the rule.
    #[error("the password must have at least {MIN_LENGTH} characters")]
    TooShort,
    /// Too long for the rule.
    #[error("the password must have at most {MAX_BYTES} bytes")]
    TooLong,
    /// The hasher failed, or a stored hash is not a valid PHC string.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// Every hashing slot is taken and the queue for them is full.
    #[error("too many password checks at once: try again shortly")]
    Busy,
}

/// Checks a new password against the length rules.
pub fn check(password: &Password) -> Result<(), PasswordError> {
    let password = password.expose();
    if password.len() > MAX_BYTES {
        return Err(PasswordError::TooLong);
    }
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordError::TooShort);
    }
    Ok(())
}

/// Checks a new password and hashes it with a fresh salt. CPU-heavy.
pub fn hash(password: &Password) -> Result<String, PasswordError> {
    check(password)?;
    let salt: [u8; 16] = rand::random();
    Argon2::default()
        .hash_password_with_salt(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches `stored`, a PHC string. With no stored hash
/// the answer is false, after the same work as a real check. CPU-heavy.
pub fn verify(password: &Password, stored: Option<&str>) -> Result<bool, PasswordError> {
    let candidate = password.expose().as_bytes();
    // An over-long password cannot have been set: it is checked, cut to the
    // limit, against the dummy, never hashed at whatever length was sent.
    let too_long = candidate.len() > MAX_BYTES;
    let candidate = &candidate[..candidate.len().min(MAX_BYTES)];
    let (stored, real) = match stored {
        Some(stored) if !too_long => (stored, true),
        _ => (DUMMY_HASH, false),
    };
    match Argon2::default().verify_password(candidate, stored) {
        Ok(()) => Ok(real),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(PasswordError::Hash(e.to_string())),
    }
}

/// Runs [`hash`] and [`verify`] on the blocking pool, at most
/// `concurrency` at a time, with at most `queue` more waiting. Each check
/// holds 19 MiB and a core for tens of milliseconds: a burst waits its turn
/// rather than filling the blocking pool (512 threads) and the memory, and
/// a flood past the queue is refused instead of starving real users.
pub struct Hasher {
    slots: Semaphore,
    /// Checks running or waiting for a slot.
    admitted: AtomicUsize,
    /// The most checks running or waiting at once.
    bound: usize,
}

/// One admitted check; leaving (done or cancelled) frees its place.
struct Admitted<'a>(&'a AtomicUsize);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Hasher {
    /// A hasher running `concurrency` checks at once (at least one) with
    /// `queue` more waiting.
    pub fn new(concurrency: usize, queue: usize) -> Hasher {
        let concurrency = concurrency.max(1);
        Hasher {
            slots: Semaphore::new(concurrency),
            admitted: AtomicUsize::new(0),
            bound: concurrency.saturating_add(queue),
        }
    }

    /// [`hash`], off the runtime.
    pub async fn hash(&self, password: Password) -> Result<String, PasswordError> {
        self.run(move || hash(&password)).await
    }

    /// [`verify`], off the runtime.
    pub async fn verify(
        &self,
        password: Password,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        self.run(move || verify(&password, stored.as_deref())).await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, PasswordError> + Send + 'static,
    ) -> Result<T, PasswordError> {
        let _admitted = self.admit()?;
        // The semaphore is never closed: acquiring cannot fail.
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|e| PasswordError::Hash(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| PasswordError::Hash(format!("the hashing task failed: {e}")))?
    }

    fn admit(&self) -> Result<Admitted<'_>, PasswordError> {
        let before = self.admitted.fetch_add(1, Ordering::AcqRel);
        let admitted = Admitted(&self.admitted);
        if before >= self.bound {
            return Err(PasswordError::Busy);
        }
        Ok(admitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::phc::PasswordHash;
    use argon2::Params;

    #[test]
    fn a_hash_verifies_its_password_and_no_other() {
        let password = Password::new("correct horse battery");
        let stored = hash(&password).unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify(&password, Some(&stored)).unwrap());
        assert!(!verify(&Password::new("correct horse battery!"), Some(&stored)).unwrap());
        assert_ne!(
            stored,
            hash(&password).unwrap(),
            "each hash has its own salt"
        );
    }

    #[test]
    fn short_and_long_passwords_are_refused_with_the_rule() {
        let short = hash(&Password::new("ninechars")).unwrap_err();
        assert_eq!(
            short.to_string(),
            "the password must have at least 10 characters"
        );
        // Characters, not bytes: ten accented letters are ten characters.
        assert!(check(&Password::new("é".repeat(10))).is_ok());
        assert!(matches!(
            check(&Password::new("x".repeat(MAX_BYTES + 1))),
            Err(PasswordError::TooLong)
        ));
    }

    #[test]
    fn no_stored_hash_is_false_and_the_dummy_matches_the_real_parameters() {
        assert!(!verify(&Password::new("anything at all"), None).unwrap());
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let real = hash(&Password::new("some password")).unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.params, real.params);
        assert_eq!(
            Params::try_from(&dummy).unwrap().m_cost(),
            Params::default().m_cost()
        );
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_frees_its_places() {
        let hasher = std::sync::Arc::new(Hasher::new(1, 1));
        let password = || Password::new("correct horse battery");
        let running: Vec<_> = (0..2)
            .map(|_| {
                let hasher = std::sync::Arc::clone(&hasher);
                tokio::spawn(async move { hasher.verify(password(), None).await })
            })
            .collect();
        // Both are admitted (one runs, one waits) before the third asks.
        while hasher.admitted.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            hasher.verify(password(), None).await,
            Err(PasswordError::Busy)
        ));
        for task in running {
            assert!(!task.await.unwrap().unwrap());
        }
        assert!(!hasher.verify(password(), None).await.unwrap());
    }

    #[test]
    fn debug_hides_the_password() {
        let password = Password::new("hunter2hunter2");
        assert_eq!(format!("{password:?}"), "\"***\"");
    }
}
