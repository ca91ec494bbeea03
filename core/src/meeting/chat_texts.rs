//! What the bot says while a meeting is planned, in Dutch (B1) and English. Details of a meeting
//! (moments, place, who is invited) are said only in the meeting's own room, which holds the
//! client and the invitees; the network room hears only that a meeting is being planned.

use super::model::{MeetingAction, PlanGoal};
use super::moment::Moment;
use super::rules::{Answer, CandidateTally};
use super::texts::moment_in_words;
use crate::language::Language;
use crate::messages::{BotReply, Builder, Person, PollText, Text, date};
use crate::network::Millis;

/// The name every meeting room has: it says nothing about the client.
pub const MEETING_ROOM_NAME: &str = "Overleg";

/// The answer ids of a candidate's poll.
pub const ANSWER_IDS: [(Answer, &str); 3] = [
    (Answer::Yes, "yes"),
    (Answer::Maybe, "maybe"),
    (Answer::No, "no"),
];

pub fn answer_from_id(id: &str) -> Option<Answer> {
    ANSWER_IDS
        .iter()
        .find(|(_, known)| *known == id)
        .map(|(answer, _)| *answer)
}

fn answer_word(language: Language, answer: Answer) -> &'static str {
    match (language, answer) {
        (Language::Dutch, Answer::Yes) => "Ja",
        (Language::Dutch, Answer::Maybe) => "Misschien",
        (Language::Dutch, Answer::No) => "Nee",
        (Language::English, Answer::Yes) => "Yes",
        (Language::English, Answer::Maybe) => "Maybe",
        (Language::English, Answer::No) => "No",
    }
}

/// In the network room, answering `!overleg`: where the rest happens.
pub fn meeting_started(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .lead("Ik heb een overleg klaargezet.", "")
            .paragraph("U en de genodigden krijgen een uitnodiging voor een aparte chat: Overleg. Daar ziet u de momenten en geeft iedereen aan wanneer hij of zij kan.")
            .build(),
        Language::English => Builder::new()
            .lead("I have set up a meeting.", "")
            .paragraph("You and the invitees get an invitation to a separate chat: Overleg. There you see the moments, and everyone says when they can come.")
            .build(),
    }
}

fn people_text(people: &[Person]) -> Text {
    let mut text = Text::new();
    for (index, person) in people.iter().enumerate() {
        if index > 0 {
            text = text.text(", ");
        }
        text = text.person(person);
    }
    text
}

/// Answering a meeting command typed where not every reader may see the details.
pub fn meeting_news_in_its_room(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph("Gedaan. De details staan in de chat Overleg, voor u en de genodigden.")
            .build(),
        Language::English => Builder::new()
            .paragraph("Done. The details are in the chat Overleg, for you and the invitees.")
            .build(),
    }
}

/// The first message in the meeting's room: who is invited, where, and how to answer.
pub fn meeting_opened(
    language: Language,
    invitees: &[Person],
    place: Option<&str>,
    answer_by: Millis,
) -> BotReply {
    let dutch = language == Language::Dutch;
    let mut builder = Builder::new()
        .lead(
            if dutch {
                "Welkom bij het overleg."
            } else {
                "Welcome to the meeting."
            },
            if dutch {
                " De cliënt leidt het overleg en kiest het moment."
            } else {
                " The client chairs the meeting and chooses the moment."
            },
        )
        .rich(
            Text::new()
                .text(if dutch { "Uitgenodigd: " } else { "Invited: " })
                .merge(people_text(invitees))
                .text("."),
        );
    if let Some(place) = place {
        builder = builder.rich(
            Text::new()
                .text(if dutch { "Plaats: " } else { "Place: " })
                .text(place),
        );
    }
    builder
        .paragraph(&if dutch {
            format!(
                "Bij elk moment hieronder kunt u kiezen: Ja, Misschien of Nee. Graag vóór {}.",
                date(language, answer_by)
            )
        } else {
            format!(
                "For each moment below, choose: Yes, Maybe or No. Please answer by {}.",
                date(language, answer_by)
            )
        })
        .build()
}

/// The poll that asks about candidate `index` (0-based; shown from 1).
pub fn candidate_poll(language: Language, index: usize, moment: &Moment) -> PollText {
    let when = moment_in_words(language, moment);
    let question = match language {
        Language::Dutch => format!("Moment {}: {when}. Kunt u dan?", index + 1),
        Language::English => format!("Moment {}: {when}. Can you come?", index + 1),
    };
    PollText {
        question,
        answers: ANSWER_IDS
            .iter()
            .map(|(answer, id)| ((*id).to_owned(), answer_word(language, *answer).to_owned()))
            .collect(),
    }
}

/// The answer id of candidate `index` in the client's choice poll.
pub fn choice_id(index: usize) -> String {
    format!("moment-{}", index + 1)
}

/// The candidate (0-based) a choice poll's answer id stands for.
pub fn choice_from_id(id: &str) -> Option<usize> {
    id.strip_prefix("moment-")?
        .parse::<usize>()
        .ok()?
        .checked_sub(1)
}

/// The client's one tap: which moment it is. The best one is marked.
pub fn choice_poll(language: Language, moments: &[Moment], best: Option<usize>) -> PollText {
    let question = match language {
        Language::Dutch => "Welk moment kiest u? Alleen de cliënt (of de vertegenwoordiger) kiest.",
        Language::English => {
            "Which moment do you choose? Only the client (or their representative) chooses."
        }
    };
    let marked = match language {
        Language::Dutch => " (beste)",
        Language::English => " (best)",
    };
    PollText {
        question: question.to_owned(),
        answers: moments
            .iter()
            .enumerate()
            .map(|(index, moment)| {
                let mut text = format!("{}. {}", index + 1, moment_in_words(language, moment));
                if best == Some(index) {
                    text.push_str(marked);
                }
                (choice_id(index), text)
            })
            .collect(),
    }
}

/// The answer ids of the question whether to plan a meeting.
pub const PLAN_IT: &str = "plan";
pub const NOT_NOW: &str = "not-now";

/// Asking the client whether to plan a meeting: `proposer` asked for one, or (`None`) it is
/// time for the next.
pub fn proposal_poll(language: Language, proposer: Option<&Person>) -> PollText {
    let question = match (language, proposer) {
        (Language::Dutch, Some(person)) => format!(
            "{} stelt voor om een overleg te plannen. Zal ik momenten voorstellen? (De cliënt beslist.)",
            person.name_with_id()
        ),
        (Language::English, Some(person)) => format!(
            "{} proposes to plan a meeting. Shall I suggest moments? (The client decides.)",
            person.name_with_id()
        ),
        (Language::Dutch, None) => {
            "Het is bijna tijd voor het volgende overleg. Zal ik momenten voorstellen? (De cliënt beslist.)".to_owned()
        }
        (Language::English, None) => {
            "It is nearly time for the next meeting. Shall I suggest moments? (The client decides.)".to_owned()
        }
    };
    let answers = match language {
        Language::Dutch => [(PLAN_IT, "Ja, plan een overleg"), (NOT_NOW, "Nee, nu niet")],
        Language::English => [(PLAN_IT, "Yes, plan a meeting"), (NOT_NOW, "No, not now")],
    };
    PollText {
        question,
        answers: answers
            .iter()
            .map(|(id, text)| ((*id).to_owned(), (*text).to_owned()))
            .collect(),
    }
}

