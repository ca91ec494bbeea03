//! Consent the client owns (DESIGN.md, "Roles and rules"): per person or organisation, per kind
//! of information, given by the client or their representative, optionally until a date.
//!
//! [`may`] is the one question every bot and the bridge ask; nothing decides consent elsewhere.
//! [`decide_consent`] is the one rule for changing it.

pub mod commands;
pub mod poll;
pub mod texts;

use crate::matrix_id::MatrixId;
use crate::network::{Membership, Millis, Network};
use crate::role::Role;
use serde::{Deserialize, Serialize};

/// The kinds of information a client shares, as Mitz has taught Dutch clients to think of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InfoKind {
    /// Being in the network's chat at all.
    ChatMembership,
    /// Reading what was said before they joined.
    PastHistory,
    Appointments,
    QuestionnaireResults,
    /// A consultant outside the network seeing a consult question about the client.
    ConsultSharing,
    /// Data pushed into the network from an organisation's own system.
    OrganisationData,
}

impl InfoKind {
    pub const ALL: [InfoKind; 6] = [
        Self::ChatMembership,
        Self::PastHistory,
        Self::Appointments,
        Self::QuestionnaireResults,
        Self::ConsultSharing,
        Self::OrganisationData,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::ChatMembership => "chat_membership",
            Self::PastHistory => "past_history",
            Self::Appointments => "appointments",
            Self::QuestionnaireResults => "questionnaire_results",
            Self::ConsultSharing => "consult_sharing",
            Self::OrganisationData => "organisation_data",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// Being in the chat and reading what was said before are about a person in a room; an
    /// organisation never holds them.
    pub fn is_personal(self) -> bool {
        matches!(self, Self::ChatMembership | Self::PastHistory)
    }
}

/// Who a grant is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "subject", rename_all = "snake_case")]
pub enum Subject {
    Member {
        user: MatrixId,
    },
    /// An organisation as a whole: its professionals in the network, and its system.
    Organisation {
        name: String,
    },
}

/// How the audit log names an organisation as the object of an action (members go by their id).
pub const AUDIT_ORGANISATION_PREFIX: &str = "organisation:";

impl Subject {
    /// The audit log's object for this subject.
    pub fn audit_object(&self) -> String {
        match self {
            Self::Member { user } => user.to_string(),
            Self::Organisation { name } => format!("{AUDIT_ORGANISATION_PREFIX}{name}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub subject: Subject,
    pub kind: InfoKind,
    pub given_by: MatrixId,
    /// The client, when a representative gave it for them.
    pub on_behalf_of: Option<MatrixId>,
    pub given_at: Millis,
    /// When it ends by itself, if the client said so.
    pub ends_at: Option<Millis>,
    /// When it was withdrawn.
    pub revoked_at: Option<Millis>,
}

impl Grant {
    pub fn active_at(&self, now: Millis) -> bool {
        self.given_at <= now
            && self.ends_at.is_none_or(|end| now < end)
            && self.revoked_at.is_none_or(|revoked| now < revoked)
    }
}

/// The scheduler's name for consent's timers.
pub const TIMERS: &str = "consent";

/// A personal grant that ends by itself is carried out when it ends: the member leaves the
/// chat, or stops reading what was said before. What that timer carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantEnds {
    pub network_id: crate::network::NetworkId,
    pub grant_id: String,
    pub user: MatrixId,
    pub kind: InfoKind,
}

/// The timer that ends a grant, for a grant with an end date of a kind whose end takes a step
/// in the room (the personal kinds; the others are simply no longer allowed after the date).
pub fn end_timer(
    network_id: &crate::network::NetworkId,
    room_id: Option<&ruma_common::RoomId>,
    grant_id: &str,
    subject: &Subject,
    kind: InfoKind,
    ends_at: Option<Millis>,
) -> Option<crate::plan::Timer> {
    let (Subject::Member { user }, Some(ends_at)) = (subject, ends_at) else {
        return None;
    };
    if !kind.is_personal() {
        return None;
    }
    let ends = GrantEnds {
        network_id: network_id.clone(),
        grant_id: grant_id.to_owned(),
        user: user.clone(),
        kind,
    };
    Some(crate::plan::Timer {
        capability: TIMERS.to_owned(),
        key: grant_id.to_owned(),
        due_at: ends_at,
        room_id: room_id.map(ToOwned::to_owned),
        payload: serde_json::to_value(ends).ok()?,
    })
}

/// Every grant of one network, past and present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consent {
    pub grants: Vec<Grant>,
}

impl Consent {
    /// Whether `subject` holds a grant of its own for `kind` at `now` (a professional may also
    /// see through their organisation's grant; this is about their own).
    pub fn holds(&self, subject: &Subject, kind: InfoKind, now: Millis) -> bool {
        self.grants
            .iter()
            .any(|grant| &grant.subject == subject && grant.kind == kind && grant.active_at(now))
    }
}

/// May `subject` have `kind` in `network` at `now`? The client always may; a bot acts for the
/// client. A professional is covered by a grant to themselves or to their organisation, except
/// for the personal kinds (being in the chat, reading its history). Anyone no longer in the network may not.
pub fn may(
    network: &Network,
    consent: &Consent,
    subject: &Subject,
    kind: InfoKind,
    now: Millis,
) -> bool {
    let has = |wanted: &Subject| {
        consent
            .grants
            .iter()
            .any(|grant| &grant.subject == wanted && grant.kind == kind && grant.active_at(now))
    };
    match subject {
        Subject::Member { user } => {
            if user == &network.client {
                return true;
            }
            let Some(member) = network.member(user) else {
                return false;
            };
            if !member.membership.is_current() {
                return false;
            }
            if member.role == Role::Bot {
                return true;
            }
            if has(subject) {
                return true;
            }
            match (&member.role, kind) {
                (_, kind) if kind.is_personal() => false,
                (Role::Professional { organisation, .. }, _) => has(&Subject::Organisation {
                    name: organisation.clone(),
                }),
                _ => false,
            }
        }
        Subject::Organisation { .. } => !kind.is_personal() && has(subject),
    }
}

/// What someone gets when they join: being in the chat, nothing else (DESIGN.md). Shown to the
/// client at that moment.
pub fn defaults_on_join() -> &'static [InfoKind] {
    &[InfoKind::ChatMembership]
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentRequest {
    Give {
        subject: Subject,
        kind: InfoKind,
        until: Option<Millis>,
    },
    Withdraw {
        subject: Subject,
        kind: InfoKind,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentDecision {
    Give {
        subject: Subject,
        kind: InfoKind,
        until: Option<Millis>,
        on_behalf_of: Option<MatrixId>,
    },
    /// Withdrawing being in the chat also removes the member from the room.
    Withdraw {
        subject: Subject,
        kind: InfoKind,
        on_behalf_of: Option<MatrixId>,
        removes_member: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentRefusal {
    /// Only the client or their representative changes consent.
    OnlyClientMay,
    /// The person is not in the network.
    UnknownSubject,
    /// No professional of that organisation is in the network.
    UnknownOrganisation,
    /// An end date that has already passed.
    EndsInThePast,
    /// The client's own place, and the bot's, are not a matter of consent.
    NotAMatterOfConsent,
    /// Being in the chat and reading its history are personal; never for an organisation.
    PersonalOnly,
    AlreadyGiven,
    NothingToWithdraw,
}

/// The one rule for changing consent.
pub fn decide_consent(
    network: &Network,
    consent: &Consent,
    actor: &MatrixId,
    request: &ConsentRequest,
    now: Millis,
) -> Result<ConsentDecision, ConsentRefusal> {
    if !network.steered_by(actor) {
        return Err(ConsentRefusal::OnlyClientMay);
    }
    let on_behalf_of = network.acting_for(actor);
    let (subject, kind) = match request {
        ConsentRequest::Give { subject, kind, .. } | ConsentRequest::Withdraw { subject, kind } => {
            (subject, *kind)
        }
    };
    match subject {
        Subject::Member { user } => {
            if user == &network.client || network.current_role(user) == Some(&Role::Bot) {
                return Err(ConsentRefusal::NotAMatterOfConsent);
            }
            if network.current_role(user).is_none() {
                return Err(ConsentRefusal::UnknownSubject);
            }
            // A representative's own access is the client's to change.
            if network.current_role(user) == Some(&Role::Representative) && on_behalf_of.is_some() {
                return Err(ConsentRefusal::OnlyClientMay);
            }
        }
        Subject::Organisation { name } => {
            if kind.is_personal() {
                return Err(ConsentRefusal::PersonalOnly);
            }
            let known = network.members.iter().any(|member| {
                member.membership.is_current()
                    && matches!(&member.role, Role::Professional { organisation, .. } if organisation == name)
            });
            if !known {
                return Err(ConsentRefusal::UnknownOrganisation);
            }
        }
    }
    let active = consent.holds(subject, kind, now);
    match request {
        ConsentRequest::Give { until, .. } => {
            if until.is_some_and(|end| end <= now) {
                return Err(ConsentRefusal::EndsInThePast);
            }
            if active {
                return Err(ConsentRefusal::AlreadyGiven);
            }
            Ok(ConsentDecision::Give {
                subject: subject.clone(),
                kind,
                until: *until,
                on_behalf_of,
            })
        }
        ConsentRequest::Withdraw { .. } => {
            // Someone invited but not joined yet holds no chat grant (joining gives it), yet
            // "not in the chat" must still stop them: it cancels the invitation.
            let invited = kind == InfoKind::ChatMembership
                && matches!(subject, Subject::Member { user } if network.member(user).is_some_and(|m| m.membership == Membership::Invited));
            if !active && !invited {
                return Err(ConsentRefusal::NothingToWithdraw);
            }
            let removes_member = kind == InfoKind::ChatMembership
                && matches!(subject, Subject::Member { user } if network.member(user).is_some_and(|m| m.membership == Membership::Joined || m.membership == Membership::Invited));
            Ok(ConsentDecision::Withdraw {
                subject: subject.clone(),
                kind,
                on_behalf_of,
                removes_member,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Member, NetworkState};
    use proptest::prelude::*;

    fn id(name: &str) -> MatrixId {
        MatrixId::parse(&format!("@{name}:kring.test")).unwrap()
    }

    fn gp_role() -> Role {
        Role::Professional {
            organisation: "De Linde".into(),
            discipline: "huisarts".into(),
        }
    }

    fn network() -> Network {
        let member = |name: &str, role: Role| Member {
            user: id(name),
            role,
            membership: Membership::Joined,
            since: 0,
            added_by: id("client"),
        };
        Network {
            id: crate::network::NetworkId::parse("net").unwrap(),
            client: id("client"),
            started_by: id("client"),
            state: NetworkState::Active,
            members: vec![
                member("client", Role::Client),
                member("kring", Role::Bot),
                member("rep", Role::Representative),
                member("carer", Role::Carer),
                member("gp", gp_role()),
            ],
            proposals: vec![],
            links: vec![],
        }
    }

    fn grant(subject: Subject, kind: InfoKind, ends_at: Option<Millis>) -> Grant {
        Grant {
            subject,
            kind,
            given_by: id("client"),
            on_behalf_of: None,
            given_at: 10,
            ends_at,
            revoked_at: None,
        }
    }

    fn member(name: &str) -> Subject {
        Subject::Member { user: id(name) }
    }

    #[test]
    fn grants_count_from_their_start_until_their_end_or_withdrawal() {
        let net = network();
        let mut consent = Consent {
            grants: vec![grant(member("carer"), InfoKind::Appointments, Some(100))],
        };
        assert!(!may(
            &net,
            &consent,
            &member("carer"),
            InfoKind::Appointments,
            9
        ));
        assert!(may(
            &net,
            &consent,
            &member("carer"),
            InfoKind::Appointments,
            10
        ));
        assert!(may(
            &net,
            &consent,
            &member("carer"),
            InfoKind::Appointments,
            99
        ));
        assert!(!may(
            &net,
            &consent,
            &member("carer"),
            InfoKind::Appointments,
            100
        ));
        assert!(!may(
            &net,
            &consent,
            &member("carer"),
            InfoKind::PastHistory,
            50
        ));
        consent.grants[0].revoked_at = Some(50);
        assert!(!may(
            &net,
            &consent,
            &member("carer"),
            InfoKind::Appointments,
            50
        ));
    }

    #[test]
    fn an_organisation_grant_covers_its_professionals_but_never_the_chat() {
        let net = network();
        let organisation = Subject::Organisation {
            name: "De Linde".into(),
        };
        let consent = Consent {
            grants: vec![
                grant(organisation.clone(), InfoKind::QuestionnaireResults, None),
                grant(organisation.clone(), InfoKind::ChatMembership, None),
            ],
        };
        assert!(may(
            &net,
            &consent,
            &member("gp"),
            InfoKind::QuestionnaireResults,
            20
        ));
        assert!(may(
            &net,
            &consent,
            &organisation,
            InfoKind::QuestionnaireResults,
            20
        ));
        assert!(!may(
            &net,
            &consent,
            &member("gp"),
            InfoKind::ChatMembership,
            20
        ));
        assert!(!may(
            &net,
            &consent,
            &organisation,
            InfoKind::ChatMembership,
            20
        ));
        assert!(!may(
            &net,
            &consent,
            &member("carer"),
            InfoKind::QuestionnaireResults,
            20
        ));
    }

    #[test]
    fn the_client_and_the_bot_always_may_and_former_members_never() {
        let mut net = network();
        let consent = Consent {
            grants: vec![grant(member("carer"), InfoKind::ChatMembership, None)],
        };
        for kind in InfoKind::ALL {
            assert!(may(&net, &consent, &member("client"), kind, 20));
            assert!(may(&net, &consent, &member("kring"), kind, 20));
        }
        assert!(may(
            &net,
            &consent,
            &member("carer"),
            InfoKind::ChatMembership,
            20
        ));
        net.members[3].membership = Membership::Removed;
        assert!(!may(
            &net,
            &consent,
            &member("carer"),
            InfoKind::ChatMembership,
            20
        ));
        assert!(!may(
            &net,
            &consent,
            &member("stranger"),
            InfoKind::ChatMembership,
            20
        ));
    }

    #[test]
    fn bad_consent_changes_are_refused() {
        let net = network();
        let consent = Consent {
            grants: vec![grant(member("carer"), InfoKind::ChatMembership, None)],
        };
        let give = |subject: Subject, kind, until| ConsentRequest::Give {
            subject,
            kind,
            until,
        };
        assert_eq!(
            decide_consent(
                &net,
                &consent,
                &id("carer"),
                &give(member("gp"), InfoKind::Appointments, None),
                20
            ),
            Err(ConsentRefusal::OnlyClientMay)
        );
        assert_eq!(
            decide_consent(
                &net,
                &consent,
                &id("client"),
                &give(member("stranger"), InfoKind::Appointments, None),
                20
            ),
            Err(ConsentRefusal::UnknownSubject)
        );
        assert_eq!(
            decide_consent(
                &net,
                &consent,
                &id("client"),
                &give(member("gp"), InfoKind::Appointments, Some(20)),
                20
            ),
            Err(ConsentRefusal::EndsInThePast)
        );
        assert_eq!(
            decide_consent(
                &net,
                &consent,
                &id("client"),
                &give(member("client"), InfoKind::Appointments, None),
                20
            ),
            Err(ConsentRefusal::NotAMatterOfConsent)
        );
        assert_eq!(
            decide_consent(
                &net,
                &consent,
                &id("client"),
                &give(
                    Subject::Organisation {
                        name: "De Linde".into()
                    },
                    InfoKind::ChatMembership,
                    None
                ),
                20
            ),
            Err(ConsentRefusal::PersonalOnly)
        );
        assert_eq!(
            decide_consent(
                &net,
                &consent,
                &id("client"),
                &give(
                    Subject::Organisation {
                        name: "Elders".into()
                    },
                    InfoKind::Appointments,
                    None
                ),
                20
            ),
            Err(ConsentRefusal::UnknownOrganisation)
        );
        assert_eq!(
            decide_consent(
                &net,
                &consent,
                &id("client"),
                &give(member("carer"), InfoKind::ChatMembership, None),
                20
            ),
            Err(ConsentRefusal::AlreadyGiven)
        );
        assert_eq!(
            decide_consent(
                &net,
                &consent,
                &id("rep"),
                &ConsentRequest::Withdraw {
                    subject: member("gp"),
                    kind: InfoKind::Appointments
                },
                20
            ),
            Err(ConsentRefusal::NothingToWithdraw)
        );
        assert_eq!(
            decide_consent(
                &net,
                &consent,
                &id("rep"),
                &ConsentRequest::Withdraw {
                    subject: member("rep"),
                    kind: InfoKind::ChatMembership
                },
                20
            ),
            Err(ConsentRefusal::OnlyClientMay)
        );
    }

    #[test]
    fn withdrawing_the_chat_of_someone_only_invited_cancels_the_invitation() {
        let mut net = network();
        for m in net.members.iter_mut().filter(|m| m.user == id("carer")) {
            m.membership = Membership::Invited;
        }
        let withdraw = |kind| ConsentRequest::Withdraw {
            subject: member("carer"),
            kind,
        };
        assert_eq!(
            decide_consent(
                &net,
                &Consent::default(),
                &id("client"),
                &withdraw(InfoKind::ChatMembership),
                20
            ),
            Ok(ConsentDecision::Withdraw {
                subject: member("carer"),
                kind: InfoKind::ChatMembership,
                on_behalf_of: None,
                removes_member: true
            })
        );
        assert_eq!(
            decide_consent(
                &net,
                &Consent::default(),
                &id("client"),
                &withdraw(InfoKind::Appointments),
                20
            ),
            Err(ConsentRefusal::NothingToWithdraw)
        );
    }

    #[test]
    fn a_representative_acts_on_the_clients_behalf_and_withdrawing_the_chat_removes() {
        let net = network();
        let consent = Consent {
            grants: vec![grant(member("carer"), InfoKind::ChatMembership, None)],
        };
        assert_eq!(
            decide_consent(
                &net,
                &consent,
                &id("rep"),
                &ConsentRequest::Withdraw {
                    subject: member("carer"),
                    kind: InfoKind::ChatMembership
                },
                20
            ),
            Ok(ConsentDecision::Withdraw {
                subject: member("carer"),
                kind: InfoKind::ChatMembership,
                on_behalf_of: Some(id("client")),
                removes_member: true,
            })
        );
    }

    fn apply(consent: &mut Consent, actor: &MatrixId, decision: ConsentDecision, now: Millis) {
        match decision {
            ConsentDecision::Give {
                subject,
                kind,
                until,
                on_behalf_of,
            } => consent.grants.push(Grant {
                subject,
                kind,
                given_by: actor.clone(),
                on_behalf_of,
                given_at: now,
                ends_at: until,
                revoked_at: None,
            }),
            ConsentDecision::Withdraw { subject, kind, .. } => {
                for grant in consent
                    .grants
                    .iter_mut()
                    .filter(|g| g.subject == subject && g.kind == kind && g.active_at(now))
                {
                    grant.revoked_at = Some(now);
                }
            }
        }
    }

    const PEOPLE: &[&str] = &["client", "rep", "carer", "gp", "stranger", "kring"];

    fn any_subject() -> impl Strategy<Value = Subject> {
        prop_oneof![
            (0..PEOPLE.len()).prop_map(|i| member(PEOPLE[i])),
            Just(Subject::Organisation {
                name: "De Linde".into()
            }),
            Just(Subject::Organisation {
                name: "Elders".into()
            }),
        ]
    }

    fn any_request() -> impl Strategy<Value = ConsentRequest> {
        let kind = (0..InfoKind::ALL.len()).prop_map(|i| InfoKind::ALL[i]);
        prop_oneof![
            (any_subject(), kind.clone(), proptest::option::of(0..200i64)).prop_map(
                |(subject, kind, until)| ConsentRequest::Give {
                    subject,
                    kind,
                    until
                }
            ),
            (any_subject(), kind)
                .prop_map(|(subject, kind)| ConsentRequest::Withdraw { subject, kind }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Over random sequences of consent changes by random actors at increasing times: only
        /// the client or the representative ever changes what anyone may see; what a grant says
        /// is what `may` answers; and a change by the representative is recorded for the client.
        #[test]
        fn only_the_client_side_changes_consent(
            steps in proptest::collection::vec((0..PEOPLE.len(), any_request(), 1..20i64), 1..40)
        ) {
            let net = network();
            let mut consent = Consent::default();
            let mut now = 0;
            for (index, request, step) in steps {
                now += step;
                let actor = id(PEOPLE[index]);
                let before = consent.clone();
                match decide_consent(&net, &consent, &actor, &request, now) {
                    Err(_) => prop_assert_eq!(&consent, &before),
                    Ok(decision) => {
                        prop_assert!(actor == id("client") || actor == id("rep"), "{} changed consent", actor);
                        let (ConsentDecision::Give { on_behalf_of, .. } | ConsentDecision::Withdraw { on_behalf_of, .. }) = &decision;
                        prop_assert_eq!(on_behalf_of.is_some(), actor == id("rep"));
                        let (subject, kind, giving) = match &decision {
                            ConsentDecision::Give { subject, kind, .. } => (subject.clone(), *kind, true),
                            ConsentDecision::Withdraw { subject, kind, .. } => (subject.clone(), *kind, false),
                        };
                        apply(&mut consent, &actor, decision, now);
                        if giving {
                            prop_assert!(may(&net, &consent, &subject, kind, now), "may() ignores a grant just given");
                        } else {
                            prop_assert!(!consent.grants.iter().any(|g| g.subject == subject && g.kind == kind && g.active_at(now)));
                            // A professional may still see it through their organisation's grant;
                            // anyone else loses it at once.
                            if !matches!(&subject, Subject::Member { user } if user == &id("gp")) {
                                prop_assert!(!may(&net, &consent, &subject, kind, now), "may() still allows what was just withdrawn");
                            }
                        }
                    }
                }
            }
        }
    }
}
