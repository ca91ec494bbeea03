//! The verb of the consent capability: `!toestemming`.

use super::InfoKind;
use crate::capability::{Capability, CommandSpec, HelpLine, Invocation, Localised, shorten};
use crate::command::{Command, CommandError};
use crate::matrix_id::MatrixId;

/// `!toestemming` shows what everyone may see; `!toestemming @naam:server afspraken ja
/// [tot 2026-12-31]` changes it (`!consent … yes|no [until …]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentCommand {
    Consent { change: Option<ConsentChange> },
}

/// A consent change as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentChange {
    pub subject: ConsentTarget,
    pub kind: InfoKind,
    pub give: bool,
    /// The last day the grant holds (inclusive), as (year, month, day).
    pub until: Option<(i32, u32, u32)>,
}

/// Whom a typed consent change is about: a member by Matrix ID, or an organisation by the name
/// its professionals carry in the network (`organisatie Praktijk De Linde`), as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentTarget {
    Member(MatrixId),
    Organisation(String),
}

pub const CONSENT: CommandSpec = CommandSpec {
    words: &["toestemming", "consent"],
    usage: Localised::new(
        "!toestemming (overzicht) of !toestemming @naam:server afspraken ja (of nee), eventueel met: tot 2026-12-31",
        "!consent (overview) or !consent @name:server appointments yes (or no), optionally with: until 2026-12-31",
    ),
    help: &[HelpLine::new(
        Localised::new("!toestemming", "!consent"),
        Localised::new(
            "wie wat mag zien; veranderen door te tikken in de keuzelijst, of typ !toestemming @naam:server afspraken ja",
            "who may see what; change it by tapping in the poll, or type !consent @name:server appointments yes",
        ),
    )],
    parse: |invocation| {
        Ok(Command::Consent(ConsentCommand::Consent {
            change: parse_change(invocation)?,
        }))
    },
};

pub const CAPABILITY: Capability = Capability {
    name: "consent",
    commands: &[CONSENT],
};

/// `@user kind ja|nee [tot YYYY-MM-DD]` or `organisatie <name> kind ja|nee [tot …]`, or nothing
/// for the overview. Read from the end, because an organisation's name may have several words.
fn parse_change(invocation: &Invocation<'_>) -> Result<Option<ConsentChange>, CommandError> {
    let usage = invocation.spec.usage;
    let arguments = invocation.arguments;
    let Some((first, rest)) = arguments.split_first() else {
        return Ok(None);
    };
    let is_organisation = matches!(
        first.to_lowercase().as_str(),
        "organisatie" | "organisation" | "org"
    );
    let (words, until) = match rest {
        [head @ .., word, date] if matches!(word.to_lowercase().as_str(), "tot" | "until") => {
            let bad = || CommandError::BadDate {
                usage,
                word: shorten(date, 20),
            };
            let parsed = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
            use chrono::Datelike;
            (head, Some((parsed.year(), parsed.month(), parsed.day())))
        }
        [.., word] if matches!(word.to_lowercase().as_str(), "tot" | "until") => {
            return Err(invocation.incomplete());
        }
        _ => (rest, None),
    };
    let [name @ .., kind, answer] = words else {
        return Err(invocation.incomplete());
    };
    let kind = info_kind(kind).ok_or_else(|| CommandError::UnknownInfoKind {
        usage,
        word: shorten(kind, 20),
    })?;
    let give = match answer.to_lowercase().as_str() {
        "ja" | "yes" => true,
        "nee" | "no" => false,
        _ => return Err(invocation.incomplete()),
    };
    let subject = if is_organisation {
        if name.is_empty() {
            return Err(invocation.incomplete());
        }
        ConsentTarget::Organisation(shorten(&name.join(" "), 100))
    } else {
        if !name.is_empty() {
            return Err(invocation.incomplete());
        }
        let (user, _) = invocation.user_and_rest(arguments)?;
        ConsentTarget::Member(user)
    };
    Ok(Some(ConsentChange {
        subject,
        kind,
        give,
        until,
    }))
}

fn info_kind(word: &str) -> Option<InfoKind> {
    Some(match word.to_lowercase().as_str() {
        "chat" | "gesprek" => InfoKind::ChatMembership,
        "geschiedenis" | "history" => InfoKind::PastHistory,
        "afspraken" | "appointments" => InfoKind::Appointments,
        "vragenlijsten" | "questionnaires" => InfoKind::QuestionnaireResults,
        "consult" | "meedenkconsult" => InfoKind::ConsultSharing,
        "gegevens" | "data" => InfoKind::OrganisationData,
        _ => return None,
    })
}
