//! `!overleg <moment>; <moment>[; met @a @b][; plaats …]` and `!overleg voorstel`: a new meeting.
//! Without `met …` the client first chooses whom to invite, one tap per person in the private
//! chat (`invitees.rs`); then, or at once with `met …`, its room, one poll per candidate moment,
//! and the timers that remind and close.

use super::timers::{Purpose, timer};
use super::*;
use crate::session::random_code;
use kring_core::meeting::{
    DEFAULT_MINUTES, InviteeError, MeetingChange, MeetingState, Moment, MomentsAsked, PlaceAsked,
    candidate_poll, candidates_refused, check_candidates, check_invitees, choose_in_private,
    choose_invitees, default_invitees, invitee_poll, left_out_without_consent, meeting_opened,
    meeting_started, moment_refused, parse_moment, start_poll, suggest_moments,
};

/// How many moments the bot suggests when asked.
const SUGGESTED: usize = 3;

pub(crate) async fn plan(
    asking: &Asking<'_>,
    moments: MomentsAsked,
    invitees: Option<Vec<MatrixId>>,
    place: Option<PlaceAsked>,
) -> Result<Plan, BotError> {
    let context = &asking.context;
    let bot = context.bot;
    let network = &asking.network;
    let language = context.language;
    // Another member asks the client instead: the client chairs.
    if meeting::meeting_right(network, &context.actor) == Ok(MeetingRight::Propose) {
        return super::propose::propose(asking).await;
    }
    if let Some(refused) = asking.refused(MeetingAction::Plan, None)? {
        return Ok(refused);
    }
    let ahead = bot
        .store
        .latest_meeting(&network.id)
        .await?
        .is_some_and(|meeting| meeting.is_ahead(context.now));
    if ahead {
        return asking.problem(&MeetingProblem::AlreadyOpen);
    }
    let candidates: Vec<Moment> = match moments {
        MomentsAsked::Typed(texts) => {
            let mut parsed = Vec::with_capacity(texts.len());
            for text in &texts {
                match parse_moment(text, context.now, DEFAULT_MINUTES) {
                    Ok(moment) => parsed.push(moment),
                    Err(error) => return asking.answer(moment_refused(language, text, error)),
                }
            }
            parsed
        }
        MomentsAsked::Suggested => {
            suggest_moments(&bot.calendar, context.now, SUGGESTED, DEFAULT_MINUTES)
        }
    };
    if let Err(error) = check_candidates(&candidates) {
        return asking.answer(candidates_refused(language, error));
    }
    let Some(earliest) = candidates.iter().map(|moment| moment.starts_at).min() else {
        return asking.answer(candidates_refused(
            language,
            kring_core::meeting::CandidatesError::TooFew,
        ));
    };
    let meeting_id = MeetingId::parse(&format!("mtg-{}", random_code(16)))
        .map_err(|_| BotError::Plan("a meeting id".into()))?;
    let place = match place {
        None => None,
        Some(PlaceAsked::Typed(text)) => Some(text),
        Some(PlaceAsked::Video) => match &bot.meetings.video_link_template {
            Some(template) => Some(template.replace("{meeting}", meeting_id.as_str())),
            None => return asking.problem(&MeetingProblem::NoVideoService),
        },
    };
    let consent = bot.store.consent(&network.id).await?;
    // Without `met …`, the client chooses with one tap per person, in the private chat; only
    // where there is none does the bot choose (last time's, or everyone who may see it).
    let private_chat = match (&invitees, asking.in_direct_chat) {
        (Some(_), _) => None,
        (None, true) => context.entry.room(),
        (None, false) => crate::sync::direct_chat_with(bot, &context.actor).await,
    };
    let (invited, left_out) = match invitees {
        Some(chosen) => match check_invitees(network, &consent, &chosen, context.now) {
            Ok(checked) if checked.without_consent.is_empty() => (checked.invited, Vec::new()),
            Ok(checked) => {
                // Who lacks consent is said only in the private chat: in a meeting's room the
                // invitees read along.
                let problem = if asking.in_direct_chat {
                    let extra: Vec<&MatrixId> = checked.without_consent.iter().collect();
                    let names = asking.names(&extra).await?;
                    MeetingProblem::WithoutConsent(people_named(&names, &checked.without_consent))
                } else {
                    MeetingProblem::SomeWithoutConsent
                };
                return asking.problem(&problem);
            }
            Err(InviteeError::NotInNetwork(user)) => {
                let names = asking.names(&[&user]).await?;
                return asking.problem(&MeetingProblem::NotInNetwork(person(&names, &user)));
            }
            Err(InviteeError::NobodyChosen) => {
                return asking.problem(&MeetingProblem::NobodyToInvite);
            }
        },
        None => {
            let last_time = bot
                .store
                .latest_meeting(&network.id)
                .await?
                .map(|meeting| meeting.invitees)
                .unwrap_or_default();
            let found = default_invitees(network, &consent, &last_time, context.now);
            (found.invited, found.without_consent)
        }
    };
    let choosable = kring_core::meeting::choosable(network);
    if (private_chat.is_none() && invited.is_empty()) || choosable.is_empty() {
        return asking.problem(&MeetingProblem::NobodyToInvite);
    }
    let answer_by = kring_core::meeting::answer_by(context.now, earliest);
    let names = asking.names(&[]).await?;
    let lane = bot.store.network_room(&network.id).await?;
    let mut plan = Plan::new();
    plan.change(Change::Meeting(MeetingChange::Plan {
        meeting_id: meeting_id.clone(),
        network_id: network.id.clone(),
        planned_by: context.actor.clone(),
        state: if private_chat.is_some() {
            MeetingState::Choosing
        } else {
            MeetingState::Planning
        },
        choosing_room_id: private_chat.clone(),
        invitees: invited.clone(),
        candidates: candidates.clone(),
        place: place.clone(),
        answer_by,
        at: context.now,
    }))
    .change(asking.log(MeetingAction::Plan, &meeting_id, Outcome::Done));
    settle_open_question(asking, &mut plan).await?;

    if let Some(room_id) = private_chat {
        if !asking.in_direct_chat {
            plan.effect(Effect::Send {
                to: here(context.entry)?,
                reply: choose_in_private(language),
                reply_to: context.entry.event(),
            });
        }
        let to = Target::Room { room_id };
        plan.effect(Effect::Send {
            to: to.clone(),
            reply: choose_invitees(language, &people_named(&names, &invited)),
            reply_to: if asking.in_direct_chat {
                context.entry.event()
            } else {
                None
            },
        });
        for user in choosable {
            let may_see = !kring_core::meeting::invitees_to_remove(
                network,
                &consent,
                std::slice::from_ref(&user),
                context.now,
            )
            .contains(&user);
            plan.effect(Effect::Meeting(MeetingEffect::SendInviteePoll {
                meeting_id: meeting_id.clone(),
                user: user.clone(),
                to: to.clone(),
                text: invitee_poll(
                    language,
                    &person(&names, &user),
                    invited.contains(&user),
                    may_see,
                ),
                gives_consent: !may_see,
            }));
        }
        plan.effect(Effect::Meeting(MeetingEffect::SendStartPoll {
            meeting_id: meeting_id.clone(),
            to,
            text: start_poll(language),
        }));
        return Ok(plan);
    }

    plan.effect(Effect::Send {
        to: here(context.entry)?,
        reply: meeting_started(language),
        reply_to: context.entry.event(),
    });
    begin_date_finding(
        &mut plan,
        &DateFinding {
            meeting_id: &meeting_id,
            invited: &people_named(&names, &invited),
            place: place.as_deref(),
            candidates: &candidates,
            answer_by,
            now: context.now,
            language: asking.client_language,
            lane,
        },
    );
    if !left_out.is_empty() {
        // To whoever planned, privately: it names who may not see appointments.
        let private_chat = if asking.in_direct_chat {
            context.entry.room()
        } else {
            crate::sync::direct_chat_with(bot, &context.actor).await
        };
        if let Some(room_id) = private_chat {
            plan.effect(Effect::Send {
                to: Target::Room { room_id },
                reply: left_out_without_consent(language, &people_named(&names, &left_out)),
                reply_to: None,
            });
        }
    }
    Ok(plan)
}

