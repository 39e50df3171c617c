//! Key layouts. Every composite key is the big-endian bytes of its parts in
//! order, so that sled's lexicographic order is numeric order and a prefix
//! scan over the first part lists one owner's records in order.

/// One id as a key.
pub(crate) fn one(a: u64) -> [u8; 8] {
    a.to_be_bytes()
}

/// Two ids as a key: `a ++ b`.
pub(crate) fn two(a: u64, b: u64) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&a.to_be_bytes());
    key[8..].copy_from_slice(&b.to_be_bytes());
    key
}

/// Three ids as a key: `a ++ b ++ c`.
pub(crate) fn three(a: u64, b: u64, c: u64) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..8].copy_from_slice(&a.to_be_bytes());
    key[8..16].copy_from_slice(&b.to_be_bytes());
    key[16..].copy_from_slice(&c.to_be_bytes());
    key
}

/// Two ids and a string: `a ++ b ++ s`.
pub(crate) fn two_and_str(a: u64, b: u64, s: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(16 + s.len());
    key.extend_from_slice(&a.to_be_bytes());
    key.extend_from_slice(&b.to_be_bytes());
    key.extend_from_slice(s.as_bytes());
    key
}

/// The second id of a two-id key.
pub(crate) fn second(key: &[u8]) -> u64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&key[8..16]);
    u64::from_be_bytes(raw)
}

/// The third id of a three-id key.
pub(crate) fn third(key: &[u8]) -> u64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&key[16..24]);
    u64::from_be_bytes(raw)
}

/// A u64 stored as a value.
pub(crate) fn read_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}