/// Said to the member who proposed a meeting.
pub fn proposal_sent(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph("Ik heb de cliënt gevraagd of er een overleg komt. De cliënt leidt het overleg en kiest wie er komt en wanneer.")
            .build(),
        Language::English => Builder::new()
            .paragraph("I have asked the client whether to plan a meeting. The client chairs it and chooses who comes and when.")
            .build(),
    }
}

/// The question whether to plan stands already.
pub fn proposal_open(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph("De cliënt is al gevraagd of er een overleg komt. Even geduld.")
            .build(),
        Language::English => Builder::new()
            .paragraph("The client has been asked already whether to plan a meeting. Please wait.")
            .build(),
    }
}

/// The client said "not now"; and the text the question's poll ends with.
pub fn proposal_declined(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph("De cliënt wil nu geen overleg plannen.")
            .build(),
        Language::English => Builder::new()
            .paragraph("The client does not want to plan a meeting now.")
            .build(),
    }
}

pub fn proposal_poll_closed(language: Language) -> String {
    match language {
        Language::Dutch => "Beantwoord door de cliënt.".into(),
        Language::English => "Answered by the client.".into(),
    }
}

/// The text a candidate's poll ends with.
pub fn candidate_poll_closed(language: Language) -> String {
    match language {
        Language::Dutch => "Gesloten: het moment is gekozen of het overleg gaat niet door.".into(),
        Language::English => "Closed: the moment has been chosen, or the meeting is off.".into(),
    }
}

const INVITE_ID: &str = "invite";
const SKIP_ID: &str = "skip";
const SEND_ID: &str = "send";
const CALL_OFF_ID: &str = "call-off";

/// Whether an answer in an invitee's poll invites them (`Some(false)`: not invited).
pub fn invitee_from_id(id: &str) -> Option<bool> {
    match id {
        INVITE_ID => Some(true),
        SKIP_ID => Some(false),
        _ => None,
    }
}

/// Whether an answer in the start poll sends the invitations (`Some(false)`: calls it off).
pub fn start_from_id(id: &str) -> Option<bool> {
    match id {
        SEND_ID => Some(true),
        CALL_OFF_ID => Some(false),
        _ => None,
    }
}

/// In the private chat of whoever plans, before anyone is invited: how choosing works, and who
/// is invited now (last time's, or everyone who may see appointments).
pub fn choose_invitees(language: Language, invited: &[Person]) -> BotReply {
    let dutch = language == Language::Dutch;
    let now = if invited.is_empty() {
        Text::new().text(if dutch {
            "Nog niemand is uitgenodigd."
        } else {
            "Nobody is invited yet."
        })
    } else {
        let mut text = Text::new().text(if dutch {
            "Nu uitgenodigd: "
        } else {
            "Invited now: "
        });
        for (index, person) in invited.iter().enumerate() {
            if index > 0 {
                text = text.text(", ");
            }
            text = text.person(person);
        }
        text.text(".")
    };
    Builder::new()
        .lead(
            if dutch { "Wie nodigt u uit?" } else { "Whom do you invite?" },
            if dutch {
                " Tik hieronder bij elke persoon: uitnodigen of niet. Wie de afspraken nog niet mag zien, geeft u daarmee meteen toestemming."
            } else {
                " Tap below for each person: invite or not. Whoever may not see appointments yet gets your consent with the same tap."
            },
        )
        .rich(now)
        .paragraph(if dutch {
            "Klaar? Tik dan op Versturen. Pas dan krijgen de genodigden de momenten te zien."
        } else {
            "Done? Then tap Versturen. Only then do the invitees see the moments."
        })
        .build()
}

/// One person, one tap: invite them or not. Someone without "afspraken" consent gets it with
/// the tap that invites them.
pub fn invitee_poll(
    language: Language,
    person: &Person,
    invited_now: bool,
    may_see_appointments: bool,
) -> PollText {
    let dutch = language == Language::Dutch;
    let question = match (dutch, invited_now) {
        (true, true) => format!("{}: uitnodigen? (nu: uitgenodigd)", person.name),
        (true, false) => format!("{}: uitnodigen? (nu: niet uitgenodigd)", person.name),
        (false, true) => format!("{}: invite? (now: invited)", person.name),
        (false, false) => format!("{}: invite? (now: not invited)", person.name),
    };
    let invite = match (dutch, may_see_appointments) {
        (true, true) => "Uitnodigen",
        (true, false) => "Uitnodigen, en mag de afspraken zien",
        (false, true) => "Invite",
        (false, false) => "Invite, and may see the appointments",
    };
    let skip = if dutch {
        "Niet uitnodigen"
    } else {
        "Do not invite"
    };
    PollText {
        question,
        answers: vec![
            (INVITE_ID.to_owned(), invite.to_owned()),
            (SKIP_ID.to_owned(), skip.to_owned()),
        ],
    }
}

/// The last tap of choosing: send the invitations, or call it off.
pub fn start_poll(language: Language) -> PollText {
    let (question, send, off) = match language {
        Language::Dutch => (
            "Klaar met kiezen? Dan stuur ik de uitnodigingen.",
            "Versturen",
            "Toch geen overleg",
        ),
        Language::English => (
            "Done choosing? Then I send the invitations.",
            "Versturen (send)",
            "No meeting after all",
        ),
    };
    PollText {
        question: question.to_owned(),
        answers: vec![
            (SEND_ID.to_owned(), send.to_owned()),
            (CALL_OFF_ID.to_owned(), off.to_owned()),
        ],
    }
}

/// After one tap: whether `person` is invited now (and, if so, whether they got consent).
pub fn invitee_chosen(
    language: Language,
    person: &Person,
    invited: bool,
    consent_given: bool,
) -> BotReply {
    let dutch = language == Language::Dutch;
    let rest = match (dutch, invited, consent_given) {
        (true, true, true) => " wordt uitgenodigd, en mag vanaf nu de afspraken zien.",
        (true, true, false) => " wordt uitgenodigd.",
        (true, false, _) => " wordt niet uitgenodigd.",
        (false, true, true) => " will be invited, and may see the appointments from now on.",
        (false, true, false) => " will be invited.",
        (false, false, _) => " will not be invited.",
    };
    Builder::new()
        .rich(Text::new().person(person).text(rest))
        .build()
}

/// Typed where others read: the choosing happens in the private chat.
pub fn choose_in_private(language: Language) -> BotReply {
    Builder::new()
        .paragraph(match language {
            Language::Dutch => "Ik heb een overleg klaargezet. Kies in ons privégesprek wie u uitnodigt: één tik per persoon.",
            Language::English => "I have set up a meeting. Choose in our private chat whom you invite: one tap per person.",
        })
        .build()
}

/// What the choosing polls say when they are ended.
pub fn choosing_closed(language: Language) -> String {
    match language {
        Language::Dutch => {
            "Gesloten: de uitnodigingen zijn verstuurd, of het overleg gaat niet door.".into()
        }
        Language::English => "Closed: the invitations were sent, or the meeting is off.".into(),
    }
}

/// What an action's reminder poll says when it is ended: the action is done.
pub fn action_poll_closed(language: Language) -> String {
    match language {
        Language::Dutch => "Gesloten: deze actie is gedaan.".into(),
        Language::English => "Closed: this action is done.".into(),
    }
}

