//! Networks, plans and the outbox, on SQLite and on a real PostgreSQL.

use anyhow::Result;
use kring_core::audit::{AuditAction, ChainBreak};
use kring_core::messages::BotReply;
use kring_core::network::{Membership, NetworkState, ProposalKind, ProposalState};
use kring_core::plan::{ActionRecord, Change, Effect, Outcome, Plan, Target};
use kring_core::{MatrixId, Role};
use kring_store::{InboxKind, NewInboxEntry, PlanWritten, Store, StoreError};
use kring_testbed::on_both_databases;

fn nid(id: &str) -> kring_core::network::NetworkId {
    kring_core::network::NetworkId::parse(id).expect("a network id")
}

on_both_databases!(
    a_plan_is_stored_whole_and_once,
    a_failing_plan_leaves_nothing_behind,
    one_open_network_per_client,
    members_proposals_and_links_round_trip,
    the_audit_chain_names_a_changed_entry,
    the_audit_chain_names_where_entries_are_missing,
    consent_is_kept_with_its_history,
    a_consent_poll_is_understood_until_it_is_closed,
    a_which_network_question_waits_for_its_number_for_an_hour,
    the_store_applies_each_consequence_as_the_model_does,
    a_plan_made_from_state_that_changed_is_not_written,
    plans_made_side_by_side_each_see_the_ones_written_before_them,
);

const BOT: &str = "@kring:kring.test";

fn id(name: &str) -> MatrixId {
    MatrixId::parse(&format!("@{name}:kring.test")).unwrap()
}

async fn inbox_event(store: &Store, event_id: &str) -> Result<()> {
    store
        .inbox_insert(
            BOT,
            &NewInboxEntry {
                event_id: event_id.into(),
                room_id: "!dm:kring.test".into(),
                sender: id("client").to_string(),
                kind: InboxKind::Command,
                body: Some("!start".into()),
                encrypted_event: None,
                origin_ts: 1,
            },
        )
        .await?;
    Ok(())
}

fn start_plan(network_id: &str, client: &str) -> Plan {
    let mut plan = Plan::new();
    plan.change(Change::CreateNetwork {
        network_id: nid(network_id),
        client: id(client),
        started_by: id(client),
        state: NetworkState::Active,
        at: 5,
    })
    .change(Change::PutMember {
        network_id: nid(network_id),
        user: id(client),
        role: Role::Client,
        membership: Membership::Invited,
        since: 5,
        added_by: id(client),
    })
    .change(Change::Log(ActionRecord {
        network_id: nid(network_id),
        at: 5,
        actor: id(client),
        on_behalf_of: None,
        action: AuditAction::NetworkStart,
        object: None,
        outcome: Outcome::Done,
    }))
    .effect(Effect::CreateNetworkRoom {
        network_id: nid(network_id),
        client: id(client),
    })
    .effect(Effect::Send {
        to: Target::Room {
            room_id: ruma_common::owned_room_id!("!dm:kring.test"),
        },
        reply: BotReply {
            plain: "gemaakt".into(),
            html: "<p>gemaakt</p>".into(),
        },
        reply_to: Some(ruma_common::owned_event_id!("$start")),
    });
    plan
}

