//! Carrying out the meeting's steps in Matrix. Each looks first at what the store says already
//! happened (a room made, a poll sent, polls ended), and sends with the effect's own
//! transaction id, so a restart in the middle repeats nothing.

use crate::effects::{
    bot_managed_power_levels, joined_room, kick_from, own_transaction_id, private_room_state,
    send_in, send_poll, tagged_room, transaction_id, user_id,
};
use crate::{Bot, BotError};
use kring_core::meeting::{MEETING_ROOM_NAME, Meeting, MeetingEffect, MeetingId, MeetingState};
use kring_store::PendingEffect;
use matrix_sdk::attachment::AttachmentConfig;
use matrix_sdk::ruma::OwnedEventId;
use matrix_sdk::ruma::api::client::room::create_room;
use matrix_sdk::ruma::events::poll::unstable_end::UnstablePollEndEventContent;
use matrix_sdk::{Room, RoomState};
use serde_json::json;

/// The state event a meeting's room carries: only Kring's random meeting id, so that a bot
/// restarted just after making the room finds it instead of making a second one.
const MEETING_TAG: &str = "org.kring.meeting";

/// The `.ics` file's media type (RFC 5545 §8.1).
const CALENDAR_MEDIA_TYPE: &str = "text/calendar";

pub(crate) async fn carry_out(
    bot: &Bot,
    pending: &PendingEffect,
    effect: &MeetingEffect,
) -> Result<Option<String>, BotError> {
    match effect {
        MeetingEffect::OpenRoom { meeting_id } => {
            open_room(bot, meeting_id).await?;
            Ok(None)
        }
        MeetingEffect::SendCandidatePoll {
            meeting_id,
            candidate,
            text,
        } => {
            let meeting = stored(bot, meeting_id).await?;
            let sent_before = meeting
                .candidates
                .get(*candidate)
                .ok_or_else(|| BotError::Plan(format!("meeting {meeting_id} has no such moment")))?
                .poll_event_id
                .clone();
            if let Some(event_id) = sent_before {
                return Ok(Some(event_id.to_string()));
            }
            // Chosen or called off meanwhile (in another lane): nobody is to vote any more.
            if meeting.state != MeetingState::Planning || meeting.candidate_polls_ended {
                return Ok(None);
            }
            let room = room_to_send_in(bot, &meeting).await?;
            let event_id = send_poll(bot, &room, text, &own_transaction_id(bot, pending)).await?;
            bot.store
                .set_candidate_poll(meeting_id.as_str(), *candidate, &event_id)
                .await?;
            Ok(Some(event_id))
        }
        MeetingEffect::SendActionPoll {
            meeting_id,
            number,
            text,
        } => {
            let meeting = stored(bot, meeting_id).await?;
            let action = meeting
                .actions
                .iter()
                .find(|action| action.number == *number)
                .ok_or_else(|| {
                    BotError::Plan(format!("meeting {meeting_id} has no such action"))
                })?;
            if let Some(event_id) = &action.poll_event_id {
                return Ok(Some(event_id.to_string()));
            }
            // Marked done, or the meeting called off, meanwhile: nothing to ask.
            if action.done || meeting.state != MeetingState::Agreed {
                return Ok(None);
            }
            let room = room_to_send_in(bot, &meeting).await?;
            let event_id = send_poll(bot, &room, text, &own_transaction_id(bot, pending)).await?;
            bot.store
                .set_action_poll(meeting_id.as_str(), *number, &event_id)
                .await?;
            Ok(Some(event_id))
        }
        MeetingEffect::SendChoicePoll { meeting_id, text } => {
            let meeting = stored(bot, meeting_id).await?;
            if let Some(event_id) = &meeting.choice_poll_event_id {
                return Ok(Some(event_id.to_string()));
            }
            if meeting.state != MeetingState::Planning {
                return Ok(None);
            }
            let room = room_to_send_in(bot, &meeting).await?;
            let event_id = send_poll(bot, &room, text, &own_transaction_id(bot, pending)).await?;
            bot.store
                .set_choice_poll(meeting_id.as_str(), &event_id)
                .await?;
            Ok(Some(event_id))
        }
        MeetingEffect::SendProposalPoll {
            proposal_id,
            network_id,
            text,
        } => {
            if let Some(event_id) = bot
                .store
                .meeting_proposal_poll(proposal_id.as_str())
                .await?
            {
                return Ok(Some(event_id));
            }
            let to = kring_core::plan::Target::Network {
                network_id: network_id.clone(),
            };
            let Some(room) = joined_room(bot, &to).await? else {
                return Ok(None);
            };
            let event_id = send_poll(bot, &room, text, &own_transaction_id(bot, pending)).await?;
            bot.store
                .set_meeting_proposal_poll(proposal_id.as_str(), &event_id)
                .await?;
            Ok(Some(event_id))
        }
        MeetingEffect::EndPolls { meeting_id, text } => {
            end_polls(bot, meeting_id, text).await?;
            Ok(None)
        }
        MeetingEffect::SendInviteePoll {
            meeting_id,
            user,
            to,
            text,
            gives_consent,
        } => {
            let sent_before = bot
                .store
                .invitee_polls(meeting_id.as_str())
                .await?
                .into_iter()
                .find(|(person, _)| person == user);
            if let Some((_, event_id)) = sent_before {
                return Ok(Some(event_id));
            }
            let meeting = stored(bot, meeting_id).await?;
            if meeting.state != MeetingState::Choosing {
                return Ok(None);
            }
            let Some(room) = joined_room(bot, to).await? else {
                return Ok(None);
            };
            let event_id = send_poll(bot, &room, text, &own_transaction_id(bot, pending)).await?;
            bot.store
                .set_invitee_poll(meeting_id.as_str(), user, &event_id, *gives_consent)
                .await?;
            Ok(Some(event_id))
        }
        MeetingEffect::SendStartPoll {
            meeting_id,
            to,
            text,
        } => {
            let meeting = stored(bot, meeting_id).await?;
            if let Some(event_id) = &meeting.start_poll_event_id {
                return Ok(Some(event_id.to_string()));
            }
            if meeting.state != MeetingState::Choosing {
                return Ok(None);
            }
            let Some(room) = joined_room(bot, to).await? else {
                return Ok(None);
            };
            let event_id = send_poll(bot, &room, text, &own_transaction_id(bot, pending)).await?;
            bot.store
                .set_start_poll(meeting_id.as_str(), &event_id)
                .await?;
            Ok(Some(event_id))
        }
        MeetingEffect::EndActionPoll {
            meeting_id,
            number,
            text,
        } => {
            let meeting = stored(bot, meeting_id).await?;
            let poll = meeting
                .actions
                .iter()
                .find(|action| action.number == *number)
                .and_then(|action| action.poll_event_id.clone());
            if let Some(poll) = poll {
                send_poll_ends(bot, &room_of(bot, &meeting)?, vec![poll], text).await?;
            }
            Ok(None)
        }
        MeetingEffect::Remove { meeting_id, user } => {
            let meeting = stored(bot, meeting_id).await?;
            let room = match &meeting.room_id {
                Some(_) => Some(room_of(bot, &meeting)?),
                // Made just before a crash and not recorded yet: found by its tag. Not made at
                // all: they will not be invited to it (the store no longer lists them).
                None => {
                    tagged_room(bot, MEETING_TAG, |tag| {
                        tag["meeting_id"] == meeting_id.as_str()
                    })
                    .await
                }
            };
            if let Some(room) = room {
                kick_from(bot, &room, user).await?;
            }
            Ok(None)
        }
        MeetingEffect::Say {
            meeting_id,
            reply,
            only_while_planning,
        } => {
            let meeting = stored(bot, meeting_id).await?;
            if *only_while_planning && meeting.state != MeetingState::Planning {
                return Ok(None);
            }
            let room = room_to_send_in(bot, &meeting).await?;
            let sent = send_in(bot, &room, reply, None, &own_transaction_id(bot, pending)).await?;
            bot.metrics.replies_sent.inc();
            Ok(Some(sent))
        }
        MeetingEffect::SendCalendar {
            meeting_id,
            file_name,
            ics,
            ..
        } => {
            let meeting = stored(bot, meeting_id).await?;
            let room = room_to_send_in(bot, &meeting).await?;
            let media_type: mime::Mime = CALENDAR_MEDIA_TYPE
                .parse()
                .map_err(|_| BotError::Plan("the calendar's media type".into()))?;
            // The room is encrypted, so the SDK encrypts the file before it uploads it: the
            // homeserver's media store holds only ciphertext. A retry uploads again, but the
            // message itself goes out once (the same transaction id).
            let _sending = bot.room_guards.sending(room.room_id()).await;
            crate::trust::share_only_with_pinned(bot, &room).await;
            let sent = room
                .send_attachment(
                    file_name.clone(),
                    &media_type,
                    ics.as_bytes().to_vec(),
                    AttachmentConfig::new().txn_id(own_transaction_id(bot, pending)),
                )
                .await?;
            Ok(Some(sent.event_id.to_string()))
        }
    }
}