/// `!overleg stand`: per moment the answers, who has not answered, and the best moment.
pub fn meeting_tally(
    language: Language,
    moments: &[Moment],
    tallies: &[CandidateTally],
    not_answered: &[Person],
    best: Option<usize>,
) -> BotReply {
    let dutch = language == Language::Dutch;
    let lines = moments
        .iter()
        .zip(tallies)
        .enumerate()
        .map(|(index, (moment, tally))| {
            Text::new()
                .bold(&format!("{}. ", index + 1))
                .text(&moment_in_words(language, moment))
                .text(&if dutch {
                    format!(
                        ": {} ja, {} misschien, {} nee",
                        tally.yes, tally.maybe, tally.no
                    )
                } else {
                    format!(
                        ": {} yes, {} maybe, {} no",
                        tally.yes, tally.maybe, tally.no
                    )
                })
        })
        .collect();
    let mut builder = Builder::new()
        .lead(
            if dutch {
                "Wie kan wanneer"
            } else {
                "Who can come when"
            },
            "",
        )
        .list(lines);
    if !not_answered.is_empty() {
        builder = builder.rich(
            Text::new()
                .text(if dutch {
                    "Nog niet geantwoord: "
                } else {
                    "Not answered yet: "
                })
                .merge(people_text(not_answered))
                .text("."),
        );
    }
    builder = match best {
        Some(index) => builder.rich(best_moment(language, index)),
        None => builder.paragraph(if dutch {
            "Nog geen moment waarop iemand kan."
        } else {
            "No moment yet that anyone can make."
        }),
    };
    builder.build()
}

fn best_moment(language: Language, index: usize) -> Text {
    let number = index + 1;
    match language {
        Language::Dutch => Text::new()
            .text(&format!(
                "Het beste moment is nu {number}. De cliënt kiest het met "
            ))
            .code(&format!("!overleg kies {number}"))
            .text("."),
        Language::English => Text::new()
            .text(&format!(
                "The best moment now is {number}. The client chooses it with "
            ))
            .code(&format!("!meeting kies {number}"))
            .text("."),
    }
}

/// Everyone answered every moment (or the time to answer is over): the tally and the best one.
pub fn answers_are_in(
    language: Language,
    moments: &[Moment],
    tallies: &[CandidateTally],
    not_answered: &[Person],
    best: Option<usize>,
    everyone: bool,
) -> BotReply {
    let lead = match (language, everyone) {
        (Language::Dutch, true) => "Iedereen heeft geantwoord.",
        (Language::Dutch, false) => "De tijd om te antwoorden is om.",
        (Language::English, true) => "Everyone has answered.",
        (Language::English, false) => "The time to answer is over.",
    };
    let tally = meeting_tally(language, moments, tallies, not_answered, best);
    let head = Builder::new().lead(lead, "").build();
    BotReply {
        plain: format!("{}\n\n{}", head.plain, tally.plain),
        html: format!("{}{}", head.html, tally.html),
    }
}

/// A reminder to those who did not answer yet.
pub fn answer_reminder(language: Language, people: &[Person], answer_by: Millis) -> BotReply {
    let text = match language {
        Language::Dutch => Text::new().merge(people_text(people)).text(&format!(
            ": wilt u bij de momenten hierboven aangeven of u kunt? Graag vóór {}.",
            date(language, answer_by)
        )),
        Language::English => Text::new().merge(people_text(people)).text(&format!(
            ": could you say for the moments above whether you can come? Please by {}.",
            date(language, answer_by)
        )),
    };
    Builder::new().rich(text).build()
}

/// "een week", "2 dagen", "een uur", "30 minuten": how long before.
fn before_words(language: Language, minutes: u32) -> String {
    let (count, one, many) = match (language, minutes) {
        (Language::Dutch, m) if m % 10_080 == 0 => (m / 10_080, "een week", "weken"),
        (Language::Dutch, m) if m % 1_440 == 0 => (m / 1_440, "een dag", "dagen"),
        (Language::Dutch, m) if m % 60 == 0 => (m / 60, "een uur", "uur"),
        (Language::Dutch, m) => (m, "een minuut", "minuten"),
        (Language::English, m) if m % 10_080 == 0 => (m / 10_080, "a week", "weeks"),
        (Language::English, m) if m % 1_440 == 0 => (m / 1_440, "a day", "days"),
        (Language::English, m) if m % 60 == 0 => (m / 60, "an hour", "hours"),
        (Language::English, m) => (m, "a minute", "minutes"),
    };
    if count == 1 {
        one.to_owned()
    } else {
        format!("{count} {many}")
    }
}

/// "een week, een dag en een uur".
fn list_words(language: Language, items: &[String]) -> String {
    let and = match language {
        Language::Dutch => " en ",
        Language::English => " and ",
    };
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{}{and}{last}", rest.join(", ")),
    }
}

/// A lead sentence about the meeting's moment, then its place when there is one: the head of
/// the announcement, the move and the reminder.
fn moment_and_place(lead: &str, rest: &str, language: Language, place: Option<&str>) -> Builder {
    let builder = Builder::new().lead(lead, rest);
    match place {
        Some(place) => builder.rich(
            Text::new()
                .text(match language {
                    Language::Dutch => "Plaats: ",
                    Language::English => "Place: ",
                })
                .text(place),
        ),
        None => builder,
    }
}

/// "(Nederlandse tijd)": the agreed time is Amsterdam's.
fn in_dutch_time(language: Language, when: &str) -> String {
    match language {
        Language::Dutch => format!("{when} (Nederlandse tijd)."),
        Language::English => format!("{when} (Dutch time)."),
    }
}

/// The agreed meeting, with the calendar file after it. `reminders` are the minutes before it
/// at which the invitees will be reminded (only those still ahead).
pub fn meeting_agreed(
    language: Language,
    moment: &Moment,
    place: Option<&str>,
    reminders: &[u32],
) -> BotReply {
    let dutch = language == Language::Dutch;
    let builder = moment_and_place(
        if dutch {
            "Het overleg is gepland: "
        } else {
            "The meeting is planned: "
        },
        &in_dutch_time(language, &moment_in_words(language, moment)),
        language,
        place,
    );
    let before: Vec<String> = reminders
        .iter()
        .map(|minutes| before_words(language, *minutes))
        .collect();
    let when = list_words(language, &before);
    builder
        .paragraph(&match (dutch, before.is_empty()) {
            (true, true) => "Hieronder staat een bestand voor uw agenda.".to_owned(),
            (true, false) => format!(
                "Hieronder staat een bestand voor uw agenda. Ik herinner u {when} van tevoren."
            ),
            (false, true) => "Below is a file for your calendar.".to_owned(),
            (false, false) => {
                format!("Below is a file for your calendar. I will remind you {when} before.")
            }
        })
        .build()
}

/// The agreed meeting moved, with the updated calendar file after it.
pub fn meeting_moved(language: Language, moment: &Moment, place: Option<&str>) -> BotReply {
    let dutch = language == Language::Dutch;
    moment_and_place(
        if dutch {
            "Het overleg is verzet naar "
        } else {
            "The meeting has moved to "
        },
        &in_dutch_time(language, &moment_in_words(language, moment)),
        language,
        place,
    )
    .paragraph(if dutch {
        "Hieronder staat het bestand dat uw agenda bijwerkt. De herinneringen gaan mee."
    } else {
        "Below is the file that updates your calendar. The reminders move with it."
    })
    .build()
}

