//! The meeting capability's verb: `!overleg` (`!meeting`). Its forms, split on `;` because a
//! moment has spaces in it:
//! - `!overleg di 12 jan 14:00; do 14 jan 10:00; met @a:server @b:server; plaats Wijkcentrum`
//! - `!overleg voorstel` (the bot suggests moments), with `met …` and `plaats …` as above
//! - `!overleg` or `!overleg stand`: the answers so far
//! - `!overleg kies 2`: the client chooses moment 2
//! - `!overleg af`: called off
//! - `!overleg notulist @a:server`: they record the plan of this meeting
//! - `!overleg herhaal elke 3 maanden`: the network's rhythm (or `FREQ=…`, cron, `standaard`)
//!
//! Moments are read when the command is carried out (they depend on the time it was sent).

use crate::capability::{Capability, CommandSpec, HelpLine, Invocation, Localised, shorten};
use crate::command::{Command, CommandError};
use crate::matrix_id::MatrixId;

/// The longest place or video link kept.
pub const MAX_PLACE_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingCommand {
    Plan {
        moments: MomentsAsked,
        /// `None`: the bot chooses (last time's invitees, or everyone who may see appointments).
        invitees: Option<Vec<MatrixId>>,
        place: Option<PlaceAsked>,
    },
    Tally,
    Choose {
        /// As shown: 1 is the first candidate.
        number: usize,
    },
    Cancel,
    /// The agreed meeting moves to another moment, as typed.
    Move {
        moment: String,
    },
    /// `!afspraken`: the asking member's meetings ahead, in every network they are in.
    Agenda,
    /// `!actie @naam tekst tot 12-3`: after the meeting, who does what by when.
    AddAction {
        responsible: MatrixId,
        text: String,
        due: String,
    },
    /// `!actie klaar 2`.
    ActionDone {
        number: usize,
    },
    /// `!actie` or `!doel`: the plan so far.
    Actions,
    /// `!doel tekst`: a goal of the plan, in the client's words.
    AddGoal {
        text: String,
    },
    /// `!overleg notulist @naam`: they record this meeting's plan, beside whoever steers.
    AppointRecorder {
        recorder: MatrixId,
    },
    /// `!overleg herhaal elke 3 maanden` (or a recurrence rule, or cron): the network's own
    /// rhythm of meetings; `None` (`herhaal standaard`) goes back to the region's.
    SetRhythm {
        rhythm: Option<String>,
    },
}