async fn stored(bot: &Bot, meeting_id: &MeetingId) -> Result<Meeting, BotError> {
    bot.store
        .meeting(meeting_id.as_str())
        .await?
        .ok_or_else(|| BotError::Plan(format!("meeting {meeting_id} is not stored")))
}

/// The meeting's room, ready for a message: anyone in it (joined or invited) who is not the
/// bot, the client or an invitee the store still lists is taken out first. A removal planned in
/// another lane may not have been carried out yet; the message must not wait for it to be
/// encrypted without them.
async fn room_to_send_in(bot: &Bot, meeting: &Meeting) -> Result<Room, BotError> {
    let room = room_of(bot, meeting)?;
    keep_to_invitees(bot, &room, meeting).await?;
    Ok(room)
}

async fn keep_to_invitees(bot: &Bot, room: &Room, meeting: &Meeting) -> Result<(), BotError> {
    let network = bot
        .store
        .network(&meeting.network_id)
        .await?
        .ok_or_else(|| BotError::Plan(format!("the network of meeting {}", meeting.id)))?;
    let members = room
        .members(matrix_sdk::RoomMemberships::JOIN | matrix_sdk::RoomMemberships::INVITE)
        .await?;
    for member in members {
        let Ok(id) = kring_core::MatrixId::parse(member.user_id().as_str()) else {
            continue;
        };
        let allowed = member.user_id() == bot.identity.user_id
            || id == network.client
            || meeting.invitees.contains(&id);
        if !allowed {
            kick_from(bot, room, &id).await?;
        }
    }
    Ok(())
}

