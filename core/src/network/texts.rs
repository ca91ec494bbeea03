//! What the bot says about networks: starting, inviting, proposals, removal and the overview.

use crate::consent::InfoKind;
use crate::consent::texts::info_kind_label;
use crate::language::Language;
use crate::matrix_id::MatrixId;
use crate::messages::{BotReply, Builder, Person, PollText, Text, date};
use crate::network::{
    InviteLink, Membership, Millis, Network, ProposalKind, ProposalState, Refusal,
};
use crate::role::{Role, discipline};

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

/// `!netwerk`: members, open proposals and usable links, then what other capabilities have
/// open in it (`open_elsewhere`: the advice asked and by when). `person` finds the display name.
pub fn overview(
    language: Language,
    network: &Network,
    person: &dyn Fn(&MatrixId) -> Person,
    now: Millis,
    open_elsewhere: Vec<Text>,
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
    if !open_elsewhere.is_empty() {
        builder = builder
            .rich(heading("Gevraagd advies", "Advice asked"))
            .list(open_elsewhere);
    }
    builder.build()
}
