//! What the logbook says: one sentence per audit entry.

use crate::audit::{AuditAction, AuditEntry};
use crate::consent::AUDIT_ORGANISATION_PREFIX;
use crate::consent::InfoKind;
use crate::consent::texts::info_kind_label;
use crate::language::Language;
use crate::messages::{BotReply, Builder, Person, Text, date_time};
use crate::plan::Outcome;
use crate::trust::Distrust;

/// How many log lines fit in one message; older ones are counted, not shown.
pub const LOGBOOK_LINES: usize = 50;

/// One audit entry as a sentence.
/// What someone tried, for a refused attempt in the log.
fn attempt_label(language: Language, action: Option<AuditAction>) -> &'static str {
    let dutch = language == Language::Dutch;
    match action {
        Some(AuditAction::MemberInvite) if dutch => "iemand uit te nodigen",
        Some(AuditAction::MemberInvite) => "invite someone",
        Some(AuditAction::LinkCreate) if dutch => "een uitnodigingslink te maken",
        Some(AuditAction::LinkCreate) => "make an invite link",
        Some(AuditAction::MemberRemove) if dutch => "iemand uit het netwerk te halen",
        Some(AuditAction::MemberRemove) => "remove someone",
        Some(AuditAction::ProposalDecide) if dutch => "over een voorstel te beslissen",
        Some(AuditAction::ProposalDecide) => "decide on a proposal",
        Some(AuditAction::LinkRevoke) if dutch => "een link in te trekken",
        Some(AuditAction::LinkRevoke) => "revoke a link",
        Some(AuditAction::MemberLeave) if dutch => "het netwerk te verlaten",
        Some(AuditAction::MemberLeave) => "leave the network",
        Some(AuditAction::RoomRefuseUpgrade) if dutch => {
            "het gesprek te vervangen door een ander gesprek"
        }
        Some(AuditAction::RoomRefuseUpgrade) => "replace the chat by another one",
        Some(AuditAction::Input(Distrust::NotEncrypted)) if dutch => {
            "iets te veranderen met een onversleuteld bericht"
        }
        Some(AuditAction::Input(Distrust::NotEncrypted)) => {
            "change something with an unencrypted message"
        }
        Some(AuditAction::Input(Distrust::UnconfirmedDevice)) if dutch => {
            "iets te veranderen vanaf een apparaat dat niet bevestigd is"
        }
        Some(AuditAction::Input(Distrust::UnconfirmedDevice)) => {
            "change something from a device nobody confirmed"
        }
        Some(AuditAction::Input(Distrust::ChangedIdentity)) if dutch => {
            "iets te veranderen met beveiligingssleutels die veranderd zijn"
        }
        Some(AuditAction::Input(Distrust::ChangedIdentity)) => {
            "change something with security keys that changed"
        }
        Some(AuditAction::ConsentGive(_)) if dutch => "toestemming te geven",
        Some(AuditAction::ConsentGive(_)) => "give consent",
        Some(AuditAction::ConsentWithdraw(_) | AuditAction::ConsentEnd(_)) if dutch => {
            "toestemming te veranderen"
        }
        Some(AuditAction::ConsentWithdraw(_) | AuditAction::ConsentEnd(_)) => "change consent",
        Some(AuditAction::Meeting(action)) => crate::meeting::attempt_words(language, action),
        Some(AuditAction::Consult(action)) => {
            crate::consult::chat_texts::attempt_words(language, action)
        }
        _ if dutch => "iets te doen",
        _ => "do something",
    }
}

