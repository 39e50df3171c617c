//! Webhook signatures: `X-Switchboard-Signature: sha256=HEX`, the
//! HMAC-SHA256 of the raw body under the bridge's secret, both ways.
//! Checked in constant time (`Mac::verify_slice`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header carrying the signature.
pub(crate) const HEADER: &str = "x-switchboard-signature";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length: `new_from_slice` cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    mac
}

/// The header's value for `body`.
pub(crate) fn signature(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, body).finalize().into_bytes())
    )
}

/// Whether `header` is the signature of `body` (a missing or malformed
/// header is not).
pub(crate) fn verify(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_digest) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(digest) = hex::decode(hex_digest) else {
        return false;
    };
    mac(secret, body).verify_slice(&digest).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_nothing_else_does() {
        let signed = signature("secret", b"{}");
        assert!(verify("secret", b"{}", Some(&signed)));
        assert!(!verify("other", b"{}", Some(&signed)));
        assert!(!verify("secret", b"{ }", Some(&signed)));
        assert!(!verify("secret", b"{}", None));
        assert!(!verify("secret", b"{}", Some("sha256=zz")));
    }
}
