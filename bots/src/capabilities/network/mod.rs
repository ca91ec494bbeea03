//! Care networks in the chat: turning commands, poll votes and membership changes into plans.
//! The rules come from `kring_core::network`; this folder only gathers what they need (the
//! stored network, names, whether an account exists) and words the outcome. Shared here with
//! the capabilities that work inside a network (consent, logbook): the handler [`Context`],
//! display names, and the one rule for which network a command is about
//! ([`network_asked_about`]).

mod link;
mod membership;
mod proposals;
mod room_setting;
mod start;

pub(crate) use link::*;
pub(crate) use membership::*;
pub(crate) use proposals::*;
pub(crate) use room_setting::*;
pub(crate) use start::*;

use crate::dispatch::here;
use crate::effects::account_exists;
use crate::session::random_code;
use crate::{Bot, BotError};
use kring_core::audit::AuditAction;
use kring_core::consent::{InfoKind, Subject};
use kring_core::messages::{self, BotReply, Person};
use kring_core::network::{
    self, Decision, INVITE_LINK_LIFETIME, Membership, MembershipChange, MembershipVerdict, Millis,
    Network, NetworkRequest, NetworkState, ProposalKind, ProposalState, Refusal,
};
use kring_core::plan::{ActionRecord, Change, Effect, Outcome, Plan, Target};
use kring_core::{Language, MatrixId, NetworkCommand, Role};
use kring_store::InboxEntry;
use matrix_sdk::ruma::{RoomId, UserId};
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

    pub(crate) fn answer(&self, reply: BotReply) -> Plan {
        Plan::reply(here(self.entry), reply, Some(self.entry.event_id.clone()))
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
        Change::Log(ActionRecord {
            network_id: network.id.clone(),
            at: self.now,
            actor: self.actor.clone(),
            on_behalf_of: network.acting_for(&self.actor),
            action,
            object,
            outcome,
        })
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
            return Ok(context.answer(messages::not_a_network_room(language)));
        }
    };
    let request = match command {
        NetworkCommand::Overview => {
            if context.actor != network.client && network.current_role(&context.actor).is_none() {
                return Ok(context.answer(messages::refusal(language, &Refusal::NotAMember)));
            }
            let names = people(bot, &network, &[]).await?;
            let lookup = |id: &MatrixId| person(&names, id);
            return Ok(context.answer(messages::overview(
                language,
                &network,
                &lookup,
                context.now,
            )));
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
    carry(&context, &network, &request, Some(entry.event_id.clone())).await
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
    if crate::sync::direct_chat_with(bot, actor).await.as_deref() != Some(entry.room_id.as_str()) {
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
        here(entry),
        messages::which_network(language, &shown, &clients),
        Some(entry.event_id.clone()),
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
pub(crate) async fn carry(
    context: &Context<'_>,
    network: &Network,
    request: &NetworkRequest,
    reply_to: Option<String>,
) -> Result<Plan, BotError> {
    let refuse = |refusal: &Refusal| {
        let reply = messages::refusal(context.language, refusal);
        match &reply_to {
            Some(_) => context.answer(reply),
            None => Plan::reply(to_network(network), reply, None),
        }
    };
    let decision = match network::decide(network, &context.actor, request, context.now) {
        Ok(decision) => decision,
        Err(refusal) => {
            // Refused attempts are audited too (NEN 7513 logs what was tried, not only what
            // happened).
            let (action, object) = request.audit_action();
            let mut plan = refuse(&refusal);
            plan.change(context.log_object(network, action, object, Outcome::Refused));
            return Ok(plan);
        }
    };
    let client_language = language_of(context.bot, &network.client).await?;
    let extra: Vec<&MatrixId> = match request {
        NetworkRequest::Invite { user, .. } | NetworkRequest::Remove { user } => vec![user],
        _ => vec![],
    };
    let names = people(context.bot, network, &extra).await?;
    let mut plan = Plan::new();
    let say = |plan: &mut Plan, reply: BotReply| {
        plan.effect(Effect::Send {
            to: to_network(network),
            reply,
            reply_to: reply_to.clone(),
        });
    };
    let notice = |reply: BotReply| Effect::Send {
        to: to_network(network),
        reply,
        reply_to: reply_to.clone(),
    };
    match decision {
        Decision::Invite { user, role } => {
            if account_exists(context.bot, &user).await? == Some(false) {
                return Ok(refuse_unknown(context, network, &user, reply_to));
            }
            let announcement = notice(messages::invited(
                client_language,
                &person(&names, &user),
                &role,
            ));
            invite(context, network, &mut plan, &user, &role, announcement);
        }
        Decision::CreateLink { role } => {
            let Some((asker, private_chat)) =
                private_chat_for_link(context, &[&context.actor]).await?
            else {
                return Ok(refuse_link(context, network, &names, reply_to));
            };
            create_link(
                context,
                network,
                &mut plan,
                &role,
                (&asker, &private_chat),
                (&names, client_language),
                &reply_to,
            )
            .await?;
        }
        Decision::Propose(kind) => {
            if let ProposalKind::Invite { user, .. } = &kind
                && account_exists(context.bot, user).await? == Some(false)
            {
                return Ok(refuse_unknown(context, network, user, reply_to));
            }
            let number = network.next_proposal_number();
            plan.change(Change::AddProposal {
                network_id: network.id.clone(),
                number,
                kind: kind.clone(),
                proposed_by: context.actor.clone(),
                at: context.now,
            })
            .change(context.log_object(
                network,
                AuditAction::ProposalAdd,
                Some(number.to_string()),
                Outcome::Proposed,
            ));
            let prompt = proposal_prompt(
                context.bot,
                client_language,
                network,
                &names,
                number,
                &context.actor,
                &kind,
            )
            .await?;
            say(&mut plan, prompt);
            ask_to_decide(&mut plan, network, number, client_language);
        }
        Decision::ConfirmRemoval { user } => {
            let number = network.next_proposal_number();
            plan.change(Change::AddProposal {
                network_id: network.id.clone(),
                number,
                kind: ProposalKind::Remove { user: user.clone() },
                proposed_by: context.actor.clone(),
                at: context.now,
            });
            say(
                &mut plan,
                messages::removal_prompt(context.language, number, &person(&names, &user)),
            );
            ask_to_decide(&mut plan, network, number, context.language);
        }
        Decision::Approve { number, kind } => {
            let proposal = network.proposal(number).expect("decide found it");
            // The link goes to whoever proposed it, or else to the client who approved it, and
            // only ever to a private chat; without one the proposal stays open.
            let link_chat = match &kind {
                ProposalKind::InviteLink { .. } => {
                    match private_chat_for_link(context, &[&proposal.proposed_by, &context.actor])
                        .await?
                    {
                        Some(chat) => Some(chat),
                        None => return Ok(refuse_link(context, network, &names, reply_to)),
                    }
                }
                _ => None,
            };
            end_proposal_poll(context.bot, network, &mut plan, number, client_language).await?;
            plan.change(Change::DecideProposal {
                network_id: network.id.clone(),
                number,
                state: ProposalState::Approved,
                decided_by: context.actor.clone(),
                at: context.now,
            })
            .change(context.log_object(
                network,
                AuditAction::ProposalApprove,
                Some(number.to_string()),
                Outcome::Done,
            ));
            let someone_elses = !matches!(kind, ProposalKind::Remove { .. });
            if someone_elses {
                say(
                    &mut plan,
                    messages::proposal_approved(
                        client_language,
                        number,
                        &person(&names, &proposal.proposed_by),
                    ),
                );
            }
            match kind {
                ProposalKind::Invite { user, role } => {
                    let announcement = notice(messages::invited(
                        client_language,
                        &person(&names, &user),
                        &role,
                    ));
                    invite(context, network, &mut plan, &user, &role, announcement);
                }
                ProposalKind::InviteLink { role } => {
                    let (asker, private_chat) = link_chat.expect("found above for a link");
                    create_link(
                        context,
                        network,
                        &mut plan,
                        &role,
                        (&asker, &private_chat),
                        (&names, client_language),
                        &reply_to,
                    )
                    .await?;
                }
                ProposalKind::Remove { user } => {
                    remove(context, network, &mut plan, &user);
                    lapse_proposals_of(
                        context.bot,
                        network,
                        &mut plan,
                        &user,
                        context.now,
                        client_language,
                    )
                    .await?;
                    say(
                        &mut plan,
                        messages::removed(client_language, &person(&names, &user)),
                    );
                }
            }
        }
        Decision::Refuse { number } => {
            let proposal = network.proposal(number).expect("decide found it");
            end_proposal_poll(context.bot, network, &mut plan, number, client_language).await?;
            plan.change(Change::DecideProposal {
                network_id: network.id.clone(),
                number,
                state: ProposalState::Refused,
                decided_by: context.actor.clone(),
                at: context.now,
            })
            .change(context.log_object(
                network,
                AuditAction::ProposalRefuse,
                Some(number.to_string()),
                Outcome::Refused,
            ));
            say(
                &mut plan,
                messages::proposal_refused(
                    client_language,
                    number,
                    &person(&names, &proposal.proposed_by),
                    &proposal.kind,
                ),
            );
        }
        Decision::RevokeLink { id } => {
            plan.change(Change::RevokeInviteLink {
                link_id: id.clone(),
            })
            .change(context.log_object(
                network,
                AuditAction::LinkRevoke,
                Some(id.clone()),
                Outcome::Done,
            ));
            say(&mut plan, messages::link_revoked(client_language, &id));
        }
        Decision::Leave => {
            let actor = context.actor.clone();
            lapse_proposals_of(
                context.bot,
                network,
                &mut plan,
                &actor,
                context.now,
                client_language,
            )
            .await?;
            plan.change(Change::SetMembership {
                network_id: network.id.clone(),
                user: actor.clone(),
                membership: Membership::Left,
                since: context.now,
            })
            .change(context.log(
                network,
                AuditAction::MemberLeave,
                Some(&actor),
                Outcome::Done,
            ));
            if network.current_role(&actor) == Some(&Role::Representative) {
                plan.effect(Effect::SetPowerLevel {
                    network_id: network.id.clone(),
                    user: actor.clone(),
                    level: 0,
                });
            }
            plan.effect(Effect::Kick {
                network_id: network.id.clone(),
                user: actor.clone(),
            });
            say(
                &mut plan,
                messages::left(client_language, &person(&names, &actor)),
            );
        }
    }
    Ok(plan)
}

pub(crate) fn refuse_unknown(
    context: &Context<'_>,
    network: &Network,
    user: &MatrixId,
    reply_to: Option<String>,
) -> Plan {
    let reply = messages::invite_failed(context.language, user);
    match reply_to {
        Some(_) => context.answer(reply),
        None => Plan::reply(to_network(network), reply, None),
    }
}

/// Invites `user` with `role`, saying `announcement` in the network room first: a message
/// encrypted while the invitee could already join would reach them without its key ("unable to
/// decrypt"), so nothing about an invite is said after it goes out.
pub(crate) fn invite(
    context: &Context<'_>,
    network: &Network,
    plan: &mut Plan,
    user: &MatrixId,
    role: &Role,
    announcement: Effect,
) {
    plan.effect(announcement)
        .change(Change::PutMember {
            network_id: network.id.clone(),
            user: user.clone(),
            role: role.clone(),
            membership: Membership::Invited,
            since: context.now,
            added_by: context.actor.clone(),
        })
        .change(context.log(
            network,
            AuditAction::MemberInvite,
            Some(user),
            Outcome::Done,
        ))
        .effect(Effect::Invite {
            network_id: network.id.clone(),
            user: user.clone(),
            if_unknown: messages::invite_failed(context.language, user),
        });
    if *role == Role::Representative {
        plan.effect(Effect::SetPowerLevel {
            network_id: network.id.clone(),
            user: user.clone(),
            level: 100,
        });
    }
}

pub(crate) fn remove(context: &Context<'_>, network: &Network, plan: &mut Plan, user: &MatrixId) {
    plan.change(Change::SetMembership {
        network_id: network.id.clone(),
        user: user.clone(),
        membership: Membership::Removed,
        since: context.now,
    })
    .change(context.log(
        network,
        AuditAction::MemberRemove,
        Some(user),
        Outcome::Done,
    ));
    if network.current_role(user) == Some(&Role::Representative) {
        plan.effect(Effect::SetPowerLevel {
            network_id: network.id.clone(),
            user: user.clone(),
            level: 0,
        });
    }
    plan.effect(Effect::Kick {
        network_id: network.id.clone(),
        user: user.clone(),
    })
    // Whoever is out of the network keeps no copies of its history.
    .effect(Effect::WithdrawHistory {
        network_id: network.id.clone(),
        user: user.clone(),
    });
}
