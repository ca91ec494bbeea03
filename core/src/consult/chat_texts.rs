//! What the bot says while a consult is asked and answered, in Dutch (B1) and English: the
//! form's questions, the client's consent question, the consult room's request and taps, and
//! the lines the network reads. What the consult is about (question, summary, medication) is
//! said only in the requester's private chat and the consult room.

use super::commands::MAX_CONSULT_TEXT_CHARS;
use super::form::{Form, FormProblem, FormStep, Urgency};
use super::lifecycle::{ConsultRefusal, ConsultState, ConsultantError, Outcome};
use super::model::{ConsultAction, Request};
use super::texts::consult_asked;
use crate::language::Language;
use crate::messages::{BotReply, Builder, Person, PollText, Text, day_in_words};
use crate::network::Millis;

/// The consult room's name: nothing about the client (room names are not encrypted).
pub const CONSULT_ROOM_NAME: &str = "Meedenkconsult";

/// The answers of the bot's polls, by id.
pub const ACCEPT: &str = "accept";
pub const DECLINE: &str = "decline";
pub const AGREE: &str = "agree";
pub const REFUSE: &str = "refuse";
pub const SHARE: &str = "share";
pub const KEEP: &str = "keep";

fn pick(language: Language, dutch: &str, english: &str) -> String {
    match language {
        Language::Dutch => dutch.to_owned(),
        Language::English => english.to_owned(),
    }
}

fn due_day(language: Language, due_at: Millis) -> String {
    day_in_words(language, due_at - 1)
}

fn urgency_words(language: Language, urgency: Urgency) -> String {
    match urgency {
        Urgency::Normal => pick(language, "normaal", "normal"),
        Urgency::Soon => pick(language, "graag sneller", "sooner, please"),
    }
}

/// The words that steer the form, whatever question it is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormWord {
    Stop,
    Back,
    Skip,
    Send,
}

/// How a typed line steers the form, if it is one of its words.
pub fn form_word(text: &str) -> Option<FormWord> {
    match text
        .trim()
        .trim_end_matches(['.', '!'])
        .to_lowercase()
        .as_str()
    {
        "stop" | "stoppen" | "annuleer" | "annuleren" | "cancel" => Some(FormWord::Stop),
        "terug" | "back" => Some(FormWord::Back),
        "overslaan" | "sla over" | "skip" | "geen" | "none" => Some(FormWord::Skip),
        "versturen" | "verstuur" | "verzenden" | "send" => Some(FormWord::Send),
        _ => None,
    }
}

/// The urgency as typed: `Some(None)` for a crisis.
pub fn urgency_typed(text: &str) -> Option<Option<Urgency>> {
    match text.trim().trim_end_matches('.').to_lowercase().as_str() {
        "1" | "normaal" | "normal" => Some(Some(Urgency::Normal)),
        "2" | "sneller" | "snel" | "soon" | "sooner" => Some(Some(Urgency::Soon)),
        "3" | "crisis" | "acuut" | "acute" => Some(None),
        _ => None,
    }
}