fn log_sentence(language: Language, entry: &AuditEntry, person: &dyn Fn(&str) -> Person) -> Text {
    let dutch = language == Language::Dutch;
    let actor = person(&entry.actor);
    let object = entry.object.clone().unwrap_or_default();
    let who = || {
        if object.starts_with('@') {
            Text::new().person(&person(&object))
        } else if let Some(name) = object.strip_prefix(AUDIT_ORGANISATION_PREFIX) {
            Text::new()
                .text(if dutch {
                    "organisatie "
                } else {
                    "organisation "
                })
                .bold(name)
        } else {
            Text::new().text(&object)
        }
    };
    // An attempt the rules refused (proposal.refuse and network.decline are decisions that
    // carry "refused" as their outcome, and read as such below).
    let action = AuditAction::from_code(&entry.event_type);
    let attempt = entry.outcome == Outcome::Refused.code()
        && !matches!(
            action,
            Some(AuditAction::ProposalRefuse | AuditAction::NetworkDecline)
        );
    let mut text = match (dutch, action) {
        _ if attempt => Text::new()
            .person(&actor)
            .text(if dutch { " probeerde " } else { " tried to " })
            .text(attempt_label(language, action))
            .text(if object.is_empty() { "" } else { " (" })
            .merge(if object.is_empty() {
                Text::new()
            } else {
                who()
            })
            .text(if object.is_empty() { "" } else { ")" })
            .text(if dutch {
                ", maar dat mocht niet"
            } else {
                ", which was not allowed"
            }),
        (true, Some(AuditAction::NetworkStart)) => Text::new().person(&actor).text(" startte het netwerk"),
        (false, Some(AuditAction::NetworkStart)) => Text::new().person(&actor).text(" started the network"),
        (true, Some(AuditAction::NetworkAccept)) => who().text(" accepteerde het netwerk"),
        (false, Some(AuditAction::NetworkAccept)) => who().text(" accepted the network"),
        (true, Some(AuditAction::NetworkDecline)) => who().text(" wees het netwerk af"),
        (false, Some(AuditAction::NetworkDecline)) => who().text(" declined the network"),
        (true, Some(AuditAction::MemberInvite)) => Text::new()
            .person(&actor)
            .text(" nodigde ")
            .merge(who())
            .text(" uit"),
        (false, Some(AuditAction::MemberInvite)) => Text::new().person(&actor).text(" invited ").merge(who()),
        (true, Some(AuditAction::MemberJoin)) => who().text(" kwam erbij"),
        (false, Some(AuditAction::MemberJoin)) => who().text(" joined"),
        (true, Some(AuditAction::MemberLeave)) => who().text(" verliet het netwerk"),
        (false, Some(AuditAction::MemberLeave)) => who().text(" left the network"),
        (true, Some(AuditAction::MemberRemove)) => Text::new()
            .person(&actor)
            .text(" haalde ")
            .merge(who())
            .text(" uit het netwerk"),
        (false, Some(AuditAction::MemberRemove)) => Text::new().person(&actor).text(" removed ").merge(who()),
        (true, Some(AuditAction::MemberUndoUnapproved)) => Text::new()
            .text("de bot maakte een uitnodiging van ")
            .merge(who())
            .text(" ongedaan"),
        (false, Some(AuditAction::MemberUndoUnapproved)) => Text::new()
            .text("the bot undid an invitation of ")
            .merge(who()),
        (true, Some(AuditAction::PowerUndoUnapproved)) => Text::new()
            .text("de bot nam rechten van ")
            .merge(who())
            .text(" terug"),
        (false, Some(AuditAction::PowerUndoUnapproved)) => Text::new()
            .text("the bot took back rights of ")
            .merge(who()),
        (true, Some(AuditAction::ProposalAdd)) => Text::new()
            .person(&actor)
            .text(&format!(" deed voorstel {object}")),
        (false, Some(AuditAction::ProposalAdd)) => Text::new()
            .person(&actor)
            .text(&format!(" made proposal {object}")),
        (true, Some(AuditAction::ProposalApprove)) => Text::new()
            .person(&actor)
            .text(&format!(" zei ja tegen voorstel {object}")),
        (false, Some(AuditAction::ProposalApprove)) => Text::new()
            .person(&actor)
            .text(&format!(" said yes to proposal {object}")),
        (true, Some(AuditAction::ProposalRefuse)) => Text::new()
            .person(&actor)
            .text(&format!(" zei nee tegen voorstel {object}")),
        (false, Some(AuditAction::ProposalRefuse)) => Text::new()
            .person(&actor)
            .text(&format!(" said no to proposal {object}")),
        (true, Some(AuditAction::ProposalLapse)) => Text::new()
            .text(&format!("voorstel {object} van "))
            .person(&actor)
            .text(" verviel: die persoon zit niet meer in het netwerk"),
        (false, Some(AuditAction::ProposalLapse)) => Text::new()
            .text(&format!("proposal {object} by "))
            .person(&actor)
            .text(" lapsed: they are no longer in the network"),
        (true, Some(AuditAction::RoomUndoSetting)) => Text::new()
            .text("de bot zette een instelling van het gesprek terug die ")
            .person(&actor)
            .text(" had veranderd"),
        (false, Some(AuditAction::RoomUndoSetting)) => Text::new()
            .text("the bot put back a room setting ")
            .person(&actor)
            .text(" had changed"),
        (true, Some(AuditAction::LinkCreate)) => Text::new()
            .person(&actor)
            .text(&format!(" maakte uitnodigingslink {object}")),
        (false, Some(AuditAction::LinkCreate)) => Text::new()
            .person(&actor)
            .text(&format!(" made invite link {object}")),
        (true, Some(AuditAction::LinkUse)) => Text::new().text(&format!("uitnodigingslink {object} werd gebruikt")),
        (false, Some(AuditAction::LinkUse)) => Text::new().text(&format!("invite link {object} was used")),
        (true, Some(AuditAction::LinkRevoke)) => Text::new()
            .person(&actor)
            .text(&format!(" trok uitnodigingslink {object} in")),
        (false, Some(AuditAction::LinkRevoke)) => Text::new()
            .person(&actor)
            .text(&format!(" revoked invite link {object}")),
        (true, Some(AuditAction::IdentityChanged)) => Text::new()
            .text("de beveiligingssleutels van ")
            .merge(who())
            .text(" zijn veranderd; die persoon beslist niet mee en leest de bot niet tot de beheerder heeft nagegaan wie het is"),
        (false, Some(AuditAction::IdentityChanged)) => Text::new()
            .text("the security keys of ")
            .merge(who())
            .text(" changed; they do not decide and cannot read the bot until the administrator has checked who they are"),
        (true, Some(AuditAction::IdentityConfirmed)) => Text::new()
            .text("de beheerder ging na dat de nieuwe beveiligingssleutels van ")
            .merge(who())
            .text(" echt van die persoon zijn"),
        (false, Some(AuditAction::IdentityConfirmed)) => Text::new()
            .text("the administrator checked that the new security keys of ")
            .merge(who())
            .text(" really belong to them"),
        (true, Some(AuditAction::ConsentEnd(InfoKind::PastHistory))) => Text::new()
            .text("de toestemming van ")
            .merge(who())
            .text(" om eerdere berichten te lezen liep af; de bot haalde ze weg"),
        (false, Some(AuditAction::ConsentEnd(InfoKind::PastHistory))) => Text::new()
            .text("the consent of ")
            .merge(who())
            .text(" to read earlier messages ended; the bot took them away"),
        (true, Some(AuditAction::ConsentEnd(_))) => Text::new()
            .text("de toestemming van ")
            .merge(who())
            .text(" voor de chat liep af; de bot haalde die uit het netwerk"),
        (false, Some(AuditAction::ConsentEnd(_))) => Text::new()
            .text("the consent of ")
            .merge(who())
            .text(" for the chat ended; the bot took them out of the network"),
        (_, Some(AuditAction::ConsentGive(kind) | AuditAction::ConsentWithdraw(kind))) => {
            let giving = matches!(action, Some(AuditAction::ConsentGive(_)));
            let kind = info_kind_label(language, kind);
            match (dutch, giving) {
                (true, true) => Text::new()
                    .person(&actor)
                    .text(" gaf ")
                    .merge(who())
                    .text(&format!(" toestemming voor {kind}")),
                (false, true) => Text::new()
                    .person(&actor)
                    .text(" gave ")
                    .merge(who())
                    .text(&format!(" consent for {kind}")),
                (true, false) => Text::new()
                    .person(&actor)
                    .text(" trok de toestemming van ")
                    .merge(who())
                    .text(&format!(" voor {kind} in")),
                (false, false) => Text::new()
                    .person(&actor)
                    .text(" withdrew ")
                    .merge(who())
                    .text(&format!("'s consent for {kind}")),
            }
        }
        (true, Some(AuditAction::ProposalDecide)) => Text::new()
            .person(&actor)
            .text(" besliste over voorstel ")
            .merge(who()),
        (false, Some(AuditAction::ProposalDecide)) => Text::new()
            .person(&actor)
            .text(" decided on proposal ")
            .merge(who()),
        (true, Some(AuditAction::RoomRefuseUpgrade)) => Text::new()
            .person(&actor)
            .text(" verving het gesprek door een ander gesprek; de bot bleef hier"),
        (false, Some(AuditAction::RoomRefuseUpgrade)) => Text::new()
            .person(&actor)
            .text(" replaced the chat by another one; the bot stayed here"),
        // The meeting's object is its random id, which means nothing to a reader.
        (_, Some(AuditAction::Meeting(action))) => Text::new()
            .person(&actor)
            .text(crate::meeting::logbook_words(language, action)),
        // So is a consult's: what it was about is never in the log.
        (_, Some(AuditAction::Consult(action))) => Text::new()
            .person(&actor)
            .text(crate::consult::chat_texts::logbook_words(language, action)),
        // Written by a newer version: shown as it is stored.
        (_, Some(AuditAction::Input(_)) | None) => Text::new()
            .person(&actor)
            .text(": ")
            .code(&entry.event_type),
    };
    if let Some(client) = &entry.on_behalf_of {
        text = text
            .text(if dutch {
                " (namens "
            } else {
                " (on behalf of "
            })
            .person(&person(client))
            .text(")");
    }
    text
}

