//! Who may plan a meeting, who can be invited, and what the votes say. The client chairs: the
//! client (or their representative) plans; any other member may propose one, which the client
//! decides on as with members. Only invitees' answers count, each one's latest per moment.

use crate::consent::{Consent, InfoKind, Subject, may};
use crate::network::{Membership, Millis, Network, NetworkState};
use crate::{MatrixId, Role};
use std::collections::BTreeMap;

/// What someone may do about a meeting in a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingRight {
    /// The client, or the representative acting for them.
    Plan,
    /// Another member: a proposal the client decides on.
    Propose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MeetingRefusal {
    #[error("not a member of the network")]
    NotInNetwork,
    #[error("the network is not active")]
    NetworkNotActive,
}

pub fn meeting_right(network: &Network, actor: &MatrixId) -> Result<MeetingRight, MeetingRefusal> {
    if network.state != NetworkState::Active {
        return Err(MeetingRefusal::NetworkNotActive);
    }
    if network.steered_by(actor) {
        return Ok(MeetingRight::Plan);
    }
    match network.member(actor) {
        Some(member) if member.membership == Membership::Joined && member.role != Role::Bot => {
            Ok(MeetingRight::Propose)
        }
        _ => Err(MeetingRefusal::NotInNetwork),
    }
}

/// The invitees as chosen, and those of them who may not see meeting details yet: the client
/// is asked to give them "afspraken" in the same step, or to leave them out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitees {
    pub invited: Vec<MatrixId>,
    pub without_consent: Vec<MatrixId>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteeError {
    #[error("nobody was chosen")]
    NobodyChosen,
    /// Someone who is not (or no longer) in the network, or the bot.
    #[error("{0} is not in the network")]
    NotInNetwork(MatrixId),
}

/// Checks the people the client chose: each once, each joined in the network (the client
/// chairs and is always there, so choosing them changes nothing).
pub fn check_invitees(
    network: &Network,
    consent: &Consent,
    chosen: &[MatrixId],
    now: Millis,
) -> Result<Invitees, InviteeError> {
    let mut invited: Vec<MatrixId> = Vec::new();
    for person in chosen {
        if person == &network.client || invited.contains(person) {
            continue;
        }
        let joined = network.member(person).is_some_and(|member| {
            member.membership == Membership::Joined && member.role != Role::Bot
        });
        if !joined {
            return Err(InviteeError::NotInNetwork(person.clone()));
        }
        invited.push(person.clone());
    }
    if invited.is_empty() {
        return Err(InviteeError::NobodyChosen);
    }
    let without_consent = invited
        .iter()
        .filter(|person| {
            !may(
                network,
                consent,
                &Subject::Member {
                    user: (*person).clone(),
                },
                InfoKind::Appointments,
                now,
            )
        })
        .cloned()
        .collect();
    Ok(Invitees {
        invited,
        without_consent,
    })
}

/// The invitees who may no longer see the meeting's details (their "afspraken" consent ended,
/// or they left the network): they leave its room.
pub fn invitees_to_remove(
    network: &Network,
    consent: &Consent,
    invitees: &[MatrixId],
    now: Millis,
) -> Vec<MatrixId> {
    invitees
        .iter()
        .filter(|person| {
            let subject = Subject::Member {
                user: (*person).clone(),
            };
            !may(network, consent, &subject, InfoKind::Appointments, now)
        })
        .cloned()
        .collect()
}

/// Whether `actor` may record the plan of `meeting` (its goals and actions): whoever steers the
/// network, or the person the client appointed for this meeting while they may still see it.
pub fn may_record_plan(
    network: &Network,
    consent: &Consent,
    meeting: &super::Meeting,
    actor: &MatrixId,
    now: Millis,
) -> bool {
    match meeting_right(network, actor) {
        Ok(MeetingRight::Plan) => true,
        Ok(MeetingRight::Propose) => {
            meeting.recorder.as_ref() == Some(actor)
                && meeting.invitees.contains(actor)
                && invitees_to_remove(network, consent, std::slice::from_ref(actor), now).is_empty()
        }
        Err(_) => false,
    }
}

