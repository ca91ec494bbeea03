//! Who may ask whom for advice, what each step of a consult may follow, and when the answer is
//! due. One rule each, as plain functions.

use crate::network::{Membership, Millis, Network, NetworkState};
use crate::time::RegionCalendar;
use crate::{MatrixId, Role};

/// Where a consult is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsultState {
    /// The consultant is outside the network: nothing leaves it before the client agrees.
    AwaitingConsent,
    /// Sent to the consultant (in the consult room), waiting for acceptance.
    Requested,
    Accepted,
    Answered,
    Closed,
    /// The consultant declined (with a reason).
    Declined,
    /// The client did not agree to share it with someone outside the network.
    ConsentRefused,
}

impl ConsultState {
    pub const ALL: [Self; 7] = [
        Self::AwaitingConsent,
        Self::Requested,
        Self::Accepted,
        Self::Answered,
        Self::Closed,
        Self::Declined,
        Self::ConsentRefused,
    ];

    /// Whether the consultant still owes an answer (and the deadline counts).
    pub fn awaits_answer(self) -> bool {
        matches!(self, Self::Requested | Self::Accepted)
    }

    pub fn is_over(self) -> bool {
        matches!(self, Self::Closed | Self::Declined | Self::ConsentRefused)
    }
}

/// What the consultant concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Advice,
    ReferralAdvised,
}

/// Who does what to a consult.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsultEvent {
    /// The client (or representative) answered the consent question.
    ClientConsent {
        agreed: bool,
    },
    Accept,
    Decline,
    Answer {
        outcome: Outcome,
    },
    /// The requester closes it (after sharing the gist, with the time the consultant spent).
    Close,
}

/// Whom the consult is asked of, as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consultant {
    /// A professional in the network: they may see it without a further question.
    InNetwork(MatrixId),
    /// Someone outside it: the client is asked first.
    Outside(MatrixId),
}

