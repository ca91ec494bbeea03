//! Rules for account names that people type (the part before the colon in `@name:server`).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UsernameError {
    #[error("a user name cannot be empty")]
    Empty,
    #[error("a user name can be at most {max} characters")]
    TooLong { max: usize },
    #[error("a user name may only contain a-z, 0-9 and . _ = - / (found {found:?})")]
    BadCharacter { found: char },
    #[error("user names starting with an underscore are reserved for the system")]
    Reserved,
}

/// Names people could take for Kring itself or for someone in charge; nobody chooses them on
/// an invite page (the region's administrator can still make such accounts with `kring user
/// add`, for the bot and for staff).
pub const RESERVED_NAMES: &[&str] = &[
    "kring",
    "admin",
    "administrator",
    "beheer",
    "beheerder",
    "bot",
    "support",
    "helpdesk",
    "system",
    "systeem",
    "root",
    "synapse",
    "matrix",
    "noreply",
    "security",
    "privacy",
];

/// Whether a person may choose `name` for themself: valid, and not one of [`RESERVED_NAMES`]
/// nor one that starts with one of them followed by a separator (`kring-bot`, `admin.jan`).
pub fn may_choose_username(name: &str) -> bool {
    validate_username(name).is_ok_and(|bare| {
        !RESERVED_NAMES.iter().any(|reserved| {
            bare == *reserved
                || bare
                    .strip_prefix(reserved)
                    .is_some_and(|rest| rest.starts_with(['.', '_', '=', '-', '/']))
        })
    })
}

/// Longest accepted user name. The Matrix limit is 255 bytes for the whole `@name:server`; this
/// leaves room for any reasonable server name.
pub const MAX_USERNAME_CHARS: usize = 64;

/// Checks a user name as typed, accepting `@name:server` and `name`; returns the bare name.
/// Upper case is refused rather than folded, so nobody ends up with a name they did not type.
pub fn validate_username(input: &str) -> Result<&str, UsernameError> {
    let trimmed = input.trim();
    let bare = trimmed
        .strip_prefix('@')
        .map(|rest| rest.split(':').next().unwrap_or(""))
        .unwrap_or(trimmed);
    if bare.is_empty() {
        return Err(UsernameError::Empty);
    }
    if bare.chars().count() > MAX_USERNAME_CHARS {
        return Err(UsernameError::TooLong {
            max: MAX_USERNAME_CHARS,
        });
    }
    if let Some(found) = bare
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '=' | '-' | '/'))
    {
        return Err(UsernameError::BadCharacter { found });
    }
    if bare.starts_with('_') {
        return Err(UsernameError::Reserved);
    }
    Ok(bare)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_plain_and_full_ids() {
        assert_eq!(validate_username("jan.de-vries"), Ok("jan.de-vries"));
        assert_eq!(validate_username("@jan:kring.localhost"), Ok("jan"));
    }

    #[test]
    fn refuses_what_synapse_would_refuse_with_a_reason() {
        assert_eq!(validate_username(""), Err(UsernameError::Empty));
        assert_eq!(validate_username("@:server"), Err(UsernameError::Empty));
        assert_eq!(
            validate_username("Jan"),
            Err(UsernameError::BadCharacter { found: 'J' })
        );
        assert_eq!(
            validate_username("jan de vries"),
            Err(UsernameError::BadCharacter { found: ' ' })
        );
        assert_eq!(validate_username("_bot"), Err(UsernameError::Reserved));
        assert_eq!(
            validate_username(&"a".repeat(65)),
            Err(UsernameError::TooLong { max: 64 })
        );
    }

    #[test]
    fn names_that_could_pass_for_kring_or_its_staff_are_not_for_choosing() {
        for taken in [
            "kring",
            "admin",
            "support",
            "bot",
            "kring-bot",
            "admin.jan",
            "beheer_1",
        ] {
            assert!(!may_choose_username(taken), "{taken}");
        }
        for free in [
            "jan",
            "kringloop",
            "botanicus",
            "supporter",
            "anna.de-vries",
        ] {
            assert!(may_choose_username(free), "{free}");
        }
        assert!(
            !may_choose_username("Jan"),
            "invalid names are not for choosing either"
        );
    }

    proptest! {
        #[test]
        fn accepted_names_use_only_allowed_characters(input in "\\PC{0,80}") {
            if let Ok(name) = validate_username(&input) {
                prop_assert!(!name.is_empty() && name.chars().count() <= MAX_USERNAME_CHARS);
                prop_assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._=-/".contains(c)));
            }
        }
    }
}