/// Whom the client can choose to invite: every joined member but the client and the bot.
pub fn choosable(network: &Network) -> Vec<MatrixId> {
    network
        .members
        .iter()
        .filter(|member| {
            member.membership == Membership::Joined
                && member.role != Role::Bot
                && member.user != network.client
        })
        .map(|member| member.user.clone())
        .collect()
}

/// Whom the choice starts with: those invited last time who are still joined.
pub fn preselected(network: &Network, last_time: &[MatrixId]) -> Vec<MatrixId> {
    last_time
        .iter()
        .filter(|person| {
            network
                .member(person)
                .is_some_and(|member| member.membership == Membership::Joined)
        })
        .cloned()
        .collect()
}

/// Whom the bot invites when the client names nobody: those invited last time who are still
/// joined, or else every joined member; of them, those who may see appointments. The rest are
/// `without_consent`, to be told to the client (never invited: the details are not theirs).
pub fn default_invitees(
    network: &Network,
    consent: &Consent,
    last_time: &[MatrixId],
    now: Millis,
) -> Invitees {
    let candidates: Vec<MatrixId> = if last_time.is_empty() {
        network
            .members
            .iter()
            .filter(|member| member.membership == Membership::Joined && member.role != Role::Bot)
            .map(|member| member.user.clone())
            .collect()
    } else {
        preselected(network, last_time)
    };
    let mut invitees = Invitees {
        invited: Vec::new(),
        without_consent: Vec::new(),
    };
    for person in candidates {
        if person == network.client {
            continue;
        }
        let subject = Subject::Member {
            user: person.clone(),
        };
        if may(network, consent, &subject, InfoKind::Appointments, now) {
            invitees.invited.push(person);
        } else {
            invitees.without_consent.push(person);
        }
    }
    invitees
}

const DAY: Millis = 86_400_000;

/// How long after a meeting the next one is due when the region sets no schedule: a resource
/// group meets every three months.
pub const NEXT_MEETING_AFTER_DAYS: i64 = 91;
/// How long before the next meeting is due the client is asked to plan it: time for date
/// finding and for people to plan around it.
pub const ASK_FOR_NEXT_DAYS_BEFORE: i64 = 21;

/// When the client is asked about the next meeting after one that starts at `starts_at` and
/// ends at `ends_at`. A rhythm (a recurrence rule, the network's or the region's) says when the
/// next meeting is due: the client is asked three weeks before, but not before this one is
/// over. A cron expression says when to ask: its first time after the meeting ended. Without
/// either, three weeks before three months have passed.
pub fn ask_for_next_at(
    schedule: Option<&crate::time::Recurrence>,
    starts_at: Millis,
    ends_at: Millis,
) -> Option<Millis> {
    match schedule {
        Some(rhythm) if rhythm.runs_from_a_start() => {
            let start = crate::time::from_millis(starts_at)?;
            let next = crate::time::to_millis(rhythm.next_from(start, start)?);
            Some(
                super::moment::local_days_shift(next, -ASK_FOR_NEXT_DAYS_BEFORE * 24 * 60)
                    .max(ends_at),
            )
        }
        Some(schedule) => schedule
            .next_after(crate::time::from_millis(ends_at)?)
            .map(crate::time::to_millis),
        None => Some(super::moment::local_days_shift(
            starts_at,
            (NEXT_MEETING_AFTER_DAYS - ASK_FOR_NEXT_DAYS_BEFORE) * 24 * 60,
        )),
    }
}