/// The meeting is called off.
pub fn meeting_cancelled(language: Language, moment: Option<&Moment>) -> BotReply {
    let dutch = language == Language::Dutch;
    let rest = match moment {
        Some(moment) if dutch => format!(
            " Het overleg van {} gaat niet door. Hieronder staat het bestand dat het uit uw agenda haalt.",
            moment_in_words(language, moment)
        ),
        Some(moment) => format!(
            " The meeting of {} is off. Below is the file that takes it out of your calendar.",
            moment_in_words(language, moment)
        ),
        None if dutch => " Het overleg gaat niet door.".into(),
        None => " The meeting is off.".into(),
    };
    Builder::new()
        .lead(if dutch { "Afgezegd." } else { "Called off." }, &rest)
        .build()
}

/// A reminder of the agreed meeting.
pub fn meeting_reminder(language: Language, moment: &Moment, place: Option<&str>) -> BotReply {
    let when = moment_in_words(language, moment);
    let (lead, rest) = match language {
        Language::Dutch => ("Herinnering: ", format!("het overleg is op {when}.")),
        Language::English => ("Reminder: ", format!("the meeting is on {when}.")),
    };
    moment_and_place(lead, &rest, language, place).build()
}

/// The logbook's words for what someone did: "Anna plande een overleg".
pub fn logbook_words(language: Language, action: MeetingAction) -> &'static str {
    match (language, action) {
        (Language::Dutch, MeetingAction::GoalAdd) => " legde een doel vast",
        (Language::English, MeetingAction::GoalAdd) => " recorded a goal",
        (Language::Dutch, MeetingAction::AppointRecorder) => {
            " wees iemand aan om het plan op te schrijven"
        }
        (Language::English, MeetingAction::AppointRecorder) => {
            " appointed someone to write the plan down"
        }
        (Language::Dutch, MeetingAction::SetRhythm) => " stelde het ritme van de overleggen in",
        (Language::English, MeetingAction::SetRhythm) => " set the rhythm of the meetings",
        (Language::Dutch, MeetingAction::Invite) => " koos wie er bij het overleg komt",
        (Language::English, MeetingAction::Invite) => " chose who comes to the meeting",
        (Language::Dutch, MeetingAction::Vote) => " gaf aan wanneer hij of zij kan",
        (Language::English, MeetingAction::Vote) => " said when they can come",
        (Language::Dutch, MeetingAction::ActionAdd) => " legde een actie vast",
        (Language::English, MeetingAction::ActionAdd) => " recorded an action",
        (Language::Dutch, MeetingAction::ActionDone) => " meldde een actie als gedaan",
        (Language::English, MeetingAction::ActionDone) => " marked an action done",
        (Language::Dutch, MeetingAction::Propose) => " stelde een overleg voor",
        (Language::English, MeetingAction::Propose) => " proposed a meeting",
        (Language::Dutch, MeetingAction::Plan) => " plande een overleg",
        (Language::English, MeetingAction::Plan) => " planned a meeting",
        (Language::Dutch, MeetingAction::Agree) => " koos het moment van het overleg",
        (Language::English, MeetingAction::Agree) => " chose the meeting's moment",
        (Language::Dutch, MeetingAction::Cancel) => " zegde het overleg af",
        (Language::English, MeetingAction::Cancel) => " called the meeting off",
        (Language::Dutch, MeetingAction::Move) => " verzette het overleg",
        (Language::English, MeetingAction::Move) => " moved the meeting",
    }
}

/// The logbook's words for a refused attempt: "Piet probeerde een overleg te plannen".
pub fn attempt_words(language: Language, action: MeetingAction) -> &'static str {
    match (language, action) {
        (Language::Dutch, MeetingAction::GoalAdd) => "een doel vast te leggen",
        (Language::English, MeetingAction::GoalAdd) => "record a goal",
        (Language::Dutch, MeetingAction::AppointRecorder) => {
            "iemand aan te wijzen om het plan op te schrijven"
        }
        (Language::English, MeetingAction::AppointRecorder) => {
            "appoint someone to write the plan down"
        }
        (Language::Dutch, MeetingAction::SetRhythm) => "het ritme van de overleggen in te stellen",
        (Language::English, MeetingAction::SetRhythm) => "set the rhythm of the meetings",
        (Language::Dutch, MeetingAction::Invite) => "te kiezen wie er bij het overleg komt",
        (Language::English, MeetingAction::Invite) => "choose who comes to the meeting",
        (Language::Dutch, MeetingAction::Vote) => "aan te geven wanneer hij of zij kan",
        (Language::English, MeetingAction::Vote) => "say when they can come",
        (Language::Dutch, MeetingAction::ActionAdd) => "een actie vast te leggen",
        (Language::English, MeetingAction::ActionAdd) => "record an action",
        (Language::Dutch, MeetingAction::ActionDone) => "een actie als gedaan te melden",
        (Language::English, MeetingAction::ActionDone) => "mark an action done",
        (Language::Dutch, MeetingAction::Propose) => "een overleg voor te stellen",
        (Language::English, MeetingAction::Propose) => "propose a meeting",
        (Language::Dutch, MeetingAction::Plan) => "een overleg te plannen",
        (Language::English, MeetingAction::Plan) => "plan a meeting",
        (Language::Dutch, MeetingAction::Agree) => "het moment van het overleg te kiezen",
        (Language::English, MeetingAction::Agree) => "choose the meeting's moment",
        (Language::Dutch, MeetingAction::Cancel) => "het overleg af te zeggen",
        (Language::English, MeetingAction::Cancel) => "call the meeting off",
        (Language::Dutch, MeetingAction::Move) => "het overleg te verzetten",
        (Language::English, MeetingAction::Move) => "move the meeting",
    }
}

/// One meeting in someone's `!afspraken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgendaItem {
    Agreed {
        moment: Moment,
        place: Option<String>,
    },
    /// Date finding: the moment is not chosen yet.
    Planning { answer_by: Millis },
    /// An open action of theirs.
    Action {
        number: usize,
        text: String,
        due_at: Millis,
    },
    /// Another capability's date, worded by it (a consult's answer deadline).
    Other(Text),
}

/// `!afspraken`: the meetings ahead, soonest first; only what the member may see.
pub fn agenda(language: Language, items: &[AgendaItem]) -> BotReply {
    let dutch = language == Language::Dutch;
    if items.is_empty() {
        return Builder::new()
            .paragraph(if dutch {
                "U heeft geen overleg dat nog komt."
            } else {
                "You have no meeting ahead."
            })
            .build();
    }
    let lines = items
        .iter()
        .map(|item| match item {
            AgendaItem::Agreed { moment, place } => {
                let text = Text::new()
                    .bold(&moment_in_words(language, moment))
                    .text(if dutch { ": netwerkoverleg" } else { ": network meeting" });
                match place {
                    Some(place) => text.text(&format!(" ({place})")),
                    None => text,
                }
            }
            AgendaItem::Action {
                number,
                text,
                due_at,
            } => Text::new()
                .bold(&format!(
                    "{} {}",
                    if dutch { "Actie" } else { "Action" },
                    number
                ))
                .text(&format!(": {text} ("))
                .text(&due_words(language, *due_at))
                .text(")"),
            AgendaItem::Other(text) => text.clone(),
            AgendaItem::Planning { answer_by } => Text::new().text(&if dutch {
                format!(
                    "Netwerkoverleg, het moment wordt nog gekozen: graag antwoorden vóór {} in de chat Overleg",
                    date(language, *answer_by)
                )
            } else {
                format!(
                    "Network meeting, the moment is still being chosen: please answer by {} in the chat Overleg",
                    date(language, *answer_by)
                )
            }),
        })
        .collect();
    Builder::new()
        .lead(
            if dutch {
                "Uw afspraken"
            } else {
                "Your appointments"
            },
            "",
        )
        .list(lines)
        .build()
}

