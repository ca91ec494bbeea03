//! The consult handlers on matrix-sdk's `MatrixMockServer` with a real store: who may ask, how
//! the form goes on, what sending plans (and what the network room may read of it), and whose
//! tap counts on the client's consent question.

use super::*;
use crate::testing::{MockBot, id, mock_bot, received_command};
use kring_core::consent::InfoKind;
use kring_core::consult::{ConsultChange, ConsultState, Form};
use kring_core::network::NetworkId;
use kring_core::{Command, Language, Role, parse_message};
use kring_store::{InboxKind, InboxState};
use matrix_sdk::ruma::{owned_room_id, room_id};

const CLIENT: &str = "@anna:kring.test";
const CARER: &str = "@piet:kring.test";
const GP: &str = "@dokter:kring.test";
const PSYCHIATRIST: &str = "@psy:kring.test";
const OUTSIDER: &str = "@collega:elders.example";
const NETWORK_ROOM: &str = "!network:kring.test";
const GP_CHAT: &str = "!gp-chat:kring.test";
const QUESTION: &str = "Is lithium een optie?";

fn professional(organisation: &str, discipline: &str) -> Role {
    Role::Professional {
        organisation: organisation.into(),
        discipline: discipline.into(),
    }
}

async fn network() -> MockBot {
    let mock = mock_bot().await;
    mock.network(
        "n1",
        room_id!("!network:kring.test"),
        CLIENT,
        &[
            (CARER, Role::Carer),
            (GP, professional("Praktijk De Linde", "huisarts")),
            (PSYCHIATRIST, professional("GGZ Noord", "psychiater")),
        ],
    )
    .await;
    mock
}

async fn command_in(bot: &Bot, event_id: &str, room: &str, sender: &str, body: &str) -> Plan {
    let entry = received_command(bot, event_id, room, sender, body, 3).await;
    let Ok(Some(Command::Consult(command))) = parse_message(body) else {
        panic!("{body} is a consult command");
    };
    let asked = Asked {
        preferred: Language::Dutch,
        in_direct_chat: false,
        chosen: None,
    };
    on_command(bot, &entry, command, &asked)
        .await
        .expect("planned")
}

/// The GP's form, stored as `!consult` leaves it, for `consultant`.
async fn form_for(bot: &Bot, consultant: &str) {
    received_command(bot, "$ask", NETWORK_ROOM, GP, "!consult", 2).await;
    let mut plan = Plan::new();
    plan.change(Change::Consult(ConsultChange::PutForm {
        requester: id(GP),
        network_id: NetworkId::parse("n1").unwrap(),
        consultant: id(consultant),
        room_id: owned_room_id!("!gp-chat:kring.test"),
        form: Form::new(),
        at: 2,
    }));
    bot.store
        .apply_plan(bot.identity.user_id.as_str(), "$ask", &plan)
        .await
        .expect("stored");
}

/// One line typed in the GP's private chat, planned and (as the worker would) stored.
async fn typed(bot: &Bot, event_id: &str, text: &str) -> Plan {
    let entry = received_command(bot, event_id, GP_CHAT, GP, text, 4).await;
    let plan = on_private_text(bot, &entry)
        .await
        .expect("planned")
        .expect("a form is open");
    bot.store
        .apply_plan(bot.identity.user_id.as_str(), event_id, &plan)
        .await
        .expect("stored");
    plan
}

fn said(plan: &Plan) -> Vec<(Target, String)> {
    plan.effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send { to, reply, .. } => Some((to.clone(), reply.plain.clone())),
            _ => None,
        })
        .collect()
}

fn to_the_network() -> Target {
    Target::Network {
        network_id: NetworkId::parse("n1").unwrap(),
    }
}

/// The form answered through to "versturen".
async fn filled_in(bot: &Bot) -> Plan {
    for (n, text) in [QUESTION, "Sinds maart somber.", "overslaan", "1"]
        .into_iter()
        .enumerate()
    {
        typed(bot, &format!("$line{n}"), text).await;
    }
    typed(bot, "$send", "versturen").await
}

