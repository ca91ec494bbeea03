//! What the bot says about networks: starting, inviting, proposals, removal and the overview.

use super::{BotReply, Builder, Person, PollText, Text, Who, date};
use crate::audit::AuditEntry;
use crate::command::{CommandError, CommandName};
use crate::consent::{AUDIT_ORGANISATION_PREFIX, Consent, ConsentRefusal, InfoKind, Subject, may};
use crate::consent_poll::ConsentPoll;
use crate::language::Language;
use crate::matrix_id::{MatrixId, MatrixIdError};
use crate::network::{
    InviteLink, Membership, Millis, Network, ProposalKind, ProposalState, Refusal,
};
use crate::plan::Outcome;
use crate::role::{Role, RoleError, discipline};

/// The neutral room name every network gets; the client may change it. Room names are not
/// encrypted, so they never say whose network it is.
pub const NETWORK_ROOM_NAME: &str = "Kring";

/// The reason sent with an invite. Invites are not encrypted, so it says nothing about anyone.
pub const INVITE_REASON: &str =
    "Uitnodiging voor een Kring-netwerk / Invitation to a Kring network";

/// Which Dutch (or English) words name the role, e.g. "huisarts bij De Linde".
pub fn role_label(language: Language, role: &Role) -> String {
    match (language, role) {
        (Language::Dutch, Role::Client) => "cliënt".into(),
        (Language::English, Role::Client) => "client".into(),
        (Language::Dutch, Role::Representative) => "vertegenwoordiger".into(),
        (Language::English, Role::Representative) => "representative".into(),
        (Language::Dutch, Role::Carer) => "mantelzorger of naaste".into(),
        (Language::English, Role::Carer) => "family carer or relative".into(),
        (
            _,
            Role::Professional {
                organisation,
                discipline: key,
            },
        ) => {
            let (name, at) = match (language, discipline(key)) {
                (Language::Dutch, Some(d)) => (d.dutch, "bij"),
                (Language::English, Some(d)) => (d.english, "at"),
                (Language::Dutch, None) => (key.as_str(), "bij"),
                (Language::English, None) => (key.as_str(), "at"),
            };
            format!("{name} {at} {organisation}")
        }
        (Language::Dutch, Role::Organisation) => "organisatie".into(),
        (Language::English, Role::Organisation) => "organisation".into(),
        (Language::Dutch, Role::RegionalAdmin) => "beheerder".into(),
        (Language::English, Role::RegionalAdmin) => "administrator".into(),
        (Language::Dutch, Role::Bot) => "Kring-bot".into(),
        (Language::English, Role::Bot) => "Kring bot".into(),
    }
}

/// The answer to `!start` in the direct chat.
pub fn network_started(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .lead(
                "Uw netwerk is gemaakt.",
                " U krijgt nu een uitnodiging voor een nieuw gesprek met de naam Kring.",
            )
            .rich(
                Text::new()
                    .text("Klik op ")
                    .bold("Accepteren")
                    .text(" (of Join). Daarna nodigt u daar de mensen uit die u helpen."),
            )
            .build(),
        Language::English => Builder::new()
            .lead(
                "Your network has been made.",
                " You now get an invitation to a new chat called Kring.",
            )
            .rich(
                Text::new()
                    .text("Click ")
                    .bold("Accept")
                    .text(" (or Join). Then invite the people who help you there."),
            )
            .build(),
    }
}

/// The answer to `!start voor @client …` from a professional or carer.
pub fn network_started_for(language: Language, client: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().text("Ik heb ").person(client).text(" uitgenodigd voor een nieuw netwerk."))
            .paragraph("Er wordt niets gedeeld tot de cliënt de uitnodiging accepteert. Daarna vraag ik de cliënt of u erbij mag.")
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().text("I have invited ").person(client).text(" to a new network."))
            .paragraph("Nothing is shared until the client accepts the invitation. Then I ask the client whether you may join.")
            .build(),
    }
}

pub fn already_has_network(language: Language, client_is_asker: bool) -> BotReply {
    match (language, client_is_asker) {
        (Language::Dutch, true) => Builder::new()
            .lead("U heeft al een netwerk.", " Iedereen heeft er één. Open het gesprek Kring in uw lijst om mensen uit te nodigen.")
            .build(),
        (Language::English, true) => Builder::new()
            .lead("You already have a network.", " Everyone has one. Open the chat Kring in your list to invite people.")
            .build(),
        (Language::Dutch, false) => Builder::new()
            .lead("Deze cliënt heeft al een netwerk.", " Vraag de cliënt of een lid van het netwerk om u voor te stellen.")
            .build(),
        (Language::English, false) => Builder::new()
            .lead("This client already has a network.", " Ask the client, or a member of the network, to propose you.")
            .build(),
    }
}

/// A network command where the bot cannot tell which network is meant.
pub fn not_a_network_room(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph("Deze opdracht werkt in het gesprek van een netwerk. Typ hem daar, of typ hier !start om uw eigen netwerk te beginnen.")
            .build(),
        Language::English => Builder::new()
            .paragraph("This command works in a network's chat. Type it there, or type !start here to begin your own network.")
            .build(),
    }
}

