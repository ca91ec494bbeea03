//! Care networks in the chat: turning commands, reactions and membership changes into plans.
//! The rules come from `kring_core::network`; this module only gathers what they need (the
//! stored network, names, whether an account exists) and words the outcome.

use crate::dispatch::here;
use crate::effects::account_exists;
use crate::{Bot, BotError};
use kring_core::consent::{self, ConsentDecision, ConsentRequest, InfoKind, Subject};
use kring_core::consent_poll::{ConsentPoll, PollChoice};
use kring_core::messages::{self, BotReply, Person, Who};
use kring_core::network::{
    self, Decision, INVITE_LINK_LIFETIME, Membership, MembershipChange, MembershipVerdict, Millis,
    Network, NetworkRequest, NetworkState, ProposalKind, ProposalState, Refusal,
};
use kring_core::plan::{ActionRecord, Change, Effect, Outcome, Plan, Target};
use kring_core::{Command, ConsentTarget, Language, MatrixId, Role};
use kring_store::InboxEntry;
use matrix_sdk::ruma::{RoomId, UserId};
use rand::Rng;
use serde::Deserialize;
use std::collections::HashMap;

/// What one handler call works with.
struct Context<'a> {
    bot: &'a Bot,
    entry: &'a InboxEntry,
    actor: MatrixId,
    /// The language of whoever gets the direct answer.
    language: Language,
    now: Millis,
}

impl Context<'_> {
    fn bot_id(&self) -> MatrixId {
        MatrixId::parse(self.bot.identity.user_id.as_str()).expect("the bot's own id is valid")
    }

    fn answer(&self, reply: BotReply) -> Plan {
        Plan::reply(here(self.entry), reply, Some(self.entry.event_id.clone()))
    }

    fn log(
        &self,
        network: &Network,
        action: &str,
        object: Option<&MatrixId>,
        outcome: Outcome,
    ) -> Change {
        self.log_object(network, action, object.map(MatrixId::to_string), outcome)
    }

    fn log_object(
        &self,
        network: &Network,
        action: &str,
        object: Option<String>,
        outcome: Outcome,
    ) -> Change {
        Change::Log(ActionRecord {
            network_id: network.id.clone(),
            at: self.now,
            actor: self.actor.clone(),
            // A representative acts for the client; anyone else acts for themselves.
            on_behalf_of: (self.actor != network.client && network.steered_by(&self.actor))
                .then(|| network.client.clone()),
            action: action.to_owned(),
            object,
            outcome,
        })
    }
}

fn to_network(network: &Network) -> Target {
    Target::Network {
        network_id: network.id.clone(),
    }
}

async fn language_of(bot: &Bot, user: &MatrixId) -> Result<Language, BotError> {
    Ok(bot
        .store
        .member_language(user.as_str())
        .await?
        .unwrap_or_default())
}