async fn a_plan_is_stored_whole_and_once(store: Store) -> Result<()> {
    inbox_event(&store, "$start").await?;
    assert!(!store.is_planned(BOT, "$start").await?);
    assert!(
        store
            .apply_plan(BOT, "$start", &start_plan("net-a", "client"))
            .await?
    );
    assert!(store.is_planned(BOT, "$start").await?);
    assert!(
        !store
            .apply_plan(BOT, "$start", &start_plan("net-b", "other"))
            .await?,
        "a replayed entry is not planned twice"
    );
    assert!(store.network("net-b").await?.is_none());

    let network = store.network("net-a").await?.expect("stored");
    assert_eq!(network.client, id("client"));
    assert_eq!(network.members.len(), 1);
    assert_eq!(
        store.network_actions("net-a").await?,
        [(
            "network.start".to_owned(),
            id("client").to_string(),
            None,
            "done".to_owned()
        )]
    );

    let pending = store.pending_effects(BOT, "$start").await?;
    assert_eq!(pending.len(), 2);
    assert!(matches!(
        pending[0].effect,
        Effect::CreateNetworkRoom { .. }
    ));
    assert!(matches!(pending[1].effect, Effect::Send { .. }));
    store
        .effect_done(BOT, "$start", 0, Some("!room:kring.test"))
        .await?;
    store.effect_failed(BOT, "$start", 1).await?;
    let pending = store.pending_effects(BOT, "$start").await?;
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].seq, pending[0].attempts), (1, 1));
    store.effect_done(BOT, "$start", 1, None).await?;
    assert!(store.pending_effects(BOT, "$start").await?.is_empty());

    store.set_network_room("net-a", "!room:kring.test").await?;
    assert_eq!(
        store
            .network_by_room("!room:kring.test")
            .await?
            .map(|n| n.id),
        Some(nid("net-a"))
    );
    Ok(())
}

async fn a_failing_plan_leaves_nothing_behind(store: Store) -> Result<()> {
    inbox_event(&store, "$start").await?;
    store
        .apply_plan(BOT, "$start", &start_plan("net-a", "client"))
        .await?;
    inbox_event(&store, "$late").await?;
    let mut plan = Plan::new();
    plan.change(Change::PutMember {
        network_id: nid("net-a"),
        user: id("piet"),
        role: Role::Carer,
        membership: Membership::Invited,
        since: 9,
        added_by: id("client"),
    })
    // Decides a proposal that does not exist (or is no longer open): the whole plan fails.
    .change(Change::DecideProposal {
        network_id: nid("net-a"),
        number: 1,
        state: ProposalState::Approved,
        decided_by: id("client"),
        at: 9,
    })
    .effect(Effect::Invite {
        network_id: nid("net-a"),
        user: id("piet"),
        if_unknown: BotReply {
            plain: String::new(),
            html: String::new(),
        },
    });
    let outcome = store.apply_plan(BOT, "$late", &plan).await;
    assert!(
        matches!(outcome, Err(StoreError::Conflict(_))),
        "{outcome:?}"
    );
    let network = store.network("net-a").await?.expect("stored");
    assert_eq!(
        network.members.len(),
        1,
        "the member was not added half-way"
    );
    assert!(store.pending_effects(BOT, "$late").await?.is_empty());
    assert!(
        !store.is_planned(BOT, "$late").await?,
        "it can be planned again"
    );
    Ok(())
}

async fn one_open_network_per_client(store: Store) -> Result<()> {
    inbox_event(&store, "$one").await?;
    inbox_event(&store, "$two").await?;
    store
        .apply_plan(BOT, "$one", &start_plan("net-a", "client"))
        .await?;
    let second = store
        .apply_plan(BOT, "$two", &start_plan("net-b", "client"))
        .await;
    assert!(
        second.is_err(),
        "the database refuses a second open network"
    );
    assert!(!store.is_planned(BOT, "$two").await?);
    assert_eq!(
        store
            .open_network_of_client(&id("client"))
            .await?
            .map(|n| n.id),
        Some(nid("net-a"))
    );
    Ok(())
}