/// The first thing the client reads in their network room.
pub fn client_welcome(
    language: Language,
    client: &Person,
    started_by: Option<&Person>,
) -> BotReply {
    let builder = match language {
        Language::Dutch => {
            let mut builder = Builder::new()
                .rich(Text::new().text("Welkom ").person(client).text(". ").bold("Dit is uw netwerk."))
                .paragraph("Hier praat u met de mensen die u helpen: familie, vrienden en zorgverleners. U bepaalt wie erbij komt. Alles is versleuteld: alleen de mensen in dit gesprek kunnen het lezen. Wie later bijkomt, ziet de oudere berichten niet.");
            if let Some(starter) = started_by {
                builder = builder.rich(
                    Text::new()
                        .person(starter)
                        .text(" heeft dit netwerk voor u gestart. Ik vraag u zo of ")
                        .person(starter)
                        .text(" erbij mag."),
                );
            }
            builder.commands(&[
                (
                    "!uitnodigen @naam:server mantelzorger",
                    "iemand met een account uitnodigen",
                ),
                (
                    "!link mantelzorger",
                    "een uitnodigingslink voor iemand zonder account",
                ),
                ("!netwerk", "wie er in uw netwerk zitten"),
                ("!verwijderen @naam:server", "iemand uit het netwerk halen"),
                ("!hulp", "alle opdrachten"),
            ])
        }
        Language::English => {
            let mut builder = Builder::new()
                .rich(Text::new().text("Welcome ").person(client).text(". ").bold("This is your network."))
                .paragraph("Here you talk with the people who help you: family, friends and care professionals. You decide who joins. Everything is encrypted: only the people in this chat can read it. Whoever joins later does not see older messages.");
            if let Some(starter) = started_by {
                builder = builder.rich(
                    Text::new()
                        .person(starter)
                        .text(" started this network for you. I will ask you in a moment whether ")
                        .person(starter)
                        .text(" may join."),
                );
            }
            builder.commands(&[
                (
                    "!invite @name:server carer",
                    "invite someone who has an account",
                ),
                (
                    "!link carer",
                    "an invite link for someone without an account",
                ),
                ("!network", "who is in your network"),
                ("!remove @name:server", "take someone out of the network"),
                ("!help", "all commands"),
            ])
        }
    };
    builder.build()
}

/// Said in the room when a member joins.
pub fn member_welcome(language: Language, member: &Person, role: &Role) -> BotReply {
    let label = role_label(language, role);
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().text("Welkom ").person(member).text(" (").bold(&label).text(")."))
            .paragraph("Dit gesprek is versleuteld. De cliënt bepaalt wie erbij is. Oudere berichten zijn voor u niet zichtbaar. Typ !hulp voor uitleg.")
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().text("Welcome ").person(member).text(" (").bold(&label).text(")."))
            .paragraph("This chat is encrypted. The client decides who takes part. Older messages are not visible to you. Type !help for an explanation.")
            .build(),
    }
}

pub fn invited(language: Language, who: &Person, role: &Role) -> BotReply {
    let label = role_label(language, role);
    match language {
        Language::Dutch => Builder::new()
            .rich(
                Text::new()
                    .text("Ik heb ")
                    .person(who)
                    .text(" uitgenodigd als ")
                    .bold(&label)
                    .text(". Zodra die de uitnodiging accepteert, zeg ik het hier."),
            )
            .build(),
        Language::English => Builder::new()
            .rich(
                Text::new()
                    .text("I have invited ")
                    .person(who)
                    .text(" as ")
                    .bold(&label)
                    .text(". As soon as they accept, I will say so here."),
            )
            .build(),
    }
}

/// Someone made an account through an invite link and has been invited.
pub fn link_used(language: Language, who: &Person, role: &Role) -> BotReply {
    let label = role_label(language, role);
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().person(who).text(" heeft met een uitnodigingslink een account gemaakt. Ik heb die uitgenodigd als ").bold(&label).text("."))
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().person(who).text(" made an account with an invite link. I have invited them as ").bold(&label).text("."))
            .build(),
    }
}

/// The account does not exist or cannot be invited; the member row was rolled back.
pub fn invite_failed(language: Language, who: &MatrixId) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().text("Ik kon ").code(who.as_str()).text(" niet uitnodigen: dit account bestaat niet op deze server. Kijk of het adres goed is, of vraag een uitnodigingslink met !link."))
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().text("I could not invite ").code(who.as_str()).text(": this account does not exist on this server. Check the address, or ask for an invite link with !link."))
            .build(),
    }
}

/// What a proposal asks, in one line.
fn proposal_subject(language: Language, kind: &ProposalKind, subject: Option<&Person>) -> Text {
    // Whom a proposal is about, with the id beside a chosen name: the client decides on an
    // account, not on a name anyone could take.
    let person = |text: Text| match subject {
        Some(person) => text.person_with_id(person),
        None => text,
    };
    match (language, kind) {
        (Language::Dutch, ProposalKind::Invite { role, .. }) => person(Text::new())
            .text(" uitnodigen als ")
            .bold(&role_label(language, role)),
        (Language::English, ProposalKind::Invite { role, .. }) => {
            person(Text::new().text("invite "))
                .text(" as ")
                .bold(&role_label(language, role))
        }
        (Language::Dutch, ProposalKind::InviteLink { role }) => Text::new()
            .text("een uitnodigingslink maken voor een nieuwe ")
            .bold(&role_label(language, role)),
        (Language::English, ProposalKind::InviteLink { role }) => Text::new()
            .text("make an invite link for a new ")
            .bold(&role_label(language, role)),
        (Language::Dutch, ProposalKind::Remove { .. }) => {
            person(Text::new()).text(" uit het netwerk halen")
        }
        (Language::English, ProposalKind::Remove { .. }) => {
            person(Text::new().text("remove ")).text(" from the network")
        }
    }
}