fn due_words(language: Language, due_at: Millis) -> String {
    match language {
        Language::Dutch => format!("uiterlijk {}", date(language, due_at)),
        Language::English => format!("by {}", date(language, due_at)),
    }
}

/// An action recorded for the plan.
pub fn action_added(
    language: Language,
    number: usize,
    responsible: &Person,
    text: &str,
    due_at: Millis,
) -> BotReply {
    let dutch = language == Language::Dutch;
    Builder::new()
        .rich(
            Text::new()
                .bold(&format!(
                    "{} {number}: ",
                    if dutch { "Actie" } else { "Action" }
                ))
                .person(responsible)
                .text(&format!(" — {text} — {}.", due_words(language, due_at))),
        )
        .paragraph(&if dutch {
            format!("Ik herinner diegene een dag van tevoren. Klaar? Typ !actie klaar {number}.")
        } else {
            format!("I will remind them a day before. Done? Type !action klaar {number}.")
        })
        .build()
}

/// A goal recorded for the plan.
pub fn goal_added(language: Language, number: usize, text: &str) -> BotReply {
    let dutch = language == Language::Dutch;
    Builder::new()
        .rich(
            Text::new()
                .bold(&format!(
                    "{} {number}: ",
                    if dutch { "Doel" } else { "Goal" }
                ))
                .text(text),
        )
        .paragraph(if dutch {
            "Typ !doel om het hele plan te zien."
        } else {
            "Type !goal to see the whole plan."
        })
        .build()
}

/// The network's rhythm of meetings was set (`Some`, as typed) or is the region's again.
pub fn rhythm_set(language: Language, typed: Option<&str>) -> BotReply {
    let text = match (language, typed) {
        (Language::Dutch, Some(typed)) => format!(
            "Afgesproken: het ritme van uw overleggen is nu \"{typed}\". Na elk overleg vraag ik u op tijd om het volgende te plannen."
        ),
        (Language::English, Some(typed)) => format!(
            "Agreed: the rhythm of your meetings is now \"{typed}\". After each meeting I ask you in good time to plan the next."
        ),
        (Language::Dutch, None) => "Het ritme van uw overleggen is weer dat van de regio. Na elk overleg vraag ik u op tijd om het volgende te plannen.".into(),
        (Language::English, None) => "The rhythm of your meetings is the region's again. After each meeting I ask you in good time to plan the next.".into(),
    };
    Builder::new().paragraph(&text).build()
}

/// A rhythm that cannot be read.
pub fn rhythm_refused(language: Language, typed: &str) -> BotReply {
    let text = match language {
        Language::Dutch => format!(
            "Het ritme \"{typed}\" begrijp ik niet. Typ bijvoorbeeld: !overleg herhaal elke 3 maanden (1 tot 24 weken, maanden of jaren). Of een regel zoals FREQ=MONTHLY;INTERVAL=3."
        ),
        Language::English => format!(
            "I do not understand the rhythm \"{typed}\". Type for example: !meeting herhaal every 3 months (1 to 24 weeks, months or years). Or a rule such as FREQ=MONTHLY;INTERVAL=3."
        ),
    };
    Builder::new().paragraph(&text).build()
}

/// The client appointed someone to record the plan of this meeting.
pub fn recorder_appointed(language: Language, recorder: &Person) -> BotReply {
    let dutch = language == Language::Dutch;
    Builder::new()
        .rich(Text::new().person(recorder).text(if dutch {
            " schrijft het plan van dit overleg op: doelen met !doel, acties met !actie. De cliënt kan dat ook."
        } else {
            " writes down the plan of this meeting: goals with !goal, actions with !action. The client can too."
        }))
        .build()
}

/// `!actie` or `!doel`: the plan so far, goals first.
pub fn actions_list(
    language: Language,
    goals: &[PlanGoal],
    actions: &[(PlanActionLine, Person)],
) -> BotReply {
    let dutch = language == Language::Dutch;
    if actions.is_empty() && goals.is_empty() {
        return Builder::new()
            .paragraph(if dutch {
                "Er is nog geen plan. Leg een doel vast met: !doel wat u wilt bereiken. En een actie met: !actie @naam:server wat er gebeurt tot 12-3"
            } else {
                "There is no plan yet. Record a goal with: !goal what you want to achieve. And an action with: !action @name:server what happens tot 12-3"
            })
            .build();
    }
    let goal_lines: Vec<Text> = goals
        .iter()
        .map(|goal| {
            Text::new()
                .bold(&format!("{}. ", goal.number))
                .text(&goal.text)
        })
        .collect();
    let lines: Vec<Text> = actions
        .iter()
        .map(|(action, person)| {
            Text::new()
                .bold(&format!("{}. ", action.number))
                .person(person)
                .text(&format!(
                    " — {} — {}{}",
                    action.text,
                    due_words(language, action.due_at),
                    match (dutch, action.done) {
                        (_, false) => "",
                        (true, true) => " (gedaan)",
                        (false, true) => " (done)",
                    }
                ))
        })
        .collect();
    let mut reply = Builder::new().lead(if dutch { "Het plan" } else { "The plan" }, "");
    if !goal_lines.is_empty() {
        reply = reply
            .paragraph(if dutch { "Doelen:" } else { "Goals:" })
            .list(goal_lines);
    }
    if !lines.is_empty() {
        reply = reply
            .paragraph(if dutch { "Acties:" } else { "Actions:" })
            .list(lines);
    }
    reply.build()
}

/// What `actions_list` shows of one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanActionLine {
    pub number: usize,
    pub text: String,
    pub due_at: Millis,
    pub done: bool,
}

/// The answer in an action's reminder poll that marks it done.
const ACTION_DONE_ID: &str = "done";
const ACTION_NOT_YET_ID: &str = "not-yet";

/// Whether an answer in an action's reminder poll says it is done (`Some(false)`: not yet).
pub fn action_done_from_id(id: &str) -> Option<bool> {
    match id {
        ACTION_DONE_ID => Some(true),
        ACTION_NOT_YET_ID => Some(false),
        _ => None,
    }
}