/// The longest action text kept.
pub const MAX_ACTION_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MomentsAsked {
    /// As typed, one text per moment.
    Typed(Vec<String>),
    Suggested,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceAsked {
    /// An address or link as typed.
    Typed(String),
    /// The region's video service (`plaats video`).
    Video,
}

pub const MEETING: CommandSpec = CommandSpec {
    words: &["overleg", "meeting"],
    usage: Localised::new(
        "!overleg di 12 jan 14:00; do 14 jan 10:00; met @naam:server; plaats Wijkcentrum (of: plaats video). Of: !overleg voorstel, !overleg stand, !overleg kies 1, !overleg verzet di 19 jan 14:00, !overleg af, !overleg notulist @naam:server, !overleg herhaal elke 3 maanden",
        "!meeting di 12 jan 14:00; do 14 jan 10:00; met @name:server; plaats Wijkcentrum (or: plaats video). Or: !meeting voorstel, !meeting stand, !meeting kies 1, !meeting verzet di 19 jan 14:00, !meeting af, !meeting notulist @name:server, !meeting herhaal every 3 months",
    ),
    help: &[
        HelpLine::new(
            Localised::new(
                "!overleg di 12 jan 14:00; do 14 jan 10:00; plaats video",
                "!meeting di 12 jan 14:00; do 14 jan 10:00; plaats video",
            ),
            Localised::new(
                "plan een overleg met uw netwerk: 2 tot 6 momenten, daarna eventueel met @naam en plaats; of typ !overleg voorstel en ik stel momenten voor. Typ het in ons privégesprek, dan leest niemand anders mee",
                "plan a meeting of your network: 2 to 6 moments, then optionally met @name and plaats; or type !meeting voorstel and I suggest moments. Type it in our private chat, so nobody else reads along",
            ),
        ),
        HelpLine::new(
            Localised::new("!overleg stand", "!meeting stand"),
            Localised::new(
                "wie kan wanneer; kies daarna met !overleg kies 1, verzet het met !overleg verzet di 19 jan 14:00, of zeg het af met !overleg af",
                "who can come when; then choose with !meeting kies 1, move it with !meeting verzet di 19 jan 14:00, or call it off with !meeting af",
            ),
        ),
    ],
    parse: parse_meeting,
};

pub const AGENDA: CommandSpec = CommandSpec {
    words: &["afspraken", "appointments", "agenda"],
    usage: Localised::new("!afspraken", "!appointments"),
    help: &[HelpLine::new(
        Localised::new("!afspraken", "!appointments"),
        Localised::new(
            "uw overleggen die nog komen, in ons privégesprek",
            "your meetings ahead, in our private chat",
        ),
    )],
    parse: |_| Ok(Command::Meeting(MeetingCommand::Agenda)),
};

pub const ACTION: CommandSpec = CommandSpec {
    words: &["actie", "action"],
    usage: Localised::new(
        "!actie @naam:server wat er gebeurt tot 12-3 (of: !actie, !actie klaar 1)",
        "!action @name:server what happens tot 12-3 (or: !action, !action klaar 1)",
    ),
    help: &[HelpLine::new(
        Localised::new(
            "!actie @naam:server belt de school tot 12-3",
            "!action @name:server calls the school tot 12-3",
        ),
        Localised::new(
            "na het overleg: wie doet wat, wanneer; ik herinner diegene een dag van tevoren. !actie klaar 1 als het gedaan is",
            "after the meeting: who does what by when; I remind them a day before. !action klaar 1 when it is done",
        ),
    )],
    parse: |invocation| parse_action(invocation).map(Command::Meeting),
};

pub const GOAL: CommandSpec = CommandSpec {
    words: &["doel", "goal"],
    usage: Localised::new(
        "!doel wat u wilt bereiken (of: !doel, voor het plan)",
        "!goal what you want to achieve (or: !goal, for the plan)",
    ),
    help: &[HelpLine::new(
        Localised::new("!doel weer naar mijn werk", "!goal back to my work"),
        Localised::new(
            "na het overleg: een doel in uw eigen woorden. Met !overleg notulist @naam:server mag iemand anders het plan voor u opschrijven",
            "after the meeting: a goal in your own words. With !meeting notulist @name:server someone else may write the plan down for you",
        ),
    )],
    parse: |invocation| {
        let text = invocation.arguments.join(" ");
        Ok(Command::Meeting(if text.trim().is_empty() {
            MeetingCommand::Actions
        } else {
            MeetingCommand::AddGoal {
                text: shorten(&text, MAX_ACTION_CHARS),
            }
        }))
    },
};

pub const CAPABILITY: Capability = Capability {
    name: super::model::TIMERS,
    commands: &[MEETING, AGENDA, ACTION, GOAL],
};

fn parse_action(invocation: &Invocation<'_>) -> Result<MeetingCommand, CommandError> {
    let usage = invocation.spec.usage;
    let arguments = invocation.arguments;
    match arguments {
        [] => return Ok(MeetingCommand::Actions),
        [word, number] if matches!(word.to_lowercase().as_str(), "klaar" | "done" | "gedaan") => {
            return match number.parse::<usize>() {
                Ok(number) if number >= 1 => Ok(MeetingCommand::ActionDone { number }),
                _ => Err(CommandError::BadNumber { usage }),
            };
        }
        [word, ..] if matches!(word.to_lowercase().as_str(), "klaar" | "done" | "gedaan") => {
            return Err(CommandError::BadNumber { usage });
        }
        _ => {}
    }
    let (responsible, rest) = invocation.user_and_rest(arguments)?;
    let until = rest
        .iter()
        .rposition(|word| matches!(word.to_lowercase().as_str(), "tot" | "by" | "uiterlijk"));
    let Some(until) = until else {
        return Err(invocation.incomplete());
    };
    let text = rest[..until].join(" ");
    let due = rest[until + 1..].join(" ");
    if text.trim().is_empty() || due.trim().is_empty() {
        return Err(invocation.incomplete());
    }
    Ok(MeetingCommand::AddAction {
        responsible,
        text: shorten(&text, MAX_ACTION_CHARS),
        due,
    })
}

fn parse_meeting(invocation: &Invocation<'_>) -> Result<Command, CommandError> {
    parse(invocation).map(Command::Meeting)
}

fn parse(invocation: &Invocation<'_>) -> Result<MeetingCommand, CommandError> {
    let usage = invocation.spec.usage;
    let arguments = invocation.arguments;
    let lower: Vec<String> = arguments.iter().map(|word| word.to_lowercase()).collect();
    match lower
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["stand" | "status" | "tally"] => return Ok(MeetingCommand::Tally),
        ["af" | "annuleer" | "annuleren" | "cancel"] => return Ok(MeetingCommand::Cancel),
        ["kies" | "choose", number] => {
            return match number.parse::<usize>() {
                Ok(number) if number >= 1 => Ok(MeetingCommand::Choose { number }),
                _ => Err(CommandError::BadNumber { usage }),
            };
        }
        ["kies" | "choose", ..] => return Err(CommandError::BadNumber { usage }),
        ["notulist" | "recorder", ..] => {
            let (recorder, rest) = invocation.user_and_rest(&arguments[1..])?;
            if !rest.is_empty() {
                return Err(invocation.incomplete());
            }
            return Ok(MeetingCommand::AppointRecorder { recorder });
        }
        ["herhaal" | "ritme" | "repeat" | "rhythm"] => return Err(invocation.incomplete()),
        [
            "herhaal" | "ritme" | "repeat" | "rhythm",
            "standaard" | "default" | "regio" | "region",
        ] => {
            return Ok(MeetingCommand::SetRhythm { rhythm: None });
        }
        ["herhaal" | "ritme" | "repeat" | "rhythm", ..] => {
            return Ok(MeetingCommand::SetRhythm {
                rhythm: Some(shorten(&arguments[1..].join(" "), MAX_PLACE_CHARS)),
            });
        }
        ["verzet" | "verplaats" | "move"] => return Err(invocation.incomplete()),
        ["verzet" | "verplaats" | "move", ..] => {
            return Ok(MeetingCommand::Move {
                moment: arguments[1..].join(" "),
            });
        }
        _ => {}
    }
    let text = arguments.join(" ");
    let mut typed = Vec::new();
    let mut suggested = false;
    let mut invitees: Option<Vec<MatrixId>> = None;
    let mut place = None;
    for part in text
        .split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
    {
        let (first, rest) = part.split_once(' ').unwrap_or((part, ""));
        match first.to_lowercase().as_str() {
            "voorstel" | "suggest" => suggested = true,
            "met" | "with" => {
                let people = invocation.user_list(rest)?;
                invitees.get_or_insert_with(Vec::new).extend(people);
            }
            "plaats" | "place" | "waar" | "where" => {
                let rest = rest.trim();
                if rest.is_empty() {
                    return Err(invocation.incomplete());
                }
                place = Some(
                    if matches!(rest.to_lowercase().as_str(), "video" | "beeldbellen") {
                        PlaceAsked::Video
                    } else {
                        PlaceAsked::Typed(shorten(rest, MAX_PLACE_CHARS))
                    },
                );
            }
            _ => typed.push(part.to_owned()),
        }
    }
    let moments = match (suggested, typed.is_empty()) {
        (true, true) => MomentsAsked::Suggested,
        (false, false) => MomentsAsked::Typed(typed),
        // Both, or neither: which was meant is not clear.
        _ => return Err(invocation.incomplete()),
    };
    Ok(MeetingCommand::Plan {
        moments,
        invitees,
        place,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::parse_message;

    fn parsed(text: &str) -> Result<MeetingCommand, CommandError> {
        match parse_message(text) {
            Ok(Some(Command::Meeting(command))) => Ok(command),
            Ok(other) => panic!("{text} is not a meeting command: {other:?}"),
            Err(error) => Err(error),
        }
    }

    fn id(text: &str) -> MatrixId {
        MatrixId::parse(text).unwrap()
    }

    #[test]
    fn the_networks_rhythm() {
        assert_eq!(
            parsed("!overleg herhaal elke 3 maanden"),
            Ok(MeetingCommand::SetRhythm {
                rhythm: Some("elke 3 maanden".into())
            })
        );
        // A rule keeps its semicolons: it is not split like the parts of a plan.
        assert_eq!(
            parsed("!meeting repeat FREQ=MONTHLY;INTERVAL=3"),
            Ok(MeetingCommand::SetRhythm {
                rhythm: Some("FREQ=MONTHLY;INTERVAL=3".into())
            })
        );
        assert_eq!(
            parsed("!overleg herhaal standaard"),
            Ok(MeetingCommand::SetRhythm { rhythm: None })
        );
        assert!(matches!(
            parsed("!overleg herhaal"),
            Err(CommandError::Incomplete { .. })
        ));
    }

    #[test]
    fn goals_and_the_recorder() {
        assert_eq!(
            parsed("!doel weer naar  mijn werk"),
            Ok(MeetingCommand::AddGoal {
                text: "weer naar mijn werk".into()
            })
        );
        assert_eq!(parsed("!goal"), Ok(MeetingCommand::Actions));
        assert_eq!(
            parsed("!overleg notulist @piet:kring.test"),
            Ok(MeetingCommand::AppointRecorder {
                recorder: id("@piet:kring.test")
            })
        );
        assert!(matches!(
            parsed("!meeting recorder"),
            Err(CommandError::Incomplete { .. })
        ));
        assert!(matches!(
            parsed("!overleg notulist piet"),
            Err(CommandError::BadMatrixId { .. })
        ));
        assert!(matches!(
            parsed("!overleg notulist @piet:kring.test en @an:kring.test"),
            Err(CommandError::Incomplete { .. })
        ));
    }

    #[test]
    fn typed_moments_people_and_place() {
        assert_eq!(
            parsed(
                "!overleg di 12 jan 14:00;do 14 jan 10:00 ; met @a:kring.test @b:kring.test; plaats Wijkcentrum De Linde"
            ),
            Ok(MeetingCommand::Plan {
                moments: MomentsAsked::Typed(vec![
                    "di 12 jan 14:00".into(),
                    "do 14 jan 10:00".into()
                ]),
                invitees: Some(vec![id("@a:kring.test"), id("@b:kring.test")]),
                place: Some(PlaceAsked::Typed("Wijkcentrum De Linde".into())),
            })
        );
        assert_eq!(
            parsed("!MEETING suggest; place video"),
            Ok(MeetingCommand::Plan {
                moments: MomentsAsked::Suggested,
                invitees: None,
                place: Some(PlaceAsked::Video),
            })
        );
    }

    #[test]
    fn the_short_forms() {
        assert_eq!(parsed("!overleg"), Ok(MeetingCommand::Tally));
        assert_eq!(parsed("!overleg stand"), Ok(MeetingCommand::Tally));
        assert_eq!(parsed("!overleg af"), Ok(MeetingCommand::Cancel));
        assert_eq!(
            parsed("!overleg kies 2"),
            Ok(MeetingCommand::Choose { number: 2 })
        );
        assert!(matches!(
            parsed("!overleg kies 0"),
            Err(CommandError::BadNumber { .. })
        ));
        assert!(matches!(
            parsed("!overleg kies twee"),
            Err(CommandError::BadNumber { .. })
        ));
        assert!(matches!(
            parsed("!overleg kies"),
            Err(CommandError::BadNumber { .. })
        ));
    }

    #[test]
    fn unclear_plans_are_refused_with_the_usage() {
        for text in [
            "!overleg voorstel; di 12 jan 14:00",
            "!overleg met @a:kring.test",
            "!overleg di 12 jan 14:00; plaats",
        ] {
            assert!(
                matches!(parsed(text), Err(CommandError::Incomplete { .. })),
                "{text}"
            );
        }
        assert!(matches!(
            parsed("!overleg di 12 jan 14:00; met anna"),
            Err(CommandError::BadMatrixId { .. })
        ));
    }

    #[test]
    fn a_long_place_is_cut() {
        let long = "x".repeat(500);
        let Ok(MeetingCommand::Plan {
            place: Some(PlaceAsked::Typed(place)),
            ..
        }) = parsed(&format!("!overleg voorstel; plaats {long}"))
        else {
            panic!("a plan with a place");
        };
        assert_eq!(place.chars().count(), MAX_PLACE_CHARS);
    }
}