/// The question the form is at.
pub fn form_prompt(
    language: Language,
    form: &Form,
    consultant: &Person,
    working_days: u32,
) -> BotReply {
    let dutch = language == Language::Dutch;
    let steer = pick(
        language,
        "Typ 'terug' voor de vorige vraag, of 'stop' om te stoppen.",
        "Type 'back' for the previous question, or 'stop' to stop.",
    );
    let builder = Builder::new();
    let builder = match form.step {
        FormStep::Question => builder
            .rich(
                Text::new()
                    .text(if dutch {
                        "Een meedenkconsult voor "
                    } else {
                        "A consult for "
                    })
                    .person(consultant)
                    .text(if dutch {
                        ". Ik stel vier korte vragen."
                    } else {
                        ". I ask four short questions."
                    }),
            )
            .lead(
                &pick(language, "1. Wat is uw vraag?", "1. What is your question?"),
                "",
            )
            .paragraph(&pick(
                language,
                "Typ 'stop' om te stoppen.",
                "Type 'stop' to stop.",
            )),
        FormStep::Summary => builder
            .lead(
                &pick(language, "2. Een korte samenvatting", "2. A short summary"),
                &pick(
                    language,
                    ": de klachten, de voorgeschiedenis en wat er al gedaan is.",
                    ": the complaints, the history and what was done so far.",
                ),
            )
            .paragraph(&steer),
        FormStep::Medication => builder
            .lead(
                &pick(language, "3. Medicatie", "3. Medication"),
                &pick(
                    language,
                    ": welke medicijnen gebruikt de cliënt nu, als dat ertoe doet? Typ 'overslaan' als het er niet toe doet.",
                    ": which medicines does the client take now, if it matters? Type 'skip' if it does not.",
                ),
            )
            .paragraph(&steer),
        FormStep::Urgency => builder
            .lead(
                &pick(language, "4. Hoe dringend is het?", "4. How urgent is it?"),
                "",
            )
            .paragraph(&if dutch {
                format!(
                    "Typ 1 voor normaal (antwoord binnen {working_days} werkdagen), 2 als het sneller moet, of 3 bij een crisis."
                )
            } else {
                format!(
                    "Type 1 for normal (answer within {working_days} working days), 2 if it has to be sooner, or 3 in a crisis."
                )
            })
            .paragraph(&steer),
        FormStep::Confirm | FormStep::Done => {
            let request = Request {
                question: form.question.clone().unwrap_or_default(),
                summary: form.summary.clone().unwrap_or_default(),
                medication: form.medication.clone(),
                urgency: form.urgency.unwrap_or(Urgency::Normal),
            };
            request_fields(
                builder.rich(
                    Text::new()
                        .text(if dutch {
                            "Zo gaat de vraag naar "
                        } else {
                            "This is what goes to "
                        })
                        .person(consultant)
                        .text(":"),
                ),
                language,
                &request,
            )
            .paragraph(&pick(
                language,
                "Typ 'versturen' om het te versturen, 'terug' om iets te veranderen, of 'stop'. Brieven of uitslagen zet u straks zelf in de consultkamer: dan ziet alleen de consulent ze.",
                "Type 'send' to send it, 'back' to change something, or 'stop'. Letters or results you put in the consult room yourself: then only the consultant sees them.",
            ))
        }
    };
    builder.build()
}

fn request_fields(builder: Builder, language: Language, request: &Request) -> Builder {
    let builder = builder
        .lead(&pick(language, "Vraag: ", "Question: "), &request.question)
        .lead(
            &pick(language, "Samenvatting: ", "Summary: "),
            &request.summary,
        );
    let builder = match &request.medication {
        Some(medication) => {
            builder.lead(&pick(language, "Medicatie: ", "Medication: "), medication)
        }
        None => builder,
    };
    builder.lead(
        &pick(language, "Urgentie: ", "Urgency: "),
        &urgency_words(language, request.urgency),
    )
}

pub fn form_problem(language: Language, problem: &FormProblem) -> BotReply {
    let text = match problem {
        FormProblem::Required => pick(
            language,
            "Deze vraag heeft een antwoord nodig.",
            "This question needs an answer.",
        ),
        FormProblem::TooLong => {
            if language == Language::Dutch {
                format!(
                    "Dat is te lang: houd het onder de {} tekens.",
                    super::form::MAX_ANSWER_CHARS
                )
            } else {
                format!(
                    "That is too long: keep it under {} characters.",
                    super::form::MAX_ANSWER_CHARS
                )
            }
        }
        FormProblem::NothingBefore => pick(
            language,
            "Dit is de eerste vraag.",
            "This is the first question.",
        ),
        // Said before the question is asked again, whichever it is.
        FormProblem::NotAnAnswer => pick(
            language,
            "Dat past niet bij deze vraag. Ik stel hem nog een keer.",
            "That does not fit this question. I ask it once more.",
        ),
        FormProblem::Crisis => return super::texts::consult_not_for_crisis(language),
    };
    Builder::new().paragraph(&text).build()
}

