//! Consent by tapping: the client answers polls instead of typing commands. Two polls, one
//! after the other: whom it is about, then which kind of information to switch. Element has
//! only single-choice polls (DESIGN.md), so every answer is one switch. A poll only translates a
//! tap into a [`ConsentRequest`]; [`decide_consent`](crate::consent::decide_consent) still
//! decides, exactly as for the typed command.

use crate::consent::{Consent, ConsentRequest, InfoKind, Subject};
use crate::network::{Millis, Network};
use crate::role::Role;
use serde::{Deserialize, Serialize};

/// Element shows at most this many answers in a poll (MSC3381).
pub const MAX_POLL_ANSWERS: usize = 20;

/// What a consent poll asks, and what each of its answers (by answer id) stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "question", rename_all = "snake_case")]
pub enum ConsentPoll {
    /// Whom the client wants to change something for.
    WhichSubject { answers: Vec<(String, Subject)> },
    /// What one member or organisation may see; each answer switches one kind.
    WhatMay {
        subject: Subject,
        answers: Vec<(String, InfoKind)>,
        /// The kinds the subject held when the poll was sent, which is what its answers say
        /// ("nu wel, tik om te stoppen"). A tap means that switch and no other: once the state
        /// has changed since, the tap is refused. Missing in polls stored by an older version,
        /// whose taps are refused the same way.
        #[serde(default)]
        held_when_asked: Option<Vec<InfoKind>>,
    },
}

/// What a tap on one answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollChoice {
    /// Ask next what this subject may see.
    Subject(Subject),
    /// Switch this kind for this subject.
    Switch(ConsentRequest),
    /// The answer no longer means what it said: the subject's consent changed after the poll
    /// was sent. Nothing is switched; the client gets a fresh poll.
    Outdated(Subject),
}

impl ConsentPoll {
    /// Everyone the client can change consent for now: current members other than the client
    /// and the bot, then the organisations of the professionals. `None` when there is nobody;
    /// `more` says how many did not fit.
    pub fn which_subject(network: &Network) -> Option<(Self, usize)> {
        let mut subjects: Vec<Subject> = network
            .members
            .iter()
            .filter(|m| m.membership.is_current() && m.role != Role::Client && m.role != Role::Bot)
            .map(|m| Subject::Member {
                user: m.user.clone(),
            })
            .collect();
        subjects.extend(
            network
                .organisations()
                .into_iter()
                .map(|name| Subject::Organisation {
                    name: name.to_owned(),
                }),
        );
        if subjects.is_empty() {
            return None;
        }
        let more = subjects.len().saturating_sub(MAX_POLL_ANSWERS);
        let answers = subjects
            .into_iter()
            .take(MAX_POLL_ANSWERS)
            .enumerate()
            .map(|(index, subject)| (format!("s{}", index + 1), subject))
            .collect();
        Some((Self::WhichSubject { answers }, more))
    }

    /// The kinds one subject can be switched for: all six for a member, all but the chat for an
    /// organisation (being in the chat is personal).
    pub fn what_may(subject: Subject, consent: &Consent, now: Millis) -> Self {
        let answers: Vec<(String, InfoKind)> = InfoKind::ALL
            .iter()
            .filter(|kind| !(matches!(subject, Subject::Organisation { .. }) && kind.is_personal()))
            .map(|kind| (kind.code().to_owned(), *kind))
            .collect();
        let held_when_asked = answers
            .iter()
            .map(|(_, kind)| *kind)
            .filter(|kind| consent.holds(&subject, *kind, now))
            .collect();
        Self::WhatMay {
            subject,
            answers,
            held_when_asked: Some(held_when_asked),
        }
    }

    /// Whether `kind` was held when the poll was sent (`None`: the poll does not say).
    pub fn held_when_asked(&self, kind: InfoKind) -> Option<bool> {
        match self {
            Self::WhatMay {
                held_when_asked: Some(held),
                ..
            } => Some(held.contains(&kind)),
            _ => None,
        }
    }

