//! The verbs of the networks capability.

use crate::capability::{Capability, CommandSpec, HelpLine, Invocation, Localised, shorten};
use crate::command::{Command, CommandError};
use crate::matrix_id::MatrixId;
use crate::role::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkCommand {
    /// `!start`: start my own network; `!start voor @client:server <my role>`: start one for a
    /// client, who accepts before anything is shared.
    Start {
        for_client: Option<(MatrixId, Role)>,
    },
    /// `!netwerk` / `!network`: who is in, pending proposals and invite links.
    Overview,
    /// `!uitnodigen @user:server <role>` / `!invite`.
    Invite { user: MatrixId, role: Role },
    /// `!link <role>`: an invite link for someone without an account.
    InviteLink { role: Role },
    /// `!verwijderen @user:server` / `!remove`.
    Remove { user: MatrixId },
    /// `!ja 3` / `!nee 3` / `!yes 3` / `!no 3`.
    Decide { number: i64, approve: bool },
    /// `!intrekken <link>` / `!revoke <link>`.
    RevokeLink { id: String },
    /// `!verlaten` / `!leave`.
    Leave,
}

const fn line(
    dutch: (&'static str, &'static str),
    english: (&'static str, &'static str),
) -> HelpLine {
    HelpLine::new(
        Localised::new(dutch.0, english.0),
        Localised::new(dutch.1, english.1),
    )
}

pub const START: CommandSpec = CommandSpec {
    words: &["start"],
    usage: Localised::new(
        "!start (uw eigen netwerk) of !start voor @cliënt:server huisarts Praktijknaam",
        "!start (your own network) or !start for @client:server gp Practice name",
    ),
    help: &[
        line(
            ("!start", "uw eigen netwerk beginnen (in dit privégesprek)"),
            ("!start", "begin your own network (in this private chat)"),
        ),
        line(
            (
                "!start voor @cliënt:server huisarts Praktijknaam",
                "een netwerk starten voor een cliënt",
            ),
            (
                "!start for @client:server gp Practice name",
                "start a network for a client",
            ),
        ),
    ],
    parse: parse_start,
};

pub const OVERVIEW: CommandSpec = CommandSpec {
    words: &["netwerk", "network", "overzicht", "overview"],
    usage: Localised::new("!netwerk", "!network"),
    help: &[line(
        (
            "!netwerk",
            "wie er in het netwerk zitten, open voorstellen en links",
        ),
        (
            "!network",
            "who is in the network, open proposals and links",
        ),
    )],
    parse: |_| Ok(Command::Network(NetworkCommand::Overview)),
};

pub const INVITE: CommandSpec = CommandSpec {
    words: &["uitnodigen", "invite", "voorstellen", "propose"],
    usage: Localised::new(
        "!uitnodigen @naam:server mantelzorger (of: vertegenwoordiger, of huisarts Praktijknaam)",
        "!invite @name:server carer (or: representative, or gp Practice name)",
    ),
    help: &[line(
        (
            "!uitnodigen @naam:server mantelzorger",
            "iemand uitnodigen (of voorstellen, als u niet de cliënt bent)",
        ),
        (
            "!invite @name:server carer",
            "invite someone (or propose them, if you are not the client)",
        ),
    )],
    parse: |invocation| {
        let (user, rest) = invocation.user_and_rest(invocation.arguments)?;
        let role = invocation.role(rest)?;
        Ok(Command::Network(NetworkCommand::Invite { user, role }))
    },
};

pub const INVITE_LINK: CommandSpec = CommandSpec {
    words: &["link", "uitnodigingslink"],
    usage: Localised::new(
        "!link mantelzorger (of: vertegenwoordiger, of huisarts Praktijknaam)",
        "!link carer (or: representative, or gp Practice name)",
    ),
    help: &[line(
        (
            "!link mantelzorger",
            "een uitnodigingslink voor iemand zonder account",
        ),
        (
            "!link carer",
            "an invite link for someone without an account",
        ),
    )],
    parse: |invocation| {
        let role = invocation.role(invocation.arguments)?;
        Ok(Command::Network(NetworkCommand::InviteLink { role }))
    },
};

pub const DECIDE: CommandSpec = CommandSpec {
    words: &["ja", "yes", "nee", "no"],
    usage: Localised::new(
        "!ja 3 of !nee 3 (het nummer van het voorstel)",
        "!yes 3 or !no 3 (the proposal's number)",
    ),
    help: &[line(
        (
            "!ja 3 / !nee 3",
            "beslissen over voorstel 3 (of kies Ja of Nee onder het voorstel)",
        ),
        (
            "!yes 3 / !no 3",
            "decide on proposal 3 (or choose Yes or No under the proposal)",
        ),
    )],
    parse: parse_decide,
};

pub const REMOVE: CommandSpec = CommandSpec {
    words: &["verwijderen", "verwijder", "remove"],
    usage: Localised::new("!verwijderen @naam:server", "!remove @name:server"),
    help: &[line(
        ("!verwijderen @naam:server", "iemand uit het netwerk halen"),
        ("!remove @name:server", "take someone out of the network"),
    )],
    parse: |invocation| {
        let (user, _) = invocation.user_and_rest(invocation.arguments)?;
        Ok(Command::Network(NetworkCommand::Remove { user }))
    },
};

pub const REVOKE_LINK: CommandSpec = CommandSpec {
    words: &["intrekken", "revoke"],
    usage: Localised::new(
        "!intrekken k3f9 (de code van de link uit !netwerk)",
        "!revoke k3f9 (the link's code from !network)",
    ),
    help: &[line(
        ("!intrekken k3f9", "een uitnodigingslink intrekken"),
        ("!revoke k3f9", "revoke an invite link"),
    )],
    parse: |invocation| {
        let word = invocation.first().ok_or_else(|| invocation.incomplete())?;
        Ok(Command::Network(NetworkCommand::RevokeLink {
            id: shorten(&word.to_lowercase(), 20),
        }))
    },
};

pub const LEAVE: CommandSpec = CommandSpec {
    words: &["verlaten", "leave"],
    usage: Localised::new("!verlaten", "!leave"),
    help: &[line(
        ("!verlaten", "zelf uit een netwerk gaan"),
        ("!leave", "leave a network yourself"),
    )],
    parse: |_| Ok(Command::Network(NetworkCommand::Leave)),
};

pub const CAPABILITY: Capability = Capability {
    name: "network",
    commands: &[
        START,
        OVERVIEW,
        INVITE,
        INVITE_LINK,
        DECIDE,
        REMOVE,
        REVOKE_LINK,
        LEAVE,
    ],
};

fn parse_start(invocation: &Invocation<'_>) -> Result<Command, CommandError> {
    let Some((first, rest)) = invocation.arguments.split_first() else {
        return Ok(Command::Network(NetworkCommand::Start { for_client: None }));
    };
    if !matches!(first.to_lowercase().as_str(), "voor" | "for") {
        return Err(invocation.incomplete());
    }
    let (client, rest) = invocation.user_and_rest(rest)?;
    let role = invocation.role(rest)?;
    Ok(Command::Network(NetworkCommand::Start {
        for_client: Some((client, role)),
    }))
}

fn parse_decide(invocation: &Invocation<'_>) -> Result<Command, CommandError> {
    let approve = matches!(invocation.word, "ja" | "yes");
    let word = invocation.first().ok_or_else(|| invocation.incomplete())?;
    let number = word
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(CommandError::BadNumber {
            usage: invocation.spec.usage,
        })?;
    Ok(Command::Network(NetworkCommand::Decide { number, approve }))
}