pub fn form_stopped(language: Language) -> BotReply {
    Builder::new()
        .paragraph(&pick(
            language,
            "Gestopt. Er is niets verstuurd.",
            "Stopped. Nothing was sent.",
        ))
        .build()
}

/// Said where `!consult @…` was typed when that was not the private chat.
pub fn form_in_private(language: Language) -> BotReply {
    Builder::new()
        .paragraph(&pick(
            language,
            "Ik stel u de vragen in ons privégesprek, zodat niemand anders meeleest.",
            "I ask you the questions in our private chat, so nobody else reads along.",
        ))
        .build()
}

pub fn needs_private_chat(language: Language) -> BotReply {
    Builder::new()
        .paragraph(&pick(
            language,
            "Begin eerst een privégesprek met mij, en typ daarna hier opnieuw !consult @naam:server. In dat gesprek stel ik de vragen, zodat niemand anders meeleest.",
            "First start a private chat with me, then type !consult @name:server here again. I ask the questions in that chat, so nobody else reads along.",
        ))
        .build()
}

pub fn consultant_problem(language: Language, error: &ConsultantError) -> BotReply {
    let text = match error {
        ConsultantError::Themselves => pick(
            language,
            "U vraagt advies aan iemand anders dan uzelf.",
            "You ask someone other than yourself for advice.",
        ),
        ConsultantError::TheClient => pick(
            language,
            "Een consult vraagt u aan een professional, niet aan de cliënt.",
            "A consult is asked of a professional, not of the client.",
        ),
        ConsultantError::NotAProfessional => pick(
            language,
            "Alleen een professional geeft een consult. Een mantelzorger of naaste niet.",
            "Only a professional gives a consult. A family carer does not.",
        ),
    };
    Builder::new().paragraph(&text).build()
}

pub fn consult_refusal(language: Language, refusal: &ConsultRefusal) -> BotReply {
    let text = match refusal {
        ConsultRefusal::NotAProfessionalHere => pick(
            language,
            "Alleen een professional in het netwerk vraagt een meedenkconsult aan.",
            "Only a professional in the network asks for a consult.",
        ),
        ConsultRefusal::NetworkNotActive => pick(
            language,
            "Dit netwerk is nog niet actief.",
            "This network is not active yet.",
        ),
        ConsultRefusal::NotTheirs => pick(
            language,
            "Dat is aan iemand anders bij dit consult.",
            "That is for someone else in this consult.",
        ),
        ConsultRefusal::OutOfOrder => pick(
            language,
            "Dat kan nu niet bij dit consult: het is al verder, of nog niet zo ver.",
            "That cannot be done in this consult now: it is further along, or not that far yet.",
        ),
    };
    Builder::new().paragraph(&text).build()
}

/// To the requester, once the request is in the consult room.
pub fn sent(language: Language, consultant: &Person, due_at: Millis) -> BotReply {
    Builder::new()
        .rich(
            Text::new()
                .text(&pick(language, "Verstuurd aan ", "Sent to "))
                .person(consultant)
                .text(&if language == Language::Dutch {
                    format!(
                        ". Het antwoord komt uiterlijk {} in de consultkamer, waar u allebei in zit.",
                        due_day(language, due_at)
                    )
                } else {
                    format!(
                        ". The answer comes by {} in the consult room, which you are both in.",
                        due_day(language, due_at)
                    )
                }),
        )
        .build()
}