/// The prompt the client answers with one tap.
pub fn proposal_prompt(
    language: Language,
    number: i64,
    proposer: &Person,
    client: &Person,
    kind: &ProposalKind,
    subject: Option<&Person>,
    organisation_may: &[InfoKind],
) -> BotReply {
    let what = proposal_subject(language, kind, subject);
    // A professional sees what their organisation may see: said before the client decides,
    // since the organisation is what the proposer typed.
    let inherited = match kind {
        ProposalKind::Invite {
            role: Role::Professional { organisation, .. },
            ..
        } if !organisation_may.is_empty() => {
            let kinds = organisation_may
                .iter()
                .map(|kind| info_kind_label(language, *kind))
                .collect::<Vec<_>>()
                .join(", ");
            Some(match language {
                Language::Dutch => Text::new()
                    .bold(organisation)
                    .text(&format!(" mag nu al zien: {kinds}. Zegt u ja, dan ziet deze persoon dat ook, als medewerker van "))
                    .bold(organisation)
                    .text(". Klopt het dat die persoon daar werkt?"),
                Language::English => Text::new()
                    .bold(organisation)
                    .text(&format!(" may already see: {kinds}. If you say yes, this person sees that too, as someone working at "))
                    .bold(organisation)
                    .text(". Is it right that they work there?"),
            })
        }
        _ => None,
    };
    let with_inherited = |builder: Builder| match inherited.clone() {
        Some(text) => builder.rich(text),
        None => builder,
    };
    match language {
        Language::Dutch => with_inherited(
            Builder::new().rich(
                Text::new()
                    .bold(&format!("Voorstel {number}: "))
                    .person_with_id(proposer)
                    .text(" wil ")
                    .merge(what.clone())
                    .text("."),
            ),
        )
        .rich(
            Text::new()
                .person(client)
                .text(", mag dat? Kies hieronder Ja of Nee. Of typ ")
                .code(&format!("!ja {number}"))
                .text(" of ")
                .code(&format!("!nee {number}"))
                .text("."),
        )
        .paragraph("Er gebeurt niets zonder uw ja.")
        .build(),
        Language::English => with_inherited(
            Builder::new().rich(
                Text::new()
                    .bold(&format!("Proposal {number}: "))
                    .person_with_id(proposer)
                    .text(" would like to ")
                    .merge(what)
                    .text("."),
            ),
        )
        .rich(
            Text::new()
                .person(client)
                .text(", do you agree? Choose Yes or No below. Or type ")
                .code(&format!("!yes {number}"))
                .text(" or ")
                .code(&format!("!no {number}"))
                .text("."),
        )
        .paragraph("Nothing happens without your yes.")
        .build(),
    }
}

/// The client asked to remove someone; one more tap to be sure.
pub fn removal_prompt(language: Language, number: i64, who: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(
                Text::new()
                    .bold("Weet u het zeker? ")
                    .text("Wilt u ")
                    .person_with_id(who)
                    .text(" uit uw netwerk halen?"),
            )
            .rich(
                Text::new()
                    .text("Kies hieronder Ja of Nee. Of typ ")
                    .code(&format!("!ja {number}"))
                    .text(" of ")
                    .code(&format!("!nee {number}"))
                    .text("."),
            )
            .build(),
        Language::English => Builder::new()
            .rich(
                Text::new()
                    .bold("Are you sure? ")
                    .text("Do you want to remove ")
                    .person_with_id(who)
                    .text(" from your network?"),
            )
            .rich(
                Text::new()
                    .text("Choose Yes or No below. Or type ")
                    .code(&format!("!yes {number}"))
                    .text(" or ")
                    .code(&format!("!no {number}"))
                    .text("."),
            )
            .build(),
    }
}

/// Told to the client when someone who steers their network turned up with new security keys:
/// until the region's administrator has checked it is them, the bot carries out nothing they ask.
pub fn steering_paused(language: Language, who: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().bold("Let op: ").person_with_id(who).text(" heeft nieuwe beveiligingssleutels."))
            .paragraph("Dat gebeurt bij een nieuwe telefoon of een verloren herstelsleutel, maar het kan ook betekenen dat iemand anders het account gebruikt. Tot de beheerder van uw regio heeft nagegaan dat het echt die persoon is, voer ik niets uit wat via dat account gevraagd wordt.")
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().bold("Please note: ").person_with_id(who).text(" has new security keys."))
            .paragraph("That happens with a new phone or a lost recovery key, but it can also mean someone else is using the account. Until your region's administrator has checked it is really that person, I carry out nothing asked through that account.")
            .build(),
    }
}

/// The administrator checked a steering person's new keys; told to them and to the client.
pub fn steering_resumed(language: Language, who: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(
                Text::new()
                    .text("De beheerder heeft nagegaan dat de nieuwe beveiligingssleutels van ")
                    .person_with_id(who)
                    .text(
                        " echt van die persoon zijn. Ik voer opdrachten van dat account weer uit.",
                    ),
            )
            .build(),
        Language::English => Builder::new()
            .rich(
                Text::new()
                    .text("The administrator checked that the new security keys of ")
                    .person_with_id(who)
                    .text(" really belong to them. I carry out commands from that account again."),
            )
            .build(),
    }
}

/// A proposal whose proposer is no longer in the network: nobody decides on it any more.
pub fn proposal_lapsed(language: Language, number: i64, proposer: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(
                Text::new()
                    .bold(&format!("Voorstel {number} is vervallen: "))
                    .person(proposer)
                    .text(" zit niet meer in het netwerk. Er verandert niets."),
            )
            .build(),
        Language::English => Builder::new()
            .rich(
                Text::new()
                    .bold(&format!("Proposal {number} has lapsed: "))
                    .person(proposer)
                    .text(" is no longer in the network. Nothing changes."),
            )
            .build(),
    }
}

/// Someone changed a setting the network room keeps; the bot put it back.
pub fn setting_restored(language: Language, who: &Person, event_type: &str) -> BotReply {
    let dutch = language == Language::Dutch;
    let what = match (dutch, event_type) {
        (true, "m.room.join_rules") => "wie er zonder uitnodiging binnen mag komen",
        (false, "m.room.join_rules") => "who may come in without an invitation",
        (true, "m.room.history_visibility") => "wie eerdere berichten mag lezen",
        (false, "m.room.history_visibility") => "who may read earlier messages",
        (true, "m.room.guest_access") => "of gasten mogen meedoen",
        (false, "m.room.guest_access") => "whether guests may take part",
        (true, "m.room.encryption") => "hoe het gesprek versleuteld is",
        (false, "m.room.encryption") => "how the chat is encrypted",
        (true, "m.room.power_levels") => "wie wat mag doen in het gesprek",
        (false, "m.room.power_levels") => "who may do what in the chat",
        (true, "m.room.canonical_alias") => "het adres van het gesprek (dat is niet versleuteld)",
        (false, "m.room.canonical_alias") => "the chat's address (which is not encrypted)",
        (true, _) => {
            "de naam, het onderwerp of de afbeelding van het gesprek (die zijn niet versleuteld)"
        }
        (false, _) => "the chat's name, topic or picture (which are not encrypted)",
    };
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().person(who).text(&format!(" veranderde {what}. Ik heb dat teruggezet: wie erbij mag en wat die mag lezen, regelt de cliënt met mij (!uitnodigen, !toestemming).")))
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().person(who).text(&format!(" changed {what}. I have put it back: who may join and what they may read is up to the client, through me (!invite, !consent).")))
            .build(),
    }
}

