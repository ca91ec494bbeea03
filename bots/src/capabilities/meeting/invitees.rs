//! Choosing whom to invite, one tap per person: while a meeting is being chosen for, the client
//! (or representative) who planned it has a poll per member in the private chat ("uitnodigen"
//! or not; for someone who may not see appointments yet, the tap that invites also gives that
//! consent, through the consent capability's one path), and a last poll that sends the
//! invitations, which starts date finding, or calls it off. Nobody else hears of the meeting
//! before the invitations go out.

use super::plan::{DateFinding, begin_date_finding};
use super::*;
use crate::capabilities::PollVote;
use crate::capabilities::network::{language_of, to_network};
use kring_core::consent::{ConsentRequest, InfoKind, Subject};
use kring_core::meeting::{
    MeetingChange, MeetingState, choosable, choosing_closed, invitee_chosen, invitee_from_id,
    invitees_to_remove, meeting_cancelled, meeting_started, start_from_id,
};

/// The voter, if they steer the network of a meeting still being chosen for and the tap came
/// from the private chat of whoever planned it, where its polls are.
async fn steering_voter(
    bot: &Bot,
    entry: &InboxEntry,
    meeting: &Meeting,
) -> Result<Option<(Network, MatrixId)>, BotError> {
    if meeting.state != MeetingState::Choosing || !meeting.is_ahead(bot.clock.now_millis()) {
        return Ok(None);
    }
    let Some(network) = bot.store.network(&meeting.network_id).await? else {
        return Ok(None);
    };
    let voter = sender(entry)?;
    if !network.steered_by(&voter) {
        return Ok(None);
    }
    let polls_are_here = entry.room().is_some() && entry.room() == meeting.choosing_room_id;
    if !polls_are_here {
        return Ok(None);
    }
    Ok(Some((network, voter)))
}

pub(crate) async fn on_invitee_vote(
    bot: &Bot,
    entry: &InboxEntry,
    meeting: Meeting,
    user: MatrixId,
    gives_consent: bool,
    vote: &PollVote,
) -> Result<Plan, BotError> {
    let Some((network, voter)) = steering_voter(bot, entry, &meeting).await? else {
        return Ok(Plan::new());
    };
    let Some(invite) = vote.answers.first().and_then(|id| invitee_from_id(id)) else {
        return Ok(Plan::new());
    };
    let context = Context {
        bot,
        entry,
        actor: voter,
        language: language_of(bot, &sender(entry)?).await?,
        now: bot.clock.now_millis(),
    };
    let names = people(bot, &network, &[&user]).await?;
    let chosen = person(&names, &user);
    if !choosable(&network).contains(&user) {
        return context.answer(meeting::meeting_problem(
            context.language,
            &MeetingProblem::NotInNetwork(chosen),
        ));
    }
    let mut plan = Plan::new();
    let mut consent_given = false;
    if invite {
        let consent = bot.store.consent(&network.id).await?;
        let may_see =
            invitees_to_remove(&network, &consent, std::slice::from_ref(&user), context.now)
                .is_empty();
        if !may_see && !gives_consent {
            // Asked as someone who may see appointments, who no longer may: the tap that
            // invites said nothing of consent, so it gives none.
            return context.answer(meeting::meeting_problem(
                context.language,
                &MeetingProblem::WithoutConsent(vec![chosen]),
            ));
        }
        if !may_see {
            // The same path as `!toestemming … afspraken ja`: its rules, its audit line.
            let request = ConsentRequest::Give {
                subject: Subject::Member { user: user.clone() },
                kind: InfoKind::Appointments,
                until: None,
            };
            let given = crate::capabilities::consent::consent_plan(
                &context, &network, &consent, &names, &request, None,
            )
            .await?;
            consent_given = given
                .changes
                .iter()
                .any(|change| matches!(change, Change::GiveConsent { .. }));
            if !consent_given {
                // Refused, with the reason the consent rules give.
                return Ok(given);
            }
            // Its own confirmation is said below, together with the invitation.
            plan.changes.extend(given.changes);
            plan.effects.extend(
                given
                    .effects
                    .into_iter()
                    .filter(|effect| !matches!(effect, Effect::Send { .. })),
            );
        }
        if !meeting.invitees.contains(&user) {
            plan.change(Change::Meeting(MeetingChange::AddInvitee {
                meeting_id: meeting.id.clone(),
                user: user.clone(),
            }));
        }
    } else if meeting.invitees.contains(&user) {
        plan.change(Change::Meeting(MeetingChange::RemoveInvitee {
            meeting_id: meeting.id.clone(),
            user: user.clone(),
        }));
    }
    plan.change(context.log_object(
        &network,
        AuditAction::Meeting(MeetingAction::Invite),
        Some(meeting.id.to_string()),
        Outcome::Done,
    ))
    .effect(Effect::Send {
        to: here(entry)?,
        reply: invitee_chosen(context.language, &chosen, invite, consent_given),
        reply_to: entry.event(),
    });
    Ok(plan)
}