async fn members_proposals_and_links_round_trip(store: Store) -> Result<()> {
    inbox_event(&store, "$start").await?;
    store
        .apply_plan(BOT, "$start", &start_plan("net-a", "client"))
        .await?;
    inbox_event(&store, "$more").await?;
    let gp = Role::Professional {
        organisation: "Praktijk De Linde".into(),
        discipline: "huisarts".into(),
    };
    let mut plan = Plan::new();
    plan.change(Change::SetMembership {
        network_id: nid("net-a"),
        user: id("client"),
        membership: Membership::Joined,
        since: 10,
    })
    .change(Change::PutMember {
        network_id: nid("net-a"),
        user: id("gp"),
        role: gp.clone(),
        membership: Membership::Joined,
        since: 11,
        added_by: id("client"),
    })
    .change(Change::AddProposal {
        network_id: nid("net-a"),
        number: 1,
        kind: ProposalKind::Invite {
            user: id("piet"),
            role: Role::Carer,
        },
        proposed_by: id("gp"),
        at: 12,
    })
    .change(Change::AddInviteLink {
        network_id: nid("net-a"),
        link_id: "k3f9".into(),
        secret_hash: "hash-of-secret".into(),
        role: Role::Carer,
        created_by: id("client"),
        at: 13,
        expires_at: 1_000,
    });
    store.apply_plan(BOT, "$more", &plan).await?;
    let network = store.network("net-a").await?.expect("stored");
    assert_eq!(network.current_role(&id("gp")), Some(&gp));
    assert_eq!(
        network.member(&id("client")).map(|m| m.membership),
        Some(Membership::Joined)
    );
    assert_eq!(network.proposals.len(), 1);
    assert_eq!(network.proposals[0].state, ProposalState::Open);
    assert_eq!(network.links.len(), 1);
    assert!(network.links[0].usable_at(999));

    store.set_proposal_prompt("net-a", 1, "$prompt").await?;
    assert_eq!(
        store.proposal_by_prompt("$prompt").await?,
        Some(("net-a".into(), 1))
    );
    let found = store
        .invite_link_by_secret_hash("hash-of-secret")
        .await?
        .expect("found");
    assert_eq!(
        (found.network_id.as_str(), found.link.id.as_str()),
        ("net-a", "k3f9")
    );
    assert!(store.invite_link_by_secret_hash("forged").await?.is_none());

    inbox_event(&store, "$decide").await?;
    let mut plan = Plan::new();
    plan.change(Change::DecideProposal {
        network_id: nid("net-a"),
        number: 1,
        state: ProposalState::Refused,
        decided_by: id("client"),
        at: 14,
    })
    .change(Change::RevokeInviteLink {
        link_id: "k3f9".into(),
    });
    store.apply_plan(BOT, "$decide", &plan).await?;
    let network = store.network("net-a").await?.expect("stored");
    assert_eq!(network.proposals[0].state, ProposalState::Refused);
    assert!(!network.links[0].usable_at(0));
    Ok(())
}

/// Three plans, five audit entries.
async fn audited(store: &Store) -> Result<()> {
    for (event, network, client) in [
        ("$one", "net-a", "anna"),
        ("$two", "net-b", "bob"),
        ("$three", "net-c", "carla"),
    ] {
        inbox_event(store, event).await?;
        let mut plan = start_plan(network, client);
        if event != "$two" {
            plan.change(Change::Log(ActionRecord {
                network_id: nid(network),
                at: 6,
                actor: id(client),
                on_behalf_of: Some(id("client")),
                action: AuditAction::MemberInvite,
                object: Some(id("piet").to_string()),
                outcome: Outcome::Done,
            }));
        }
        store.apply_plan(BOT, event, &plan).await?;
    }
    assert_eq!(store.audit_verify().await?, Ok(5));
    let entries = store.audit_entries(Some("net-a")).await?;
    assert_eq!(entries.len(), 2);
    assert_eq!(
        entries[1].on_behalf_of.as_deref(),
        Some("@client:kring.test")
    );
    Ok(())
}

async fn the_audit_chain_names_a_changed_entry(store: Store) -> Result<()> {
    audited(&store).await?;
    sqlx::query("UPDATE audit_log SET actor = '@mallory:kring.test' WHERE seq = 3")
        .execute(store.pool())
        .await?;
    assert_eq!(store.audit_verify().await?, Err((3, ChainBreak::WrongHash)));
    Ok(())
}

async fn the_audit_chain_names_where_entries_are_missing(store: Store) -> Result<()> {
    audited(&store).await?;
    sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(store.pool())
        .await?;
    assert_eq!(
        store.audit_verify().await?,
        Err((3, ChainBreak::Gap { expected_seq: 2 }))
    );
    Ok(())
}