/// To the requester: the consultant is outside the network, so the client is asked first.
pub fn waiting_for_consent(language: Language, consultant: &Person) -> BotReply {
    Builder::new()
        .rich(
            Text::new()
                .person(consultant)
                .text(&pick(
                    language,
                    " zit niet in het netwerk. Ik vraag eerst de cliënt of het mag; tot dan gaat er niets naar buiten.",
                    " is not in the network. I first ask the client whether that is all right; until then nothing leaves it.",
                )),
        )
        .build()
}

/// To the client (or representative): one tap decides whether it may leave the network.
/// Someone outside the network, as the client is asked about them: always with the whole
/// Matrix ID, server and all, since a name (or a name part) alone could be anyone's.
fn outsider(person: &Person) -> String {
    if person.name == person.id.localpart() {
        person.id.to_string()
    } else {
        format!("{} ({})", person.name, person.id)
    }
}

pub fn consent_poll(language: Language, requester: &Person, consultant: &Person) -> PollText {
    let question = if language == Language::Dutch {
        format!(
            "{} wil advies vragen aan {}, die niet in uw netwerk zit. {} ziet dan de vraag, een korte samenvatting over u en uw medicatie als die erbij staat. Mag dat?",
            requester.name,
            outsider(consultant),
            consultant.name
        )
    } else {
        format!(
            "{} wants to ask {} for advice, who is not in your network. {} would then see the question, a short summary about you and your medication if it is given. Is that all right?",
            requester.name,
            outsider(consultant),
            consultant.name
        )
    };
    PollText {
        question,
        answers: vec![
            (
                AGREE.into(),
                pick(language, "Ja, dat mag", "Yes, that is fine"),
            ),
            (REFUSE.into(), pick(language, "Nee", "No")),
        ],
    }
}

/// To whoever answered the consent question.
pub fn consent_answered(language: Language, agreed: bool, consultant: &Person) -> BotReply {
    let text = Text::new();
    let text = if agreed {
        text.text(&pick(language, "Dank u. ", "Thank you. "))
            .person(consultant)
            .text(&pick(
                language,
                " krijgt de vraag. U ziet hier wanneer het antwoord er moet zijn.",
                " gets the question. You see here when the answer is due.",
            ))
    } else {
        text.text(&pick(
            language,
            "Goed, er wordt niets gedeeld met ",
            "All right, nothing is shared with ",
        ))
        .person(consultant)
        .text(".")
    };
    Builder::new().rich(text).build()
}

/// To the requester: the client said no.
pub fn consent_refused(language: Language, consultant: &Person) -> BotReply {
    Builder::new()
        .rich(
            Text::new()
                .text(&pick(
                    language,
                    "De cliënt wil dit consult niet delen met ",
                    "The client does not want this consult shared with ",
                ))
                .person(consultant)
                .text(&pick(
                    language,
                    ". Er is niets gedeeld.",
                    ". Nothing was shared.",
                )),
        )
        .build()
}

/// The request in the consult room.
pub fn request_message(
    language: Language,
    requester: &Person,
    consultant: &Person,
    request: &Request,
    due_at: Millis,
) -> BotReply {
    let dutch = language == Language::Dutch;
    let builder = Builder::new().rich(
        Text::new()
            .text(if dutch {
                "Meedenkconsult van "
            } else {
                "Consult from "
            })
            .person(requester)
            .text(if dutch { " voor " } else { " for " })
            .person(consultant)
            .text("."),
    );
    request_fields(builder, language, request)
        .lead(
            &pick(language, "Antwoord uiterlijk: ", "Answer by: "),
            &due_day(language, due_at),
        )
        .paragraph(&pick(
            language,
            "Wat hier staat is alleen voor u tweeën. Schrijf het advies hier; typ daarna !consult antwoord advies 30 (of: verwijzing), met de minuten die u eraan besteedde.",
            "What is said here is for the two of you alone. Write the advice here; then type !consult answer advice 30 (or: referral), with the minutes you spent on it.",
        ))
        .build()
}

