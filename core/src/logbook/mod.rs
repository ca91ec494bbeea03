//! The logbook capability: `!logboek`, the client's own account of who did what in their
//! network, read from the audit log (`crate::audit`) and told in sentences.

pub mod texts;

use crate::capability::{Capability, CommandSpec, HelpLine, Invocation, Localised, shorten};
use crate::command::{Command, CommandError};

/// `!logboek [30d]` / `!logbook`: the client's own log, in the direct chat only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogbookCommand {
    Logbook { days: Option<i64> },
}

pub const LOGBOOK: CommandSpec = CommandSpec {
    words: &["logboek", "logbook", "log"],
    usage: Localised::new(
        "!logboek 30d (dagen; ook 2w, 6m of 1j)",
        "!logbook 30d (days; also 2w, 6m or 1y)",
    ),
    help: &[HelpLine::new(
        Localised::new("!logboek 30d", "!logbook 30d"),
        Localised::new(
            "wie wat deed in uw netwerk (alleen voor de cliënt, in dit privégesprek)",
            "who did what in your network (client only, in this private chat)",
        ),
    )],
    parse: |invocation| {
        let days = invocation
            .first()
            .map(|word| parse_period(invocation, word))
            .transpose()?;
        Ok(Command::Logbook(LogbookCommand::Logbook { days }))
    },
};

pub const CAPABILITY: Capability = Capability {
    name: "logbook",
    commands: &[LOGBOOK],
};

/// The longest period a log may be asked for: ten years.
pub const MAX_PERIOD_DAYS: i64 = 3650;

/// `30d`, `2w`, `6m`, `1j` (or `1y`): a number of days, weeks, months or years, as days.
fn parse_period(invocation: &Invocation<'_>, word: &str) -> Result<i64, CommandError> {
    let bad = || CommandError::BadPeriod {
        usage: invocation.spec.usage,
        word: shorten(word, 20),
    };
    let word = word.to_lowercase();
    let split = word.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = word.split_at(split);
    let number: i64 = number.parse().map_err(|_| bad())?;
    let days = match unit {
        "d" | "dag" | "dagen" | "day" | "days" => number,
        "w" | "week" | "weken" | "weeks" => number.checked_mul(7).ok_or_else(bad)?,
        "m" | "maand" | "maanden" | "month" | "months" => number.checked_mul(30).ok_or_else(bad)?,
        "j" | "jaar" | "y" | "year" | "years" => number.checked_mul(365).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    if (1..=MAX_PERIOD_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(bad())
    }
}