async fn consent_is_kept_with_its_history(store: Store) -> Result<()> {
    use kring_core::consent::{InfoKind, Subject};
    inbox_event(&store, "$start").await?;
    store
        .apply_plan(BOT, "$start", &start_plan("net-a", "client"))
        .await?;
    let piet = Subject::Member { user: id("piet") };
    let linde = Subject::Organisation {
        name: "De Linde".into(),
    };
    inbox_event(&store, "$give").await?;
    let mut plan = Plan::new();
    plan.change(Change::GiveConsent {
        network_id: nid("net-a"),
        grant_id: "g1".into(),
        subject: piet.clone(),
        kind: InfoKind::ChatMembership,
        given_by: id("client"),
        on_behalf_of: None,
        at: 10,
        ends_at: None,
    })
    .change(Change::GiveConsent {
        network_id: nid("net-a"),
        grant_id: "g2".into(),
        subject: linde.clone(),
        kind: InfoKind::Appointments,
        given_by: id("rep"),
        on_behalf_of: Some(id("client")),
        at: 11,
        ends_at: Some(500),
    });
    store.apply_plan(BOT, "$give", &plan).await?;
    inbox_event(&store, "$withdraw").await?;
    let mut plan = Plan::new();
    plan.change(Change::WithdrawConsent {
        network_id: nid("net-a"),
        subject: piet.clone(),
        kind: InfoKind::ChatMembership,
        by: id("client"),
        at: 20,
    });
    store.apply_plan(BOT, "$withdraw", &plan).await?;
    let consent = store.consent("net-a").await?;
    assert_eq!(consent.grants.len(), 2, "withdrawn grants are kept");
    assert_eq!(consent.grants[0].subject, piet);
    assert_eq!(consent.grants[0].revoked_at, Some(20));
    assert!(consent.grants[0].active_at(15) && !consent.grants[0].active_at(20));
    assert_eq!(consent.grants[1].subject, linde);
    assert_eq!(consent.grants[1].on_behalf_of, Some(id("client")));
    assert_eq!(consent.grants[1].ends_at, Some(500));
    assert!(consent.grants[1].active_at(499) && !consent.grants[1].active_at(500));
    Ok(())
}

async fn a_consent_poll_is_understood_until_it_is_closed(store: Store) -> Result<()> {
    use kring_core::consent::Subject;
    use kring_core::consent::poll::ConsentPoll;
    inbox_event(&store, "$start").await?;
    store
        .apply_plan(BOT, "$start", &start_plan("net-a", "client"))
        .await?;
    let poll = ConsentPoll::what_may(
        Subject::Organisation {
            name: "De Linde".into(),
        },
        &kring_core::consent::Consent::default(),
        0,
    );
    assert_eq!(store.open_consent_poll("$poll").await?, None);
    store
        .record_consent_poll("$poll", "net-a", "!dm:kring.test", &poll, 30)
        .await?;
    // A retried effect records it again: nothing changes.
    store
        .record_consent_poll("$poll", "net-a", "!dm:kring.test", &poll, 31)
        .await?;
    assert_eq!(
        store.open_consent_poll("$poll").await?,
        Some((
            "net-a".to_owned(),
            "!dm:kring.test".to_owned(),
            poll.clone()
        ))
    );
    assert_eq!(
        store.open_consent_polls("net-a").await?,
        vec![(
            ruma_common::owned_event_id!("$poll"),
            ruma_common::owned_room_id!("!dm:kring.test")
        )]
    );
    inbox_event(&store, "$vote").await?;
    let mut plan = Plan::new();
    plan.change(Change::CloseConsentPoll {
        poll_event_id: ruma_common::owned_event_id!("$poll"),
        at: 40,
    });
    assert!(store.apply_plan(BOT, "$vote", &plan).await?);
    assert_eq!(store.open_consent_poll("$poll").await?, None, "closed");
    Ok(())
}