/// Someone replaced the network room by another (a room upgrade, possible only from the
/// client's own account): the bot stays here and does not follow.
pub fn upgrade_refused(language: Language, who: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().person(who).text(" heeft dit gesprek laten vervangen door een nieuw gesprek. Dat nieuwe gesprek heb ik niet gemaakt, dus ik ga er niet heen: wie daar meeleest, heeft de cliënt niet via mij gekozen. Ik blijf hier. Was u dit niet? Verander dan uw wachtwoord en meld het bij de beheerder van uw regio."))
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().person(who).text(" had this chat replaced by a new one. I did not make that new chat, so I am not going there: whoever reads along there was not chosen by the client through me. I am staying here. Was this not you? Then change your password and tell your region's administrator."))
            .build(),
    }
}

/// Someone who steers more than one network asked, in their private chat, for something about
/// one of them: which one is not guessed. `clients` are the networks' clients, in the order the
/// answer's number counts.
pub fn which_network(language: Language, command: &str, clients: &[Person]) -> BotReply {
    let numbered = |word: &str| -> Vec<Text> {
        clients
            .iter()
            .enumerate()
            .map(|(index, client)| {
                Text::new()
                    .bold(&format!("{}", index + 1))
                    .text(&format!(" {word} "))
                    .person_with_id(client)
            })
            .collect()
    };
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().text("U beslist mee in meer dan één netwerk. Over welk netwerk gaat ").code(command).text("? Antwoord met het nummer:"))
            .list(numbered("het netwerk van"))
            .paragraph("Of typ de opdracht in het gesprek \"Kring\" van dat netwerk; het antwoord komt dan hier.")
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().text("You help decide in more than one network. Which network is ").code(command).text(" about? Answer with its number:"))
            .list(numbered("the network of"))
            .paragraph("Or type the command in that network's \"Kring\" chat; the answer then comes here.")
            .build(),
    }
}

/// A number answered to "which network?" that is not on the list.
pub fn not_a_listed_network(language: Language, count: usize) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph(&format!("Dat nummer staat niet in de lijst. Antwoord met een nummer van 1 tot en met {count}. Er is niets veranderd."))
            .build(),
        Language::English => Builder::new()
            .paragraph(&format!("That number is not on the list. Answer with a number from 1 to {count}. Nothing has changed."))
            .build(),
    }
}

/// Said in the network room when the log asked for there went to the private chat.
pub fn logbook_sent_privately(language: Language) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .paragraph("Het logboek staat in uw privégesprek met mij.")
            .build(),
        Language::English => Builder::new()
            .paragraph("The log is in your private chat with me.")
            .build(),
    }
}

/// Someone made an account through a link for a representative: before they are let in with
/// that power, the client says whether this is the person the link was for.
pub fn representative_link_used(language: Language, who: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().text("Met de uitnodigingslink voor een vertegenwoordiger is een account gemaakt: ").person_with_id(who).text("."))
            .paragraph("Een vertegenwoordiger beslist mee over uw netwerk. Is dit de persoon voor wie de link was? Pas als u ja zegt, nodig ik die persoon uit. Er is nog niets gedeeld.")
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().text("An account was made with the invite link for a representative: ").person_with_id(who).text("."))
            .paragraph("A representative helps decide about your network. Is this the person the link was for? Only if you say yes do I invite them. Nothing has been shared yet.")
            .build(),
    }
}

/// The answer ids of a proposal poll (what a vote carries; the texts are for people).
pub const PROPOSAL_YES: &str = "ja";
pub const PROPOSAL_NO: &str = "nee";

/// The poll under a proposal's prompt: one tap decides, and the vote is encrypted.
pub fn proposal_poll(language: Language, number: i64) -> PollText {
    let (question, yes, no) = match language {
        Language::Dutch => (
            format!("Voorstel {number}: mag dat?"),
            "Ja, dat mag",
            "Nee, liever niet",
        ),
        Language::English => (
            format!("Proposal {number}: do you agree?"),
            "Yes, agreed",
            "No, rather not",
        ),
    };
    PollText {
        question,
        answers: vec![
            (PROPOSAL_YES.to_owned(), yes.to_owned()),
            (PROPOSAL_NO.to_owned(), no.to_owned()),
        ],
    }
}

pub fn proposal_poll_ended(language: Language) -> String {
    match language {
        Language::Dutch => "Beslist. Deze keuzelijst is gesloten.".to_owned(),
        Language::English => "Decided. This poll is closed.".to_owned(),
    }
}

