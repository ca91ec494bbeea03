//! `!toestemming`.

use super::*;

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
        return context.answer(messages::not_a_network_room(language));
    };
    let current = bot.store.consent(&network.id).await?;
    let names = people(bot, &network, &[]).await?;
    let Some(change) = change else {
        // What everyone may see is the client's to look at; a change by anyone else is
        // refused (and audited) by the rules below.
        if !network.steered_by(&context.actor) {
            return context.answer(messages::consent_refusal(
                language,
                &consent::ConsentRefusal::OnlyClientMay,
            ));
        }
        // Who may see what is the client's own business: in the network room everyone would
        // read it (and see the polls), so it goes to the private chat with the bot.
        let (mut plan, private_chat) = if asked_in_network_room {
            match crate::sync::direct_chat_with(bot, &context.actor).await {
                Some(private_chat) => (
                    context.answer(messages::consent_overview_sent_privately(language))?,
                    private_chat,
                ),
                None => {
                    return context.answer(messages::consent_overview_needs_private_chat(language));
                }
            }
        } else {
            (
                Plan::new(),
                entry
                    .room()
                    .ok_or_else(|| BotError::Plan("a command from no room".into()))?,
            )
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
            reply_to: (entry.room().as_ref() == Some(&private_chat))
                .then(|| entry.event())
                .flatten(),
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
                return context.answer(messages::consent_refusal(
                    language,
                    &consent::ConsentRefusal::EndsInThePast,
                ));
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
        entry.event(),
    )
    .await
}
