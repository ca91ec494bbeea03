//! From a consent request to a plan.

use super::*;

/// The one way a consent request, typed or tapped, becomes a plan: the rules decide, the store
/// records (with the audit line), "being in the chat" withdrawn takes the member out, and the
/// client hears what changed.
pub(crate) async fn consent_plan(
    context: &Context<'_>,
    network: &Network,
    current: &consent::Consent,
    names: &HashMap<MatrixId, Person>,
    request: &ConsentRequest,
    reply_to: Option<matrix_sdk::ruma::OwnedEventId>,
) -> Result<Plan, BotError> {
    let language = context.language;
    let decision =
        match consent::decide_consent(network, current, &context.actor, request, context.now) {
            Ok(decision) => decision,
            Err(refusal) => {
                let (ConsentRequest::Give { subject, kind, .. }
                | ConsentRequest::Withdraw { subject, kind }) = request;
                let action = match request {
                    ConsentRequest::Give { .. } => AuditAction::ConsentGive(*kind),
                    ConsentRequest::Withdraw { .. } => AuditAction::ConsentWithdraw(*kind),
                };
                let mut plan = Plan::reply(
                    here(context.entry)?,
                    messages::consent_refusal(language, &refusal),
                    reply_to,
                );
                plan.change(context.log_object(
                    network,
                    action,
                    Some(subject.audit_object()),
                    Outcome::Refused,
                ));
                return Ok(plan);
            }
        };
    let (ConsentRequest::Give { subject, kind, .. } | ConsentRequest::Withdraw { subject, kind }) =
        request;
    let who = match subject {
        Subject::Member { user } => Who::Person(person(names, user)),
        Subject::Organisation { name } => Who::Organisation(name.clone()),
    };
    let object = subject.audit_object();
    let mut plan = Plan::new();
    let (give, until) = match decision {
        ConsentDecision::Give {
            subject,
            kind,
            until,
            on_behalf_of,
        } => {
            let grant_id = format!("g-{}", random_code(16));
            let room = context.bot.store.network_room(&network.id).await?;
            if let Some(timer) = consent::end_timer(
                &network.id,
                room.as_deref(),
                &grant_id,
                &subject,
                kind,
                until,
            ) {
                plan.change(Change::ScheduleTimer(timer));
            }
            plan.change(Change::GiveConsent {
                network_id: network.id.clone(),
                grant_id,
                subject,
                kind,
                given_by: context.actor.clone(),
                on_behalf_of,
                at: context.now,
                ends_at: until,
            })
            .change(context.log_object(
                network,
                AuditAction::ConsentGive(kind),
                Some(object),
                Outcome::Done,
            ));
            (true, until)
        }
        ConsentDecision::Withdraw {
            subject,
            kind,
            removes_member,
            ..
        } => {
            plan.change(Change::WithdrawConsent {
                network_id: network.id.clone(),
                subject: subject.clone(),
                kind,
                by: context.actor.clone(),
                at: context.now,
            })
            .change(context.log_object(
                network,
                AuditAction::ConsentWithdraw(kind),
                Some(object),
                Outcome::Done,
            ));
            if let (true, Subject::Member { user }, Who::Person(removed)) =
                (removes_member, &subject, &who)
            {
                remove(context, network, &mut plan, user);
                let client_language = language_of(context.bot, &network.client).await?;
                lapse_proposals_of(
                    context.bot,
                    network,
                    &mut plan,
                    user,
                    context.now,
                    client_language,
                )
                .await?;
                plan.effect(Effect::Send {
                    to: to_network(network),
                    reply: messages::removed(client_language, removed),
                    reply_to: None,
                });
            }
            // What may be seen changed: an invitee who may no longer see a meeting leaves it.
            let mut consent_after = current.clone();
            for grant in &mut consent_after.grants {
                if grant.subject == subject && grant.kind == kind && grant.revoked_at.is_none() {
                    grant.revoked_at = Some(context.now);
                }
            }
            let mut network_after = network.clone();
            plan.changes
                .iter()
                .for_each(|change| network_after.apply(change));
            crate::capabilities::meeting::keep_to_consent(
                context.bot,
                &network_after,
                &consent_after,
                &mut plan,
                context.now,
            )
            .await?;
            crate::capabilities::consult::keep_to_consent(
                context.bot,
                &network_after,
                &consent_after,
                &mut plan,
                context.now,
            )
            .await?;
            (false, None)
        }
    };
    // Reading history is carried out by copies in the member's own room (see ShareHistory).
    if let (InfoKind::PastHistory, Subject::Member { user }) = (kind, subject) {
        plan.effect(if give {
            Effect::ShareHistory {
                network_id: network.id.clone(),
                user: user.clone(),
            }
        } else {
            Effect::WithdrawHistory {
                network_id: network.id.clone(),
                user: user.clone(),
            }
        });
    }
    plan.effect(Effect::Send {
        to: here(context.entry)?,
        reply: messages::consent_changed(language, &who, *kind, give, until),
        reply_to,
    });
    Ok(plan)
}
