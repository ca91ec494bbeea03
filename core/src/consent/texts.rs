//! What the bot says about consent: the overview, changes, the polls, shared history.

use crate::consent::poll::ConsentPoll;
use crate::consent::{Consent, ConsentRefusal, InfoKind, Subject, may};
use crate::language::Language;
use crate::matrix_id::MatrixId;
use crate::messages::{BotReply, Builder, Person, PollText, Text, Who, date, date_time};
use crate::network::texts::role_label;
use crate::network::{Millis, Network};
use crate::role::Role;

pub fn info_kind_label(language: Language, kind: InfoKind) -> &'static str {
    match (language, kind) {
        (Language::Dutch, InfoKind::ChatMembership) => "chat",
        (Language::English, InfoKind::ChatMembership) => "chat",
        (Language::Dutch, InfoKind::PastHistory) => "geschiedenis",
        (Language::English, InfoKind::PastHistory) => "history",
        (Language::Dutch, InfoKind::Appointments) => "afspraken",
        (Language::English, InfoKind::Appointments) => "appointments",
        (Language::Dutch, InfoKind::QuestionnaireResults) => "vragenlijsten",
        (Language::English, InfoKind::QuestionnaireResults) => "questionnaires",
        (Language::Dutch, InfoKind::ConsultSharing) => "consult",
        (Language::English, InfoKind::ConsultSharing) => "consult",
        (Language::Dutch, InfoKind::OrganisationData) => "gegevens",
        (Language::English, InfoKind::OrganisationData) => "data",
    }
}

/// `!toestemming`: per member, what they may see now.
/// `!toestemming` typed in the network room: the overview went to the private chat.
pub fn consent_overview_sent_privately(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .lead(
                "Wie wat mag zien, is privé.",
                " Daarom staat het overzicht in ons privégesprek. Daar kunt u het ook veranderen.",
            )
            .build(),
        Language::English => Builder::new()
            .lead(
                "Who may see what is private.",
                " So the overview is in our private chat. You can change it there too.",
            )
            .build(),
    }
}

/// `!toestemming` typed in the network room by a client who has no private chat with the bot.
pub fn consent_overview_needs_private_chat(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .lead(
                "Wie wat mag zien, is privé.",
                " Daarom laat ik het hier niet zien.",
            )
            .paragraph("Begin een privégesprek met mij en typ daar !toestemming.")
            .build(),
        Language::English => Builder::new()
            .lead("Who may see what is private.", " So I do not show it here.")
            .paragraph("Start a private chat with me and type !toestemming there.")
            .build(),
    }
}

pub fn consent_overview(
    language: Language,
    network: &Network,
    consent: &Consent,
    person: &dyn Fn(&MatrixId) -> Person,
    now: Millis,
) -> BotReply {
    let dutch = language == Language::Dutch;
    let lines: Vec<Text> = network
        .members
        .iter()
        .filter(|m| m.membership.is_current() && m.role != Role::Client && m.role != Role::Bot)
        .map(|m| {
            let subject = Subject::Member {
                user: m.user.clone(),
            };
            let kinds: Vec<String> = InfoKind::ALL
                .iter()
                .map(|kind| {
                    let mark = if may(network, consent, &subject, *kind, now) {
                        "✅"
                    } else {
                        "❌"
                    };
                    format!("{} {mark}", info_kind_label(language, *kind))
                })
                .collect();
            Text::new()
                .person(&person(&m.user))
                .text(&format!(" ({}): ", role_label(language, &m.role)))
                .text(&kinds.join(", "))
        })
        .collect();
    // An organisation never holds "being in the chat": that is personal.
    let organisations: Vec<Text> = network
        .organisations()
        .into_iter()
        .map(|name| {
            let subject = Subject::Organisation {
                name: name.to_owned(),
            };
            let kinds: Vec<String> = InfoKind::ALL
                .iter()
                .filter(|kind| !kind.is_personal())
                .map(|kind| {
                    let mark = if may(network, consent, &subject, *kind, now) {
                        "✅"
                    } else {
                        "❌"
                    };
                    format!("{} {mark}", info_kind_label(language, *kind))
                })
                .collect();
            Text::new()
                .text(if dutch {
                    "organisatie "
                } else {
                    "organisation "
                })
                .bold(name)
                .text(": ")
                .text(&kinds.join(", "))
        })
        .collect();
    let builder = Builder::new().rich(Text::new().bold(if dutch {
        "Wat mag wie zien"
    } else {
        "Who may see what"
    }));
    let builder = if lines.is_empty() {
        builder.paragraph(if dutch {
            "Er is nog niemand anders in uw netwerk."
        } else {
            "There is nobody else in your network yet."
        })
    } else {
        builder.list(lines)
    };
    let builder = if organisations.is_empty() {
        builder
    } else {
        builder
            .rich(Text::new().bold(if dutch {
                "Wat organisaties mogen delen"
            } else {
                "What organisations may share"
            }))
            .list(organisations)
    };
    builder
        .rich(if dutch {
            Text::new()
                .text("Veranderen: typ bijvoorbeeld ")
                .code("!toestemming @naam:server afspraken ja")
                .text(" of ")
                .code("… chat nee")
                .text(" (dan haal ik die persoon uit het netwerk). Voor een organisatie: ")
                .code("!toestemming organisatie Naam gegevens ja")
                .text(".")
        } else {
            Text::new()
                .text("To change: type for example ")
                .code("!consent @name:server appointments yes")
                .text(" or ")
                .code("… chat no")
                .text(" (then I take that person out of the network). For an organisation: ")
                .code("!consent organisation Name data yes")
                .text(".")
        })
        .build()
}