    /// What a vote for `answer_id` means, with the consent as it stands at `now`; `None` for an
    /// answer this poll never offered.
    pub fn choice(&self, answer_id: &str, consent: &Consent, now: Millis) -> Option<PollChoice> {
        match self {
            Self::WhichSubject { answers } => answers
                .iter()
                .find(|(id, _)| id == answer_id)
                .map(|(_, subject)| PollChoice::Subject(subject.clone())),
            Self::WhatMay {
                subject, answers, ..
            } => answers
                .iter()
                .find(|(id, _)| id == answer_id)
                .map(|(_, kind)| {
                    if self.held_when_asked(*kind) == Some(consent.holds(subject, *kind, now)) {
                        PollChoice::Switch(switch(consent, subject, *kind, now))
                    } else {
                        PollChoice::Outdated(subject.clone())
                    }
                }),
        }
    }
}

/// A tap switches: withdraw what is given, give (without end date) what is not.
fn switch(consent: &Consent, subject: &Subject, kind: InfoKind, now: Millis) -> ConsentRequest {
    if consent.holds(subject, kind, now) {
        ConsentRequest::Withdraw {
            subject: subject.clone(),
            kind,
        }
    } else {
        ConsentRequest::Give {
            subject: subject.clone(),
            kind,
            until: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Grant;
    use crate::matrix_id::MatrixId;
    use crate::network::{Member, Membership, NetworkState};

    fn id(name: &str) -> MatrixId {
        MatrixId::parse(&format!("@{name}:kring.test")).unwrap()
    }

    fn member(name: &str, role: Role, membership: Membership) -> Member {
        Member {
            user: id(name),
            role,
            membership,
            since: 0,
            added_by: id("client"),
        }
    }

    fn professional(organisation: &str) -> Role {
        Role::Professional {
            organisation: organisation.into(),
            discipline: "huisarts".into(),
        }
    }

    fn network(members: Vec<Member>) -> Network {
        Network {
            id: crate::network::NetworkId::parse("net").unwrap(),
            client: id("client"),
            started_by: id("client"),
            state: NetworkState::Active,
            members,
            proposals: vec![],
            links: vec![],
        }
    }

    fn grant(subject: Subject, kind: InfoKind) -> Grant {
        Grant {
            subject,
            kind,
            given_by: id("client"),
            on_behalf_of: None,
            given_at: 0,
            ends_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn the_first_poll_offers_current_members_then_organisations_once() {
        let net = network(vec![
            member("client", Role::Client, Membership::Joined),
            member("kring", Role::Bot, Membership::Joined),
            member("carer", Role::Carer, Membership::Joined),
            member("gone", Role::Carer, Membership::Left),
            member("gp", professional("De Linde"), Membership::Joined),
            member("poh", professional("De Linde"), Membership::Invited),
        ]);
        let (poll, more) = ConsentPoll::which_subject(&net).unwrap();
        assert_eq!(more, 0);
        let ConsentPoll::WhichSubject { answers } = poll else {
            panic!("the first poll asks whom")
        };
        let subjects: Vec<Subject> = answers.into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            subjects,
            vec![
                Subject::Member { user: id("carer") },
                Subject::Member { user: id("gp") },
                Subject::Member { user: id("poh") },
                Subject::Organisation {
                    name: "De Linde".into()
                },
            ]
        );
    }

    #[test]
    fn nobody_to_ask_about_and_too_many_to_show() {
        let alone = network(vec![member("client", Role::Client, Membership::Joined)]);
        assert!(ConsentPoll::which_subject(&alone).is_none());
        let mut members = vec![member("client", Role::Client, Membership::Joined)];
        for n in 0..25 {
            members.push(member(
                &format!("carer{n}"),
                Role::Carer,
                Membership::Joined,
            ));
        }
        let (ConsentPoll::WhichSubject { answers }, more) =
            ConsentPoll::which_subject(&network(members)).unwrap()
        else {
            panic!("the first poll asks whom")
        };
        assert_eq!((answers.len(), more), (MAX_POLL_ANSWERS, 5));
    }

    fn nothing_given() -> Consent {
        Consent { grants: vec![] }
    }

    #[test]
    fn an_organisation_is_never_offered_the_chat() {
        let ConsentPoll::WhatMay { answers, .. } = ConsentPoll::what_may(
            Subject::Organisation {
                name: "De Linde".into(),
            },
            &nothing_given(),
            0,
        ) else {
            panic!("the second poll asks what")
        };
        assert_eq!(answers.len(), InfoKind::ALL.len() - 2);
        assert!(answers.iter().all(|(_, kind)| !kind.is_personal()));
        let ConsentPoll::WhatMay { answers, .. } =
            ConsentPoll::what_may(Subject::Member { user: id("carer") }, &nothing_given(), 0)
        else {
            panic!("the second poll asks what")
        };
        assert_eq!(answers.len(), InfoKind::ALL.len());
    }

    #[test]
    fn a_tap_switches_what_is_given_and_nothing_else() {
        let carer = Subject::Member { user: id("carer") };
        let consent = Consent {
            grants: vec![grant(carer.clone(), InfoKind::ChatMembership)],
        };
        let poll = ConsentPoll::what_may(carer.clone(), &consent, 10);
        assert_eq!(
            poll.choice("chat_membership", &consent, 10),
            Some(PollChoice::Switch(ConsentRequest::Withdraw {
                subject: carer.clone(),
                kind: InfoKind::ChatMembership
            }))
        );
        assert_eq!(
            poll.choice("appointments", &consent, 10),
            Some(PollChoice::Switch(ConsentRequest::Give {
                subject: carer.clone(),
                kind: InfoKind::Appointments,
                until: None
            }))
        );
        assert_eq!(poll.choice("s1", &consent, 10), None);
        assert_eq!(poll.choice("", &consent, 10), None);
        // A grant that has ended is switched on again, not withdrawn.
        let mut ended = grant(carer.clone(), InfoKind::Appointments);
        ended.ends_at = Some(5);
        let consent = Consent {
            grants: vec![ended],
        };
        let poll = ConsentPoll::what_may(carer.clone(), &consent, 10);
        assert!(matches!(
            poll.choice("appointments", &consent, 10),
            Some(PollChoice::Switch(ConsentRequest::Give { .. }))
        ));
    }

    /// Every kind, held or not when asked, held or not when tapped: a tap switches exactly
    /// what the poll said it would, or nothing at all.
    #[test]
    fn a_tap_means_what_the_poll_said_or_nothing() {
        let carer = Subject::Member { user: id("carer") };
        let consent_with = |held: bool, kind: InfoKind| Consent {
            grants: if held {
                vec![grant(carer.clone(), kind)]
            } else {
                vec![]
            },
        };
        for kind in InfoKind::ALL {
            for held_when_asked in [false, true] {
                for held_when_tapped in [false, true] {
                    let poll = ConsentPoll::what_may(
                        carer.clone(),
                        &consent_with(held_when_asked, kind),
                        10,
                    );
                    let choice =
                        poll.choice(kind.code(), &consent_with(held_when_tapped, kind), 20);
                    let expected = match (held_when_asked, held_when_tapped) {
                        (true, true) => PollChoice::Switch(ConsentRequest::Withdraw {
                            subject: carer.clone(),
                            kind,
                        }),
                        (false, false) => PollChoice::Switch(ConsentRequest::Give {
                            subject: carer.clone(),
                            kind,
                            until: None,
                        }),
                        _ => PollChoice::Outdated(carer.clone()),
                    };
                    assert_eq!(
                        choice,
                        Some(expected),
                        "{kind:?} {held_when_asked} {held_when_tapped}"
                    );
                }
            }
        }
        // A poll stored before the answers said what they meant is never acted on.
        let mut stored =
            serde_json::to_value(ConsentPoll::what_may(carer.clone(), &nothing_given(), 10))
                .unwrap();
        stored
            .as_object_mut()
            .unwrap()
            .remove("held_when_asked")
            .expect("the field is stored");
        let old: ConsentPoll = serde_json::from_value(stored).unwrap();
        assert_eq!(
            old.choice("appointments", &nothing_given(), 20),
            Some(PollChoice::Outdated(carer))
        );
    }

    #[test]
    fn a_poll_survives_the_store_as_json() {
        let poll = ConsentPoll::what_may(
            Subject::Organisation {
                name: "De Linde".into(),
            },
            &nothing_given(),
            0,
        );
        let json = serde_json::to_string(&poll).unwrap();
        assert_eq!(serde_json::from_str::<ConsentPoll>(&json).unwrap(), poll);
    }
}
