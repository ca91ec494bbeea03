//! Care networks in the chat: turning commands, poll votes and membership changes into plans.
//! The rules come from `kring_core::network`; this folder only gathers what they need (the
//! stored network, names, whether an account exists) and words the outcome. Shared here with
//! the capabilities that work inside a network (consent, logbook): the handler [`Context`],
//! display names, and the one rule for which network a command is about
//! ([`network_asked_about`]).

mod decide;
mod invite;
mod leave;
mod link;
mod membership;
mod proposals;
mod propose;
mod remove;
mod room_setting;
mod start;

pub(crate) use invite::{invite, refuse_unknown};
pub(crate) use link::{create_link, on_link_used, private_chat_for_link, refuse_link};
pub(crate) use membership::*;
pub(crate) use proposals::*;
pub(crate) use remove::remove;
pub(crate) use room_setting::*;
pub(crate) use start::*;

use crate::dispatch::here;
use crate::effects::account_exists;
use crate::session::random_code;
use crate::{Bot, BotError};
use kring_core::audit::AuditAction;
use kring_core::consent::{InfoKind, Subject};
use kring_core::messages::{self, BotReply, Person};
use kring_core::network::consequences;
use kring_core::network::{
    self, Decision, INVITE_LINK_LIFETIME, Membership, MembershipChange, MembershipVerdict, Millis,
    Network, NetworkId, NetworkRequest, NetworkState, ProposalKind, Refusal,
};
use kring_core::plan::{ActionRecord, Change, Effect, Outcome, Plan, Target};
use kring_core::{Language, MatrixId, NetworkCommand, Role};
use kring_store::InboxEntry;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, RoomId, UserId};
use serde::Deserialize;
use std::collections::HashMap;

/// What one handler call works with.
pub(crate) struct Context<'a> {
    pub(crate) bot: &'a Bot,
    pub(crate) entry: &'a InboxEntry,
    pub(crate) actor: MatrixId,
    /// The language of whoever gets the direct answer.
    pub(crate) language: Language,
    pub(crate) now: Millis,
}

impl Context<'_> {
    pub(crate) fn bot_id(&self) -> MatrixId {
        MatrixId::parse(self.bot.identity.user_id.as_str()).expect("the bot's own id is valid")
    }

    pub(crate) fn answer(&self, reply: BotReply) -> Result<Plan, BotError> {
        Ok(Plan::reply(here(self.entry)?, reply, self.entry.event()))
    }

    pub(crate) fn log(
        &self,
        network: &Network,
        action: AuditAction,
        object: Option<&MatrixId>,
        outcome: Outcome,
    ) -> Change {
        self.log_object(network, action, object.map(MatrixId::to_string), outcome)
    }

    pub(crate) fn log_object(
        &self,
        network: &Network,
        action: AuditAction,
        object: Option<String>,
        outcome: Outcome,
    ) -> Change {
        consequences::logged(network, &self.actor, action, object, outcome, self.now)
    }
}

pub(crate) fn to_network(network: &Network) -> Target {
    Target::Network {
        network_id: network.id.clone(),
    }
}

pub(crate) async fn language_of(bot: &Bot, user: &MatrixId) -> Result<Language, BotError> {
    Ok(bot
        .store
        .member_language(user.as_str())
        .await?
        .unwrap_or_default())
}

/// Display names as the network room knows them.
pub(crate) async fn people(
    bot: &Bot,
    network: &Network,
    extra: &[&MatrixId],
) -> Result<HashMap<MatrixId, Person>, BotError> {
    let room = match bot.store.network_room(&network.id).await? {
        Some(room_id) => RoomId::parse(&room_id)
            .ok()
            .and_then(|id| bot.client.get_room(&id)),
        None => None,
    };
    let mut ids: Vec<&MatrixId> = network.members.iter().map(|m| &m.user).collect();
    ids.extend(network.proposals.iter().map(|p| &p.proposed_by));
    for proposal in &network.proposals {
        if let ProposalKind::Invite { user, .. } | ProposalKind::Remove { user } = &proposal.kind {
            ids.push(user);
        }
    }
    ids.push(&network.client);
    ids.extend_from_slice(extra);
    let mut found = HashMap::new();
    for id in ids {
        if found.contains_key(id) {
            continue;
        }
        let display_name = match (&room, UserId::parse(id.as_str())) {
            (Some(room), Ok(user_id)) => room
                .get_member_no_sync(&user_id)
                .await?
                .and_then(|member| member.display_name().map(str::to_owned)),
            _ => None,
        };
        found.insert(id.clone(), Person::new(id.clone(), display_name.as_deref()));
    }
    Ok(found)
}