/// What an answered poll of the consult shows once it is closed.
pub fn decision_poll_closed(language: Language) -> String {
    pick(language, "Beantwoord.", "Answered.")
}

/// The consultant's one tap.
pub fn decision_poll(language: Language) -> PollText {
    PollText {
        question: pick(
            language,
            "Neemt u dit consult aan?",
            "Do you take on this consult?",
        ),
        answers: vec![
            (
                ACCEPT.into(),
                pick(language, "Ja, ik neem het aan", "Yes, I take it on"),
            ),
            (
                DECLINE.into(),
                pick(language, "Nee, dat kan ik niet", "No, I cannot"),
            ),
        ],
    }
}

pub fn accepted(language: Language, consultant: &Person, due_at: Millis) -> BotReply {
    Builder::new()
        .rich(
            Text::new()
                .person(consultant)
                .text(&if language == Language::Dutch {
                    format!(
                        " heeft het consult aangenomen. Het antwoord komt uiterlijk {}.",
                        due_day(language, due_at)
                    )
                } else {
                    format!(
                        " has taken on the consult. The answer comes by {}.",
                        due_day(language, due_at)
                    )
                }),
        )
        .build()
}

/// In the consult room: declined, with the reason when there is one.
pub fn declined(language: Language, consultant: &Person, reason: Option<&str>) -> BotReply {
    let builder = Builder::new().rich(Text::new().person(consultant).text(&pick(
        language,
        " kan dit consult niet aannemen.",
        " cannot take on this consult.",
    )));
    let builder = match reason {
        Some(reason) => builder.lead(&pick(language, "Reden: ", "Reason: "), reason),
        None => builder.paragraph(&pick(
            language,
            "Wilt u zeggen waarom? Typ !consult weiger en de reden.",
            "Would you say why? Type !consult decline and the reason.",
        )),
    };
    builder.build()
}

/// The network room's line when the consultant declined: who, not why.
pub fn declined_line(language: Language, consultant: &Person) -> BotReply {
    Builder::new()
        .rich(Text::new().person(consultant).text(&pick(
            language,
            " kon het gevraagde advies niet geven.",
            " could not give the advice asked.",
        )))
        .build()
}

/// In the consult room, once answered: the requester is asked for the gist.
pub fn answered(language: Language, requester: &Person, outcome: Outcome) -> BotReply {
    let what = match outcome {
        Outcome::Advice => pick(language, "Het advies is gegeven. ", "The advice is given. "),
        Outcome::ReferralAdvised => pick(
            language,
            "Het advies is gegeven: een verwijzing. ",
            "The advice is given: a referral. ",
        ),
    };
    Builder::new()
        .rich(
            Text::new()
                .text(&what)
                .person(requester)
                .text(&pick(
                    language,
                    ": vat het in een paar zinnen samen voor het netwerk (de cliënt leest mee). Typ !consult deel en uw samenvatting.",
                    ": sum it up in a few sentences for the network (the client reads it). Type !consult share and your summary.",
                )),
        )
        .build()
}

/// The requester's gist, and their one tap that shares it.
pub fn share_poll(language: Language, gist: &str) -> PollText {
    let gist: String = gist.chars().take(MAX_CONSULT_TEXT_CHARS).collect();
    PollText {
        question: if language == Language::Dutch {
            format!("Dit delen met het netwerk? \"{gist}\"")
        } else {
            format!("Share this with the network? \"{gist}\"")
        },
        answers: vec![
            (SHARE.into(), pick(language, "Ja, delen", "Yes, share")),
            (KEEP.into(), pick(language, "Nog niet", "Not yet")),
        ],
    }
}