/// The client said no; the proposer hears it.
pub fn proposal_refused(
    language: Language,
    number: i64,
    proposer: &Person,
    kind: &ProposalKind,
) -> BotReply {
    match (language, kind) {
        (Language::Dutch, ProposalKind::Remove { .. }) => Builder::new()
            .rich(
                Text::new()
                    .text("Goed, ik doe niets. (verzoek ")
                    .text(&number.to_string())
                    .text(")"),
            )
            .build(),
        (Language::English, ProposalKind::Remove { .. }) => Builder::new()
            .rich(
                Text::new()
                    .text("Fine, I will do nothing. (request ")
                    .text(&number.to_string())
                    .text(")"),
            )
            .build(),
        (Language::Dutch, _) => Builder::new()
            .rich(
                Text::new()
                    .bold(&format!("Voorstel {number} is niet aangenomen. "))
                    .person(proposer)
                    .text(", de cliënt heeft nee gezegd. Er is niets veranderd."),
            )
            .build(),
        (Language::English, _) => Builder::new()
            .rich(
                Text::new()
                    .bold(&format!("Proposal {number} was not accepted. "))
                    .person(proposer)
                    .text(", the client said no. Nothing has changed."),
            )
            .build(),
    }
}

/// The client said yes to someone else's proposal; said before the action's own confirmation.
pub fn proposal_approved(language: Language, number: i64, proposer: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(
                Text::new()
                    .bold(&format!("Voorstel {number} is aangenomen. "))
                    .person(proposer)
                    .text(", de cliënt heeft ja gezegd."),
            )
            .build(),
        Language::English => Builder::new()
            .rich(
                Text::new()
                    .bold(&format!("Proposal {number} was accepted. "))
                    .person(proposer)
                    .text(", the client said yes."),
            )
            .build(),
    }
}

pub fn removed(language: Language, who: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(
                Text::new()
                    .person(who)
                    .text(" is uit het netwerk gehaald. ")
                    .bold("Nieuwe berichten kan die niet meer lezen."),
            )
            .build(),
        Language::English => Builder::new()
            .rich(
                Text::new()
                    .person(who)
                    .text(" has been removed from the network. ")
                    .bold("They cannot read new messages."),
            )
            .build(),
    }
}

pub fn left(language: Language, who: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().person(who).text(" heeft het netwerk verlaten."))
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().person(who).text(" has left the network."))
            .build(),
    }
}

/// Someone was invited (or joined) around the bot; the bot undid it.
pub fn membership_undone(language: Language, who: &Person, client: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().person(client).text(": ").person(who).text(" werd uitgenodigd buiten mij om. ").bold("Ik heb dat ongedaan gemaakt."))
            .rich(Text::new().text("Zo weet ik altijd wie er in uw netwerk zit en met welke rol. Wilt u ").person(who).text(" toch uitnodigen? Typ ").code(&format!("!uitnodigen {} mantelzorger", who.id)).text(" (of een andere rol)."))
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().person(client).text(": ").person(who).text(" was invited without going through me. ").bold("I have undone that."))
            .rich(Text::new().text("That way I always know who is in your network and in which role. Do you want to invite ").person(who).text(" after all? Type ").code(&format!("!invite {} carer", who.id)).text(" (or another role)."))
            .build(),
    }
}

/// Someone was given the power to invite or remove around the bot; the bot took it back.
pub fn power_undone(language: Language, who: &[Person], client: &Person) -> BotReply {
    let mut names = Text::new();
    for (index, person) in who.iter().enumerate() {
        if index > 0 {
            names = names.text(", ");
        }
        names = names.person(person);
    }
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().person(client).text(": ").merge(names).text(" kreeg rechten om mensen uit te nodigen of weg te halen. ").bold("Ik heb dat teruggezet."))
            .paragraph("Alleen u en uw vertegenwoordiger beslissen wie er in uw netwerk zit. Wilt u iemand als vertegenwoordiger? Typ !uitnodigen @naam:server vertegenwoordiger.")
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().person(client).text(": ").merge(names).text(" was given the right to invite or remove people. ").bold("I have undone that."))
            .paragraph("Only you and your representative decide who is in your network. Want someone as your representative? Type !invite @name:server representative.")
            .build(),
    }
}

/// The client declined a network a professional started for them.
pub fn client_declined(language: Language, client: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(
                Text::new()
                    .person(client)
                    .text(" heeft het netwerk niet geaccepteerd. Er is niets gedeeld."),
            )
            .build(),
        Language::English => Builder::new()
            .rich(
                Text::new()
                    .person(client)
                    .text(" did not accept the network. Nothing was shared."),
            )
            .build(),
    }
}

pub fn link_created(language: Language, url: &str, link: &InviteLink) -> BotReply {
    let role = role_label(language, &link.role);
    let until = date(language, link.expires_at);
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().bold("Hier is de uitnodigingslink").text(&format!(" voor een {role}:")))
            .rich(Text::new().link(url))
            .rich(Text::new().text("Stuur hem naar die persoon, bijvoorbeeld per WhatsApp of mail. De link werkt één keer en tot ").bold(&until).text(". Intrekken: typ ").code(&format!("!intrekken {}", link.id)).text("."))
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().bold("Here is the invite link").text(&format!(" for a {role}:")))
            .rich(Text::new().link(url))
            .rich(Text::new().text("Send it to that person, for example by WhatsApp or e-mail. The link works once and until ").bold(&until).text(". To revoke it, type ").code(&format!("!revoke {}", link.id)).text("."))
            .build(),
    }
}

/// Said in the network room when a link is made: who made it and for which role, never the
/// link itself, which only its maker sees (in their private chat).
pub fn link_announced(language: Language, maker: &Person, link: &InviteLink) -> BotReply {
    let role = role_label(language, &link.role);
    let until = date(language, link.expires_at);
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().person(maker).text(&format!(" heeft een uitnodigingslink gemaakt voor een {role}. De link werkt één keer en tot ")).bold(&until).text(". Hij staat alleen in het privégesprek van de maker met mij. Intrekken: typ ").code(&format!("!intrekken {}", link.id)).text("."))
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().person(maker).text(&format!(" made an invite link for a {role}. The link works once and until ")).bold(&until).text(". Only its maker sees it, in their private chat with me. To revoke it, type ").code(&format!("!revoke {}", link.id)).text("."))
            .build(),
    }
}