/// A question whether to plan one (a member's, or the rhythm's) is answered by planning it.
async fn settle_open_question(asking: &Asking<'_>, plan: &mut Plan) -> Result<(), BotError> {
    let bot = asking.context.bot;
    let network = &asking.network;
    let Some(proposal_id) = bot.store.open_meeting_proposal(&network.id).await? else {
        return Ok(());
    };
    if let Some(poll) = bot
        .store
        .meeting_proposal_poll(proposal_id.as_str())
        .await?
        .and_then(|poll| matrix_sdk::ruma::OwnedEventId::try_from(poll).ok())
    {
        plan.effect(Effect::EndPoll {
            to: crate::capabilities::network::to_network(network),
            poll_event_id: poll,
            text: kring_core::meeting::proposal_poll_closed(asking.client_language),
        });
    }
    plan.change(Change::Meeting(MeetingChange::DecideProposal {
        proposal_id,
        at: asking.context.now,
    }));
    Ok(())
}

/// What date finding starts with, planned at once or after choosing.
pub(super) struct DateFinding<'a> {
    pub(super) meeting_id: &'a MeetingId,
    pub(super) invited: &'a [kring_core::messages::Person],
    pub(super) place: Option<&'a str>,
    pub(super) candidates: &'a [Moment],
    pub(super) answer_by: kring_core::network::Millis,
    pub(super) now: kring_core::network::Millis,
    /// The client's: the meeting's room is read in it.
    pub(super) language: Language,
    /// The network's room: its timers run in its lane.
    pub(super) lane: Option<matrix_sdk::ruma::OwnedRoomId>,
}

/// Date finding begins: the reminder and the close, the meeting's room with its welcome, and one
/// poll per moment.
pub(super) fn begin_date_finding(plan: &mut Plan, finding: &DateFinding<'_>) {
    let meeting_id = finding.meeting_id;
    plan.change(timer(
        meeting_id,
        Purpose::Answers,
        finding.now + (finding.answer_by - finding.now) / 2,
        finding.lane.clone(),
    ))
    .change(timer(
        meeting_id,
        Purpose::Close,
        finding.answer_by,
        finding.lane.clone(),
    ))
    .effect(Effect::Meeting(MeetingEffect::OpenRoom {
        meeting_id: meeting_id.clone(),
    }))
    .effect(Effect::Meeting(MeetingEffect::Say {
        meeting_id: meeting_id.clone(),
        reply: meeting_opened(
            finding.language,
            finding.invited,
            finding.place,
            finding.answer_by,
        ),
        only_while_planning: true,
    }));
    for (index, moment) in finding.candidates.iter().enumerate() {
        plan.effect(Effect::Meeting(MeetingEffect::SendCandidatePoll {
            meeting_id: meeting_id.clone(),
            candidate: index,
            text: candidate_poll(finding.language, index, moment),
        }));
    }
}