/// A network's rhythm as the client types it: "elke 3 maanden", "elke maand", "every 6 weeks",
/// or a recurrence rule (`FREQ=MONTHLY;INTERVAL=3`) or cron expression as the region writes
/// its own. The words become a rule that runs from each meeting.
pub fn parse_rhythm(text: &str) -> Result<crate::time::Recurrence, crate::time::RecurrenceError> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| word.to_lowercase())
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let (count, unit) = match words.as_slice() {
        ["elke" | "iedere" | "every" | "each", unit] => (Some(1), *unit),
        ["elke" | "iedere" | "every" | "each", count, unit] => (count.parse::<u32>().ok(), *unit),
        _ => return text.parse(),
    };
    let frequency = match unit {
        "week" | "weken" | "weeks" => "WEEKLY",
        "maand" | "maanden" | "month" | "months" => "MONTHLY",
        "jaar" | "jaren" | "year" | "years" => "YEARLY",
        _ => return text.parse(),
    };
    let Some(count) = count.filter(|count| (1..=24).contains(count)) else {
        return Err(crate::time::RecurrenceError::Rule(
            text.to_owned(),
            "the number is not from 1 to 24".into(),
        ));
    };
    format!("FREQ={frequency};INTERVAL={count}").parse()
}

/// When date finding closes: a week after it starts, or two days before the earliest moment if
/// that comes sooner (people need time to plan around it), but at least a day to answer, and
/// never after the earliest moment itself.
pub fn answer_by(now: Millis, earliest: Millis) -> Millis {
    (now + 7 * DAY)
        .min(earliest - 2 * DAY)
        .max(now + DAY)
        .min(earliest)
}

/// An answer to one candidate moment's poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Answer {
    Yes,
    Maybe,
    No,
}

/// One vote as it arrived, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub voter: MatrixId,
    pub candidate: usize,
    pub answer: Answer,
}

/// The answers to one candidate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CandidateTally {
    pub yes: usize,
    pub maybe: usize,
    pub no: usize,
}

/// The live tally: per candidate, each invitee's latest answer (the client's too: the client
/// chairs); votes from anyone else, or for a candidate that is not there, count for nothing.
pub fn tally(
    candidates: usize,
    invitees: &[MatrixId],
    client: &MatrixId,
    votes: &[Vote],
) -> Vec<CandidateTally> {
    let mut latest: BTreeMap<(usize, &MatrixId), Answer> = BTreeMap::new();
    for vote in votes {
        if vote.candidate < candidates && (invitees.contains(&vote.voter) || &vote.voter == client)
        {
            latest.insert((vote.candidate, &vote.voter), vote.answer);
        }
    }
    let mut tallies = vec![CandidateTally::default(); candidates];
    for ((candidate, _), answer) in latest {
        let tally = &mut tallies[candidate];
        match answer {
            Answer::Yes => tally.yes += 1,
            Answer::Maybe => tally.maybe += 1,
            Answer::No => tally.no += 1,
        }
    }
    tallies
}

/// Whether every invitee and the client answered every candidate.
pub fn everyone_answered(
    candidates: usize,
    invitees: &[MatrixId],
    client: &MatrixId,
    votes: &[Vote],
) -> bool {
    invitees
        .iter()
        .chain(std::iter::once(client))
        .all(|person| {
            (0..candidates).all(|candidate| {
                votes
                    .iter()
                    .any(|vote| &vote.voter == person && vote.candidate == candidate)
            })
        })
}

/// The invitees who answered none of the candidates yet: reminded once.
pub fn not_answered(invitees: &[MatrixId], votes: &[Vote]) -> Vec<MatrixId> {
    invitees
        .iter()
        .filter(|person| !votes.iter().any(|vote| &vote.voter == *person))
        .cloned()
        .collect()
}