pub fn consent_changed(
    language: Language,
    who: &Who,
    kind: InfoKind,
    give: bool,
    until: Option<Millis>,
) -> BotReply {
    let label = info_kind_label(language, kind);
    let text = match (language, give) {
        (Language::Dutch, true) => Text::new()
            .text("Goed. ")
            .who(who)
            .text(" mag nu ")
            .bold(label)
            .text(" zien")
            .text(
                &until
                    .map(|end| format!(", tot {}", date(language, end - 1)))
                    .unwrap_or_default(),
            )
            .text("."),
        (Language::English, true) => Text::new()
            .text("Done. ")
            .who(who)
            .text(" may now see ")
            .bold(label)
            .text(
                &until
                    .map(|end| format!(", until {}", date(language, end - 1)))
                    .unwrap_or_default(),
            )
            .text("."),
        (Language::Dutch, false) => Text::new()
            .text("Goed. ")
            .who(who)
            .text(" mag ")
            .bold(label)
            .text(" niet meer zien."),
        (Language::English, false) => Text::new()
            .text("Done. ")
            .who(who)
            .text(" may no longer see ")
            .bold(label)
            .text("."),
    };
    Builder::new().rich(text).build()
}

/// Said to the client when someone joins: what they get by default.
pub fn consent_defaults(language: Language, who: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(
                Text::new()
                    .text("Standaard ziet ")
                    .person(who)
                    .text(" alleen de ")
                    .bold("chat")
                    .text(" vanaf nu, niets anders. Veranderen kan met !toestemming."),
            )
            .build(),
        Language::English => Builder::new()
            .rich(
                Text::new()
                    .text("By default ")
                    .person(who)
                    .text(" sees only the ")
                    .bold("chat")
                    .text(" from now on, nothing else. Change it with !consent."),
            )
            .build(),
    }
}