/// The network room's line when the gist is shared.
pub fn shared_line(
    language: Language,
    consultant: &Person,
    requester: &Person,
    outcome: Option<Outcome>,
    gist: &str,
) -> BotReply {
    let dutch = language == Language::Dutch;
    let head = Text::new()
        .text(if dutch { "Advies van " } else { "Advice from " })
        .person(consultant)
        .text(if dutch {
            ", samengevat door "
        } else {
            ", summed up by "
        })
        .person(requester)
        .text(match (dutch, outcome) {
            (true, Some(Outcome::ReferralAdvised)) => " (advies: verwijzen):",
            (false, Some(Outcome::ReferralAdvised)) => " (advice: referral):",
            _ => ":",
        });
    Builder::new().rich(head).paragraph(gist).build()
}

pub fn share_kept(language: Language) -> BotReply {
    Builder::new()
        .paragraph(&pick(
            language,
            "Goed, nog niet gedeeld. Typ !consult deel met een nieuwe samenvatting als u zover bent.",
            "All right, not shared yet. Type !consult share with a new summary when you are ready.",
        ))
        .build()
}

/// To the consultant, on the morning of the last day.
pub fn reminder(language: Language, due_at: Millis) -> BotReply {
    Builder::new()
        .paragraph(&if language == Language::Dutch {
            format!(
                "Herinnering: het antwoord op dit consult wordt uiterlijk {} verwacht.",
                due_day(language, due_at)
            )
        } else {
            format!(
                "Reminder: the answer to this consult is expected by {}.",
                due_day(language, due_at)
            )
        })
        .build()
}

/// To the region's contact: which consult is late, by its random id, never about whom.
pub fn overdue_for_region(language: Language, consult_id: &str, due_at: Millis) -> BotReply {
    Builder::new()
        .paragraph(&if language == Language::Dutch {
            format!(
                "Een meedenkconsult is over de termijn: {consult_id}, antwoord uiterlijk {}.",
                due_day(language, due_at)
            )
        } else {
            format!(
                "A consult is overdue: {consult_id}, answer due by {}.",
                due_day(language, due_at)
            )
        })
        .build()
}

/// One consult as the network reads it in `!consult stand` and `!netwerk`.
pub fn status_line(
    language: Language,
    consultant: &Person,
    state: ConsultState,
    due_at: Option<Millis>,
    overdue: bool,
) -> Text {
    let dutch = language == Language::Dutch;
    match state {
        ConsultState::AwaitingConsent => consult_asked(language, consultant, None),
        ConsultState::Requested | ConsultState::Accepted if overdue => {
            consult_asked(language, consultant, due_at).text(if dutch {
                " Het is te laat."
            } else {
                " It is overdue."
            })
        }
        ConsultState::Requested | ConsultState::Accepted => {
            consult_asked(language, consultant, due_at)
        }
        ConsultState::Answered => Text::new()
            .text(if dutch {
                "Advies gegeven door "
            } else {
                "Advice given by "
            })
            .person(consultant)
            .text(if dutch {
                "; de samenvatting volgt."
            } else {
                "; the summary follows."
            }),
        ConsultState::Closed => Text::new()
            .text(if dutch {
                "Advies gegeven door "
            } else {
                "Advice given by "
            })
            .person(consultant)
            .text("."),
        ConsultState::Declined => Text::new().person(consultant).text(if dutch {
            " kon het advies niet geven."
        } else {
            " could not give the advice."
        }),
        ConsultState::ConsentRefused => Text::new()
            .text(if dutch {
                "Niet gedeeld met "
            } else {
                "Not shared with "
            })
            .person(consultant)
            .text(if dutch {
                " (de cliënt zei nee)."
            } else {
                " (the client said no)."
            }),
    }
}

/// In the consultant's `!afspraken`: whose consult, and by when they answer.
pub fn to_answer_line(
    language: Language,
    requester: &Person,
    due_at: Millis,
    overdue: bool,
) -> Text {
    let dutch = language == Language::Dutch;
    let text = Text::new()
        .text(if dutch {
            "Meedenkconsult van "
        } else {
            "Consult from "
        })
        .person(requester)
        .text(&if dutch {
            format!(": uw antwoord uiterlijk {}.", due_day(language, due_at))
        } else {
            format!(": your answer by {}.", due_day(language, due_at))
        });
    match (overdue, dutch) {
        (false, _) => text,
        (true, true) => text.text(" Het is te laat."),
        (true, false) => text.text(" It is overdue."),
    }
}

