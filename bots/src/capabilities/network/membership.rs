//! Membership changes in a network room, held against the rules.

use super::*;

#[derive(Deserialize)]
pub(crate) struct MembershipBody {
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
            plan.changes.extend(consequences::membership_recorded(
                &network,
                &by,
                &user,
                membership,
                entry.origin_ts,
            ));
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
            plan.changes.extend(consequences::client_accepted(
                &network,
                &by,
                entry.origin_ts,
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
            plan.changes.extend(consequences::client_declined(
                &network,
                &by,
                entry.origin_ts,
            ));
        }
        MembershipVerdict::Undo => {
            plan.change(consequences::undone(&network, &by, &user, entry.origin_ts))
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