#[tokio::test]
async fn only_a_professional_of_the_network_asks_and_a_refusal_is_audited() {
    let mock = network().await;
    let plan = command_in(
        &mock.bot,
        "$c",
        NETWORK_ROOM,
        CARER,
        &format!("!consult {GP}"),
    )
    .await;
    assert!(
        !plan
            .changes
            .iter()
            .any(|change| matches!(change, Change::Consult(_))),
        "{plan:?}"
    );
    assert!(plan.changes.iter().any(|change| matches!(
        change,
        Change::Log(record) if record.outcome == Outcome::Refused
            && record.action == AuditAction::Consult(ConsultAction::Ask)
    )));
    // Asking the client is refused too, and so is asking oneself.
    for consultant in [CLIENT, GP] {
        let plan = command_in(
            &mock.bot,
            "$d",
            NETWORK_ROOM,
            GP,
            &format!("!consult {consultant}"),
        )
        .await;
        assert!(
            said(&plan)
                .iter()
                .all(|(_, text)| !text.contains("privégesprek"))
        );
    }
}

#[tokio::test]
async fn without_a_private_chat_the_asker_is_told_to_open_one_and_nothing_is_kept() {
    let mock = network().await;
    let plan = command_in(
        &mock.bot,
        "$c",
        NETWORK_ROOM,
        GP,
        &format!("!consult {OUTSIDER}"),
    )
    .await;
    let texts = said(&plan);
    assert!(
        texts
            .iter()
            .any(|(_, text)| text.contains("Begin eerst een privégesprek")),
        "{texts:?}"
    );
    assert!(plan.changes.is_empty(), "{plan:?}");
}