/// An invite link is only ever given in a private chat; the person who asked has none with
/// the bot yet.
pub fn link_needs_private_chat(language: Language, asker: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().person(asker).text(", een uitnodigingslink geef ik alleen in een privégesprek, zodat niemand anders hem kan gebruiken. Begin een gesprek met mij en vraag de link daar. Er is nog geen link gemaakt."))
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().person(asker).text(", I only give an invite link in a private chat, so that nobody else can use it. Start a chat with me and ask for the link there. No link has been made yet."))
            .build(),
    }
}

pub fn link_revoked(language: Language, id: &str) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(
                Text::new()
                    .text("De link ")
                    .code(id)
                    .text(" is ingetrokken. Niemand kan hem meer gebruiken."),
            )
            .build(),
        Language::English => Builder::new()
            .rich(
                Text::new()
                    .text("The link ")
                    .code(id)
                    .text(" has been revoked. Nobody can use it any more."),
            )
            .build(),
    }
}

/// A vote on a proposal's poll by someone who may not decide.
pub fn not_yours_to_decide(language: Language, who: &Person, client: &Person) -> BotReply {
    match language {
        Language::Dutch => Builder::new()
            .rich(Text::new().person(who).text(", alleen ").person(client).text(" (of de vertegenwoordiger) kan hierover beslissen. Uw keuze telt daarom niet."))
            .build(),
        Language::English => Builder::new()
            .rich(Text::new().person(who).text(", only ").person(client).text(" (or their representative) can decide this. Your choice therefore does not count."))
            .build(),
    }
}

pub fn refusal(language: Language, refusal: &Refusal) -> BotReply {
    let dutch = language == Language::Dutch;
    let text = match refusal {
        Refusal::NotAMember => {
            if dutch {
                Text::new()
                    .text("U zit niet (meer) in dit netwerk. Daarom kan ik dit niet voor u doen.")
            } else {
                Text::new().text(
                    "You are not (or no longer) in this network, so I cannot do this for you.",
                )
            }
        }
        Refusal::NotActive => {
            if dutch {
                Text::new().text("Dit netwerk is nog niet geaccepteerd door de cliënt, of het is gesloten. Er kan nu niets veranderen.")
            } else {
                Text::new().text("The client has not accepted this network yet, or it has been closed. Nothing can change now.")
            }
        }
        Refusal::OnlyClientMay => {
            if dutch {
                Text::new().text("Alleen de cliënt (of de vertegenwoordiger) kan dit doen. Wilt u iemand voorstellen? Typ ").code("!uitnodigen @naam:server rol").text(".")
            } else {
                Text::new().text("Only the client (or their representative) can do this. Want to propose someone? Type ").code("!invite @name:server role").text(".")
            }
        }
        Refusal::OnlyClientAppointsRepresentative => {
            if dutch {
                Text::new()
                    .text("Alleen de cliënt zelf kan een vertegenwoordiger kiezen of weghalen.")
            } else {
                Text::new()
                    .text("Only the client themselves can choose or remove a representative.")
            }
        }
        Refusal::AlreadyInNetwork { user } => {
            if dutch {
                Text::new()
                    .code(user.as_str())
                    .text(" zit al in dit netwerk of is al uitgenodigd. Er is niets veranderd.")
            } else {
                Text::new()
                    .code(user.as_str())
                    .text(" is already in this network or already invited. Nothing has changed.")
            }
        }
        Refusal::AlreadyProposed { number } => {
            if dutch {
                Text::new().text(&format!(
                    "Hierover loopt al voorstel {number}. De cliënt beslist daar eerst over."
                ))
            } else {
                Text::new().text(&format!(
                    "Proposal {number} is already about this. The client decides on that first."
                ))
            }
        }
        Refusal::NotInNetwork { user } => {
            if dutch {
                Text::new()
                    .code(user.as_str())
                    .text(" zit niet in dit netwerk. Typ !netwerk om te zien wie er in zitten.")
            } else {
                Text::new()
                    .code(user.as_str())
                    .text(" is not in this network. Type !network to see who is.")
            }
        }
        Refusal::CannotRemoveClient => {
            if dutch {
                Text::new().text("De cliënt kan niet uit het eigen netwerk worden gehaald.")
            } else {
                Text::new().text("The client cannot be removed from their own network.")
            }
        }
        Refusal::CannotRemoveBot => {
            if dutch {
                Text::new().text("Ik hoor bij het netwerk: zonder mij kan niemand meer uitgenodigd worden. Ik blijf.")
            } else {
                Text::new().text(
                    "I belong to the network: without me nobody could be invited any more. I stay.",
                )
            }
        }
        Refusal::UnknownProposal { number } => {
            if dutch {
                Text::new().text(&format!(
                    "Er is geen voorstel {number}. Typ !netwerk om de open voorstellen te zien."
                ))
            } else {
                Text::new().text(&format!(
                    "There is no proposal {number}. Type !network to see the open proposals."
                ))
            }
        }
        Refusal::AlreadyDecided { number, state } => {
            let said = match (dutch, state) {
                (true, ProposalState::Approved) => "ja",
                (true, ProposalState::Lapsed) => "geen: het is vervallen",
                (true, _) => "nee",
                (false, ProposalState::Approved) => "yes",
                (false, ProposalState::Lapsed) => "none: it lapsed",
                (false, _) => "no",
            };
            if dutch {
                Text::new().text(&format!("Over voorstel {number} is al beslist: het antwoord was {said}. Er is niets veranderd."))
            } else {
                Text::new().text(&format!("Proposal {number} has already been decided: the answer was {said}. Nothing has changed."))
            }
        }
        Refusal::UnknownLink { id } => {
            if dutch {
                Text::new()
                    .text("Er is geen link ")
                    .code(id)
                    .text(". Typ !netwerk om de open links te zien.")
            } else {
                Text::new()
                    .text("There is no link ")
                    .code(id)
                    .text(". Type !network to see the open links.")
            }
        }
        Refusal::LinkNotUsable { id } => {
            if dutch {
                Text::new()
                    .text("De link ")
                    .code(id)
                    .text(" is al gebruikt, ingetrokken of verlopen.")
            } else {
                Text::new()
                    .text("The link ")
                    .code(id)
                    .text(" has already been used, revoked or has expired.")
            }
        }
        Refusal::ClientCannotLeave => {
            if dutch {
                Text::new().text("Dit is uw eigen netwerk; u kunt het niet verlaten. Wilt u iemand weghalen? Typ ").code("!verwijderen @naam:server").text(".")
            } else {
                Text::new().text("This is your own network; you cannot leave it. Want to remove someone? Type ").code("!remove @name:server").text(".")
            }
        }
        Refusal::TooManyOpenProposals { max } => {
            if dutch {
                Text::new().text(&format!("U hebt al {max} voorstellen die op de cliënt wachten. Wacht tot daarover is beslist en doe dan een nieuw voorstel."))
            } else {
                Text::new().text(&format!("You already have {max} proposals waiting for the client. Wait until they are decided, then make a new one."))
            }
        }
    };
    Builder::new().rich(text).build()
}