async fn a_which_network_question_waits_for_its_number_for_an_hour(store: Store) -> Result<()> {
    use kring_store::NETWORK_CHOICE_STANDS_MS;
    let rep = id("rep");
    let asked_at = 1_000_000;
    let ask = |command: &str, at| {
        let mut plan = Plan::new();
        plan.change(Change::AskWhichNetwork {
            user: rep.clone(),
            command: command.into(),
            network_ids: vec![nid("net-b"), nid("net-a")],
            at,
        });
        plan
    };
    inbox_event(&store, "$ask").await?;
    store
        .apply_plan(BOT, "$ask", &ask("!logboek", asked_at))
        .await?;
    let listed = Some(("!logboek".to_owned(), vec![nid("net-b"), nid("net-a")]));
    assert_eq!(store.network_choice(&rep, asked_at + 1).await?, listed);
    assert_eq!(store.network_choice(&id("client"), asked_at).await?, None);
    assert_eq!(
        store
            .network_choice(&rep, asked_at + NETWORK_CHOICE_STANDS_MS + 1)
            .await?,
        None,
        "stale after an hour"
    );
    // Asked again: the newer question replaces the older one.
    inbox_event(&store, "$ask-again").await?;
    store
        .apply_plan(BOT, "$ask-again", &ask("!toestemming", asked_at + 5))
        .await?;
    assert_eq!(
        store
            .network_choice(&rep, asked_at + 6)
            .await?
            .map(|(command, _)| command),
        Some("!toestemming".to_owned())
    );
    inbox_event(&store, "$answer").await?;
    let mut answered = Plan::new();
    answered.change(Change::ForgetNetworkChoice { user: rep.clone() });
    store.apply_plan(BOT, "$answer", &answered).await?;
    assert_eq!(store.network_choice(&rep, asked_at + 7).await?, None);
    Ok(())
}

/// `Network::apply` is the model the rules' property tests run on; the store must leave the
/// network exactly as it does, for every consequence the bots plan.
async fn the_store_applies_each_consequence_as_the_model_does(store: Store) -> Result<()> {
    use kring_core::network::Network;
    use kring_core::network::consequences::*;
    inbox_event(&store, "$start").await?;
    store
        .apply_plan(BOT, "$start", &start_plan("net-a", "client"))
        .await?;
    let gp = Role::Professional {
        organisation: "Praktijk De Linde".into(),
        discipline: "huisarts".into(),
    };
    let link = NewLink {
        id: "k3f9".into(),
        secret_hash: "hash".into(),
        created_by: id("gp"),
        expires_at: 10_000,
    };
    type Step<'a> = Box<dyn Fn(&Network) -> Vec<Change> + 'a>;
    let steps: Vec<Step> = vec![
        Box::new(|n| client_accepted(n, &id("client"), 10)),
        Box::new(|n| invited(n, &id("client"), &id("gp"), &gp, 11)),
        Box::new(|n| membership_recorded(n, &id("gp"), &id("gp"), Membership::Joined, 12)),
        Box::new(|n| {
            let kind = ProposalKind::Invite {
                user: id("piet"),
                role: Role::Carer,
            };
            proposed(n, &id("gp"), &kind, 13)
        }),
        Box::new(|n| {
            proposed(
                n,
                &id("gp"),
                &ProposalKind::InviteLink { role: Role::Carer },
                13,
            )
        }),
        Box::new(|n| link_made(n, &id("client"), &Role::Carer, &link, 14)),
        Box::new(|n| {
            let mut changes = decided(n, &id("client"), 1, true, 15);
            changes.extend(invited(n, &id("client"), &id("piet"), &Role::Carer, 15));
            changes
        }),
        Box::new(|n| link_revoked(n, &id("client"), "k3f9", 16)),
        Box::new(|n| removal_asked(n, &id("client"), &id("gp"), 17)),
        Box::new(|n| {
            let mut changes = decided(n, &id("client"), 3, true, 18);
            changes.extend(removed(n, &id("client"), &id("gp"), 18));
            changes.extend(proposals_lapse(n, &id("gp"), 18).1);
            changes
        }),
        Box::new(|n| left(n, &id("piet"), 19)),
    ];
    let sorted = |mut network: Network| {
        network.members.sort_by(|a, b| a.user.cmp(&b.user));
        network.proposals.sort_by_key(|p| p.number);
        network.links.sort_by(|a, b| a.id.cmp(&b.id));
        network
    };
    let mut model = store.network("net-a").await?.expect("stored");
    for (step, changes_of) in steps.iter().enumerate() {
        let changes = changes_of(&model);
        let cause = format!("$step-{step}");
        inbox_event(&store, &cause).await?;
        let mut plan = Plan::new();
        for change in &changes {
            plan.change(change.clone());
            model.apply(change);
        }
        store.apply_plan(BOT, &cause, &plan).await?;
        let stored = store.network("net-a").await?.expect("stored");
        assert_eq!(sorted(stored), sorted(model.clone()), "after step {step}");
    }
    assert_eq!(
        model.proposals.iter().map(|p| p.state).collect::<Vec<_>>(),
        [
            ProposalState::Approved,
            ProposalState::Lapsed,
            ProposalState::Approved
        ],
        "the link proposal lapsed with the gp's removal"
    );
    Ok(())
}

