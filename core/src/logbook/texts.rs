//! What the logbook says: one sentence per audit entry.

use crate::audit::AuditEntry;
use crate::consent::AUDIT_ORGANISATION_PREFIX;
use crate::consent::InfoKind;
use crate::consent::texts::info_kind_label;
use crate::language::Language;
use crate::messages::{BotReply, Builder, Person, Text, date_time};
use crate::plan::Outcome;

/// How many log lines fit in one message; older ones are counted, not shown.
pub const LOGBOOK_LINES: usize = 50;

/// One audit entry as a sentence.
/// What someone tried, for a refused attempt in the log.
fn attempt_label(language: Language, action: &str) -> &'static str {
    let dutch = language == Language::Dutch;
    match action {
        "member.invite" if dutch => "iemand uit te nodigen",
        "member.invite" => "invite someone",
        "link.create" if dutch => "een uitnodigingslink te maken",
        "link.create" => "make an invite link",
        "member.remove" if dutch => "iemand uit het netwerk te halen",
        "member.remove" => "remove someone",
        "proposal.decide" if dutch => "over een voorstel te beslissen",
        "proposal.decide" => "decide on a proposal",
        "link.revoke" if dutch => "een link in te trekken",
        "link.revoke" => "revoke a link",
        "member.leave" if dutch => "het netwerk te verlaten",
        "member.leave" => "leave the network",
        "room.refuse_upgrade" if dutch => "het gesprek te vervangen door een ander gesprek",
        "room.refuse_upgrade" => "replace the chat by another one",
        "input.not_encrypted" if dutch => "iets te veranderen met een onversleuteld bericht",
        "input.not_encrypted" => "change something with an unencrypted message",
        "input.unconfirmed_device" if dutch => {
            "iets te veranderen vanaf een apparaat dat niet bevestigd is"
        }
        "input.unconfirmed_device" => "change something from a device nobody confirmed",
        "input.changed_identity" if dutch => {
            "iets te veranderen met beveiligingssleutels die veranderd zijn"
        }
        "input.changed_identity" => "change something with security keys that changed",
        other if other.starts_with("consent.give.") && dutch => "toestemming te geven",
        other if other.starts_with("consent.give.") => "give consent",
        other if other.starts_with("consent.") && dutch => "toestemming te veranderen",
        other if other.starts_with("consent.") => "change consent",
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
    let attempt = entry.outcome == Outcome::Refused.code()
        && !matches!(
            entry.event_type.as_str(),
            "proposal.refuse" | "network.decline"
        );
    let mut text = match (dutch, entry.event_type.as_str()) {
        (_, action) if attempt => Text::new()
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
        (true, "network.start") => Text::new().person(&actor).text(" startte het netwerk"),
        (false, "network.start") => Text::new().person(&actor).text(" started the network"),
        (true, "network.accept") => who().text(" accepteerde het netwerk"),
        (false, "network.accept") => who().text(" accepted the network"),
        (true, "network.decline") => who().text(" wees het netwerk af"),
        (false, "network.decline") => who().text(" declined the network"),
        (true, "member.invite") => Text::new()
            .person(&actor)
            .text(" nodigde ")
            .merge(who())
            .text(" uit"),
        (false, "member.invite") => Text::new().person(&actor).text(" invited ").merge(who()),
        (true, "member.join") => who().text(" kwam erbij"),
        (false, "member.join") => who().text(" joined"),
        (true, "member.leave") => who().text(" verliet het netwerk"),
        (false, "member.leave") => who().text(" left the network"),
        (true, "member.remove") => Text::new()
            .person(&actor)
            .text(" haalde ")
            .merge(who())
            .text(" uit het netwerk"),
        (false, "member.remove") => Text::new().person(&actor).text(" removed ").merge(who()),
        (true, "member.undo_unapproved") => Text::new()
            .text("de bot maakte een uitnodiging van ")
            .merge(who())
            .text(" ongedaan"),
        (false, "member.undo_unapproved") => Text::new()
            .text("the bot undid an invitation of ")
            .merge(who()),
        (true, "power.undo_unapproved") => Text::new()
            .text("de bot nam rechten van ")
            .merge(who())
            .text(" terug"),
        (false, "power.undo_unapproved") => Text::new()
            .text("the bot took back rights of ")
            .merge(who()),
        (true, "proposal.add") => Text::new()
            .person(&actor)
            .text(&format!(" deed voorstel {object}")),
        (false, "proposal.add") => Text::new()
            .person(&actor)
            .text(&format!(" made proposal {object}")),
        (true, "proposal.approve") => Text::new()
            .person(&actor)
            .text(&format!(" zei ja tegen voorstel {object}")),
        (false, "proposal.approve") => Text::new()
            .person(&actor)
            .text(&format!(" said yes to proposal {object}")),
        (true, "proposal.refuse") => Text::new()
            .person(&actor)
            .text(&format!(" zei nee tegen voorstel {object}")),
        (false, "proposal.refuse") => Text::new()
            .person(&actor)
            .text(&format!(" said no to proposal {object}")),
        (true, "proposal.lapse") => Text::new()
            .text(&format!("voorstel {object} van "))
            .person(&actor)
            .text(" verviel: die persoon zit niet meer in het netwerk"),
        (false, "proposal.lapse") => Text::new()
            .text(&format!("proposal {object} by "))
            .person(&actor)
            .text(" lapsed: they are no longer in the network"),
        (true, "room.undo_setting") => Text::new()
            .text("de bot zette een instelling van het gesprek terug die ")
            .person(&actor)
            .text(" had veranderd"),
        (false, "room.undo_setting") => Text::new()
            .text("the bot put back a room setting ")
            .person(&actor)
            .text(" had changed"),
        (true, "link.create") => Text::new()
            .person(&actor)
            .text(&format!(" maakte uitnodigingslink {object}")),
        (false, "link.create") => Text::new()
            .person(&actor)
            .text(&format!(" made invite link {object}")),
        (true, "link.use") => Text::new().text(&format!("uitnodigingslink {object} werd gebruikt")),
        (false, "link.use") => Text::new().text(&format!("invite link {object} was used")),
        (true, "link.revoke") => Text::new()
            .person(&actor)
            .text(&format!(" trok uitnodigingslink {object} in")),
        (false, "link.revoke") => Text::new()
            .person(&actor)
            .text(&format!(" revoked invite link {object}")),
        (true, "identity.changed") => Text::new()
            .text("de beveiligingssleutels van ")
            .merge(who())
            .text(" zijn veranderd; die persoon beslist niet mee en leest de bot niet tot de beheerder heeft nagegaan wie het is"),
        (false, "identity.changed") => Text::new()
            .text("the security keys of ")
            .merge(who())
            .text(" changed; they do not decide and cannot read the bot until the administrator has checked who they are"),
        (true, "identity.confirmed") => Text::new()
            .text("de beheerder ging na dat de nieuwe beveiligingssleutels van ")
            .merge(who())
            .text(" echt van die persoon zijn"),
        (false, "identity.confirmed") => Text::new()
            .text("the administrator checked that the new security keys of ")
            .merge(who())
            .text(" really belong to them"),
        (true, "consent.end.past_history") => Text::new()
            .text("de toestemming van ")
            .merge(who())
            .text(" om eerdere berichten te lezen liep af; de bot haalde ze weg"),
        (false, "consent.end.past_history") => Text::new()
            .text("the consent of ")
            .merge(who())
            .text(" to read earlier messages ended; the bot took them away"),
        (true, other) if other.starts_with("consent.end.") => Text::new()
            .text("de toestemming van ")
            .merge(who())
            .text(" voor de chat liep af; de bot haalde die uit het netwerk"),
        (false, other) if other.starts_with("consent.end.") => Text::new()
            .text("the consent of ")
            .merge(who())
            .text(" for the chat ended; the bot took them out of the network"),
        (_, other) if other.starts_with("consent.") => {
            let giving = other.starts_with("consent.give.");
            let kind = other
                .rsplit('.')
                .next()
                .and_then(InfoKind::from_code)
                .map(|kind| info_kind_label(language, kind))
                .unwrap_or("?");
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
        (_, other) => Text::new().person(&actor).text(": ").code(other),
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