pub(crate) fn person(people: &HashMap<MatrixId, Person>, id: &MatrixId) -> Person {
    people
        .get(id)
        .cloned()
        .unwrap_or_else(|| Person::new(id.clone(), None))
}

pub(crate) fn sender(entry: &InboxEntry) -> Result<MatrixId, BotError> {
    MatrixId::parse(&entry.sender)
        .map_err(|_| BotError::Plan("the sender is not a valid user id".into()))
}

pub(crate) async fn on_command(
    bot: &Bot,
    entry: &InboxEntry,
    command: NetworkCommand,
    language: Language,
    chosen: Option<&str>,
) -> Result<Plan, BotError> {
    let context = Context {
        bot,
        entry,
        actor: sender(entry)?,
        language,
        now: bot.clock.now_millis(),
    };
    if let NetworkCommand::Start { for_client } = command {
        return start(&context, for_client).await;
    }
    let network = match network_asked_about(bot, entry, &context.actor, language, chosen).await? {
        NetworkAsked::Found(network) => network,
        NetworkAsked::Ask(plan) => return Ok(plan),
        NetworkAsked::NotFound => {
            return context.answer(messages::not_a_network_room(language));
        }
    };
    let request = match command {
        NetworkCommand::Overview => {
            if context.actor != network.client && network.current_role(&context.actor).is_none() {
                return context.answer(messages::refusal(language, &Refusal::NotAMember));
            }
            let names = people(bot, &network, &[]).await?;
            let lookup = |id: &MatrixId| person(&names, id);
            let advice =
                crate::capabilities::consult::open_lines(bot, &network, language, context.now)
                    .await?;
            return context.answer(messages::overview(
                language,
                &network,
                &lookup,
                context.now,
                advice,
            ));
        }
        NetworkCommand::Invite { user, role } => NetworkRequest::Invite { user, role },
        NetworkCommand::InviteLink { role } => NetworkRequest::InviteLink { role },
        NetworkCommand::Remove { user } => NetworkRequest::Remove { user },
        NetworkCommand::Decide { number, approve } => NetworkRequest::Decide { number, approve },
        NetworkCommand::RevokeLink { id } => NetworkRequest::RevokeLink { id },
        NetworkCommand::Leave => NetworkRequest::Leave,
        // Answered above, before a network was looked for.
        NetworkCommand::Start { .. } => return Ok(Plan::new()),
    };
    carry(&context, &network, &request, entry.event()).await
}

/// Which network a command is about, as [`network_asked_about`] finds it.
pub(crate) enum NetworkAsked {
    Found(Network),
    /// Steering several, they are asked which one: this plan asks.
    Ask(Plan),
    NotFound,
}

/// The longest command repeated back in "which network?".
pub(crate) const SHOWN_COMMAND_CHARS: usize = 80;