pub(crate) async fn on_start_vote(
    bot: &Bot,
    entry: &InboxEntry,
    meeting: Meeting,
    vote: &PollVote,
) -> Result<Plan, BotError> {
    let Some((network, voter)) = steering_voter(bot, entry, &meeting).await? else {
        return Ok(Plan::new());
    };
    let Some(send) = vote.answers.first().and_then(|id| start_from_id(id)) else {
        return Ok(Plan::new());
    };
    let now = bot.clock.now_millis();
    let language = language_of(bot, &voter).await?;
    let client_language = language_of(bot, &network.client).await?;
    let context = Context {
        bot,
        entry,
        actor: voter,
        language,
        now,
    };
    let mut plan = Plan::new();
    if send {
        let moments: Vec<kring_core::meeting::Moment> =
            meeting.candidates.iter().map(|c| c.moment).collect();
        let earliest = moments.iter().map(|moment| moment.starts_at).min();
        let staying = {
            let consent = bot.store.consent(&network.id).await?;
            let gone = invitees_to_remove(&network, &consent, &meeting.invitees, now);
            meeting
                .invitees
                .iter()
                .filter(|invitee| !gone.contains(invitee))
                .cloned()
                .collect::<Vec<_>>()
        };
        let Some(earliest) = earliest.filter(|earliest| *earliest > now) else {
            // A moment has passed while choosing: this meeting is off; a new one is planned.
            plan.change(Change::Meeting(MeetingChange::Cancel {
                meeting_id: meeting.id.clone(),
                at: now,
            }))
            .effect(Effect::Send {
                to: here(entry)?,
                reply: meeting::meeting_problem(
                    language,
                    &MeetingProblem::MomentPassedWhileChoosing,
                ),
                reply_to: entry.event(),
            });
            end_choosing(bot, &mut plan, &meeting, here(entry)?, language).await?;
            return Ok(plan);
        };
        if staying.is_empty() {
            // Tapped before anyone was chosen: a new start poll, since the same answer of a
            // single-choice poll cannot be tapped twice.
            let mut plan = context.answer(meeting::meeting_problem(
                language,
                &MeetingProblem::NobodyChosenYet,
            ))?;
            if let Some(spent) = &meeting.start_poll_event_id {
                plan.effect(Effect::EndPoll {
                    to: here(entry)?,
                    poll_event_id: spent.clone(),
                    text: choosing_closed(language),
                });
            }
            plan.change(Change::Meeting(MeetingChange::StartPollSpent {
                meeting_id: meeting.id.clone(),
            }))
            .effect(Effect::Meeting(MeetingEffect::SendStartPoll {
                meeting_id: meeting.id.clone(),
                to: here(entry)?,
                text: kring_core::meeting::start_poll(language),
            }));
            return Ok(plan);
        }
        let answer_by = kring_core::meeting::answer_by(now, earliest);
        super::recheck_consent(bot, &network, &meeting, &mut plan, now).await?;
        let names = people(bot, &network, &[]).await?;
        plan.change(Change::Meeting(MeetingChange::StartDateFinding {
            meeting_id: meeting.id.clone(),
            answer_by,
            at: now,
        }))
        .effect(Effect::Send {
            to: to_network(&network),
            reply: meeting_started(client_language),
            reply_to: None,
        });
        begin_date_finding(
            &mut plan,
            &DateFinding {
                meeting_id: &meeting.id,
                invited: &people_named(&names, &staying),
                place: meeting.place.as_deref(),
                candidates: &moments,
                answer_by,
                now,
                language: client_language,
                lane: bot.store.network_room(&network.id).await?,
            },
        );
    } else {
        plan.change(Change::Meeting(MeetingChange::Cancel {
            meeting_id: meeting.id.clone(),
            at: now,
        }))
        .change(context.log_object(
            &network,
            AuditAction::Meeting(MeetingAction::Cancel),
            Some(meeting.id.to_string()),
            Outcome::Done,
        ))
        .effect(Effect::Send {
            to: here(entry)?,
            reply: meeting_cancelled(language, None),
            reply_to: entry.event(),
        });
    }
    end_choosing(bot, &mut plan, &meeting, here(entry)?, language).await?;
    Ok(plan)
}

/// Choosing is over (sent, or called off): its polls in `to` end, so that a later tap visibly
/// changes nothing either.
pub(super) async fn end_choosing(
    bot: &Bot,
    plan: &mut Plan,
    meeting: &Meeting,
    to: Target,
    language: Language,
) -> Result<(), BotError> {
    let mut polls: Vec<String> = bot
        .store
        .invitee_polls(meeting.id.as_str())
        .await?
        .into_iter()
        .map(|(_, poll)| poll)
        .collect();
    polls.extend(meeting.start_poll_event_id.iter().map(ToString::to_string));
    for poll in polls {
        if let Ok(poll_event_id) = matrix_sdk::ruma::OwnedEventId::try_from(poll) {
            plan.effect(Effect::EndPoll {
                to: to.clone(),
                poll_event_id,
                text: choosing_closed(language),
            });
        }
    }
    Ok(())
}