pub fn status(language: Language, lines: Vec<Text>) -> BotReply {
    if lines.is_empty() {
        return Builder::new()
            .paragraph(&pick(
                language,
                "Er is in dit netwerk nog geen advies gevraagd.",
                "No advice has been asked in this network yet.",
            ))
            .build();
    }
    Builder::new()
        .paragraph(&pick(language, "Gevraagd advies:", "Advice asked:"))
        .list(lines)
        .build()
}

/// To the requester: the consultant could not be invited (their server refused or does not
/// know them).
pub fn consultant_unreachable(language: Language, consultant: &Person) -> BotReply {
    Builder::new()
        .rich(
            Text::new()
                .text(&pick(
                    language,
                    "Ik kon ",
                    "I could not invite ",
                ))
                .person(consultant)
                .text(&pick(
                    language,
                    " niet uitnodigen in de consultkamer. Klopt de Matrix-ID? Vraag het zo nodig opnieuw met !consult.",
                    " to the consult room. Is the Matrix ID right? Ask again with !consult if needed.",
                )),
        )
        .build()
}

/// The consult room's last message, from the retention policy.
pub fn archived(language: Language) -> BotReply {
    Builder::new()
        .paragraph(&pick(
            language,
            "Dit consult is afgerond en gearchiveerd. U kunt hier niets meer schrijven. Alles wat hier staat blijft voor u allebei te lezen; er wordt niets gewist.",
            "This consult is finished and archived. Nobody can write here any more. Everything here stays readable for you both; nothing is deleted.",
        ))
        .build()
}

/// `!consult meelezen`: how many consult rooms the client is invited to.
pub fn join_answer(language: Language, rooms: usize) -> BotReply {
    let text = match (language, rooms) {
        (Language::Dutch, 0) => "Er is nu geen consultkamer om mee te lezen.".to_owned(),
        (Language::English, 0) => "There is no consult room to read along in now.".to_owned(),
        (Language::Dutch, 1) => {
            "Ik heb u uitgenodigd in de consultkamer. U leest mee vanaf nu; wat eerder is gezegd ziet u niet.".to_owned()
        }
        (Language::English, 1) => {
            "I have invited you to the consult room. You read along from now on; what was said before stays hidden.".to_owned()
        }
        (Language::Dutch, n) => format!(
            "Ik heb u uitgenodigd in {n} consultkamers. U leest mee vanaf nu; wat eerder is gezegd ziet u niet."
        ),
        (Language::English, n) => format!(
            "I have invited you to {n} consult rooms. You read along from now on; what was said before stays hidden."
        ),
    };
    Builder::new().paragraph(&text).build()
}

/// Only the client reads along in consult rooms.
pub fn join_only_client(language: Language) -> BotReply {
    Builder::new()
        .paragraph(&pick(
            language,
            "Alleen de cliënt kan meelezen in een consultkamer.",
            "Only the client can read along in a consult room.",
        ))
        .build()
}

/// Typed where no consult of theirs is.
pub fn not_in_a_consult_room(language: Language) -> BotReply {
    Builder::new()
        .paragraph(&pick(
            language,
            "Dat typt u in de consultkamer van het consult.",
            "Type that in the consult's own room.",
        ))
        .build()
}