/// Which network a command `actor` typed is about: the one of the room it was typed in; in the
/// private chat the one they chose by number (`chosen`), or the only one they steer. Steering
/// several, they are asked which one (numbered; the command waits for the number), never
/// answered about a guessed one.
pub(crate) async fn network_asked_about(
    bot: &Bot,
    entry: &InboxEntry,
    actor: &MatrixId,
    language: Language,
    chosen: Option<&str>,
) -> Result<NetworkAsked, BotError> {
    let found =
        |network: Option<Network>| network.map_or(NetworkAsked::NotFound, NetworkAsked::Found);
    if let Some(network_id) = chosen {
        let network = bot.store.network(network_id).await?;
        return Ok(found(network.filter(|network| {
            network.steered_by(actor) && network.state != NetworkState::Closed
        })));
    }
    if let Some(network) = bot.store.network_by_room(&entry.room_id).await? {
        return Ok(NetworkAsked::Found(network));
    }
    // Anywhere else than their own private chat (a room others are in) the bot does not say
    // which networks someone steers, nor guess one.
    let this_room = entry.room();
    if this_room.is_none() || crate::sync::direct_chat_with(bot, actor).await != this_room {
        return Ok(NetworkAsked::NotFound);
    }
    let steered = bot.store.networks_steered_by(actor).await?;
    if let [network_id] = steered.as_slice() {
        return Ok(found(bot.store.network(network_id).await?));
    }
    let mut network_ids = Vec::new();
    let mut clients = Vec::new();
    for network_id in steered {
        if let Some(network) = bot.store.network(&network_id).await? {
            let names = people(bot, &network, &[]).await?;
            clients.push(person(&names, &network.client));
            network_ids.push(network_id);
        }
    }
    if network_ids.is_empty() {
        return Ok(NetworkAsked::NotFound);
    }
    let command = entry.body.trim();
    let shown: String = command.chars().take(SHOWN_COMMAND_CHARS).collect();
    let mut plan = Plan::reply(
        here(entry)?,
        messages::which_network(language, &shown, &clients),
        entry.event(),
    );
    plan.change(Change::AskWhichNetwork {
        user: actor.clone(),
        command: command.to_owned(),
        network_ids,
        at: bot.clock.now_millis(),
    });
    Ok(NetworkAsked::Ask(plan))
}

/// Decides `request` by the rules and turns the decision into a plan. Answers that concern the
/// whole network go to the network room; refusals go to whoever asked.
/// A decided request being carried out: what each verb's handler (one file each) works with.
pub(crate) struct Carrying<'a> {
    pub(crate) context: &'a Context<'a>,
    pub(crate) network: &'a Network,
    pub(crate) names: HashMap<MatrixId, Person>,
    /// The network room is read in the client's language.
    pub(crate) client_language: Language,
    pub(crate) reply_to: Option<OwnedEventId>,
}

impl Carrying<'_> {
    /// A notice in the network room, answering the request when it came from there.
    pub(crate) fn notice(&self, reply: BotReply) -> Effect {
        Effect::Send {
            to: to_network(self.network),
            reply,
            reply_to: self.reply_to.clone(),
        }
    }

    pub(crate) fn say(&self, plan: &mut Plan, reply: BotReply) {
        plan.effect(self.notice(reply));
    }
}

/// Holds a request against the rules (`kring_core::network::decide`) and hands what they
/// decided to the verb that carries it out. Refused attempts are audited too (NEN 7513 logs
/// what was tried, not only what happened).
pub(crate) async fn carry(
    context: &Context<'_>,
    network: &Network,
    request: &NetworkRequest,
    reply_to: Option<OwnedEventId>,
) -> Result<Plan, BotError> {
    let decision = match network::decide(network, &context.actor, request, context.now) {
        Ok(decision) => decision,
        Err(refusal) => {
            let reply = messages::refusal(context.language, &refusal);
            let mut plan = match &reply_to {
                Some(_) => context.answer(reply)?,
                None => Plan::reply(to_network(network), reply, None),
            };
            let (action, object) = request.audit_action();
            plan.change(context.log_object(network, action, object, Outcome::Refused));
            return Ok(plan);
        }
    };
    let extra: Vec<&MatrixId> = match request {
        NetworkRequest::Invite { user, .. } | NetworkRequest::Remove { user } => vec![user],
        _ => vec![],
    };
    let carrying = Carrying {
        context,
        network,
        names: people(context.bot, network, &extra).await?,
        client_language: language_of(context.bot, &network.client).await?,
        reply_to,
    };
    match decision {
        Decision::Invite { user, role } => invite::directly(&carrying, &user, &role).await,
        Decision::CreateLink { role } => link::make(&carrying, &role).await,
        Decision::Propose(kind) => propose::propose(&carrying, kind).await,
        Decision::ConfirmRemoval { user } => Ok(remove::confirm(&carrying, &user)),
        Decision::Approve { number, kind } => decide::approve(&carrying, number, kind).await,
        Decision::Refuse { number } => decide::refuse(&carrying, number).await,
        Decision::RevokeLink { id } => Ok(link::revoke(&carrying, &id)),
        Decision::Leave => leave::leave(&carrying).await,
    }
}