/// Sent to a consultant in the network: the consult is stored as requested with its deadline,
/// the room, request and poll follow, the reminder and deadline are set; the network room reads
/// who was asked and by when, never the question.
#[tokio::test]
async fn sending_to_a_colleague_in_the_network_plans_the_room_and_tells_the_network_no_details() {
    let mock = network().await;
    let bot = &mock.bot;
    form_for(bot, PSYCHIATRIST).await;
    let plan = filled_in(bot).await;
    let asked = plan.changes.iter().find_map(|change| match change {
        Change::Consult(ConsultChange::Ask {
            state,
            due_at,
            consultant_practice,
            ..
        }) => Some((*state, *due_at, consultant_practice.clone())),
        _ => None,
    });
    let (state, due_at, practice) = asked.expect("a consult is asked");
    assert_eq!(state, ConsultState::Requested);
    assert!(due_at.is_some());
    assert_eq!(practice.map(|p| p.organisation), Some("GGZ Noord".into()));
    assert!(
        plan.changes
            .iter()
            .any(|change| matches!(change, Change::Consult(ConsultChange::DropForm { .. })))
    );
    let request = plan.effects.iter().find_map(|effect| match effect {
        Effect::Consult(ConsultEffect::PostRequest { request, .. }) => Some(request.plain.clone()),
        _ => None,
    });
    assert!(request.expect("the request").contains(QUESTION));
    assert!(
        plan.effects
            .iter()
            .any(|effect| matches!(effect, Effect::Consult(ConsultEffect::OpenRoom { .. })))
    );
    let timers: Vec<&str> = plan
        .changes
        .iter()
        .filter_map(|change| match change {
            Change::ScheduleTimer(timer) => Some(timer.key.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(timers.len(), 2, "{timers:?}");
    assert!(timers.iter().all(|key| key.starts_with("cst-")));
    let to_network: Vec<String> = said(&plan)
        .into_iter()
        .filter(|(to, _)| *to == to_the_network())
        .map(|(_, text)| text)
        .collect();
    assert_eq!(to_network.len(), 1, "{to_network:?}");
    assert!(to_network[0].contains("Advies gevraagd aan"));
    assert!(!to_network[0].contains("lithium") && !to_network[0].contains("somber"));
    assert!(
        bot.store.consult_form(GP).await.unwrap().is_none(),
        "the form is gone once sent"
    );
}

#[tokio::test]
async fn a_crisis_ends_the_form_with_where_to_go_and_a_wrong_answer_changes_nothing() {
    let mock = network().await;
    let bot = &mock.bot;
    form_for(bot, PSYCHIATRIST).await;
    let empty = typed(bot, "$empty", "   ").await;
    assert!(empty.changes.is_empty(), "{empty:?}");
    assert_eq!(said(&empty).len(), 2, "why, and the question again");
    typed(bot, "$q", QUESTION).await;
    typed(bot, "$s", "Somber.").await;
    typed(bot, "$m", "overslaan").await;
    let crisis = typed(bot, "$crisis", "3").await;
    assert!(
        said(&crisis)
            .iter()
            .any(|(_, text)| text.contains("crisisdienst")),
        "{crisis:?}"
    );
    assert!(bot.store.consult_form(GP).await.unwrap().is_none());
    assert!(
        bot.store
            .consults_of_network("n1")
            .await
            .unwrap()
            .is_empty(),
        "a crisis is no consult"
    );
}

fn vote(event_id: &str, room: &str, sender: &str, poll: &str, answer: &str) -> InboxEntry {
    InboxEntry {
        event_id: event_id.into(),
        room_id: room.into(),
        sender: sender.into(),
        kind: InboxKind::PollResponse,
        body: serde_json::json!({ "poll": poll, "answers": [answer] }).to_string(),
        encrypted_event: None,
        origin_ts: 5,
        received_at: 5,
        state: InboxState::Pending,
        attempts: 0,
        reply_event_id: None,
        answered_at: None,
    }
}

/// An outsider waits for the client: only the client's tap in the network room sends it (with
/// consent of the consult kind given to them); anyone else's, or one elsewhere, changes nothing.
#[tokio::test]
async fn only_the_clients_tap_in_the_network_room_lets_it_out() {
    let mock = network().await;
    let bot = &mock.bot;
    form_for(bot, OUTSIDER).await;
    let plan = filled_in(bot).await;
    assert!(
        !plan
            .effects
            .iter()
            .any(|effect| matches!(effect, Effect::Consult(ConsultEffect::OpenRoom { .. }))),
        "no room before the client agrees"
    );
    let [stored] = bot
        .store
        .consults_of_network("n1")
        .await
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(stored.consult.state, ConsultState::AwaitingConsent);
    bot.store
        .set_consult_poll(stored.id.as_str(), ConsultPoll::Consent, "$question")
        .await
        .unwrap();
    let agree = kring_core::consult::chat_texts::AGREE;
    for (event, room, voter) in [
        ("$gp", NETWORK_ROOM, GP),
        ("$carer", NETWORK_ROOM, CARER),
        ("$elsewhere", "!other:kring.test", CLIENT),
    ] {
        let entry = vote(event, room, voter, "$question", agree);
        let plan = on_poll_response(bot, &entry)
            .await
            .unwrap()
            .expect("a consult's poll");
        assert!(
            plan.changes.is_empty() && plan.effects.is_empty(),
            "{voter} in {room}: {plan:?}"
        );
    }
    let entry = vote("$client", NETWORK_ROOM, CLIENT, "$question", agree);
    let plan = on_poll_response(bot, &entry)
        .await
        .unwrap()
        .expect("a consult's poll");
    assert!(plan.changes.iter().any(|change| matches!(
        change,
        Change::Consult(ConsultChange::Step {
            to: ConsultState::Requested,
            due_at: Some(_),
            ..
        })
    )));
    assert!(plan.changes.iter().any(|change| matches!(
        change,
        Change::GiveConsent { kind: InfoKind::ConsultSharing, subject: kring_core::consent::Subject::Member { user }, .. }
            if user.as_str() == OUTSIDER
    )));
    assert!(
        plan.effects
            .iter()
            .any(|effect| matches!(effect, Effect::Consult(ConsultEffect::OpenRoom { .. })))
    );
}