/// The day before an action is due, as a poll: the person responsible (or the client, or whom
/// the client appointed) marks it done with one tap.
pub fn action_reminder_poll(
    language: Language,
    number: usize,
    responsible: &Person,
    text: &str,
    due_at: Millis,
) -> PollText {
    let dutch = language == Language::Dutch;
    let question = format!(
        "{} {}: {} {number}, {text} — {}. {}",
        if dutch {
            "Herinnering voor"
        } else {
            "Reminder for"
        },
        responsible.name,
        if dutch { "actie" } else { "action" },
        due_words(language, due_at),
        if dutch {
            "Is het gedaan?"
        } else {
            "Is it done?"
        },
    );
    let answers = if dutch {
        [
            ("Ja, het is gedaan", ACTION_DONE_ID),
            ("Nog niet", ACTION_NOT_YET_ID),
        ]
    } else {
        [
            ("Yes, it is done", ACTION_DONE_ID),
            ("Not yet", ACTION_NOT_YET_ID),
        ]
    };
    PollText {
        question,
        answers: answers
            .into_iter()
            .map(|(text, id)| (id.to_owned(), text.to_owned()))
            .collect(),
    }
}

/// An action is done: the client hears it in the meeting's room.
pub fn action_done(language: Language, number: usize, by: &Person, text: &str) -> BotReply {
    let dutch = language == Language::Dutch;
    Builder::new()
        .rich(Text::new().person(by).text(&if dutch {
            format!(" meldt: actie {number} is gedaan ({text}).")
        } else {
            format!(" reports: action {number} is done ({text}).")
        }))
        .build()
}

/// `!afspraken` typed where others read: the list went to the private chat (or needs one).
pub fn agenda_sent_privately(language: Language, sent: bool) -> BotReply {
    let text = match (language, sent) {
        (Language::Dutch, true) => "Uw afspraken zijn privé. Ik heb ze in ons privégesprek gezet.",
        (Language::English, true) => {
            "Your appointments are private. I have put them in our private chat."
        }
        (Language::Dutch, false) => {
            "Uw afspraken zijn privé. Begin een privégesprek met mij en typ daar !afspraken."
        }
        (Language::English, false) => {
            "Your appointments are private. Start a private chat with me and type !appointments there."
        }
    };
    Builder::new().paragraph(text).build()
}

/// Why a meeting command cannot be carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingProblem {
    /// Planning is for the client (or their representative).
    OnlyClientPlans,
    /// A meeting is already being planned or agreed in this network.
    AlreadyOpen,
    /// There is no meeting to show, choose or call off.
    NoneOpen,
    /// The moment chosen is not one of them.
    NoSuchCandidate {
        number: usize,
        count: usize,
    },
    /// The moment has been chosen already, or the meeting is off.
    NotPlanning,
    /// Moving asks for an agreed meeting.
    NotAgreed,
    /// The chosen moment has passed.
    MomentPassed,
    /// These were chosen but may not see appointments yet.
    WithoutConsent(Vec<Person>),
    /// As `WithoutConsent`, said where others read along: who lacks consent is not said there.
    SomeWithoutConsent,
    /// Chosen, but not (or no longer) in the network.
    NotInNetwork(Person),
    /// Nobody who may see appointments is left to invite.
    NobodyToInvite,
    /// Asked about a meeting the sender is not invited to.
    NotInvited,
    /// Actions belong to a meeting that was agreed.
    NoMeetingForActions,
    /// The person responsible must be the client or an invitee who may still see the meeting;
    /// named only in the private chat.
    NotForAction(Option<Person>),
    /// Whom the client appoints to record the plan is not (or no longer) an invitee who may see
    /// the meeting; named only in the private chat.
    NotForRecorder(Option<Person>),
    /// The plan is written down by whoever steers, or whom the client appointed.
    OnlyClientRecords,
    /// The invitations have not gone out yet: the client is still choosing.
    StillChoosing,
    /// "Versturen" tapped before anyone was chosen.
    NobodyChosenYet,
    /// A moment passed while the client was choosing: this meeting is off.
    MomentPassedWhileChoosing,
    /// Details of a meeting are typed in its room or in the private chat, not where others read.
    TypeItPrivately,
    NoSuchAction {
        number: usize,
        count: usize,
    },
    /// Only the person responsible, the client or the representative marks it done.
    NotYourAction,
    /// `plaats video` without a video service in the region's configuration.
    NoVideoService,
}