/// The meeting's room, joined. Not made yet is an error (retried): its `OpenRoom` comes first.
fn room_of(bot: &Bot, meeting: &Meeting) -> Result<Room, BotError> {
    let room_id = meeting
        .room_id
        .as_ref()
        .ok_or_else(|| BotError::Plan(format!("meeting {} has no room yet", meeting.id)))?;
    bot.client
        .get_room(room_id)
        .filter(|room| room.state() == RoomState::Joined)
        .ok_or_else(|| {
            BotError::Plan(format!(
                "the room of meeting {} is not known yet",
                meeting.id
            ))
        })
}

async fn open_room(bot: &Bot, meeting_id: &MeetingId) -> Result<(), BotError> {
    let meeting = stored(bot, meeting_id).await?;
    if meeting.room_id.is_some() {
        return Ok(());
    }
    let network = bot
        .store
        .network(&meeting.network_id)
        .await?
        .ok_or_else(|| BotError::Plan(format!("the network of meeting {meeting_id}")))?;
    if let Some(room) = tagged_room(bot, MEETING_TAG, |tag| {
        tag["meeting_id"] == meeting_id.as_str()
    })
    .await
    {
        // Made before a crash, with the invitees of that moment: whoever is no longer invited
        // (their consent ended meanwhile) is taken out before anything is said there.
        keep_to_invitees(bot, &room, &meeting).await?;
        return Ok(bot
            .store
            .set_meeting_room(meeting_id.as_str(), room.room_id().as_str())
            .await?);
    }
    let mut invite = vec![user_id(&network.client)?];
    for invitee in &meeting.invitees {
        invite.push(user_id(invitee)?);
    }
    let mut request = create_room::v3::Request::new();
    request.name = Some(MEETING_ROOM_NAME.to_owned());
    request.preset = Some(create_room::v3::RoomPreset::PrivateChat);
    request.invite = invite;
    // Invitees read what was said from their invitation on: the candidate polls are sent
    // right after the room is made, before anyone has joined.
    request.initial_state =
        private_room_state("invited", MEETING_TAG, json!({ "meeting_id": meeting_id }))?;
    // Only the bot lets people in: an invitee cannot bring someone who may not see it.
    request.power_level_content_override = Some(bot_managed_power_levels()?);
    let room = bot.client.create_room(request).await?;
    bot.store
        .set_meeting_room(meeting_id.as_str(), room.room_id().as_str())
        .await?;
    Ok(())
}

/// Ends the candidates' polls (once) and, when the meeting is no longer being planned, the
/// choice poll (once). Each end's transaction id is derived from its poll alone.
/// Ends `polls` in `room` with `text`, each once: the transaction id comes from the poll alone,
/// so two plans that both end it send one end.
async fn send_poll_ends(
    bot: &Bot,
    room: &Room,
    polls: Vec<OwnedEventId>,
    text: &str,
) -> Result<(), BotError> {
    let _sending = bot.room_guards.sending(room.room_id()).await;
    crate::trust::share_only_with_pinned(bot, room).await;
    for poll in polls {
        let transaction = transaction_id(bot.identity.user_id.as_str(), &format!("end\n{poll}"), 0);
        room.send(UnstablePollEndEventContent::new(text.to_owned(), poll))
            .with_transaction_id(transaction)
            .await?;
    }
    Ok(())
}

async fn end_polls(bot: &Bot, meeting_id: &MeetingId, text: &str) -> Result<(), BotError> {
    let meeting = stored(bot, meeting_id).await?;
    let end_candidates = !meeting.candidate_polls_ended;
    let end_choice = meeting.state != MeetingState::Planning && !meeting.choice_poll_ended;
    let mut polls: Vec<OwnedEventId> = Vec::new();
    if end_candidates {
        polls.extend(
            meeting
                .candidates
                .iter()
                .filter_map(|c| c.poll_event_id.clone()),
        );
    }
    if end_choice {
        polls.extend(meeting.choice_poll_event_id.clone());
    }
    if !polls.is_empty() {
        send_poll_ends(bot, &room_of(bot, &meeting)?, polls, text).await?;
    }
    bot.store
        .meeting_polls_ended(
            meeting_id.as_str(),
            end_candidates,
            end_choice,
            bot.clock.now_millis(),
        )
        .await?;
    Ok(())
}
