//! The consult capability's table (migration `20261209000001_consults.sql`) and how a plan's
//! `Change::Consult` is written.

use crate::{Result, Store, StoreError, stored};
use kring_core::consult::{Consult, ConsultChange, ConsultState, Outcome, Request, Urgency};
use kring_core::network::NetworkId;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A consult as stored: what the rules need, and what it was about and when each step came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConsult {
    pub consult: Consult,
    pub network_id: NetworkId,
    pub request: Request,
    pub working_days: u32,
    pub asked_at: i64,
    pub accepted_at: Option<i64>,
    pub answered_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub outcome: Option<Outcome>,
    pub decline_reason: Option<String>,
    pub minutes_spent: Option<u32>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("a consult's {what}"))
}

fn from_row(row: &AnyRow) -> Result<StoredConsult> {
    let state: String = row.try_get("state")?;
    let urgency: String = row.try_get("urgency")?;
    let outcome: Option<String> = row.try_get("outcome")?;
    let count = |column: &str| -> Result<Option<u32>> {
        row.try_get::<Option<i64>, _>(column)?
            .map(|value| u32::try_from(value).map_err(|_| corrupt(column)))
            .transpose()
    };
    Ok(StoredConsult {
        consult: Consult {
            requester: stored(row, "requester")?,
            consultant: stored(row, "consultant")?,
            state: ConsultState::from_code(&state).ok_or_else(|| corrupt("state"))?,
            sent_at: row.try_get("sent_at")?,
            due_at: row.try_get("due_at")?,
        },
        network_id: stored(row, "network_id")?,
        request: Request {
            question: row.try_get("question")?,
            summary: row.try_get("summary")?,
            medication: row.try_get("medication")?,
            urgency: Urgency::from_code(&urgency).ok_or_else(|| corrupt("urgency"))?,
        },
        working_days: count("working_days")?.ok_or_else(|| corrupt("working days"))?,
        asked_at: row.try_get("asked_at")?,
        accepted_at: row.try_get("accepted_at")?,
        answered_at: row.try_get("answered_at")?,
        closed_at: row.try_get("closed_at")?,
        outcome: outcome
            .map(|code| Outcome::from_code(&code).ok_or_else(|| corrupt("outcome")))
            .transpose()?,
        decline_reason: row.try_get("decline_reason")?,
        minutes_spent: count("minutes_spent")?,
    })
}

impl Store {
    pub async fn consult(&self, consult_id: &str) -> Result<Option<StoredConsult>> {
        let row = sqlx::query("SELECT * FROM consults WHERE consult_id = $1")
            .bind(consult_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The network's consults, oldest first.
    pub async fn consults_of_network(&self, network_id: &str) -> Result<Vec<StoredConsult>> {
        sqlx::query("SELECT * FROM consults WHERE network_id = $1 ORDER BY asked_at, consult_id")
            .bind(network_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(from_row)
            .collect()
    }
}

/// `Change::Consult`, inside the plan's transaction.
pub(crate) async fn apply_consult_change(
    connection: &mut AnyConnection,
    change: &ConsultChange,
) -> Result<()> {
    match change {
        ConsultChange::Ask {
            consult_id,
            network_id,
            requester,
            consultant,
            request,
            state,
            working_days,
            sent_at,
            due_at,
            at,
        } => {
            sqlx::query(
                "INSERT INTO consults (consult_id, network_id, requester, consultant, question,
                   summary, medication, urgency, state, working_days, asked_at, sent_at, due_at,
                   updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $11)",
            )
            .bind(consult_id.as_str())
            .bind(network_id.as_str())
            .bind(requester.as_str())
            .bind(consultant.as_str())
            .bind(&request.question)
            .bind(&request.summary)
            .bind(request.medication.as_deref())
            .bind(request.urgency.code())
            .bind(state.code())
            .bind(i64::from(*working_days))
            .bind(at)
            .bind(sent_at)
            .bind(due_at)
            .execute(&mut *connection)
            .await?;
        }
        ConsultChange::Step {
            consult_id,
            from,
            to,
            at,
            sent_at,
            due_at,
            outcome,
            reason,
            minutes_spent,
        } => {
            // The column that remembers when this step was taken, if it has one.
            let when = match to {
                ConsultState::Accepted => Some("accepted_at"),
                ConsultState::Answered => Some("answered_at"),
                ConsultState::Closed | ConsultState::Declined | ConsultState::ConsentRefused => {
                    Some("closed_at")
                }
                ConsultState::AwaitingConsent | ConsultState::Requested => None,
            };
            let stepped = sqlx::query(
                "UPDATE consults SET state = $1, updated_at = $2,
                   sent_at = COALESCE($3, sent_at), due_at = COALESCE($4, due_at),
                   outcome = COALESCE($5, outcome), decline_reason = COALESCE($6, decline_reason),
                   minutes_spent = COALESCE($7, minutes_spent),
                   accepted_at = CASE WHEN $8 = 'accepted_at' THEN $2 ELSE accepted_at END,
                   answered_at = CASE WHEN $8 = 'answered_at' THEN $2 ELSE answered_at END,
                   closed_at = CASE WHEN $8 = 'closed_at' THEN $2 ELSE closed_at END
                 WHERE consult_id = $9 AND state = $10",
            )
            .bind(to.code())
            .bind(at)
            .bind(sent_at)
            .bind(due_at)
            .bind(outcome.map(Outcome::code))
            .bind(reason.as_deref())
            .bind(minutes_spent.map(i64::from))
            .bind(when.unwrap_or(""))
            .bind(consult_id.as_str())
            .bind(from.code())
            .execute(&mut *connection)
            .await?;
            if stepped.rows_affected() != 1 {
                return Err(StoreError::Conflict(
                    "a consult's step from a state it is no longer in".into(),
                ));
            }
        }
    }
    Ok(())
}