/// `!logboek`: what someone did.
pub fn logbook_words(language: Language, action: ConsultAction) -> &'static str {
    match (language, action) {
        (Language::Dutch, ConsultAction::Ask) => " vroeg een collega om advies (meedenkconsult)",
        (Language::English, ConsultAction::Ask) => " asked a colleague for advice (consult)",
        (Language::Dutch, ConsultAction::Accept) => " nam een meedenkconsult aan",
        (Language::English, ConsultAction::Accept) => " took on a consult",
        (Language::Dutch, ConsultAction::Decline) => " kon een meedenkconsult niet aannemen",
        (Language::English, ConsultAction::Decline) => " could not take on a consult",
        (Language::Dutch, ConsultAction::Answer) => " gaf advies in een meedenkconsult",
        (Language::English, ConsultAction::Answer) => " gave advice in a consult",
        (Language::Dutch, ConsultAction::Share) => " deelde de samenvatting van een advies",
        (Language::English, ConsultAction::Share) => " shared the summary of some advice",
        (Language::Dutch, ConsultAction::Overdue) => " meldde dat een advies te laat is",
        (Language::English, ConsultAction::Overdue) => " reported that some advice is overdue",
    }
}

/// `!logboek`: what someone tried and was refused.
pub fn attempt_words(language: Language, action: ConsultAction) -> &'static str {
    match (language, action) {
        (Language::Dutch, ConsultAction::Ask) => "een meedenkconsult te vragen",
        (Language::English, ConsultAction::Ask) => "ask for a consult",
        (Language::Dutch, _) => "iets te doen in een meedenkconsult",
        (Language::English, _) => "do something in a consult",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MatrixId;

    fn person(name: &str) -> Person {
        Person::new(
            MatrixId::parse(&format!("@{}:kring.test", name.to_lowercase())).unwrap(),
            Some(name),
        )
    }

    #[test]
    fn the_form_words_and_urgency_are_read_in_both_languages() {
        assert_eq!(form_word(" Stop "), Some(FormWord::Stop));
        assert_eq!(form_word("back"), Some(FormWord::Back));
        assert_eq!(form_word("overslaan"), Some(FormWord::Skip));
        assert_eq!(form_word("Versturen!"), Some(FormWord::Send));
        assert_eq!(form_word("stop met de sertraline"), None);
        assert_eq!(urgency_typed("1"), Some(Some(Urgency::Normal)));
        assert_eq!(urgency_typed("Sneller"), Some(Some(Urgency::Soon)));
        assert_eq!(urgency_typed("crisis"), Some(None));
        assert_eq!(urgency_typed("4"), None);
    }

    #[test]
    fn the_network_sees_who_and_when_and_the_room_sees_what() {
        let (jan, piet) = (person("Jan"), person("Piet"));
        let request = Request {
            question: "Is lithium een optie?".into(),
            summary: "Somber sinds maart.".into(),
            medication: None,
            urgency: Urgency::Soon,
        };
        let due = 1_800_000_000_000;
        let in_room = request_message(Language::Dutch, &jan, &piet, &request, due);
        assert!(in_room.plain.contains("Is lithium een optie?"));
        assert!(in_room.plain.contains("graag sneller"));
        assert!(!in_room.plain.contains("Medicatie"));
        let line = status_line(
            Language::Dutch,
            &piet,
            ConsultState::Accepted,
            Some(due),
            true,
        );
        assert!(line.plain.contains("te laat"), "{}", line.plain);
        assert!(!line.plain.contains("lithium"));
        let shared = shared_line(
            Language::English,
            &piet,
            &jan,
            Some(Outcome::ReferralAdvised),
            "See a psychiatrist.",
        );
        assert!(shared.plain.contains("referral"));
        let poll = consent_poll(Language::Dutch, &jan, &piet);
        assert!(poll.question.contains("@piet:kring.test"));
        // Without a display name the whole id is shown, never its name part alone.
        let nameless = Person::new(MatrixId::parse("@piet:elders.example").unwrap(), None);
        let poll = consent_poll(Language::Dutch, &jan, &nameless);
        assert!(
            poll.question.contains("@piet:elders.example"),
            "{}",
            poll.question
        );
        assert_eq!(poll.answers[0].0, AGREE);
    }
}