pub fn meeting_problem(language: Language, problem: &MeetingProblem) -> BotReply {
    let dutch = language == Language::Dutch;
    let text = match problem {
        MeetingProblem::OnlyClientPlans if dutch => Text::new().text("Alleen de cliënt (of de vertegenwoordiger) plant een overleg en kiest het moment. Wilt u een overleg? Vraag het de cliënt in de netwerkchat."),
        MeetingProblem::OnlyClientPlans => Text::new().text("Only the client (or their representative) plans a meeting and chooses the moment. Would you like one? Ask the client in the network chat."),
        MeetingProblem::AlreadyOpen if dutch => Text::new().text("Er is al een overleg gepland. Zeg dat eerst af met ").code("!overleg af").text(", of kijk hoe het staat met ").code("!overleg stand").text("."),
        MeetingProblem::AlreadyOpen => Text::new().text("A meeting is planned already. Call it off first with ").code("!meeting af").text(", or see where it stands with ").code("!meeting stand").text("."),
        MeetingProblem::NoneOpen if dutch => Text::new().text("Er is nu geen overleg. Plan er een met ").code("!overleg voorstel").text("."),
        MeetingProblem::NoneOpen => Text::new().text("There is no meeting now. Plan one with ").code("!meeting voorstel").text("."),
        MeetingProblem::NoSuchCandidate { number, count } if dutch => Text::new().text(&format!("Er is geen moment {number}. Kies een nummer van 1 tot en met {count}.")),
        MeetingProblem::NoSuchCandidate { number, count } => Text::new().text(&format!("There is no moment {number}. Choose a number from 1 to {count}.")),
        MeetingProblem::NotPlanning if dutch => Text::new().text("Het moment is al gekozen, of het overleg gaat niet door."),
        MeetingProblem::NotPlanning => Text::new().text("The moment has been chosen already, or the meeting is off."),
        MeetingProblem::MomentPassed if dutch => Text::new().text("Dat moment is al voorbij. Kies een ander moment, of zeg het overleg af met ").code("!overleg af").text("."),
        MeetingProblem::MomentPassed => Text::new().text("That moment has passed. Choose another one, or call the meeting off with ").code("!meeting af").text("."),
        MeetingProblem::NotAgreed if dutch => Text::new().text("Er is nog geen moment gekozen. Kies eerst een moment met ").code("!overleg kies 1").text("."),
        MeetingProblem::NotAgreed => Text::new().text("No moment has been chosen yet. First choose one with ").code("!meeting kies 1").text("."),
        MeetingProblem::WithoutConsent(people) if dutch => Text::new()
            .merge(people_text(people))
            .text(" mag nog geen afspraken zien. Geef eerst toestemming in ons privégesprek, bijvoorbeeld: ")
            .code(&format!("!toestemming {} afspraken ja", people.first().map(|p| p.id.as_str()).unwrap_or("@naam:server")))
            .text(". Of plan het overleg zonder hen."),
        MeetingProblem::WithoutConsent(people) => Text::new()
            .merge(people_text(people))
            .text(" may not see appointments yet. First give consent in our private chat, for example: ")
            .code(&format!("!consent {} appointments yes", people.first().map(|p| p.id.as_str()).unwrap_or("@name:server")))
            .text(". Or plan the meeting without them."),
        MeetingProblem::SomeWithoutConsent if dutch => Text::new().text("Niet iedereen die u koos mag al afspraken zien. Typ in ons privégesprek ").code("!toestemming").text(" om te zien wie wat mag zien, of plan het overleg zonder hen."),
        MeetingProblem::SomeWithoutConsent => Text::new().text("Not everyone you chose may see appointments yet. Type ").code("!consent").text(" in our private chat to see who may see what, or plan the meeting without them."),
        MeetingProblem::NotInNetwork(person) if dutch => Text::new().person(person).text(" zit niet in het netwerk. Nodig alleen mensen uit het netwerk uit."),
        MeetingProblem::NotInNetwork(person) => Text::new().person(person).text(" is not in the network. Invite only people from the network."),
        MeetingProblem::NobodyToInvite if dutch => Text::new().text("Er is nog niemand in het netwerk die afspraken mag zien. Geef iemand toestemming in ons privégesprek, bijvoorbeeld: ").code("!toestemming @naam:server afspraken ja").text("."),
        MeetingProblem::NobodyToInvite => Text::new().text("Nobody in the network may see appointments yet. Give someone consent in our private chat, for example: ").code("!consent @name:server appointments yes").text("."),
        MeetingProblem::NotInvited if dutch => Text::new().text("U bent niet uitgenodigd voor dit overleg. Alleen de cliënt en de genodigden zien de details."),
        MeetingProblem::NotInvited => Text::new().text("You are not invited to this meeting. Only the client and the invitees see the details."),
        MeetingProblem::NoMeetingForActions if dutch => Text::new().text("Het plan (doelen en acties) hoort bij een overleg waarvan het moment gekozen is. Dat is er nog niet."),
        MeetingProblem::NoMeetingForActions => Text::new().text("The plan (goals and actions) belongs to a meeting whose moment was chosen. There is none yet."),
        MeetingProblem::NotForAction(Some(person)) if dutch => Text::new().person(person).text(" is niet (meer) uitgenodigd voor dit overleg. Een actie is voor de cliënt of een genodigde."),
        MeetingProblem::NotForAction(Some(person)) => Text::new().person(person).text(" is not (or no longer) invited to this meeting. An action is for the client or an invitee."),
        MeetingProblem::NotForAction(None) if dutch => Text::new().text("Een actie is voor de cliënt of een genodigde van het overleg; deze persoon is dat niet (meer)."),
        MeetingProblem::NotForAction(None) => Text::new().text("An action is for the client or an invitee of the meeting; this person is not (or no longer)."),
        MeetingProblem::NotForRecorder(Some(person)) if dutch => Text::new().person(person).text(" is niet (meer) uitgenodigd voor dit overleg. Wie het plan opschrijft, is een genodigde die de afspraken mag zien."),
        MeetingProblem::NotForRecorder(Some(person)) => Text::new().person(person).text(" is not (or no longer) invited to this meeting. Whoever writes the plan down is an invitee who may see the appointments."),
        MeetingProblem::NotForRecorder(None) if dutch => Text::new().text("Wie het plan opschrijft, is een genodigde die de afspraken mag zien; deze persoon is dat niet (meer)."),
        MeetingProblem::NobodyChosenYet if dutch => Text::new().text("U heeft nog niemand uitgenodigd. Tik bij iemand op Uitnodigen, en daarna op Versturen in de nieuwe vraag hieronder."),
        MeetingProblem::NobodyChosenYet => Text::new().text("You have not invited anyone yet. Tap Uitnodigen for someone, then Versturen in the new question below."),
        MeetingProblem::MomentPassedWhileChoosing if dutch => Text::new().text("Een van de momenten is al voorbij, dus dit overleg gaat niet door. Plan een nieuw met ").code("!overleg voorstel").text("."),
        MeetingProblem::MomentPassedWhileChoosing => Text::new().text("One of the moments has passed, so this meeting is off. Plan a new one with ").code("!meeting voorstel").text("."),
        MeetingProblem::StillChoosing if dutch => Text::new().text("U kiest nog wie u uitnodigt. Tik in ons privégesprek op Versturen als u klaar bent; dan zien de genodigden de momenten."),
        MeetingProblem::StillChoosing => Text::new().text("You are still choosing whom to invite. Tap Versturen in our private chat when you are done; then the invitees see the moments."),
        MeetingProblem::OnlyClientRecords if dutch => Text::new().text("Alleen de cliënt (of de vertegenwoordiger) schrijft het plan op, of iemand die de cliënt daarvoor aanwijst met ").code("!overleg notulist @naam:server").text("."),
        MeetingProblem::OnlyClientRecords => Text::new().text("Only the client (or the representative) writes the plan down, or someone the client appoints with ").code("!meeting notulist @name:server").text("."),
        MeetingProblem::NotForRecorder(None) => Text::new().text("Whoever writes the plan down is an invitee who may see the appointments; this person is not (or no longer)."),
        MeetingProblem::TypeItPrivately if dutch => Text::new().text("Hier lezen anderen mee. Typ dit in de chat Overleg of in ons privégesprek."),
        MeetingProblem::TypeItPrivately => Text::new().text("Others read along here. Type this in the chat Overleg or in our private chat."),
        MeetingProblem::NoSuchAction { number, count } if dutch => Text::new().text(&format!("Er is geen actie {number}. Er zijn er {count}; typ !actie om ze te zien.")),
        MeetingProblem::NoSuchAction { number, count } => Text::new().text(&format!("There is no action {number}. There are {count}; type !action to see them.")),
        MeetingProblem::NotYourAction if dutch => Text::new().text("Alleen wie de actie doet, of de cliënt, meldt dat hij gedaan is."),
        MeetingProblem::NotYourAction => Text::new().text("Only whoever does the action, or the client, reports it done."),
        MeetingProblem::NoVideoService if dutch => Text::new().text("Deze regio heeft nog geen videodienst ingesteld. Typ de link zelf: ").code("plaats https://…").text("."),
        MeetingProblem::NoVideoService => Text::new().text("This region has no video service set up yet. Type the link yourself: ").code("plaats https://…").text("."),
    };
    Builder::new().rich(text).build()
}

