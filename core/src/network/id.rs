//! A network's id: Kring's own random name for it (`net-` and 16 letters and digits), never a
//! room id and never anything about the client. Typed so that it cannot be mixed up with the
//! other strings a plan carries.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

const MAX_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a network id is 1 to {MAX_BYTES} letters, digits, - and _")]
pub struct NetworkIdError;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NetworkId(String);

impl NetworkId {
    pub fn parse(text: &str) -> Result<Self, NetworkIdError> {
        let well_formed = !text.is_empty()
            && text.len() <= MAX_BYTES
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(NetworkIdError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Read where a `&str` is asked for (store queries, log fields), so typing the id changes no
/// call that only reads it.
impl std::ops::Deref for NetworkId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NetworkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for NetworkId {
    type Error = NetworkIdError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<NetworkId> for String {
    fn from(id: NetworkId) -> Self {
        id.0
    }
}

impl PartialEq<str> for NetworkId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for NetworkId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A typed id of Kring's own with a network id's rules (letters, digits, `-` and `_`), safe in a
/// room's state, a calendar's UID and a log line: `kring_id!(MeetingId, "…doc…")`.
#[macro_export]
macro_rules! kring_id {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(
            Debug,
            Clone,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, $crate::network::NetworkIdError> {
                $crate::network::NetworkId::parse(text).map(|_| Self(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::network::NetworkIdError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kring_shaped_ids_are_network_ids() {
        for good in ["net-a1B2c3D4e5F6g7H8", "n1", "net_a"] {
            assert_eq!(NetworkId::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "!room:kring.test", "net a", "net/../x", &"n".repeat(65)] {
            assert_eq!(NetworkId::parse(bad), Err(NetworkIdError), "{bad:?}");
        }
    }

    #[test]
    fn stored_as_the_plain_string() {
        let id = NetworkId::parse("net-x").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"net-x\"");
        assert_eq!(serde_json::from_str::<NetworkId>("\"net-x\"").unwrap(), id);
        assert!(serde_json::from_str::<NetworkId>("\"!r:x\"").is_err());
    }
}