/// One write to the state plans are made from, not yet made.
type StateWrite<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + 'a>>;

/// A proposal numbered from what the planner read, and its answer.
fn proposal_plan(number: i64) -> Plan {
    let mut plan = Plan::new();
    plan.change(Change::AddProposal {
        network_id: nid("net-a"),
        number,
        kind: ProposalKind::Invite {
            user: id("piet"),
            role: Role::Carer,
        },
        proposed_by: id("client"),
        at: 20,
    })
    .effect(Effect::Send {
        to: Target::Network {
            network_id: nid("net-a"),
        },
        reply: BotReply {
            plain: format!("voorstel {number}"),
            html: format!("voorstel {number}"),
        },
        reply_to: None,
    });
    plan
}

/// Two processes on one database plan from the same state: the second plan is not written
/// (nothing of it: not the change, not its effects, not the mark), and made again from the new
/// state it is. A write by an effect counts as a change of state too.
async fn a_plan_made_from_state_that_changed_is_not_written(store: Store) -> Result<()> {
    inbox_event(&store, "$start").await?;
    store
        .apply_plan(BOT, "$start", &start_plan("net-a", "client"))
        .await?;
    for event in ["$first", "$second", "$third"] {
        inbox_event(&store, event).await?;
    }
    let basis = store.plan_basis().await?;
    let number = store
        .network("net-a")
        .await?
        .expect("stored")
        .next_proposal_number();
    assert_eq!(
        store
            .apply_plan_made_at(BOT, "$first", &proposal_plan(number), basis)
            .await?,
        PlanWritten::Written
    );
    assert_eq!(
        store
            .apply_plan_made_at(BOT, "$second", &proposal_plan(number), basis)
            .await?,
        PlanWritten::StateChanged
    );
    assert!(!store.is_planned(BOT, "$second").await?);
    assert!(store.pending_effects(BOT, "$second").await?.is_empty());
    assert_eq!(
        store
            .network("net-a")
            .await?
            .expect("stored")
            .proposals
            .len(),
        1
    );

    let basis = store.plan_basis().await?;
    let number = store
        .network("net-a")
        .await?
        .expect("stored")
        .next_proposal_number();
    assert_eq!(number, 2);
    assert_eq!(
        store
            .apply_plan_made_at(BOT, "$second", &proposal_plan(number), basis)
            .await?,
        PlanWritten::Written
    );
    assert_eq!(
        store
            .apply_plan_made_at(
                BOT,
                "$second",
                &proposal_plan(number),
                store.plan_basis().await?
            )
            .await?,
        PlanWritten::PlannedBefore,
        "a replay is not planned twice"
    );

    // A plan that changes nothing (a reply) is checked but does not send others back.
    let basis = store.plan_basis().await?;
    let reply_only = {
        let mut plan = proposal_plan(0);
        plan.changes.clear();
        plan
    };
    assert_eq!(
        store
            .apply_plan_made_at(BOT, "$third", &reply_only, basis)
            .await?,
        PlanWritten::Written
    );
    assert_eq!(store.plan_basis().await?, basis);

    // Each write an effect or the bridge makes counts as a change of state.
    inbox_event(&store, "$link").await?;
    let link_stored = store
        .apply_plan(BOT, "$link", &{
            let mut plan = Plan::new();
            plan.change(Change::AddInviteLink {
                network_id: nid("net-a"),
                link_id: "k3f9".into(),
                secret_hash: "hash".into(),
                role: Role::Carer,
                created_by: id("client"),
                at: 13,
                expires_at: i64::MAX,
            });
            plan
        })
        .await?;
    assert!(link_stored);
    let writes: Vec<(&str, StateWrite<'_>)> = vec![
        (
            "a room made",
            Box::pin(async { Ok(store.set_network_room("net-a", "!room:kring.test").await?) }),
        ),
        (
            "a prompt sent",
            Box::pin(async { Ok(store.set_proposal_prompt("net-a", 1, "$prompt").await?) }),
        ),
        (
            "an invite that failed",
            Box::pin(async { Ok(store.forget_invited_member("net-a", &id("client")).await?) }),
        ),
        (
            "a link used",
            Box::pin(async {
                anyhow::ensure!(
                    store
                        .use_invite_link("k3f9", "@new:kring.test", BOT, "!room:kring.test")
                        .await?
                );
                Ok(())
            }),
        ),
    ];
    for (index, (what, write)) in writes.into_iter().enumerate() {
        let event = format!("$after-{index}");
        inbox_event(&store, &event).await?;
        let basis = store.plan_basis().await?;
        write.await?;
        assert_eq!(
            store
                .apply_plan_made_at(BOT, &event, &reply_only, basis)
                .await?,
            PlanWritten::StateChanged,
            "{what}"
        );
    }
    Ok(())
}

