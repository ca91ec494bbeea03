//! Matrix user ids as people type them (`@name:server`), checked before anything is stored or sent.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// The Matrix limit for a whole user id.
pub const MAX_MATRIX_ID_BYTES: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MatrixIdError {
    #[error("a Matrix id starts with @")]
    MissingAt,
    #[error("a Matrix id has the form @name:server")]
    MissingServer,
    #[error("the name part of a Matrix id may only contain a-z, 0-9 and . _ = - / +")]
    BadName,
    #[error("the server part of a Matrix id is not a valid server name")]
    BadServer,
    #[error("a Matrix id can be at most {MAX_MATRIX_ID_BYTES} bytes")]
    TooLong,
}

/// A syntactically valid Matrix user id. Whether the account exists is for the homeserver to say.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MatrixId(String);

impl MatrixId {
    pub fn parse(input: &str) -> Result<Self, MatrixIdError> {
        let input = input.trim();
        if input.len() > MAX_MATRIX_ID_BYTES {
            return Err(MatrixIdError::TooLong);
        }
        let rest = input.strip_prefix('@').ok_or(MatrixIdError::MissingAt)?;
        let (name, server) = rest.split_once(':').ok_or(MatrixIdError::MissingServer)?;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '=' | '-' | '/' | '+'))
        {
            return Err(MatrixIdError::BadName);
        }
        if !is_server_name(server) {
            return Err(MatrixIdError::BadServer);
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the colon, shown when nobody has set a display name.
    pub fn localpart(&self) -> &str {
        self.0[1..].split(':').next().unwrap_or_default()
    }
}

/// `host` or `host:port`, where host is a DNS name or an IPv4 address (IPv6 literals are not
/// needed by any Kring deployment and are refused to keep the check simple).
fn is_server_name(server: &str) -> bool {
    let (host, port) = match server.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (server, None),
    };
    let port_ok = port.is_none_or(|port| {
        !port.is_empty() && port.len() <= 5 && port.chars().all(|c| c.is_ascii_digit())
    });
    let host_ok = !host.is_empty()
        && host.len() <= 230
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    port_ok && host_ok
}

impl fmt::Display for MatrixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for MatrixId {
    type Error = MatrixIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<MatrixId> for String {
    fn from(id: MatrixId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_ids() {
        for id in [
            "@anna:kring.local",
            "@dr.jansen:zorg.example.nl",
            "@piet_2:localhost:8008",
            "@a=b/c+d-e:127.0.0.1:18008",
        ] {
            assert_eq!(MatrixId::parse(id).map(|m| m.to_string()), Ok(id.into()));
        }
        assert_eq!(
            MatrixId::parse(" @anna:kring.local ").unwrap().localpart(),
            "anna"
        );
    }

    #[test]
    fn refuses_what_is_not_a_user_id() {
        assert_eq!(MatrixId::parse("anna"), Err(MatrixIdError::MissingAt));
        assert_eq!(MatrixId::parse("@anna"), Err(MatrixIdError::MissingServer));
        assert_eq!(MatrixId::parse("@:server"), Err(MatrixIdError::BadName));
        assert_eq!(MatrixId::parse("@Anna:server"), Err(MatrixIdError::BadName));
        assert_eq!(
            MatrixId::parse("@anna:bad server"),
            Err(MatrixIdError::BadServer)
        );
        assert_eq!(
            MatrixId::parse("@anna:server:99999999"),
            Err(MatrixIdError::BadServer)
        );
        assert_eq!(MatrixId::parse("@anna:"), Err(MatrixIdError::BadServer));
        assert_eq!(
            MatrixId::parse("#room:server"),
            Err(MatrixIdError::MissingAt)
        );
        let long = format!("@{}:server", "a".repeat(300));
        assert_eq!(MatrixId::parse(&long), Err(MatrixIdError::TooLong));
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_round_trips(input in ".{0,300}") {
            if let Ok(id) = MatrixId::parse(&input) {
                prop_assert_eq!(MatrixId::parse(id.as_str()), Ok(id.clone()));
                prop_assert!(id.as_str().len() <= MAX_MATRIX_ID_BYTES);
            }
        }
    }
}