fn usage(language: Language, command: CommandName) -> &'static str {
    match (language, command) {
        (Language::Dutch, CommandName::Start) => {
            "!start (uw eigen netwerk) of !start voor @cliënt:server huisarts Praktijknaam"
        }
        (Language::English, CommandName::Start) => {
            "!start (your own network) or !start for @client:server gp Practice name"
        }
        (Language::Dutch, CommandName::Invite) => {
            "!uitnodigen @naam:server mantelzorger (of: vertegenwoordiger, of huisarts Praktijknaam)"
        }
        (Language::English, CommandName::Invite) => {
            "!invite @name:server carer (or: representative, or gp Practice name)"
        }
        (Language::Dutch, CommandName::InviteLink) => {
            "!link mantelzorger (of: vertegenwoordiger, of huisarts Praktijknaam)"
        }
        (Language::English, CommandName::InviteLink) => {
            "!link carer (or: representative, or gp Practice name)"
        }
        (Language::Dutch, CommandName::Remove) => "!verwijderen @naam:server",
        (Language::English, CommandName::Remove) => "!remove @name:server",
        (Language::Dutch, CommandName::Decide) => "!ja 3 of !nee 3 (het nummer van het voorstel)",
        (Language::English, CommandName::Decide) => "!yes 3 or !no 3 (the proposal's number)",
        (Language::Dutch, CommandName::RevokeLink) => {
            "!intrekken k3f9 (de code van de link uit !netwerk)"
        }
        (Language::English, CommandName::RevokeLink) => {
            "!revoke k3f9 (the link's code from !network)"
        }
        (Language::Dutch, CommandName::Consent) => {
            "!toestemming (overzicht) of !toestemming @naam:server afspraken ja (of nee), eventueel met: tot 2026-12-31"
        }
        (Language::English, CommandName::Consent) => {
            "!consent (overview) or !consent @name:server appointments yes (or no), optionally with: until 2026-12-31"
        }
        (Language::Dutch, CommandName::Logbook) => "!logboek 30d (dagen; ook 2w, 6m of 1j)",
        (Language::English, CommandName::Logbook) => "!logbook 30d (days; also 2w, 6m or 1y)",
    }
}

pub(super) fn network_command_error(language: Language, error: &CommandError) -> BotReply {
    let dutch = language == Language::Dutch;
    let (problem, command) = match error {
        CommandError::Incomplete { command } => (
            if dutch {
                Text::new().text("Er mist iets in deze opdracht.")
            } else {
                Text::new().text("Something is missing in this command.")
            },
            *command,
        ),
        CommandError::BadMatrixId { command, error } => {
            let why = match (dutch, error) {
                (true, MatrixIdError::MissingAt | MatrixIdError::MissingServer) => {
                    "Een adres ziet er zo uit: @naam:server."
                }
                (false, MatrixIdError::MissingAt | MatrixIdError::MissingServer) => {
                    "An address looks like this: @name:server."
                }
                (true, MatrixIdError::BadName) => {
                    "Het deel na de @ mag alleen kleine letters, cijfers en . _ = - / + bevatten."
                }
                (false, MatrixIdError::BadName) => {
                    "The part after the @ may only contain lower-case letters, digits and . _ = - / +."
                }
                (true, MatrixIdError::BadServer) => {
                    "Het deel na de dubbele punt is geen geldige server."
                }
                (false, MatrixIdError::BadServer) => {
                    "The part after the colon is not a valid server."
                }
                (true, MatrixIdError::TooLong) => "Het adres is te lang.",
                (false, MatrixIdError::TooLong) => "The address is too long.",
            };
            let lead = if dutch {
                "Dat is geen geldig Matrix-adres. "
            } else {
                "That is not a valid Matrix address. "
            };
            (Text::new().bold(lead).text(why), *command)
        }
        CommandError::BadRole { command, error } => {
            let text = match (dutch, error) {
                (true, RoleError::Missing) => Text::new().text("Welke rol krijgt deze persoon?"),
                (false, RoleError::Missing) => Text::new().text("Which role does this person get?"),
                (true, RoleError::Unknown { word }) => Text::new().text("De rol ").code(word).text(" ken ik niet. Kies mantelzorger, naaste, vertegenwoordiger, of een beroep zoals huisarts, fact-team, wijkverpleging of buurtteam."),
                (false, RoleError::Unknown { word }) => Text::new().text("I do not know the role ").code(word).text(". Choose carer, relative, representative, or a profession such as gp, fact-team, district-nurse or social-team."),
                (true, RoleError::MissingOrganisation) => Text::new().text("Bij een zorgverlener hoort de naam van de organisatie, bijvoorbeeld: huisarts Praktijk De Linde."),
                (false, RoleError::MissingOrganisation) => Text::new().text("A care professional needs the name of their organisation, for example: gp Practice De Linde."),
                (true, RoleError::OrganisationTooLong) => Text::new().text("De naam van de organisatie is te lang (hoogstens 80 tekens)."),
                (false, RoleError::OrganisationTooLong) => Text::new().text("The organisation's name is too long (at most 80 characters)."),
            };
            (text, *command)
        }
        CommandError::BadPeriod { word } => (
            if dutch {
                Text::new()
                    .text("De periode ")
                    .code(word)
                    .text(" begrijp ik niet.")
            } else {
                Text::new()
                    .text("I do not understand the period ")
                    .code(word)
                    .text(".")
            },
            CommandName::Logbook,
        ),
        CommandError::UnknownInfoKind { word } => {
            (
                if dutch {
                    Text::new().text("De soort gegevens ").code(word).text(" ken ik niet. Kies chat, geschiedenis, afspraken, vragenlijsten, consult of gegevens.")
                } else {
                    Text::new().text("I do not know the kind of information ").code(word).text(". Choose chat, history, appointments, questionnaires, consult or data.")
                },
                CommandName::Consent,
            )
        }
        CommandError::BadDate { word } => {
            (
                if dutch {
                    Text::new().text("De datum ").code(word).text(" begrijp ik niet. Schrijf hem als jaar-maand-dag, bijvoorbeeld 2026-12-31.")
                } else {
                    Text::new()
                        .text("I do not understand the date ")
                        .code(word)
                        .text(". Write it as year-month-day, for example 2026-12-31.")
                },
                CommandName::Consent,
            )
        }
        CommandError::BadNumber { command } => (
            if dutch {
                Text::new().text("Ik zie geen geldig nummer van een voorstel.")
            } else {
                Text::new().text("I do not see a valid proposal number.")
            },
            *command,
        ),
        _ => (Text::new(), CommandName::Start),
    };
    let how = if dutch {
        "Zo typt u het: "
    } else {
        "This is how to type it: "
    };
    let nothing = if dutch {
        " Er is niets veranderd."
    } else {
        " Nothing has changed."
    };
    Builder::new()
        .rich(problem.text(nothing))
        .rich(Text::new().text(how).code(usage(language, command)))
        .build()
}