/// The moment the bot suggests to the client: the most "ja"; of those, the fewest "nee"; then
/// the most "misschien"; then the earliest given. `None` when nobody said yes or maybe to any.
pub fn best_candidate(tallies: &[CandidateTally]) -> Option<usize> {
    tallies
        .iter()
        .enumerate()
        .filter(|(_, tally)| tally.yes + tally.maybe > 0)
        .min_by_key(|(index, tally)| {
            (
                std::cmp::Reverse(tally.yes),
                tally.no,
                std::cmp::Reverse(tally.maybe),
                *index,
            )
        })
        .map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Member, NetworkId};
    use proptest::prelude::*;

    fn id(name: &str) -> MatrixId {
        MatrixId::parse(&format!("@{name}:kring.test")).unwrap()
    }

    fn member(name: &str, role: Role, membership: Membership) -> Member {
        Member {
            user: id(name),
            role,
            membership,
            since: 1,
            added_by: id("client"),
        }
    }

    fn network() -> Network {
        Network {
            id: NetworkId::parse("net-a").unwrap(),
            client: id("client"),
            started_by: id("client"),
            state: NetworkState::Active,
            members: vec![
                member("client", Role::Client, Membership::Joined),
                member("rep", Role::Representative, Membership::Joined),
                member("mother", Role::Carer, Membership::Joined),
                member(
                    "gp",
                    Role::Professional {
                        organisation: "Praktijk De Linde".into(),
                        discipline: "huisarts".into(),
                    },
                    Membership::Joined,
                ),
                member("invited", Role::Carer, Membership::Invited),
                member("gone", Role::Carer, Membership::Left),
                member("kring", Role::Bot, Membership::Joined),
            ],
            proposals: Vec::new(),
            links: Vec::new(),
        }
    }

    #[test]
    fn the_client_and_representative_plan_other_members_propose() {
        let network = network();
        assert_eq!(
            meeting_right(&network, &id("client")),
            Ok(MeetingRight::Plan)
        );
        assert_eq!(meeting_right(&network, &id("rep")), Ok(MeetingRight::Plan));
        assert_eq!(
            meeting_right(&network, &id("mother")),
            Ok(MeetingRight::Propose)
        );
        assert_eq!(
            meeting_right(&network, &id("gp")),
            Ok(MeetingRight::Propose)
        );
        for outsider in ["invited", "gone", "kring", "stranger"] {
            assert_eq!(
                meeting_right(&network, &id(outsider)),
                Err(MeetingRefusal::NotInNetwork),
                "{outsider}"
            );
        }
        let closed = Network {
            state: NetworkState::Closed,
            ..network
        };
        assert_eq!(
            meeting_right(&closed, &id("client")),
            Err(MeetingRefusal::NetworkNotActive)
        );
    }

    #[test]
    fn invitees_are_joined_members_and_those_without_appointments_consent_are_named() {
        let network = network();
        let consent = Consent::default();
        let chosen = [id("mother"), id("gp"), id("mother"), id("client")];
        assert_eq!(
            check_invitees(&network, &consent, &chosen, 10),
            Ok(Invitees {
                invited: vec![id("mother"), id("gp")],
                without_consent: vec![id("mother"), id("gp")],
            })
        );
        for outsider in ["invited", "gone", "kring", "stranger"] {
            assert_eq!(
                check_invitees(&network, &consent, &[id("gp"), id(outsider)], 10),
                Err(InviteeError::NotInNetwork(id(outsider)))
            );
        }
        assert_eq!(
            check_invitees(&network, &consent, &[id("client")], 10),
            Err(InviteeError::NobodyChosen)
        );
        let grant = |subject, ends_at| crate::consent::Grant {
            subject,
            kind: InfoKind::Appointments,
            given_by: id("client"),
            on_behalf_of: None,
            given_at: 1,
            ends_at,
            revoked_at: None,
        };
        let consent = Consent {
            grants: vec![
                grant(Subject::Member { user: id("mother") }, None),
                grant(
                    Subject::Organisation {
                        name: "Praktijk De Linde".into(),
                    },
                    Some(5),
                ),
            ],
        };
        let checked = check_invitees(&network, &consent, &[id("mother"), id("gp")], 4).unwrap();
        assert!(checked.without_consent.is_empty(), "{checked:?}");
        let checked = check_invitees(&network, &consent, &[id("mother"), id("gp")], 5).unwrap();
        assert_eq!(
            checked.without_consent,
            [id("gp")],
            "the organisation's grant ended"
        );
        assert_eq!(
            preselected(&network, &[id("gone"), id("gp"), id("invited")]),
            [id("gp")]
        );
    }

    #[test]
    fn by_default_last_times_people_or_everyone_joined_with_consent_for_appointments() {
        let network = network();
        let consent = Consent {
            grants: vec![crate::consent::Grant {
                subject: Subject::Member { user: id("mother") },
                kind: InfoKind::Appointments,
                given_by: id("client"),
                on_behalf_of: None,
                given_at: 1,
                ends_at: None,
                revoked_at: None,
            }],
        };
        let everyone = default_invitees(&network, &consent, &[], 2);
        assert_eq!(everyone.invited, [id("mother")]);
        assert_eq!(everyone.without_consent, [id("rep"), id("gp")]);
        let last_time = default_invitees(&network, &consent, &[id("gp"), id("gone")], 2);
        assert!(last_time.invited.is_empty());
        assert_eq!(last_time.without_consent, [id("gp")]);
    }

    #[test]
    fn invitees_leave_when_their_consent_or_membership_ends() {
        let mut network = network();
        let grant = |user: &str, revoked_at| crate::consent::Grant {
            subject: Subject::Member { user: id(user) },
            kind: InfoKind::Appointments,
            given_by: id("client"),
            on_behalf_of: None,
            given_at: 1,
            ends_at: None,
            revoked_at,
        };
        let consent = Consent {
            grants: vec![
                grant("mother", None),
                grant("gp", Some(5)),
                grant("rep", None),
            ],
        };
        let invitees = [id("mother"), id("gp"), id("rep")];
        assert_eq!(
            invitees_to_remove(&network, &consent, &invitees, 4),
            Vec::<MatrixId>::new()
        );
        assert_eq!(
            invitees_to_remove(&network, &consent, &invitees, 5),
            [id("gp")]
        );
        for member in &mut network.members {
            if member.user == id("rep") {
                member.membership = Membership::Left;
            }
        }
        assert_eq!(
            invitees_to_remove(&network, &consent, &invitees, 5),
            [id("gp"), id("rep")]
        );
    }

    #[test]
    fn the_plan_is_recorded_by_whoever_steers_or_the_appointed_invitee_while_they_may_see_it() {
        let network = network();
        let grant = |user: &str, revoked_at| crate::consent::Grant {
            subject: Subject::Member { user: id(user) },
            kind: InfoKind::Appointments,
            given_by: id("client"),
            on_behalf_of: None,
            given_at: 1,
            ends_at: None,
            revoked_at,
        };
        let consent = Consent {
            grants: vec![grant("mother", Some(9)), grant("gp", None)],
        };
        let meeting = |recorder: Option<&str>| super::super::Meeting {
            id: super::super::MeetingId::parse("mtg-a").unwrap(),
            network_id: network.id.clone(),
            planned_by: id("client"),
            room_id: None,
            place: None,
            state: super::super::MeetingState::Agreed,
            candidates: Vec::new(),
            chosen: None,
            sequence: 0,
            invitees: vec![id("mother")],
            answer_by: 0,
            choice_asked: true,
            choice_poll_event_id: None,
            candidate_polls_ended: true,
            choice_poll_ended: true,
            start_poll_event_id: None,
            choosing_room_id: None,
            goals: Vec::new(),
            actions: Vec::new(),
            recorder: recorder.map(id),
            created_at: 0,
        };
        for steering in ["client", "rep"] {
            assert!(may_record_plan(
                &network,
                &consent,
                &meeting(None),
                &id(steering),
                5
            ));
        }
        let appointed = meeting(Some("mother"));
        assert!(!may_record_plan(
            &network,
            &consent,
            &meeting(None),
            &id("mother"),
            5
        ));
        assert!(may_record_plan(
            &network,
            &consent,
            &appointed,
            &id("mother"),
            5
        ));
        assert!(
            !may_record_plan(&network, &consent, &appointed, &id("mother"), 9),
            "not once their consent is withdrawn"
        );
        // Appointed but not invited (the GP has consent): no.
        assert!(!may_record_plan(
            &network,
            &consent,
            &meeting(Some("gp")),
            &id("gp"),
            5
        ));
        for outsider in ["gone", "stranger"] {
            assert!(!may_record_plan(
                &network,
                &consent,
                &meeting(Some(outsider)),
                &id(outsider),
                5
            ));
        }
    }

    #[test]
    fn everyone_answered_means_every_invitee_and_the_client_for_every_moment() {
        let vote = |name: &str, candidate| Vote {
            voter: id(name),
            candidate,
            answer: Answer::No,
        };
        let invitees = [id("mother")];
        let mut votes = vec![vote("mother", 0), vote("mother", 1), vote("client", 0)];
        assert!(!everyone_answered(2, &invitees, &id("client"), &votes));
        votes.push(vote("stranger", 1));
        assert!(!everyone_answered(2, &invitees, &id("client"), &votes));
        votes.push(vote("client", 1));
        assert!(everyone_answered(2, &invitees, &id("client"), &votes));
        assert!(!everyone_answered(3, &invitees, &id("client"), &votes));
    }

    #[test]
    fn a_rhythm_is_typed_in_words_or_as_a_rule_or_cron() {
        for (typed, source) in [
            ("elke 3 maanden", "FREQ=MONTHLY;INTERVAL=3"),
            ("Elke maand", "FREQ=MONTHLY;INTERVAL=1"),
            ("every 6 weeks", "FREQ=WEEKLY;INTERVAL=6"),
            ("iedere 1 jaar", "FREQ=YEARLY;INTERVAL=1"),
            (
                "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU",
                "FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU",
            ),
            ("0 10 1-7 */3 1", "0 10 1-7 */3 1"),
        ] {
            let rhythm = parse_rhythm(typed).expect(typed);
            assert_eq!(rhythm.source(), source, "{typed}");
        }
        for bad in [
            "elke 0 maanden",
            "elke 30 maanden",
            "elke 3 dagen",
            "soms",
            "FREQ=MONTHLY;COUNT=3",
        ] {
            assert!(parse_rhythm(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_next_meeting_is_asked_about_by_the_schedule_or_after_ten_weeks() {
        use chrono::TimeZone;
        let at = |y, m, d, h| {
            crate::time::LOCAL_TIME_ZONE
                .with_ymd_and_hms(y, m, d, h, 0, 0)
                .unwrap()
                .with_timezone(&chrono::Utc)
                .timestamp_millis()
        };
        // 14:00-15:00 on 10 March 2027, winter time.
        let (starts, ends) = (at(2027, 3, 10, 14), at(2027, 3, 10, 15));
        // Ten weeks on, at the same local time although summer time began.
        assert_eq!(
            ask_for_next_at(None, starts, ends),
            Some(at(2027, 5, 19, 14))
        );
        // The first Monday of every third month at 09:00, read in Amsterdam time: the
        // first such after 10 March is 5 April (summer time), at 09:00 local.
        let schedule: crate::time::Recurrence = "0 9 1-7 */3 MON".parse().unwrap();
        assert_eq!(
            ask_for_next_at(Some(&schedule), starts, ends),
            Some(at(2027, 4, 5, 9))
        );
        // A rhythm of three months: the next is due on 10 June at 14:00, and the client is
        // asked three weeks before, on 20 May at 14:00 (summer time, the same local time).
        let rhythm: crate::time::Recurrence = "FREQ=MONTHLY;INTERVAL=3".parse().unwrap();
        assert_eq!(
            ask_for_next_at(Some(&rhythm), starts, ends),
            Some(at(2027, 5, 20, 14))
        );
        // Every week: three weeks before the next is before this one ended, so just after it.
        let weekly: crate::time::Recurrence = "FREQ=WEEKLY".parse().unwrap();
        assert_eq!(ask_for_next_at(Some(&weekly), starts, ends), Some(ends));
    }

    proptest! {
        /// Date finding closes after now, by the earliest moment, and within a week.
        #[test]
        fn answers_are_due_after_now_and_by_the_earliest_moment(
            now in 0i64..4_000_000_000_000,
            ahead in 1i64..(400 * DAY),
        ) {
            let earliest = now + ahead;
            let due = answer_by(now, earliest);
            prop_assert!(due > now);
            prop_assert!(due <= earliest);
            prop_assert!(due <= now + 7 * DAY);
            if ahead >= 9 * DAY {
                prop_assert_eq!(due, now + 7 * DAY);
            }
        }
    }

    #[test]
    fn the_best_moment_has_most_yes_then_fewest_no_then_most_maybe_then_comes_first() {
        let t = |yes, maybe, no| CandidateTally { yes, maybe, no };
        assert_eq!(
            best_candidate(&[t(1, 0, 0), t(2, 0, 3), t(2, 0, 1)]),
            Some(2)
        );
        assert_eq!(best_candidate(&[t(1, 1, 0), t(1, 2, 0)]), Some(1));
        assert_eq!(best_candidate(&[t(1, 1, 0), t(1, 1, 0)]), Some(0));
        assert_eq!(best_candidate(&[t(0, 0, 3), t(0, 0, 0)]), None);
        assert_eq!(best_candidate(&[]), None);
    }

    #[test]
    fn only_an_invitees_latest_answer_counts() {
        let invitees = [id("mother"), id("gp")];
        let vote = |voter: &str, candidate, answer| Vote {
            voter: id(voter),
            candidate,
            answer,
        };
        let votes = [
            vote("mother", 0, Answer::Yes),
            vote("mother", 0, Answer::No),
            vote("gp", 1, Answer::Maybe),
            vote("stranger", 0, Answer::Yes),
            vote("client", 0, Answer::Yes),
            vote("gp", 7, Answer::Yes),
        ];
        assert_eq!(
            tally(2, &invitees, &id("client"), &votes),
            [
                CandidateTally {
                    yes: 1,
                    maybe: 0,
                    no: 1
                },
                CandidateTally {
                    yes: 0,
                    maybe: 1,
                    no: 0
                }
            ]
        );
        assert_eq!(
            not_answered(&[id("mother"), id("rep")], &votes),
            [id("rep")]
        );
    }

    fn votes_strategy() -> impl Strategy<Value = Vec<(usize, usize, usize)>> {
        prop::collection::vec((0..5_usize, 0..4_usize, 0..3_usize), 0..40)
    }

    proptest! {
        /// Each invitee counts at most once per moment, whatever they sent; outsiders never
        /// count; and the suggested moment is one nobody beat on "ja".
        #[test]
        fn every_invitee_counts_once_per_moment(raw in votes_strategy()) {
            let people = ["mother", "gp", "rep", "stranger", "other"];
            let invitees = [id("mother"), id("gp"), id("rep")];
            let answers = [Answer::Yes, Answer::Maybe, Answer::No];
            let votes: Vec<Vote> = raw
                .iter()
                .map(|&(person, candidate, answer)| Vote {
                    voter: id(people[person]),
                    candidate,
                    answer: answers[answer],
                })
                .collect();
            let tallies = tally(3, &invitees, &id("client"), &votes);
            for (candidate, counted) in tallies.iter().enumerate() {
                let voters = invitees
                    .iter()
                    .filter(|person| votes.iter().any(|vote| &vote.voter == *person && vote.candidate == candidate))
                    .count();
                prop_assert_eq!(counted.yes + counted.maybe + counted.no, voters);
            }
            if let Some(best) = best_candidate(&tallies) {
                prop_assert!(tallies.iter().all(|other| other.yes <= tallies[best].yes));
            }
            let without_outsiders: Vec<Vote> = votes
                .iter()
                .filter(|vote| invitees.contains(&vote.voter))
                .cloned()
                .collect();
            prop_assert_eq!(tally(3, &invitees, &id("client"), &without_outsiders), tallies);
        }
    }
}