/// `!logboek`: the client's own chronological log, newest last, for the last `days` days.
pub fn logbook(
    language: Language,
    entries: &[AuditEntry],
    days: i64,
    person: &dyn Fn(&str) -> Person,
) -> BotReply {
    let dutch = language == Language::Dutch;
    let hidden = entries.len().saturating_sub(LOGBOOK_LINES);
    let lines: Vec<Text> = entries[hidden..]
        .iter()
        .map(|entry| {
            Text::new()
                .bold(&date_time(language, entry.at))
                .text(" — ")
                .merge(log_sentence(language, entry, person))
        })
        .collect();
    let heading = if dutch {
        format!("Logboek van uw netwerk, de laatste {days} dagen")
    } else {
        format!("Log of your network, the last {days} days")
    };
    let mut builder = Builder::new().rich(Text::new().bold(&heading));
    if lines.is_empty() {
        builder = builder.paragraph(if dutch {
            "In deze periode is er niets gebeurd."
        } else {
            "Nothing happened in this period."
        });
    } else {
        if hidden > 0 {
            builder = builder.paragraph(&if dutch {
                format!("{hidden} eerdere regels laat ik niet zien. Kies een kortere periode, bijvoorbeeld !logboek 7d.")
            } else {
                format!("I leave out {hidden} earlier lines. Choose a shorter period, for example !logbook 7d.")
            });
        }
        builder = builder.list(lines);
    }
    builder
        .paragraph(if dutch {
            "Alleen u en uw vertegenwoordiger kunnen dit logboek zien."
        } else {
            "Only you and your representative can see this log."
        })
        .build()
}

/// The logbook is private: asked in the shared room, the bot points to the direct chat.
pub fn logbook_only_in_direct_chat(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph(
                "Het logboek laat ik alleen zien in uw privégesprek met mij. Typ daar !logboek.",
            )
            .build(),
        Language::English => Builder::new()
            .paragraph("I only show the log in your private chat with me. Type !logbook there.")
            .build(),
    }
}