/// `!netwerk`: members, open proposals and usable links. `person` finds the display name.
pub fn overview(
    language: Language,
    network: &Network,
    person: &dyn Fn(&MatrixId) -> Person,
    now: Millis,
) -> BotReply {
    let dutch = language == Language::Dutch;
    let mut current: Vec<_> = network
        .members
        .iter()
        .filter(|m| m.membership.is_current() && m.role != Role::Bot)
        .collect();
    current.sort_by_key(|m| (m.role != Role::Client, m.since));
    let members = current
        .iter()
        .map(|m| {
            let state = match (dutch, m.membership) {
                (true, Membership::Invited) => {
                    format!("uitgenodigd op {}", date(language, m.since))
                }
                (false, Membership::Invited) => format!("invited on {}", date(language, m.since)),
                (true, _) => format!("sinds {}", date(language, m.since)),
                (false, _) => format!("since {}", date(language, m.since)),
            };
            Text::new()
                .person(&person(&m.user))
                .text(" — ")
                .bold(&role_label(language, &m.role))
                .text(&format!(", {state}"))
        })
        .collect();
    let proposals: Vec<Text> = network
        .open_proposals()
        .map(|p| {
            let subject = match &p.kind {
                ProposalKind::Invite { user, .. } | ProposalKind::Remove { user } => {
                    Some(person(user))
                }
                ProposalKind::InviteLink { .. } => None,
            };
            Text::new()
                .bold(&format!("{} ", p.number))
                .person(&person(&p.proposed_by))
                .text(": ")
                .merge(proposal_subject(language, &p.kind, subject.as_ref()))
        })
        .collect();
    let links: Vec<Text> = network
        .links
        .iter()
        .filter(|link| link.usable_at(now))
        .map(|link| {
            let until = date(language, link.expires_at);
            Text::new()
                .code(&link.id)
                .text(if dutch { " voor een " } else { " for a " })
                .bold(&role_label(language, &link.role))
                .text(&if dutch {
                    format!(", geldig tot {until}")
                } else {
                    format!(", valid until {until}")
                })
        })
        .collect();
    let heading = |nl: &str, en: &str| Text::new().bold(if dutch { nl } else { en });
    let mut builder = Builder::new()
        .rich(
            heading("Wie zitten er in dit netwerk", "Who is in this network")
                .text(&format!(" ({})", current.len())),
        )
        .list(members);
    builder = if proposals.is_empty() {
        builder.rich(
            heading("Open voorstellen: ", "Open proposals: ").text(if dutch {
                "geen."
            } else {
                "none."
            }),
        )
    } else {
        builder
            .rich(
                heading("Open voorstellen", "Open proposals").text(if dutch {
                    " (beslis met !ja of !nee en het nummer)"
                } else {
                    " (decide with !yes or !no and the number)"
                }),
            )
            .list(proposals)
    };
    builder = if links.is_empty() {
        builder.rich(
            heading("Open uitnodigingslinks: ", "Open invite links: ").text(if dutch {
                "geen."
            } else {
                "none."
            }),
        )
    } else {
        builder
            .rich(
                heading("Open uitnodigingslinks", "Open invite links").text(if dutch {
                    " (intrekken met !intrekken en de code)"
                } else {
                    " (revoke with !revoke and the code)"
                }),
            )
            .list(links)
    };
    builder.build()
}

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

fn date_time(language: Language, at: Millis) -> String {
    use chrono::{TimeZone, Timelike};
    let time = chrono::Utc
        .timestamp_millis_opt(at)
        .single()
        .map(|utc| utc.with_timezone(&chrono_tz::Europe::Amsterdam))
        .map(|local| format!("{:02}:{:02}", local.hour(), local.minute()))
        .unwrap_or_default();
    format!("{} {time}", date(language, at))
}

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