/// Eight planners (as many processes) each read the network, then all write a proposal
/// numbered from what they read: one is written at once, the others find the state changed,
/// read again and plan again, so the numbers come out 1 to 8 with none taken twice.
async fn plans_made_side_by_side_each_see_the_ones_written_before_them(store: Store) -> Result<()> {
    const PLANNERS: usize = 8;
    inbox_event(&store, "$start").await?;
    store
        .apply_plan(BOT, "$start", &start_plan("net-a", "client"))
        .await?;
    for planner in 0..PLANNERS {
        inbox_event(&store, &format!("$plan-{planner}")).await?;
    }
    let all_have_read = std::sync::Arc::new(tokio::sync::Barrier::new(PLANNERS));
    let mut planners = tokio::task::JoinSet::new();
    for planner in 0..PLANNERS {
        let store = store.clone();
        let all_have_read = all_have_read.clone();
        planners.spawn(async move {
            let event = format!("$plan-{planner}");
            let mut first_round = true;
            let mut made_again = 0;
            // Each round one of the eight is written, so more rounds than planners is a fault.
            while made_again <= PLANNERS {
                let basis = store.plan_basis().await?;
                let number = store
                    .network("net-a")
                    .await?
                    .expect("stored")
                    .next_proposal_number();
                if first_round {
                    all_have_read.wait().await;
                    first_round = false;
                }
                match store
                    .apply_plan_made_at(BOT, &event, &proposal_plan(number), basis)
                    .await?
                {
                    PlanWritten::Written => return anyhow::Ok(made_again),
                    PlanWritten::StateChanged => made_again += 1,
                    PlanWritten::PlannedBefore => anyhow::bail!("{event} was planned by another"),
                }
            }
            anyhow::bail!("{event} was made again {made_again} times")
        });
    }
    let mut made_again = Vec::new();
    while let Some(planner) = planners.join_next().await {
        made_again.push(planner??);
    }
    assert_eq!(
        made_again.iter().filter(|&&again| again == 0).count(),
        1,
        "all read the same state, so only one plan made from it is written: {made_again:?}"
    );
    let mut numbers: Vec<i64> = store
        .network("net-a")
        .await?
        .expect("stored")
        .proposals
        .iter()
        .map(|proposal| proposal.number)
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=PLANNERS as i64).collect::<Vec<_>>());
    Ok(())
}