/// Display names as the network room knows them.
async fn people(
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

fn person(people: &HashMap<MatrixId, Person>, id: &MatrixId) -> Person {
    people
        .get(id)
        .cloned()
        .unwrap_or_else(|| Person::new(id.clone(), None))
}

fn sender(entry: &InboxEntry) -> Result<MatrixId, BotError> {
    MatrixId::parse(&entry.sender)
        .map_err(|_| BotError::Plan("the sender is not a valid user id".into()))
}

pub(crate) async fn on_command(
    bot: &Bot,
    entry: &InboxEntry,
    command: Command,
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
    if let Command::StartNetwork { for_client } = command {
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
        Command::Overview => {
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
        Command::Invite { user, role } => NetworkRequest::Invite { user, role },
        Command::InviteLink { role } => NetworkRequest::InviteLink { role },
        Command::Remove { user } => NetworkRequest::Remove { user },
        Command::Decide { number, approve } => NetworkRequest::Decide { number, approve },
        Command::RevokeLink { id } => NetworkRequest::RevokeLink { id },
        Command::Leave => NetworkRequest::Leave,
        Command::Help { .. }
        | Command::Status { .. }
        | Command::SetLanguage { .. }
        | Command::StartNetwork { .. }
        | Command::Logbook { .. }
        | Command::Consent { .. } => {
            return Ok(Plan::new());
        }
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
const SHOWN_COMMAND_CHARS: usize = 80;

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

/// `!start`, or `!start voor @client …`.
async fn start(
    context: &Context<'_>,
    for_client: Option<(MatrixId, Role)>,
) -> Result<Plan, BotError> {
    let (client, starter_role) = match for_client {
        Some((client, role)) if client != context.actor => (client, Some(role)),
        _ => (context.actor.clone(), None),
    };
    let asked_for_self = starter_role.is_none();
    if let Some(existing) = context.bot.store.open_network_of_client(&client).await? {
        let Some(role) = starter_role.filter(|_| !asked_for_self) else {
            return Ok(context.answer(messages::already_has_network(context.language, true)));
        };
        return start_beside(context, &existing, role).await;
    }
    if client.as_str() == context.bot.identity.user_id.as_str()
        || account_exists(context.bot, &client).await? == Some(false)
    {
        return Ok(context.answer(messages::invite_failed(context.language, &client)));
    }
    let network_id = format!("net-{}", random_code(16));
    let network = Network {
        id: network_id.clone(),
        client: client.clone(),
        started_by: context.actor.clone(),
        state: NetworkState::Active,
        members: vec![],
        proposals: vec![],
        links: vec![],
    };
    let mut plan = Plan::new();
    plan.change(Change::CreateNetwork {
        network_id: network_id.clone(),
        client: client.clone(),
        started_by: context.actor.clone(),
        state: if asked_for_self {
            NetworkState::Active
        } else {
            NetworkState::AwaitingClient
        },
        at: context.now,
    })
    .change(Change::PutMember {
        network_id: network_id.clone(),
        user: client.clone(),
        role: Role::Client,
        membership: Membership::Invited,
        since: context.now,
        added_by: context.actor.clone(),
    })
    .change(Change::PutMember {
        network_id: network_id.clone(),
        user: context.bot_id(),
        role: Role::Bot,
        membership: Membership::Joined,
        since: context.now,
        added_by: context.actor.clone(),
    })
    .change(context.log(&network, "network.start", Some(&client), Outcome::Done));
    if let Some(role) = starter_role {
        // Asked of the client as soon as they accept; nothing is shared before.
        plan.change(Change::AddProposal {
            network_id: network_id.clone(),
            number: 1,
            kind: ProposalKind::Invite {
                user: context.actor.clone(),
                role,
            },
            proposed_by: context.actor.clone(),
            at: context.now,
        });
    }
    plan.effect(Effect::CreateNetworkRoom {
        network_id,
        client: client.clone(),
    });
    let reply = if asked_for_self {
        messages::network_started(context.language)
    } else {
        messages::network_started_for(context.language, &Person::new(client, None))
    };
    plan.effect(Effect::Send {
        to: here(context.entry),
        reply,
        reply_to: Some(context.entry.event_id.clone()),
    });
    Ok(plan)
}

/// `!start voor @client …` for someone who already has a network. The starter gets the same
/// answer as when a network is made, so nobody learns who is a client; in the network the
/// client has, they are asked whether the starter may join (once, as with any proposal).
async fn start_beside(
    context: &Context<'_>,
    existing: &Network,
    role: Role,
) -> Result<Plan, BotError> {
    let mut plan = Plan::new();
    let already_there = existing.current_role(&context.actor).is_some()
        || existing.open_proposals_by(&context.actor).next().is_some();
    if !already_there {
        let kind = ProposalKind::Invite {
            user: context.actor.clone(),
            role,
        };
        let number = existing.next_proposal_number();
        let client_language = language_of(context.bot, &existing.client).await?;
        let names = people(context.bot, existing, &[&context.actor]).await?;
        plan.change(Change::AddProposal {
            network_id: existing.id.clone(),
            number,
            kind: kind.clone(),
            proposed_by: context.actor.clone(),
            at: context.now,
        })
        .change(context.log_object(
            existing,
            "proposal.add",
            Some(number.to_string()),
            Outcome::Proposed,
        ))
        .effect(Effect::Send {
            to: to_network(existing),
            reply: proposal_prompt(
                context.bot,
                client_language,
                existing,
                &names,
                number,
                &context.actor,
                &kind,
            )
            .await?,
            reply_to: None,
        });
        ask_to_decide(&mut plan, existing, number, client_language);
    }
    plan.effect(Effect::Send {
        to: here(context.entry),
        reply: messages::network_started_for(
            context.language,
            &Person::new(existing.client.clone(), None),
        ),
        reply_to: Some(context.entry.event_id.clone()),
    });
    Ok(plan)
}

/// Decides `request` by the rules and turns the decision into a plan. Answers that concern the
/// whole network go to the network room; refusals go to whoever asked.
async fn carry(
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
                "proposal.add",
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
                "proposal.approve",
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
                "proposal.refuse",
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
                "link.revoke",
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
            .change(context.log(network, "member.leave", Some(&actor), Outcome::Done));
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

/// The prompt the client answers with one tap, naming who proposed what about whom, and what a
/// professional would see through consent their organisation already holds: the organisation
/// is only a name the proposer typed, so the client decides knowing what it brings.
async fn proposal_prompt(
    bot: &Bot,
    language: Language,
    network: &Network,
    names: &HashMap<MatrixId, Person>,
    number: i64,
    proposed_by: &MatrixId,
    kind: &ProposalKind,
) -> Result<BotReply, BotError> {
    let subject = match kind {
        ProposalKind::Invite { user, .. } | ProposalKind::Remove { user } => {
            Some(person(names, user))
        }
        ProposalKind::InviteLink { .. } => None,
    };
    let organisation_may: Vec<InfoKind> = match kind {
        ProposalKind::Invite {
            role: Role::Professional { organisation, .. },
            ..
        } => {
            let consent = bot.store.consent(&network.id).await?;
            let organisation = Subject::Organisation {
                name: organisation.clone(),
            };
            InfoKind::ALL
                .into_iter()
                .filter(|kind| consent.holds(&organisation, *kind, bot.clock.now_millis()))
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(messages::proposal_prompt(
        language,
        number,
        &person(names, proposed_by),
        &person(names, &network.client),
        kind,
        subject.as_ref(),
        &organisation_may,
    ))
}

/// The client decides a proposal with one tap on an encrypted poll in the network room.
fn ask_to_decide(plan: &mut Plan, network: &Network, number: i64, language: Language) {
    plan.effect(Effect::SendProposalPoll {
        network_id: network.id.clone(),
        number,
        text: messages::proposal_poll(language, number),
    });
}

/// `user` is no longer in the network: what they proposed and the client did not decide yet
/// lapses, its poll is closed, and the network hears it.
async fn lapse_proposals_of(
    bot: &Bot,
    network: &Network,
    plan: &mut Plan,
    user: &MatrixId,
    at: Millis,
    language: Language,
) -> Result<(), BotError> {
    for proposal in network.open_proposals_by(user) {
        plan.change(Change::DecideProposal {
            network_id: network.id.clone(),
            number: proposal.number,
            state: ProposalState::Lapsed,
            decided_by: user.clone(),
            at,
        })
        .change(Change::Log(ActionRecord {
            network_id: network.id.clone(),
            at,
            actor: user.clone(),
            on_behalf_of: None,
            action: "proposal.lapse".to_owned(),
            object: Some(proposal.number.to_string()),
            outcome: Outcome::Undone,
        }));
        end_proposal_poll(bot, network, plan, proposal.number, language).await?;
        plan.effect(Effect::Send {
            to: to_network(network),
            reply: messages::proposal_lapsed(
                language,
                proposal.number,
                &Person::new(user.clone(), None),
            ),
            reply_to: None,
        });
    }
    Ok(())
}

/// Closes the poll that asked about proposal `number`, once it is decided (by a vote or by
/// `!ja N`), so that nobody votes on it again.
async fn end_proposal_poll(
    bot: &Bot,
    network: &Network,
    plan: &mut Plan,
    number: i64,
    language: Language,
) -> Result<(), BotError> {
    if let Some(poll_event_id) = bot.store.proposal_prompt(&network.id, number).await? {
        plan.effect(Effect::EndPoll {
            to: to_network(network),
            poll_event_id,
            text: messages::proposal_poll_ended(language),
        });
    }
    Ok(())
}

fn refuse_unknown(
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
fn invite(
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
        .change(context.log(network, "member.invite", Some(user), Outcome::Done))
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

fn remove(context: &Context<'_>, network: &Network, plan: &mut Plan, user: &MatrixId) {
    plan.change(Change::SetMembership {
        network_id: network.id.clone(),
        user: user.clone(),
        membership: Membership::Removed,
        since: context.now,
    })
    .change(context.log(network, "member.remove", Some(user), Outcome::Done));
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

/// The first of `candidates` who has a private chat with the bot, and that chat: where an
/// invite link may be shown.
async fn private_chat_for_link(
    context: &Context<'_>,
    candidates: &[&MatrixId],
) -> Result<Option<(MatrixId, String)>, BotError> {
    for candidate in candidates {
        if let Some(chat) = crate::sync::direct_chat_with(context.bot, candidate).await {
            return Ok(Some(((*candidate).clone(), chat)));
        }
    }
    Ok(None)
}

fn refuse_link(
    context: &Context<'_>,
    network: &Network,
    names: &HashMap<MatrixId, Person>,
    reply_to: Option<String>,
) -> Plan {
    let reply = messages::link_needs_private_chat(context.language, &person(names, &context.actor));
    match reply_to {
        Some(_) => context.answer(reply),
        None => Plan::reply(to_network(network), reply, None),
    }
}

/// Makes an invite link for `asker`. Its secret is shown only in their private chat (anyone who
/// reads it can use it first); the network room hears that a link was made, by whom and for
/// which role.
async fn create_link(
    context: &Context<'_>,
    network: &Network,
    plan: &mut Plan,
    role: &Role,
    (asker, private_chat): (&MatrixId, &str),
    (names, network_language): (&HashMap<MatrixId, Person>, Language),
    reply_to: &Option<String>,
) -> Result<(), BotError> {
    let link = network::InviteLink {
        id: random_code(4),
        role: role.clone(),
        created_by: asker.clone(),
        expires_at: context.now + INVITE_LINK_LIFETIME,
        state: network::LinkState::Open,
    };
    let secret = network::invite_secret(
        &context.bot.invite_link_key,
        &network.id,
        &link.id,
        link.expires_at,
    );
    plan.change(Change::AddInviteLink {
        network_id: network.id.clone(),
        link_id: link.id.clone(),
        secret_hash: network::invite_secret_hash(&secret),
        role: role.clone(),
        created_by: asker.clone(),
        at: context.now,
        expires_at: link.expires_at,
    })
    .change(context.log_object(network, "link.create", Some(link.id.clone()), Outcome::Done));
    let asked_here = context.entry.room_id == private_chat;
    plan.effect(Effect::SendInviteLink {
        to: Target::Room {
            room_id: private_chat.to_owned(),
        },
        link_id: link.id.clone(),
        reply_to: reply_to.clone().filter(|_| asked_here),
    })
    .effect(Effect::Send {
        to: to_network(network),
        reply: messages::link_announced(network_language, &person(names, asker), &link),
        reply_to: reply_to.clone().filter(|_| !asked_here),
    });
    Ok(())
}

/// Lower-case letters and digits without look-alikes (no 0/o, 1/l/i), for ids people type.
pub(crate) fn random_code(length: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..length)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[derive(Deserialize)]
struct MembershipBody {
    user: String,
    membership: String,
}

pub(crate) async fn on_membership(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network_by_room(&entry.room_id).await? else {
        return Ok(Plan::new());
    };
    let Ok(body) = serde_json::from_str::<MembershipBody>(&entry.body) else {
        return Ok(Plan::new());
    };
    let (Ok(user), Ok(by)) = (MatrixId::parse(&body.user), MatrixId::parse(&entry.sender)) else {
        return Ok(Plan::new());
    };
    let change = match body.membership.as_str() {
        "invite" => MembershipChange::Invite,
        "join" => MembershipChange::Join,
        "leave" | "ban" => MembershipChange::Leave,
        _ => return Ok(Plan::new()),
    };
    let context = Context {
        bot,
        entry,
        actor: by.clone(),
        language: language_of(bot, &network.client).await?,
        now: entry.origin_ts,
    };
    let verdict = network::observe_membership(&network, &context.bot_id(), &user, &by, &change);
    let names = people(bot, &network, &[&user]).await?;
    let language = context.language;
    let mut plan = Plan::new();
    let say = |plan: &mut Plan, reply: BotReply| {
        plan.effect(Effect::Send {
            to: to_network(&network),
            reply,
            reply_to: None,
        });
    };
    match verdict {
        MembershipVerdict::Nothing => {}
        MembershipVerdict::Record {
            membership,
            welcome,
        } => {
            let action = match membership {
                Membership::Joined => "member.join",
                Membership::Left => "member.leave",
                Membership::Removed => "member.remove",
                Membership::Invited => "member.invite",
            };
            plan.change(Change::SetMembership {
                network_id: network.id.clone(),
                user: user.clone(),
                membership,
                since: entry.origin_ts,
            })
            .change(context.log(&network, action, Some(&user), Outcome::Done));
            let role = network
                .member(&user)
                .map(|m| m.role.clone())
                .unwrap_or(Role::Client);
            if !membership.is_current() && role == Role::Representative {
                plan.effect(Effect::SetPowerLevel {
                    network_id: network.id.clone(),
                    user: user.clone(),
                    level: 0,
                });
            }
            if !membership.is_current() {
                plan.effect(Effect::WithdrawHistory {
                    network_id: network.id.clone(),
                    user: user.clone(),
                });
                lapse_proposals_of(bot, &network, &mut plan, &user, entry.origin_ts, language)
                    .await?;
            }
            match membership {
                Membership::Joined if welcome && user == network.client => {
                    say(
                        &mut plan,
                        messages::client_welcome(language, &person(&names, &user), None),
                    );
                }
                Membership::Joined if welcome => {
                    say(
                        &mut plan,
                        messages::member_welcome(language, &person(&names, &user), &role),
                    );
                    // Joining gives being in the chat, nothing else; the client hears it.
                    let given_by = network
                        .member(&user)
                        .map(|m| m.added_by.clone())
                        .unwrap_or_else(|| network.client.clone());
                    plan.change(Change::GiveConsent {
                        network_id: network.id.clone(),
                        grant_id: format!("g-{}", random_code(16)),
                        subject: Subject::Member { user: user.clone() },
                        kind: InfoKind::ChatMembership,
                        on_behalf_of: (given_by != network.client).then(|| network.client.clone()),
                        given_by,
                        at: entry.origin_ts,
                        ends_at: None,
                    });
                    say(
                        &mut plan,
                        messages::consent_defaults(language, &person(&names, &user)),
                    );
                    // History consent given while they were invited is carried out now.
                    let current = bot.store.consent(&network.id).await?;
                    if current.holds(
                        &Subject::Member { user: user.clone() },
                        InfoKind::PastHistory,
                        entry.origin_ts,
                    ) {
                        plan.effect(Effect::ShareHistory {
                            network_id: network.id.clone(),
                            user: user.clone(),
                        });
                    }
                }
                Membership::Left => {
                    say(&mut plan, messages::left(language, &person(&names, &user)))
                }
                Membership::Removed => say(
                    &mut plan,
                    messages::removed(language, &person(&names, &user)),
                ),
                _ => {}
            }
        }
        MembershipVerdict::ClientAccepted => {
            plan.change(Change::SetNetworkState {
                network_id: network.id.clone(),
                state: NetworkState::Active,
            })
            .change(Change::SetMembership {
                network_id: network.id.clone(),
                user: user.clone(),
                membership: Membership::Joined,
                since: entry.origin_ts,
            })
            .change(context.log(
                &network,
                "network.accept",
                Some(&user),
                Outcome::Done,
            ));
            let starter = person(&names, &network.started_by);
            say(
                &mut plan,
                messages::client_welcome(language, &person(&names, &user), Some(&starter)),
            );
            for proposal in network.open_proposals() {
                let prompt = proposal_prompt(
                    bot,
                    language,
                    &network,
                    &names,
                    proposal.number,
                    &proposal.proposed_by,
                    &proposal.kind,
                )
                .await?;
                say(&mut plan, prompt);
                ask_to_decide(&mut plan, &network, proposal.number, language);
            }
        }
        MembershipVerdict::ClientDeclined => {
            plan.change(Change::SetNetworkState {
                network_id: network.id.clone(),
                state: NetworkState::Closed,
            })
            .change(Change::SetMembership {
                network_id: network.id.clone(),
                user: user.clone(),
                membership: Membership::Left,
                since: entry.origin_ts,
            })
            .change(context.log(
                &network,
                "network.decline",
                Some(&user),
                Outcome::Refused,
            ));
        }
        MembershipVerdict::Undo => {
            plan.change(context.log(
                &network,
                "member.undo_unapproved",
                Some(&user),
                Outcome::Undone,
            ))
            .effect(Effect::Kick {
                network_id: network.id.clone(),
                user: user.clone(),
            });
            say(
                &mut plan,
                messages::membership_undone(
                    language,
                    &person(&names, &user),
                    &person(&names, &network.client),
                ),
            );
        }
    }
    Ok(plan)
}

/// A vote on a proposal's poll. It counts only in the network room the poll was asked in, and
/// only from someone who steers the network.
async fn on_proposal_vote(
    bot: &Bot,
    entry: &InboxEntry,
    (network_id, number): (String, i64),
    answer: Option<&str>,
) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network(&network_id).await? else {
        return Ok(Plan::new());
    };
    if bot.store.network_room(&network.id).await?.as_deref() != Some(entry.room_id.as_str()) {
        return Ok(Plan::new());
    }
    let approve = match answer {
        Some(messages::PROPOSAL_YES) => true,
        Some(messages::PROPOSAL_NO) => false,
        _ => return Ok(Plan::new()),
    };
    let actor = sender(entry)?;
    let context = Context {
        bot,
        entry,
        language: language_of(bot, &actor).await?,
        actor,
        now: bot.clock.now_millis(),
    };
    if !network.steered_by(&context.actor) {
        let names = people(bot, &network, &[&context.actor]).await?;
        let reply = messages::not_yours_to_decide(
            context.language,
            &person(&names, &context.actor),
            &person(&names, &network.client),
        );
        return Ok(Plan::reply(to_network(&network), reply, None));
    }
    carry(
        &context,
        &network,
        &NetworkRequest::Decide { number, approve },
        None,
    )
    .await
}

/// The bridge recorded that someone made an account through an invite link: invite them with
/// the role the link was made for.
pub(crate) async fn on_link_used(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let Some(found) = bot.store.invite_link(&entry.body).await? else {
        return Ok(Plan::new());
    };
    let Some(network) = bot.store.network(&found.network_id).await? else {
        return Ok(Plan::new());
    };
    let user = sender(entry)?;
    if network.current_role(&user).is_some() {
        return Ok(Plan::new());
    }
    let context = Context {
        bot,
        entry,
        actor: found.link.created_by.clone(),
        language: language_of(bot, &network.client).await?,
        now: entry.origin_ts,
    };
    let mut plan = Plan::new();
    // The new account used the link; it did so on behalf of whoever made it.
    plan.change(Change::Log(ActionRecord {
        network_id: network.id.clone(),
        at: context.now,
        actor: user.clone(),
        on_behalf_of: Some(found.link.created_by.clone()),
        action: "link.use".to_owned(),
        object: Some(found.link.id.clone()),
        outcome: Outcome::Done,
    }));
    if found.link.role == Role::Representative {
        // Whoever opens a link first gets what it gives, and a representative steers the
        // network: the client confirms who used it before anything is shared or any power given.
        let number = network.next_proposal_number();
        let kind = ProposalKind::Invite {
            user: user.clone(),
            role: Role::Representative,
        };
        let names = people(bot, &network, &[&user]).await?;
        plan.change(Change::AddProposal {
            network_id: network.id.clone(),
            number,
            kind: kind.clone(),
            proposed_by: found.link.created_by.clone(),
            at: context.now,
        })
        .effect(Effect::Send {
            to: to_network(&network),
            reply: messages::representative_link_used(context.language, &person(&names, &user)),
            reply_to: None,
        })
        .effect(Effect::Send {
            to: to_network(&network),
            reply: proposal_prompt(
                context.bot,
                context.language,
                &network,
                &names,
                number,
                &found.link.created_by,
                &kind,
            )
            .await?,
            reply_to: None,
        });
        ask_to_decide(&mut plan, &network, number, context.language);
        return Ok(plan);
    }
    let announcement = Effect::Send {
        to: to_network(&network),
        reply: messages::link_used(
            context.language,
            &Person::new(user.clone(), None),
            &found.link.role,
        ),
        reply_to: None,
    };
    invite(
        &context,
        &network,
        &mut plan,
        &user,
        &found.link.role,
        announcement,
    );
    Ok(plan)
}

/// A room setting of a network room changed by someone other than the bot (the client in
/// Element, a representative, a stolen token): put back, told to the network, logged. A room
/// upgrade cannot be put back: the bot stays in this room, does not follow, and says so.
pub(crate) async fn on_room_setting(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network_by_room(&entry.room_id).await? else {
        return Ok(Plan::new());
    };
    let Ok(body) = serde_json::from_str::<serde_json::Value>(&entry.body) else {
        return Ok(Plan::new());
    };
    let Some(event_type) = body["type"].as_str() else {
        return Ok(Plan::new());
    };
    // Any tombstone, whatever it names (or nothing): Element closes the room for writing.
    let upgrade = event_type == kring_core::room_state::TOMBSTONE;
    if !upgrade && kring_core::room_state::keeps_setting(event_type, &body["content"]) {
        return Ok(Plan::new());
    }
    let context = Context {
        bot,
        entry,
        actor: sender(entry)?,
        language: language_of(bot, &network.client).await?,
        now: entry.origin_ts,
    };
    let names = people(bot, &network, &[&context.actor]).await?;
    let who = person(&names, &context.actor);
    let mut plan = Plan::new();
    if upgrade {
        plan.change(context.log_object(&network, "room.refuse_upgrade", None, Outcome::Refused))
            .effect(Effect::Send {
                to: to_network(&network),
                reply: messages::upgrade_refused(context.language, &who),
                reply_to: None,
            });
        return Ok(plan);
    }
    undo_setting(&context, &mut plan, &network, &who, event_type);
    Ok(plan)
}

/// Puts a network room's setting back, tells the network who changed it, and logs it.
fn undo_setting(
    context: &Context<'_>,
    plan: &mut Plan,
    network: &Network,
    who: &Person,
    event_type: &str,
) {
    plan.change(context.log_object(
        network,
        "room.undo_setting",
        Some(event_type.to_owned()),
        Outcome::Undone,
    ))
    .effect(Effect::RestoreRoomSetting {
        network_id: network.id.clone(),
        event_type: event_type.to_owned(),
    })
    .effect(Effect::Send {
        to: to_network(network),
        reply: messages::setting_restored(context.language, who, event_type),
        reply_to: None,
    });
}

/// Power levels changed in a network room by someone other than the bot (the client can do so
/// in Element): take back any power the rules do not give, and put back every other field.
pub(crate) async fn on_power_levels(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network_by_room(&entry.room_id).await? else {
        return Ok(Plan::new());
    };
    let Ok(body) = serde_json::from_str::<serde_json::Value>(&entry.body) else {
        return Ok(Plan::new());
    };
    // Entries stored by an older version hold only `users`.
    let content = body.get("content");
    let users = content.map_or(&body["users"], |content| &content["users"]);
    let levels: Vec<(MatrixId, i64)> = users
        .as_object()
        .map(|users| {
            users
                .iter()
                .filter_map(|(user, level)| Some((MatrixId::parse(user).ok()?, level.as_i64()?)))
                .collect()
        })
        .unwrap_or_default();
    let settings_turned = content.is_some_and(|content| {
        !kring_core::room_state::keeps_setting(kring_core::room_state::POWER_LEVELS, content)
    });
    let context = Context {
        bot,
        entry,
        actor: sender(entry)?,
        language: language_of(bot, &network.client).await?,
        now: entry.origin_ts,
    };
    let excess = network::unapproved_power(&network, &context.bot_id(), &levels);
    if excess.is_empty() && !settings_turned {
        return Ok(Plan::new());
    }
    let names = people(
        bot,
        &network,
        &excess.iter().chain([&context.actor]).collect::<Vec<_>>(),
    )
    .await?;
    let mut plan = Plan::new();
    for user in &excess {
        plan.change(context.log(
            &network,
            "power.undo_unapproved",
            Some(user),
            Outcome::Undone,
        ))
        .effect(Effect::SetPowerLevel {
            network_id: network.id.clone(),
            user: user.clone(),
            level: 0,
        });
    }
    if settings_turned {
        let who = person(&names, &context.actor);
        undo_setting(
            &context,
            &mut plan,
            &network,
            &who,
            kring_core::room_state::POWER_LEVELS,
        );
    }
    if !excess.is_empty() {
        let who: Vec<Person> = excess.iter().map(|user| person(&names, user)).collect();
        plan.effect(Effect::Send {
            to: to_network(&network),
            reply: messages::power_undone(context.language, &who, &person(&names, &network.client)),
            reply_to: None,
        });
    }
    Ok(plan)
}

/// How far back `!logboek` looks without a period.
const DEFAULT_LOGBOOK_DAYS: i64 = 30;

/// `!logboek`: the audit log of the network the sender steers, readable, in the direct chat only.
pub(crate) async fn on_logbook(
    bot: &Bot,
    entry: &InboxEntry,
    days: Option<i64>,
    in_direct_chat: bool,
    language: Language,
    chosen: Option<&str>,
) -> Result<Plan, BotError> {
    let answer = |reply| {
        Ok(Plan::reply(
            here(entry),
            reply,
            Some(entry.event_id.clone()),
        ))
    };
    let actor = sender(entry)?;
    // Typed in a network room by someone who steers it: the log of that network, shown in
    // their private chat (as the consent overview is). In the private chat: the one network
    // they steer; steering several, they are asked which (never shown the first one's).
    let (network, to) = if in_direct_chat {
        match network_asked_about(bot, entry, &actor, language, chosen).await? {
            NetworkAsked::Found(network) if network.steered_by(&actor) => (network, here(entry)),
            NetworkAsked::Ask(plan) => return Ok(plan),
            NetworkAsked::Found(_) | NetworkAsked::NotFound => {
                return answer(messages::refusal(language, &Refusal::OnlyClientMay));
            }
        }
    } else {
        let Some(network) = bot
            .store
            .network_by_room(&entry.room_id)
            .await?
            .filter(|network| network.steered_by(&actor))
        else {
            return answer(messages::logbook_only_in_direct_chat(language));
        };
        let Some(private_chat) = crate::sync::direct_chat_with(bot, &actor).await else {
            return answer(messages::logbook_only_in_direct_chat(language));
        };
        (
            network,
            Target::Room {
                room_id: private_chat,
            },
        )
    };
    let network_id = network.id.clone();
    let days = days.unwrap_or(DEFAULT_LOGBOOK_DAYS);
    let since = bot.clock.now_millis() - days * 24 * 60 * 60 * 1000;
    let entries: Vec<_> = bot
        .store
        .audit_entries(Some(&network_id))
        .await?
        .into_iter()
        .filter(|audit| audit.at >= since)
        .collect();
    let mentioned: Vec<MatrixId> = entries
        .iter()
        .flat_map(|audit| {
            [
                Some(audit.actor.as_str()),
                audit.object.as_deref(),
                audit.on_behalf_of.as_deref(),
            ]
        })
        .flatten()
        .filter_map(|text| MatrixId::parse(text).ok())
        .collect();
    let names = people(bot, &network, &mentioned.iter().collect::<Vec<_>>()).await?;
    let lookup = |text: &str| match MatrixId::parse(text) {
        Ok(id) => person(&names, &id),
        Err(_) => Person::new(network.client.clone(), Some(text)),
    };
    let log = messages::logbook(language, &entries, days, &lookup);
    if to == here(entry) {
        return answer(log);
    }
    let mut plan = Plan::reply(to, log, None);
    plan.effect(Effect::Send {
        to: here(entry),
        reply: messages::logbook_sent_privately(language),
        reply_to: Some(entry.event_id.clone()),
    });
    Ok(plan)
}

/// `!toestemming`: the overview and a poll to change it by tapping; with a change typed after
/// it, that change.
pub(crate) async fn on_consent(
    bot: &Bot,
    entry: &InboxEntry,
    change: Option<kring_core::ConsentChange>,
    language: Language,
    chosen: Option<&str>,
) -> Result<Plan, BotError> {
    let actor = sender(entry)?;
    let asked_in_network_room =
        chosen.is_none() && bot.store.network_by_room(&entry.room_id).await?.is_some();
    // Never the first of several: consent is about one client.
    let network = match network_asked_about(bot, entry, &actor, language, chosen).await? {
        NetworkAsked::Found(network) => Some(network),
        NetworkAsked::Ask(plan) => return Ok(plan),
        NetworkAsked::NotFound => None,
    };
    let context = Context {
        bot,
        entry,
        actor,
        language,
        now: bot.clock.now_millis(),
    };
    let Some(network) = network else {
        return Ok(context.answer(messages::not_a_network_room(language)));
    };
    let current = bot.store.consent(&network.id).await?;
    let names = people(bot, &network, &[]).await?;
    let Some(change) = change else {
        // What everyone may see is the client's to look at; a change by anyone else is
        // refused (and audited) by the rules below.
        if !network.steered_by(&context.actor) {
            return Ok(context.answer(messages::consent_refusal(
                language,
                &consent::ConsentRefusal::OnlyClientMay,
            )));
        }
        // Who may see what is the client's own business: in the network room everyone would
        // read it (and see the polls), so it goes to the private chat with the bot.
        let (mut plan, private_chat) = if asked_in_network_room {
            match crate::sync::direct_chat_with(bot, &context.actor).await {
                Some(private_chat) => (
                    context.answer(messages::consent_overview_sent_privately(language)),
                    private_chat,
                ),
                None => {
                    return Ok(
                        context.answer(messages::consent_overview_needs_private_chat(language))
                    );
                }
            }
        } else {
            (Plan::new(), entry.room_id.clone())
        };
        let to = Target::Room {
            room_id: private_chat.clone(),
        };
        let lookup = |id: &MatrixId| person(&names, id);
        let overview =
            messages::consent_overview(language, &network, &current, &lookup, context.now);
        plan.effect(Effect::Send {
            to: to.clone(),
            reply: overview,
            // A reply relation only makes sense in the room of the command.
            reply_to: (private_chat == entry.room_id).then(|| entry.event_id.clone()),
        });
        // A new overview replaces the polls of an older one: only the newest can be tapped.
        for (poll_event_id, room_id) in bot.store.open_consent_polls(&network.id).await? {
            plan.change(Change::CloseConsentPoll {
                poll_event_id: poll_event_id.clone(),
                at: context.now,
            })
            .effect(Effect::EndPoll {
                to: Target::Room { room_id },
                poll_event_id,
                text: messages::consent_poll_replaced(language),
            });
        }
        if let Some((poll, left_out)) = ConsentPoll::which_subject(&network) {
            plan.effect(Effect::SendConsentPoll {
                to,
                network_id: network.id.clone(),
                text: messages::consent_poll(
                    language,
                    &poll,
                    &network,
                    &current,
                    &lookup,
                    context.now,
                    left_out,
                ),
                poll,
            });
        }
        return Ok(plan);
    };
    let until = match change.until {
        Some((year, month, day)) => match messages::end_of_day(year, month, day) {
            Some(end) => Some(end),
            None => {
                return Ok(context.answer(messages::consent_refusal(
                    language,
                    &consent::ConsentRefusal::EndsInThePast,
                )));
            }
        },
        None => None,
    };
    let subject = match &change.subject {
        ConsentTarget::Member(user) => Subject::Member { user: user.clone() },
        // As the network spells it; a name no professional here carries stays as typed and is
        // refused as unknown by the rules.
        ConsentTarget::Organisation(typed) => Subject::Organisation {
            name: network
                .organisation_named(typed)
                .unwrap_or(typed)
                .to_owned(),
        },
    };
    let request = if change.give {
        ConsentRequest::Give {
            subject,
            kind: change.kind,
            until,
        }
    } else {
        ConsentRequest::Withdraw {
            subject,
            kind: change.kind,
        }
    };
    consent_plan(
        &context,
        &network,
        &current,
        &names,
        &request,
        Some(entry.event_id.clone()),
    )
    .await
}

/// The one way a consent request, typed or tapped, becomes a plan: the rules decide, the store
/// records (with the audit line), "being in the chat" withdrawn takes the member out, and the
/// client hears what changed.
async fn consent_plan(
    context: &Context<'_>,
    network: &Network,
    current: &consent::Consent,
    names: &HashMap<MatrixId, Person>,
    request: &ConsentRequest,
    reply_to: Option<String>,
) -> Result<Plan, BotError> {
    let language = context.language;
    let decision =
        match consent::decide_consent(network, current, &context.actor, request, context.now) {
            Ok(decision) => decision,
            Err(refusal) => {
                let (ConsentRequest::Give { subject, kind, .. }
                | ConsentRequest::Withdraw { subject, kind }) = request;
                let verb = match request {
                    ConsentRequest::Give { .. } => "give",
                    ConsentRequest::Withdraw { .. } => "withdraw",
                };
                let mut plan = Plan::reply(
                    here(context.entry),
                    messages::consent_refusal(language, &refusal),
                    reply_to,
                );
                plan.change(context.log_object(
                    network,
                    &format!("consent.{verb}.{}", kind.code()),
                    Some(subject.audit_object()),
                    Outcome::Refused,
                ));
                return Ok(plan);
            }
        };
    let (ConsentRequest::Give { subject, kind, .. } | ConsentRequest::Withdraw { subject, kind }) =
        request;
    let who = match subject {
        Subject::Member { user } => Who::Person(person(names, user)),
        Subject::Organisation { name } => Who::Organisation(name.clone()),
    };
    let object = subject.audit_object();
    let mut plan = Plan::new();
    let (give, until) = match decision {
        ConsentDecision::Give {
            subject,
            kind,
            until,
            on_behalf_of,
        } => {
            let grant_id = format!("g-{}", random_code(16));
            let room = context.bot.store.network_room(&network.id).await?;
            if let Some(timer) = consent::end_timer(
                &network.id,
                room.as_deref(),
                &grant_id,
                &subject,
                kind,
                until,
            ) {
                plan.change(Change::ScheduleTimer(timer));
            }
            plan.change(Change::GiveConsent {
                network_id: network.id.clone(),
                grant_id,
                subject,
                kind,
                given_by: context.actor.clone(),
                on_behalf_of,
                at: context.now,
                ends_at: until,
            })
            .change(context.log_object(
                network,
                &format!("consent.give.{}", kind.code()),
                Some(object),
                Outcome::Done,
            ));
            (true, until)
        }
        ConsentDecision::Withdraw {
            subject,
            kind,
            removes_member,
            ..
        } => {
            plan.change(Change::WithdrawConsent {
                network_id: network.id.clone(),
                subject: subject.clone(),
                kind,
                by: context.actor.clone(),
                at: context.now,
            })
            .change(context.log_object(
                network,
                &format!("consent.withdraw.{}", kind.code()),
                Some(object),
                Outcome::Done,
            ));
            if let (true, Subject::Member { user }, Who::Person(removed)) =
                (removes_member, &subject, &who)
            {
                remove(context, network, &mut plan, user);
                let client_language = language_of(context.bot, &network.client).await?;
                lapse_proposals_of(
                    context.bot,
                    network,
                    &mut plan,
                    user,
                    context.now,
                    client_language,
                )
                .await?;
                plan.effect(Effect::Send {
                    to: to_network(network),
                    reply: messages::removed(client_language, removed),
                    reply_to: None,
                });
            }
            (false, None)
        }
    };
    // Reading history is carried out by copies in the member's own room (see ShareHistory).
    if let (InfoKind::PastHistory, Subject::Member { user }) = (kind, subject) {
        plan.effect(if give {
            Effect::ShareHistory {
                network_id: network.id.clone(),
                user: user.clone(),
            }
        } else {
            Effect::WithdrawHistory {
                network_id: network.id.clone(),
                user: user.clone(),
            }
        });
    }
    plan.effect(Effect::Send {
        to: here(context.entry),
        reply: messages::consent_changed(language, &who, *kind, give, until),
        reply_to,
    });
    Ok(plan)
}

/// A vote in one of the bot's consent polls. The first poll's answer brings the second poll
/// (what that person or organisation may see); the second's switches one kind through
/// [`consent_plan`]. Each poll is answered once and then ended, so an old poll cannot change
/// anything later.
pub(crate) async fn on_poll_response(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    #[derive(Deserialize)]
    struct Vote {
        poll: String,
        answers: Vec<String>,
    }
    let Ok(vote) = serde_json::from_str::<Vote>(&entry.body) else {
        return Ok(Plan::new());
    };
    if let Some(proposal) = bot.store.proposal_by_prompt(&vote.poll).await? {
        let answer = vote.answers.first().map(String::as_str);
        return on_proposal_vote(bot, entry, proposal, answer).await;
    }
    let Some((network_id, poll_room, poll)) = bot.store.open_consent_poll(&vote.poll).await? else {
        return Ok(Plan::new());
    };
    // A vote counts in the poll's own room only: anyone could relate one to it from elsewhere.
    if poll_room != entry.room_id {
        return Ok(Plan::new());
    }
    let Some(network) = bot.store.network(&network_id).await? else {
        return Ok(Plan::new());
    };
    let actor = sender(entry)?;
    let language = language_of(bot, &actor).await?;
    let context = Context {
        bot,
        entry,
        actor,
        language,
        now: bot.clock.now_millis(),
    };
    if !network.steered_by(&context.actor) {
        return Ok(Plan::reply(
            here(entry),
            messages::consent_poll_not_for_you(language),
            None,
        ));
    }
    let current = bot.store.consent(&network.id).await?;
    let Some(choice) = vote
        .answers
        .first()
        .and_then(|answer| poll.choice(answer, &current, context.now))
    else {
        return Ok(Plan::new());
    };
    let names = people(bot, &network, &[]).await?;
    let mut plan = match &choice {
        PollChoice::Subject(subject) | PollChoice::Outdated(subject) => {
            let mut plan = Plan::new();
            if matches!(choice, PollChoice::Outdated(_)) {
                plan.effect(Effect::Send {
                    to: here(entry),
                    reply: messages::consent_poll_outdated(language),
                    reply_to: None,
                });
            }
            let next = ConsentPoll::what_may(subject.clone(), &current, context.now);
            let lookup = |id: &MatrixId| person(&names, id);
            plan.effect(Effect::SendConsentPoll {
                to: here(entry),
                network_id: network.id.clone(),
                text: messages::consent_poll(
                    language,
                    &next,
                    &network,
                    &current,
                    &lookup,
                    context.now,
                    0,
                ),
                poll: next,
            });
            plan
        }
        PollChoice::Switch(request) => {
            consent_plan(&context, &network, &current, &names, request, None).await?
        }
    };
    plan.change(Change::CloseConsentPoll {
        poll_event_id: vote.poll.clone(),
        at: context.now,
    })
    .effect(Effect::EndPoll {
        to: here(entry),
        poll_event_id: vote.poll,
        text: messages::consent_poll_ended(language),
    });
    Ok(plan)
}

/// A member's consent to be in the chat ended by its date: unless a newer grant lets them stay,
/// the bot removes them, as the client decided when giving it.
/// An entry an older version's consent sweep wrote (`body` the kind's code): handled as the
/// timer that replaced the sweep.
pub(crate) async fn on_consent_expired(bot: &Bot, entry: &InboxEntry) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network_by_room(&entry.room_id).await? else {
        return Ok(Plan::new());
    };
    let kind = InfoKind::from_code(&entry.body).ok_or_else(|| {
        BotError::Plan(format!(
            "an ended consent of an unknown kind {:?}",
            entry.body
        ))
    })?;
    let ends = consent::GrantEnds {
        network_id: network.id,
        grant_id: entry
            .event_id
            .trim_start_matches("kring-consent-ended-")
            .to_owned(),
        user: sender(entry)?,
        kind,
    };
    on_grant_ends(bot, entry, ends).await
}

/// A grant with an end date reached it: unless it was renewed (or the member left), the member
/// leaves the chat or stops reading what was said before, and the network hears it.
pub(crate) async fn on_grant_ends(
    bot: &Bot,
    entry: &InboxEntry,
    ends: consent::GrantEnds,
) -> Result<Plan, BotError> {
    let Some(network) = bot.store.network(&ends.network_id).await? else {
        return Ok(Plan::new());
    };
    let user = ends.user;
    let kind = ends.kind;
    let now = bot.clock.now_millis();
    let current = bot.store.consent(&network.id).await?;
    let subject = Subject::Member { user: user.clone() };
    if network.current_role(&user).is_none()
        || consent::may(&network, &current, &subject, kind, now)
    {
        return Ok(Plan::new());
    }
    let bot_id = MatrixId::parse(bot.identity.user_id.as_str())
        .map_err(|_| BotError::Plan("the bot's own id".into()))?;
    let context = Context {
        bot,
        entry,
        actor: bot_id,
        language: language_of(bot, &network.client).await?,
        now,
    };
    let mut plan = Plan::new();
    plan.change(context.log(
        &network,
        &format!("consent.end.{}", kind.code()),
        Some(&user),
        Outcome::Done,
    ));
    if kind == InfoKind::PastHistory {
        plan.effect(Effect::WithdrawHistory {
            network_id: network.id.clone(),
            user,
        });
        return Ok(plan);
    }
    remove(&context, &network, &mut plan, &user);
    lapse_proposals_of(
        bot,
        &network,
        &mut plan,
        &user,
        context.now,
        context.language,
    )
    .await?;
    let names = people(bot, &network, &[&user]).await?;
    plan.effect(Effect::Send {
        to: to_network(&network),
        reply: messages::removed(context.language, &person(&names, &user)),
        reply_to: None,
    });
    Ok(plan)
}