/// Said privately to whoever planned: who was not invited because they may not see
/// appointments (left out of the invitees the bot chose).
pub fn left_out_without_consent(language: Language, people: &[Person]) -> BotReply {
    let text = match language {
        Language::Dutch => Text::new()
            .text("Niet uitgenodigd voor het overleg, omdat zij nog geen afspraken mogen zien: ")
            .merge(people_text(people))
            .text(". Wilt u hen er wel bij? Geef toestemming met ")
            .code("!toestemming @naam:server afspraken ja")
            .text(" en plan het overleg opnieuw."),
        Language::English => Text::new()
            .text("Not invited to the meeting, because they may not see appointments yet: ")
            .merge(people_text(people))
            .text(". Do you want them there? Give consent with ")
            .code("!consent @name:server appointments yes")
            .text(" and plan the meeting again."),
    };
    Builder::new().rich(text).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MatrixId;

    fn person(id: &str, name: &str) -> Person {
        Person::new(MatrixId::parse(id).unwrap(), Some(name))
    }

    #[test]
    fn a_candidate_poll_asks_in_dutch_time_with_three_answers() {
        let moment = Moment {
            starts_at: 1_800_000_000_000,
            minutes: 60,
        };
        let poll = candidate_poll(Language::Dutch, 1, &moment);
        assert!(poll.question.starts_with("Moment 2: "), "{}", poll.question);
        assert!(
            poll.question
                .contains(&moment_in_words(Language::Dutch, &moment))
        );
        let ids: Vec<_> = poll.answers.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["yes", "maybe", "no"]);
        for (id, _) in &poll.answers {
            assert!(answer_from_id(id).is_some());
        }
        assert_eq!(answer_from_id("ja"), None);
    }

    #[test]
    fn the_choice_poll_marks_the_best_moment_and_its_ids_read_back() {
        let moments = [
            Moment {
                starts_at: 1_800_000_000_000,
                minutes: 60,
            },
            Moment {
                starts_at: 1_800_100_000_000,
                minutes: 60,
            },
        ];
        let poll = choice_poll(Language::Dutch, &moments, Some(1));
        assert_eq!(poll.answers.len(), 2);
        assert!(poll.answers[1].1.ends_with("(beste)"), "{:?}", poll.answers);
        assert!(!poll.answers[0].1.contains("beste"));
        for (index, (id, _)) in poll.answers.iter().enumerate() {
            assert_eq!(choice_from_id(id), Some(index));
        }
        for bad in ["moment-0", "moment-", "yes", "moment-x"] {
            assert_eq!(choice_from_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_question_whether_to_plan_names_who_asked_and_has_two_answers() {
        let piet = person("@piet:kring.test", "Piet");
        let asked = proposal_poll(Language::Dutch, Some(&piet));
        assert!(
            asked
                .question
                .starts_with("Piet (@piet:kring.test) stelt voor"),
            "{}",
            asked.question
        );
        let ids: Vec<_> = asked.answers.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, [PLAN_IT, NOT_NOW]);
        let next = proposal_poll(Language::English, None);
        assert!(next.question.contains("next meeting"), "{}", next.question);
    }

    #[test]
    fn the_agreed_meeting_names_the_reminders_that_will_come() {
        let moment = Moment {
            starts_at: 1_800_000_000_000,
            minutes: 60,
        };
        let dutch = meeting_agreed(Language::Dutch, &moment, None, &[10_080, 1_440, 60]);
        assert!(
            dutch
                .plain
                .contains("Ik herinner u een week, een dag en een uur van tevoren."),
            "{}",
            dutch.plain
        );
        let english = meeting_agreed(Language::English, &moment, None, &[2_880, 30]);
        assert!(
            english
                .plain
                .contains("I will remind you 2 days and 30 minutes before."),
            "{}",
            english.plain
        );
        let none = meeting_agreed(Language::Dutch, &moment, None, &[]);
        assert!(!none.plain.contains("herinner"), "{}", none.plain);
    }

    #[test]
    fn the_agenda_lists_what_is_ahead_or_says_there_is_nothing() {
        let moment = Moment {
            starts_at: 1_800_000_000_000,
            minutes: 60,
        };
        let items = [
            AgendaItem::Agreed {
                moment,
                place: Some("Wijkcentrum".into()),
            },
            AgendaItem::Planning {
                answer_by: 1_800_500_000_000,
            },
        ];
        let reply = agenda(Language::Dutch, &items);
        assert!(
            reply
                .plain
                .contains(&moment_in_words(Language::Dutch, &moment)),
            "{}",
            reply.plain
        );
        assert!(reply.plain.contains("(Wijkcentrum)"), "{}", reply.plain);
        assert!(reply.plain.contains("wordt nog gekozen"), "{}", reply.plain);
        assert!(
            agenda(Language::English, &[])
                .plain
                .contains("no meeting ahead")
        );
    }

    #[test]
    fn the_tally_names_who_has_not_answered_and_the_best_moment() {
        let moments = [
            Moment {
                starts_at: 1_800_000_000_000,
                minutes: 60,
            },
            Moment {
                starts_at: 1_800_100_000_000,
                minutes: 60,
            },
        ];
        let tallies = [
            CandidateTally {
                yes: 1,
                maybe: 0,
                no: 1,
            },
            CandidateTally {
                yes: 2,
                maybe: 0,
                no: 0,
            },
        ];
        let reply = meeting_tally(
            Language::Dutch,
            &moments,
            &tallies,
            &[person("@piet:kring.test", "Piet")],
            Some(1),
        );
        assert!(
            reply.plain.contains("1 ja, 0 misschien, 1 nee"),
            "{}",
            reply.plain
        );
        assert!(
            reply.plain.contains("Nog niet geantwoord: Piet"),
            "{}",
            reply.plain
        );
        assert!(reply.plain.contains("!overleg kies 2"), "{}", reply.plain);
        let none = meeting_tally(Language::English, &moments, &tallies, &[], None);
        assert!(none.plain.contains("No moment yet"), "{}", none.plain);
    }

    #[test]
    fn places_and_names_are_escaped_in_html() {
        let moment = Moment {
            starts_at: 1_800_000_000_000,
            minutes: 60,
        };
        let reply = meeting_agreed(
            Language::Dutch,
            &moment,
            Some("<script>zaal 2</script>"),
            &[],
        );
        assert!(reply.html.contains("&lt;script&gt;"), "{}", reply.html);
        let opened = meeting_opened(
            Language::English,
            &[person("@piet:kring.test", "<b>Piet</b>")],
            None,
            1_800_000_000_000,
        );
        assert!(!opened.html.contains("<b>Piet"), "{}", opened.html);
    }

    #[test]
    fn every_problem_is_said_in_both_languages() {
        let piet = person("@piet:kring.test", "Piet");
        let problems = [
            MeetingProblem::OnlyClientPlans,
            MeetingProblem::AlreadyOpen,
            MeetingProblem::NoneOpen,
            MeetingProblem::NoSuchCandidate {
                number: 7,
                count: 3,
            },
            MeetingProblem::NotPlanning,
            MeetingProblem::NotAgreed,
            MeetingProblem::MomentPassed,
            MeetingProblem::WithoutConsent(vec![piet.clone()]),
            MeetingProblem::SomeWithoutConsent,
            MeetingProblem::NotInNetwork(piet),
            MeetingProblem::NobodyToInvite,
            MeetingProblem::NotInvited,
            MeetingProblem::NoMeetingForActions,
            MeetingProblem::NotForAction(Some(person("@piet:kring.test", "Piet"))),
            MeetingProblem::NotForAction(None),
            MeetingProblem::NotForRecorder(Some(person("@piet:kring.test", "Piet"))),
            MeetingProblem::NotForRecorder(None),
            MeetingProblem::OnlyClientRecords,
            MeetingProblem::StillChoosing,
            MeetingProblem::NobodyChosenYet,
            MeetingProblem::MomentPassedWhileChoosing,
            MeetingProblem::TypeItPrivately,
            MeetingProblem::NoSuchAction {
                number: 4,
                count: 2,
            },
            MeetingProblem::NotYourAction,
            MeetingProblem::NoVideoService,
        ];
        for problem in &problems {
            let dutch = meeting_problem(Language::Dutch, problem);
            let english = meeting_problem(Language::English, problem);
            assert!(!dutch.plain.is_empty() && !english.plain.is_empty());
            assert_ne!(dutch.plain, english.plain, "{problem:?}");
        }
        let consent = meeting_problem(
            Language::Dutch,
            &MeetingProblem::WithoutConsent(vec![person("@piet:kring.test", "Piet")]),
        );
        assert!(
            consent
                .plain
                .contains("!toestemming @piet:kring.test afspraken ja")
        );
    }
}
