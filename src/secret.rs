//! Secrets in the configuration (the admin token): readable by the code that checks them, and
//! never printed, whether by `Debug`, by a serialised dump of the configuration, or in an error.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

/// What a secret shows wherever it is printed or serialised.
pub const REDACTED: &str = "[redacted]";

/// A secret string. `Debug`, `Display` and `Serialize` show [`REDACTED`]; only
/// [`Secret::expose`] and [`Secret::matches`] see the value.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty (an empty secret should never grant anything).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compares `candidate` with the secret in time independent of where they differ and of
    /// their lengths (both are hashed first; BLAKE3 hashes compare in constant time), so that
    /// response times reveal neither a prefix nor the length. An empty secret matches nothing.
    pub fn matches(&self, candidate: &str) -> bool {
        !self.0.is_empty() && blake3::hash(self.0.as_bytes()) == blake3::hash(candidate.as_bytes())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_never_printed_and_compares_exactly() {
        let secret = Secret::new("s3cr3t-token");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        assert_eq!(format!("{secret:#?} {secret}"), "Secret([redacted]) [redacted]");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"[redacted]\"");
        assert!(secret.matches("s3cr3t-token"));
        assert!(!secret.matches("s3cr3t-tokem") && !secret.matches("s3cr3t") && !secret.matches(""));
        assert!(!Secret::default().matches(""), "an empty secret grants nothing");
        let parsed: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(parsed.expose(), "abc");
    }
}