pub fn consent_refusal(language: Language, refusal: &ConsentRefusal) -> BotReply {
    let dutch = language == Language::Dutch;
    let text = match refusal {
        ConsentRefusal::OnlyClientMay => {
            if dutch {
                "Alleen de cliënt (of de vertegenwoordiger) kan toestemming geven of intrekken. Er is niets veranderd."
            } else {
                "Only the client (or their representative) can give or withdraw consent. Nothing has changed."
            }
        }
        ConsentRefusal::UnknownSubject => {
            if dutch {
                "Die persoon zit niet in dit netwerk. Typ !netwerk om te zien wie er in zitten. Er is niets veranderd."
            } else {
                "That person is not in this network. Type !network to see who is. Nothing has changed."
            }
        }
        ConsentRefusal::UnknownOrganisation => {
            if dutch {
                "Van die organisatie zit niemand in dit netwerk. Typ !toestemming om de organisaties te zien. Er is niets veranderd."
            } else {
                "Nobody from that organisation is in this network. Type !consent to see the organisations. Nothing has changed."
            }
        }
        ConsentRefusal::EndsInThePast => {
            if dutch {
                "Die datum is al voorbij. Kies een datum in de toekomst. Er is niets veranderd."
            } else {
                "That date has already passed. Choose a date in the future. Nothing has changed."
            }
        }
        ConsentRefusal::NotAMatterOfConsent => {
            if dutch {
                "Voor de cliënt zelf en voor mij is geen toestemming nodig. Er is niets veranderd."
            } else {
                "The client themselves and I need no consent. Nothing has changed."
            }
        }
        ConsentRefusal::PersonalOnly => {
            if dutch {
                "Alleen personen kunnen in de chat en eerdere berichten lezen, geen organisaties. Er is niets veranderd."
            } else {
                "Only people can be in the chat and read earlier messages, not organisations. Nothing has changed."
            }
        }
        ConsentRefusal::AlreadyGiven => {
            if dutch {
                "Die toestemming is er al. Er is niets veranderd."
            } else {
                "That consent already exists. Nothing has changed."
            }
        }
        ConsentRefusal::NothingToWithdraw => {
            if dutch {
                "Die toestemming was er niet. Er is niets veranderd."
            } else {
                "That consent did not exist. Nothing has changed."
            }
        }
    };
    Builder::new().paragraph(text).build()
}

/// The moment a grant "until" that day (inclusive) ends: the next midnight in Dutch time.
pub fn end_of_day(year: i32, month: u32, day: u32) -> Option<Millis> {
    use chrono::TimeZone;
    let next = chrono::NaiveDate::from_ymd_opt(year, month, day)?.succ_opt()?;
    chrono_tz::Europe::Amsterdam
        .from_local_datetime(&next.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|moment| moment.timestamp_millis())
}

/// The consent polls: first whom it is about, then what to switch for them. Each answer says
/// what tapping it does, because a poll answer is the whole instruction.
pub fn consent_poll(
    language: Language,
    poll: &ConsentPoll,
    network: &Network,
    consent: &Consent,
    person: &dyn Fn(&MatrixId) -> Person,
    now: Millis,
    left_out: usize,
) -> PollText {
    let dutch = language == Language::Dutch;
    let subject_name = |subject: &Subject| match subject {
        Subject::Member { user } => {
            let role = network
                .current_role(user)
                .map(|role| format!(" ({})", role_label(language, role)))
                .unwrap_or_default();
            format!("{}{role}", person(user).name_with_id())
        }
        Subject::Organisation { name } => {
            format!(
                "{} {name}",
                if dutch { "organisatie" } else { "organisation" }
            )
        }
    };
    match poll {
        ConsentPoll::WhichSubject { answers } => {
            let mut question = if dutch {
                "Over wie wilt u iets veranderen? Tik op een naam.".to_owned()
            } else {
                "Whom do you want to change something for? Tap a name.".to_owned()
            };
            if left_out > 0 {
                question.push_str(&if dutch {
                    format!(" ({left_out} anderen passen er niet in: typ voor hen !toestemming @naam:server afspraken ja.)")
                } else {
                    format!(" ({left_out} others do not fit: for them type !consent @name:server appointments yes.)")
                });
            }
            PollText {
                question,
                answers: answers
                    .iter()
                    .map(|(id, subject)| (id.clone(), subject_name(subject)))
                    .collect(),
            }
        }
        ConsentPoll::WhatMay {
            subject, answers, ..
        } => {
            let question = if dutch {
                format!(
                    "Wat mag {} zien? Tik op wat u wilt veranderen.",
                    subject_name(subject)
                )
            } else {
                format!(
                    "What may {} see? Tap what you want to change.",
                    subject_name(subject)
                )
            };
            let answers = answers
                .iter()
                .map(|(id, kind)| {
                    let label = info_kind_label(language, *kind);
                    // What the tap will mean is what it says.
                    let given = poll
                        .held_when_asked(*kind)
                        .unwrap_or_else(|| consent.holds(subject, *kind, now));
                    let text = match (dutch, given, *kind == InfoKind::ChatMembership) {
                        (true, true, true) => {
                            format!("{label}: nu wel. Tik om uit het netwerk te halen.")
                        }
                        (true, true, false) => format!("{label}: nu wel. Tik om te stoppen."),
                        (true, false, _) => format!("{label}: nu niet. Tik om toe te staan."),
                        (false, true, true) => {
                            format!("{label}: yes now. Tap to take out of the network.")
                        }
                        (false, true, false) => format!("{label}: yes now. Tap to stop."),
                        (false, false, _) => format!("{label}: not now. Tap to allow."),
                    };
                    (id.clone(), text)
                })
                .collect();
            PollText { question, answers }
        }
    }
}