impl Consultant {
    pub fn user(&self) -> &MatrixId {
        match self {
            Self::InNetwork(user) | Self::Outside(user) => user,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsultantError {
    #[error("a consult is asked of someone else")]
    Themselves,
    #[error("the client is not a consultant")]
    TheClient,
    #[error("only a professional gives a consult")]
    NotAProfessional,
}

/// A consult as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consult {
    pub requester: MatrixId,
    pub consultant: MatrixId,
    pub state: ConsultState,
    /// When the request reached the consultant (the deadline counts from it).
    pub sent_at: Option<Millis>,
    /// The end of the day the answer is due.
    pub due_at: Option<Millis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConsultRefusal {
    #[error("only a professional in the network asks for a consult")]
    NotAProfessionalHere,
    #[error("the network is not active")]
    NetworkNotActive,
    #[error("that is not theirs to do")]
    NotTheirs,
    #[error("that does not follow where the consult is")]
    OutOfOrder,
}

fn joined_professional(network: &Network, user: &MatrixId) -> bool {
    network.member(user).is_some_and(|member| {
        member.membership == Membership::Joined && matches!(member.role, Role::Professional { .. })
    })
}

/// Whether `actor` may ask for a consult about this network's client: a professional who is in it.
pub fn consult_right(network: &Network, actor: &MatrixId) -> Result<(), ConsultRefusal> {
    if network.state != NetworkState::Active {
        return Err(ConsultRefusal::NetworkNotActive);
    }
    if joined_professional(network, actor) {
        Ok(())
    } else {
        Err(ConsultRefusal::NotAProfessionalHere)
    }
}

/// Whom `requester` may ask: another professional, in the network or outside it (then the
/// client agrees first). A member who is not a professional (a carer) gives no consult.
pub fn check_consultant(
    network: &Network,
    requester: &MatrixId,
    consultant: &MatrixId,
) -> Result<Consultant, ConsultantError> {
    if consultant == requester {
        return Err(ConsultantError::Themselves);
    }
    if consultant == &network.client {
        return Err(ConsultantError::TheClient);
    }
    match network.current_role(consultant) {
        None => Ok(Consultant::Outside(consultant.clone())),
        Some(Role::Professional { .. }) if joined_professional(network, consultant) => {
            Ok(Consultant::InNetwork(consultant.clone()))
        }
        // Invited but not joined yet: they are not in it, so the client is asked.
        Some(Role::Professional { .. }) => Ok(Consultant::Outside(consultant.clone())),
        Some(_) => Err(ConsultantError::NotAProfessional),
    }
}

/// What `event` by `actor` makes of `consult`: the one state machine. The client (or
/// representative) answers the consent question; the consultant accepts, declines and answers;
/// the requester closes.
pub fn next_state(
    network: &Network,
    consult: &Consult,
    actor: &MatrixId,
    event: &ConsultEvent,
) -> Result<ConsultState, ConsultRefusal> {
    use ConsultState as S;
    let is_consultant = *actor == consult.consultant;
    let is_requester = *actor == consult.requester;
    let theirs = match event {
        ConsultEvent::ClientConsent { .. } => network.steered_by(actor),
        ConsultEvent::Accept | ConsultEvent::Decline | ConsultEvent::Answer { .. } => is_consultant,
        ConsultEvent::Close => is_requester,
    };
    if !theirs {
        return Err(ConsultRefusal::NotTheirs);
    }
    match (consult.state, event) {
        (S::AwaitingConsent, ConsultEvent::ClientConsent { agreed: true }) => Ok(S::Requested),
        (S::AwaitingConsent, ConsultEvent::ClientConsent { agreed: false }) => {
            Ok(S::ConsentRefused)
        }
        (S::Requested, ConsultEvent::Accept) => Ok(S::Accepted),
        (S::Requested | S::Accepted, ConsultEvent::Decline) => Ok(S::Declined),
        // Answering at once is accepting it too.
        (S::Requested | S::Accepted, ConsultEvent::Answer { .. }) => Ok(S::Answered),
        (S::Answered, ConsultEvent::Close) => Ok(S::Closed),
        _ => Err(ConsultRefusal::OutOfOrder),
    }
}

/// When the answer to a request sent at `sent_at` is due: the end of the `working_days`-th
/// working day after the day it was sent, by the region's calendar.
pub fn answer_due(calendar: &RegionCalendar, sent_at: Millis, working_days: u32) -> Option<Millis> {
    let sent = crate::time::from_millis(sent_at)?;
    calendar
        .deadline(sent, working_days)
        .map(|deadline| crate::time::to_millis(deadline.ends_at))
}

/// May `user` still take part in `consult` (be in its room, act on it)? The requester while
/// they may ask consults in the network; the consultant while they are a professional in it,
/// or, from outside it, while the client's consent of the consult kind to them holds; the
/// client always (it is about them: they may read along if they wish). One rule for every
/// place that lets someone in or keeps them there; acting on it is `next_state`'s.
pub fn may_take_part(
    network: &Network,
    consent: &crate::consent::Consent,
    consult: &Consult,
    user: &MatrixId,
    now: Millis,
) -> bool {
    if network.state != NetworkState::Active {
        return false;
    }
    if *user == network.client {
        return true;
    }
    if *user == consult.requester {
        return consult_right(network, user).is_ok();
    }
    if *user == consult.consultant {
        return joined_professional(network, user)
            || consent.holds(
                &crate::consent::Subject::Member { user: user.clone() },
                crate::consent::InfoKind::ConsultSharing,
                now,
            );
    }
    false
}

/// When the consultant is reminded: 09:00 in Amsterdam on the day the answer is due.
pub fn reminder_at(due_at: Millis) -> Option<Millis> {
    use chrono::TimeZone;
    let due_day = crate::time::from_millis(due_at - 1)?
        .with_timezone(&crate::time::LOCAL_TIME_ZONE)
        .date_naive();
    let morning = crate::time::LOCAL_TIME_ZONE
        .from_local_datetime(&due_day.and_hms_opt(9, 0, 0)?)
        .earliest()?;
    Some(crate::time::to_millis(morning.with_timezone(&chrono::Utc)))
}

/// Overdue: still owed an answer when its day is over.
pub fn is_overdue(consult: &Consult, now: Millis) -> bool {
    consult.state.awaits_answer() && consult.due_at.is_some_and(|due| now >= due)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Member, NetworkId};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn id(name: &str) -> MatrixId {
        MatrixId::parse(&format!("@{name}:kring.test")).unwrap()
    }

    fn professional(name: &str, membership: Membership) -> Member {
        Member {
            user: id(name),
            role: Role::Professional {
                organisation: "Praktijk De Linde".into(),
                discipline: "huisarts".into(),
            },
            membership,
            since: 1,
            added_by: id("client"),
        }
    }

    fn network() -> Network {
        let member = |name: &str, role| Member {
            user: id(name),
            role,
            membership: Membership::Joined,
            since: 1,
            added_by: id("client"),
        };
        Network {
            id: NetworkId::parse("net-a").unwrap(),
            client: id("client"),
            started_by: id("client"),
            state: NetworkState::Active,
            members: vec![
                member("client", Role::Client),
                member("rep", Role::Representative),
                member("mother", Role::Carer),
                professional("gp", Membership::Joined),
                professional("psychiatrist", Membership::Joined),
                professional("invited", Membership::Invited),
                professional("gone", Membership::Left),
                member("kring", Role::Bot),
            ],
            proposals: Vec::new(),
            links: Vec::new(),
        }
    }

    #[test]
    fn only_a_professional_in_the_network_asks() {
        let network = network();
        assert_eq!(consult_right(&network, &id("gp")), Ok(()));
        for other in [
            "client", "rep", "mother", "invited", "gone", "kring", "stranger",
        ] {
            assert_eq!(
                consult_right(&network, &id(other)),
                Err(ConsultRefusal::NotAProfessionalHere),
                "{other}"
            );
        }
        let closed = Network {
            state: NetworkState::Closed,
            ..network
        };
        assert_eq!(
            consult_right(&closed, &id("gp")),
            Err(ConsultRefusal::NetworkNotActive)
        );
    }

    #[test]
    fn a_consultant_is_another_professional_inside_or_outside() {
        let network = network();
        let gp = id("gp");
        assert_eq!(
            check_consultant(&network, &gp, &id("psychiatrist")),
            Ok(Consultant::InNetwork(id("psychiatrist")))
        );
        for outside in ["invited", "gone", "colleague"] {
            assert_eq!(
                check_consultant(&network, &gp, &id(outside)),
                Ok(Consultant::Outside(id(outside))),
                "{outside}: the client is asked first"
            );
        }
        assert_eq!(
            check_consultant(&network, &gp, &gp),
            Err(ConsultantError::Themselves)
        );
        assert_eq!(
            check_consultant(&network, &gp, &id("client")),
            Err(ConsultantError::TheClient)
        );
        for not_a_professional in ["mother", "rep", "kring"] {
            assert_eq!(
                check_consultant(&network, &gp, &id(not_a_professional)),
                Err(ConsultantError::NotAProfessional),
                "{not_a_professional}"
            );
        }
    }

    fn consult(state: ConsultState) -> Consult {
        Consult {
            requester: id("gp"),
            consultant: id("colleague"),
            state,
            sent_at: Some(0),
            due_at: Some(1_000),
        }
    }

    fn any_event() -> impl Strategy<Value = ConsultEvent> {
        prop_oneof![
            any::<bool>().prop_map(|agreed| ConsultEvent::ClientConsent { agreed }),
            Just(ConsultEvent::Accept),
            Just(ConsultEvent::Decline),
            Just(ConsultEvent::Answer {
                outcome: Outcome::Advice
            }),
            Just(ConsultEvent::Answer {
                outcome: Outcome::ReferralAdvised
            }),
            Just(ConsultEvent::Close),
        ]
    }

    fn any_actor() -> impl Strategy<Value = MatrixId> {
        prop_oneof![
            Just(id("client")),
            Just(id("rep")),
            Just(id("gp")),
            Just(id("colleague")),
            Just(id("mother")),
            Just(id("psychiatrist")),
        ]
    }

    #[test]
    fn the_happy_path_and_the_two_ways_out() {
        let network = network();
        let step =
            |state, actor: &str, event| next_state(&network, &consult(state), &id(actor), &event);
        use ConsultState as S;
        assert_eq!(
            step(
                S::AwaitingConsent,
                "client",
                ConsultEvent::ClientConsent { agreed: true }
            ),
            Ok(S::Requested)
        );
        assert_eq!(
            step(
                S::AwaitingConsent,
                "rep",
                ConsultEvent::ClientConsent { agreed: false }
            ),
            Ok(S::ConsentRefused)
        );
        assert_eq!(
            step(S::Requested, "colleague", ConsultEvent::Accept),
            Ok(S::Accepted)
        );
        assert_eq!(
            step(
                S::Accepted,
                "colleague",
                ConsultEvent::Answer {
                    outcome: Outcome::Advice
                }
            ),
            Ok(S::Answered)
        );
        assert_eq!(step(S::Answered, "gp", ConsultEvent::Close), Ok(S::Closed));
        assert_eq!(
            step(S::Requested, "colleague", ConsultEvent::Decline),
            Ok(S::Declined)
        );
        // The requester cannot accept for the consultant, nor the consultant consent for the client.
        assert_eq!(
            step(S::Requested, "gp", ConsultEvent::Accept),
            Err(ConsultRefusal::NotTheirs)
        );
        assert_eq!(
            step(
                S::AwaitingConsent,
                "colleague",
                ConsultEvent::ClientConsent { agreed: true }
            ),
            Err(ConsultRefusal::NotTheirs)
        );
        assert_eq!(
            step(S::AwaitingConsent, "colleague", ConsultEvent::Accept),
            Err(ConsultRefusal::OutOfOrder)
        );
    }

    proptest! {
        /// Over every state, event and actor: nothing leaves the consent question but the
        /// client's (or representative's) answer; a consult that is over stays over; only the
        /// consultant moves it towards an answer; only the requester closes.
        #[test]
        fn the_state_machine_keeps_its_promises(
            state in proptest::sample::select(ConsultState::ALL.to_vec()),
            event in any_event(),
            actor in any_actor(),
        ) {
            let network = network();
            let before = consult(state);
            if let Ok(after) = next_state(&network, &before, &actor, &event) {
                prop_assert!(!state.is_over(), "{state:?} is over, yet became {after:?}");
                if state == ConsultState::AwaitingConsent {
                    prop_assert!(network.steered_by(&actor));
                    prop_assert!(matches!(after, ConsultState::Requested | ConsultState::ConsentRefused));
                }
                if matches!(after, ConsultState::Accepted | ConsultState::Answered | ConsultState::Declined) {
                    prop_assert_eq!(&actor, &before.consultant);
                }
                if after == ConsultState::Closed {
                    prop_assert_eq!(&actor, &before.requester);
                }
                prop_assert_ne!(after, state, "every step moves");
            }
        }
    }

    #[test]
    fn who_may_take_part_follows_membership_and_the_clients_consent() {
        use crate::consent::{Consent, Grant, InfoKind, Subject};
        let network = network();
        let outside = Consult {
            consultant: id("colleague"),
            ..consult(ConsultState::Accepted)
        };
        let mut consent = Consent::default();
        assert!(may_take_part(&network, &consent, &outside, &id("gp"), 5));
        assert!(!may_take_part(
            &network,
            &consent,
            &outside,
            &id("colleague"),
            5
        ));
        consent.grants.push(Grant {
            subject: Subject::Member {
                user: id("colleague"),
            },
            kind: InfoKind::ConsultSharing,
            given_by: id("client"),
            on_behalf_of: None,
            given_at: 1,
            ends_at: Some(10),
            revoked_at: None,
        });
        assert!(may_take_part(
            &network,
            &consent,
            &outside,
            &id("colleague"),
            5
        ));
        assert!(
            !may_take_part(&network, &consent, &outside, &id("colleague"), 10),
            "not once the consent ends"
        );
        assert!(may_take_part(
            &network,
            &consent,
            &outside,
            &id("client"),
            5
        ));
        for nobody in ["rep", "mother", "psychiatrist", "stranger"] {
            assert!(
                !may_take_part(&network, &consent, &outside, &id(nobody), 5),
                "{nobody}"
            );
        }
        let inside = Consult {
            consultant: id("psychiatrist"),
            ..consult(ConsultState::Accepted)
        };
        assert!(may_take_part(
            &network,
            &consent,
            &inside,
            &id("psychiatrist"),
            5
        ));
        // The requester gone from the network: no longer theirs.
        let mut without_gp = network.clone();
        without_gp.members.retain(|member| member.user != id("gp"));
        assert!(!may_take_part(&without_gp, &consent, &inside, &id("gp"), 5));
        let closed = Network {
            state: NetworkState::Closed,
            ..network
        };
        assert!(!may_take_part(
            &closed,
            &consent,
            &inside,
            &id("psychiatrist"),
            5
        ));
    }

    #[test]
    fn the_answer_is_due_at_the_end_of_the_third_working_day() {
        let calendar = RegionCalendar::statutory();
        let at = |y, m, d, h| {
            crate::time::LOCAL_TIME_ZONE
                .with_ymd_and_hms(y, m, d, h, 0, 0)
                .unwrap()
                .with_timezone(&chrono::Utc)
                .timestamp_millis()
        };
        // Sent Thursday 10 December 2026 at 16:00: Fri, Mon, Tue → due when Tuesday 15th ends.
        let sent = at(2026, 12, 10, 16);
        assert_eq!(answer_due(&calendar, sent, 3), Some(at(2026, 12, 16, 0)));
        // Across Christmas: sent Wednesday 23 December; Christmas Day (a Friday) and the
        // weekend are no working days: Thursday, Monday, Tuesday.
        assert_eq!(
            answer_due(&calendar, at(2026, 12, 23, 10), 3),
            Some(at(2026, 12, 30, 0))
        );
        let due = answer_due(&calendar, sent, 3).unwrap();
        assert_eq!(
            reminder_at(due),
            Some(at(2026, 12, 15, 9)),
            "that Tuesday at nine"
        );
        // Summer time: the morning is still nine o'clock on the clock.
        let summer_due = answer_due(&calendar, at(2027, 6, 1, 10), 3).unwrap();
        assert_eq!(reminder_at(summer_due), Some(at(2027, 6, 4, 9)));
        let mut open = consult(ConsultState::Accepted);
        open.due_at = Some(due);
        assert!(!is_overdue(&open, due - 1));
        assert!(is_overdue(&open, due));
        let answered = Consult {
            state: ConsultState::Answered,
            ..open
        };
        assert!(!is_overdue(&answered, due + 1), "answered is never overdue");
    }
}