/// What an ended consent poll says in place of its results.
pub fn consent_poll_ended(language: Language) -> String {
    match language {
        Language::Dutch => "Gekozen. Deze keuzelijst is gesloten.".to_owned(),
        Language::English => "Chosen. This poll is closed.".to_owned(),
    }
}

/// A tap on a consent poll whose answer no longer says what it would do: someone changed the
/// consent after the poll was sent. Nothing changed; a fresh poll follows.
pub fn consent_poll_outdated(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph("Ik heb niets veranderd: de toestemming was al aangepast nadat die keuzelijst was verstuurd, dus uw tik betekende niet meer wat erbij stond. Hieronder staat een nieuwe keuzelijst.")
            .build(),
        Language::English => Builder::new()
            .paragraph("I changed nothing: the consent had been changed after that poll was sent, so your tap no longer meant what it said. A new poll follows below.")
            .build(),
    }
}

pub fn consent_poll_replaced(language: Language) -> String {
    match language {
        Language::Dutch => {
            "Vervangen door een nieuw overzicht. Deze keuzelijst is gesloten.".to_owned()
        }
        Language::English => "Replaced by a newer overview. This poll is closed.".to_owned(),
    }
}

/// A vote in a consent poll by someone who may not change consent, or on a poll that no
/// longer applies.
pub fn consent_poll_not_for_you(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph("Alleen de cliënt of de vertegenwoordiger kan hiermee iets veranderen. Er is niets veranderd.")
            .build(),
        Language::English => Builder::new()
            .paragraph("Only the client or their representative can change anything here. Nothing has changed.")
            .build(),
    }
}

/// The name of the room in which a member reads earlier messages shared with them. Neutral, as
/// every room name (state is not encrypted).
pub const HISTORY_ROOM_NAME: &str = "Kring — eerdere berichten";

/// How many earlier messages go into one shared copy.
pub const HISTORY_LINES_PER_MESSAGE: usize = 25;

/// One earlier message of the network room, as shared with a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierMessage {
    pub at: Millis,
    pub sender: Person,
    pub body: String,
}

/// Copies of earlier messages for a member with history consent, `part` of `parts`.
pub fn history_share(
    language: Language,
    messages: &[EarlierMessage],
    part: usize,
    parts: usize,
) -> BotReply {
    let dutch = language == Language::Dutch;
    let heading = match (dutch, parts) {
        (true, 1) => "Eerdere berichten uit het netwerk".to_owned(),
        (false, 1) => "Earlier messages from the network".to_owned(),
        (true, _) => format!("Eerdere berichten uit het netwerk ({part} van {parts})"),
        (false, _) => format!("Earlier messages from the network ({part} of {parts})"),
    };
    let mut builder = Builder::new().rich(Text::new().bold(&heading));
    if part == 1 {
        builder = builder.paragraph(if dutch {
            "De cliënt laat u lezen wat er in het netwerk gezegd is voordat u erbij kwam. Trekt de cliënt dat in, dan haal ik deze berichten weg."
        } else {
            "The client lets you read what was said in the network before you joined. If the client withdraws this, I take these messages away."
        });
    }
    if messages.is_empty() {
        builder = builder.paragraph(if dutch {
            "Er waren nog geen berichten."
        } else {
            "There were no messages yet."
        });
    } else {
        builder = builder.list(
            messages
                .iter()
                .map(|message| {
                    Text::new()
                        .bold(&date_time(language, message.at))
                        .text(" — ")
                        .person(&message.sender)
                        .text(": ")
                        .text(&message.body)
                })
                .collect(),
        );
    }
    builder.build()
}

/// Said where the copies were, once they are taken away.
pub fn history_withdrawn(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph("De cliënt heeft de toegang tot eerdere berichten ingetrokken. Ik heb ze weggehaald.")
            .build(),
        Language::English => Builder::new()
            .paragraph("The client has withdrawn access to earlier messages. I have taken them away.")
            .build(),
    }
}
