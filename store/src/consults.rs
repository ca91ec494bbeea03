//! The consult capability's table (migration `20261209000001_consults.sql`) and how a plan's
//! `Change::Consult` is written.

use crate::{Result, Store, StoreError, stored, stored_if_any};
use kring_core::MatrixId;
use kring_core::consult::{
    Consult, ConsultChange, ConsultId, ConsultState, Form, FormStep, Outcome, Practitioner,
    Request, Urgency,
};
use kring_core::network::NetworkId;
use ruma_common::{OwnedEventId, OwnedRoomId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A consult as stored: what the rules need, and what it was about and when each step came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConsult {
    pub id: ConsultId,
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
    /// The requester's private chat with the bot.
    pub requester_room: Option<OwnedRoomId>,
    /// The consult room, once made.
    pub room_id: Option<OwnedRoomId>,
    pub consent_poll: Option<OwnedEventId>,
    pub decision_poll: Option<OwnedEventId>,
    pub share_poll: Option<OwnedEventId>,
    /// The requester's summary for the network.
    pub gist: Option<String>,
    pub requester_practice: Option<Practitioner>,
    pub consultant_practice: Option<Practitioner>,
    /// When the retention policy closed its room.
    pub archived_at: Option<i64>,
    /// When the consultant joined its room and so had the request.
    pub opened_at: Option<i64>,
}

impl StoredConsult {
    /// The consult as the region's export shows it at `now` (`kring_core::consult::export`).
    pub fn export_row(
        &self,
        now: i64,
        funding_route: Option<&str>,
    ) -> kring_core::consult::export::ExportRow {
        use kring_core::consult::export::{answered_in_time, instant, outcome_code, state_code};
        let when = |at: Option<i64>| at.and_then(instant);
        let practice = |p: &Option<Practitioner>| {
            (
                p.as_ref().map(|p| p.organisation.clone()),
                p.as_ref().map(|p| p.discipline.clone()),
            )
        };
        let (requester_organisation, requester_discipline) = practice(&self.requester_practice);
        let (consultant_organisation, consultant_discipline) = practice(&self.consultant_practice);
        kring_core::consult::export::ExportRow {
            consult_id: self.id.to_string(),
            requester: self.consult.requester.to_string(),
            requester_organisation,
            requester_discipline,
            consultant: self.consult.consultant.to_string(),
            consultant_organisation,
            consultant_discipline,
            consultant_agb: None,
            state: state_code(self.consult.state),
            working_days: self.working_days,
            asked_at: instant(self.asked_at).unwrap_or_default(),
            sent_at: when(self.consult.sent_at),
            read_at: when(self.opened_at),
            due_at: when(self.consult.due_at),
            accepted_at: when(self.accepted_at),
            answered_at: when(self.answered_at),
            closed_at: when(self.closed_at),
            answered_in_time: answered_in_time(self.answered_at, self.consult.due_at),
            overdue: kring_core::consult::is_overdue(&self.consult, now),
            outcome: outcome_code(self.outcome),
            minutes_spent: self.minutes_spent,
            funding_route: funding_route.map(str::to_owned),
        }
    }
}

/// Which of a consult's polls a vote is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultPoll {
    /// The client's "may it go outside the network?".
    Consent,
    /// The consultant's accept or decline.
    Decision,
    /// The requester's "share the gist with the network?".
    Share,
}

impl ConsultPoll {
    /// Records it, once: the column is set only while it is empty.
    fn record(self) -> &'static str {
        match self {
            Self::Consent => {
                "UPDATE consults SET consent_poll_event_id = $1
                 WHERE consult_id = $2 AND consent_poll_event_id IS NULL"
            }
            Self::Decision => {
                "UPDATE consults SET decision_poll_event_id = $1
                 WHERE consult_id = $2 AND decision_poll_event_id IS NULL"
            }
            Self::Share => {
                "UPDATE consults SET share_poll_event_id = $1
                 WHERE consult_id = $2 AND share_poll_event_id IS NULL"
            }
        }
    }
}

/// A request being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredForm {
    pub requester: MatrixId,
    pub network_id: NetworkId,
    pub consultant: MatrixId,
    pub room_id: OwnedRoomId,
    pub form: Form,
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
    let requester_room: String = row.try_get("requester_room_id")?;
    Ok(StoredConsult {
        id: stored(row, "consult_id")?,
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
        // Empty for a consult stored before the column came.
        requester_room: OwnedRoomId::try_from(requester_room).ok(),
        room_id: stored_if_any(row, "room_id")?,
        consent_poll: stored_if_any(row, "consent_poll_event_id")?,
        decision_poll: stored_if_any(row, "decision_poll_event_id")?,
        share_poll: stored_if_any(row, "share_poll_event_id")?,
        gist: row.try_get("gist")?,
        requester_practice: practice(row, "requester")?,
        consultant_practice: practice(row, "consultant")?,
        archived_at: row.try_get("archived_at")?,
        opened_at: row.try_get("opened_at")?,
    })
}

fn practice(row: &AnyRow, whose: &str) -> Result<Option<Practitioner>> {
    let organisation: Option<String> = row.try_get(format!("{whose}_organisation").as_str())?;
    let discipline: Option<String> = row.try_get(format!("{whose}_discipline").as_str())?;
    Ok(organisation
        .zip(discipline)
        .map(|(organisation, discipline)| Practitioner {
            organisation,
            discipline,
        }))
}

fn form_from_row(row: &AnyRow) -> Result<StoredForm> {
    let step: String = row.try_get("step")?;
    let urgency: Option<String> = row.try_get("urgency")?;
    Ok(StoredForm {
        requester: stored(row, "requester")?,
        network_id: stored(row, "network_id")?,
        consultant: stored(row, "consultant")?,
        room_id: stored(row, "room_id")?,
        form: Form {
            step: FormStep::from_code(&step).ok_or_else(|| corrupt("form step"))?,
            question: row.try_get("question")?,
            summary: row.try_get("summary")?,
            medication: row.try_get("medication")?,
            urgency: urgency
                .map(|code| Urgency::from_code(&code).ok_or_else(|| corrupt("form urgency")))
                .transpose()?,
        },
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

    /// The consult whose room this is (the latest, should a room ever hold two).
    pub async fn consult_by_room(&self, room_id: &str) -> Result<Option<StoredConsult>> {
        let row = sqlx::query(
            "SELECT * FROM consults WHERE room_id = $1 ORDER BY asked_at DESC, consult_id LIMIT 1",
        )
        .bind(room_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The consult one of whose polls `poll_event_id` is, and which poll.
    pub async fn consult_by_poll(
        &self,
        poll_event_id: &str,
    ) -> Result<Option<(StoredConsult, ConsultPoll)>> {
        let row = sqlx::query(
            "SELECT * FROM consults WHERE consent_poll_event_id = $1
               OR decision_poll_event_id = $1 OR share_poll_event_id = $1",
        )
        .bind(poll_event_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let found = from_row(&row)?;
        let poll = [
            ConsultPoll::Consent,
            ConsultPoll::Decision,
            ConsultPoll::Share,
        ]
        .into_iter()
        .find(|poll| {
            let event = match poll {
                ConsultPoll::Consent => &found.consent_poll,
                ConsultPoll::Decision => &found.decision_poll,
                ConsultPoll::Share => &found.share_poll,
            };
            event
                .as_ref()
                .is_some_and(|event| event.as_str() == poll_event_id)
        })
        .ok_or_else(|| corrupt("poll"))?;
        Ok(Some((found, poll)))
    }

    /// The consult room is made (set once: a second room is never recorded over the first).
    pub async fn set_consult_room(&self, consult_id: &str, room_id: &str) -> Result<()> {
        sqlx::query("UPDATE consults SET room_id = $1 WHERE consult_id = $2 AND room_id IS NULL")
            .bind(room_id)
            .bind(consult_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The retention policy closed the consult room (set once).
    pub async fn set_consult_archived(&self, consult_id: &str, at: i64) -> Result<()> {
        sqlx::query(
            "UPDATE consults SET archived_at = $1 WHERE consult_id = $2 AND archived_at IS NULL",
        )
        .bind(at)
        .bind(consult_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The retention policy closed the consult's room: the store no longer keeps what the
    /// request said (the room keeps it for the two who wrote and read it).
    pub async fn forget_consult_request(&self, consult_id: &str) -> Result<()> {
        let mut connection = self.pool.acquire().await?;
        clear_request(&mut connection, consult_id).await
    }

    /// One of the consult's polls is sent (set once).
    pub async fn set_consult_poll(
        &self,
        consult_id: &str,
        poll: ConsultPoll,
        event_id: &str,
    ) -> Result<()> {
        sqlx::query(poll.record())
            .bind(event_id)
            .bind(consult_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The form `requester` is filling in, if any.
    pub async fn consult_form(&self, requester: &str) -> Result<Option<StoredForm>> {
        let row = sqlx::query("SELECT * FROM consult_forms WHERE requester = $1")
            .bind(requester)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(form_from_row).transpose()
    }

    /// Every consult asked from `from` (inclusive) to `to` (exclusive), oldest first: what the
    /// region's export reads.
    pub async fn consults_asked_between(&self, from: i64, to: i64) -> Result<Vec<StoredConsult>> {
        sqlx::query(
            "SELECT * FROM consults WHERE asked_at >= $1 AND asked_at < $2
             ORDER BY asked_at, consult_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// The consults still owed an answer that `user` asked or is to give, due soonest first.
    pub async fn open_consults_of(&self, user: &str) -> Result<Vec<StoredConsult>> {
        sqlx::query(
            "SELECT * FROM consults WHERE (requester = $1 OR consultant = $1)
               AND state IN ('requested', 'accepted') ORDER BY due_at, consult_id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
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

async fn clear_request(connection: &mut AnyConnection, consult_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE consults SET question = '', summary = '', medication = NULL, gist = NULL
         WHERE consult_id = $1",
    )
    .bind(consult_id)
    .execute(&mut *connection)
    .await?;
    Ok(())
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
            requester_room,
            requester_practice,
            consultant_practice,
            at,
        } => {
            sqlx::query(
                "INSERT INTO consults (consult_id, network_id, requester, consultant, question,
                   summary, medication, urgency, state, working_days, asked_at, sent_at, due_at,
                   updated_at, requester_room_id, requester_organisation, requester_discipline,
                   consultant_organisation, consultant_discipline)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $11, $14, $15,
                   $16, $17, $18)",
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
            .bind(requester_room.as_str())
            .bind(requester_practice.as_ref().map(|p| p.organisation.as_str()))
            .bind(requester_practice.as_ref().map(|p| p.discipline.as_str()))
            .bind(
                consultant_practice
                    .as_ref()
                    .map(|p| p.organisation.as_str()),
            )
            .bind(consultant_practice.as_ref().map(|p| p.discipline.as_str()))
            .execute(&mut *connection)
            .await?;
        }
        ConsultChange::PutForm {
            requester,
            network_id,
            consultant,
            room_id,
            form,
            at,
        } => {
            // Portable upsert: the one form a requester has is replaced.
            sqlx::query("DELETE FROM consult_forms WHERE requester = $1")
                .bind(requester.as_str())
                .execute(&mut *connection)
                .await?;
            sqlx::query(
                "INSERT INTO consult_forms (requester, network_id, consultant, room_id, step,
                   question, summary, medication, urgency, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(requester.as_str())
            .bind(network_id.as_str())
            .bind(consultant.as_str())
            .bind(room_id.as_str())
            .bind(form.step.code())
            .bind(form.question.as_deref())
            .bind(form.summary.as_deref())
            .bind(form.medication.as_deref())
            .bind(form.urgency.map(Urgency::code))
            .bind(at)
            .execute(&mut *connection)
            .await?;
        }
        ConsultChange::DropForm { requester } => {
            sqlx::query("DELETE FROM consult_forms WHERE requester = $1")
                .bind(requester.as_str())
                .execute(&mut *connection)
                .await?;
        }
        ConsultChange::SetGist { consult_id, gist } => {
            // A new gist is a new question: the tap on the old one no longer counts.
            sqlx::query(
                "UPDATE consults SET gist = $1, share_poll_event_id = NULL WHERE consult_id = $2",
            )
            .bind(gist)
            .bind(consult_id.as_str())
            .execute(&mut *connection)
            .await?;
        }
        ConsultChange::Opened { consult_id, at } => {
            sqlx::query(
                "UPDATE consults SET opened_at = $1 WHERE consult_id = $2 AND opened_at IS NULL",
            )
            .bind(at)
            .bind(consult_id.as_str())
            .execute(&mut *connection)
            .await?;
        }
        ConsultChange::SetDeclineReason { consult_id, reason } => {
            sqlx::query(
                "UPDATE consults SET decline_reason = $1
                 WHERE consult_id = $2 AND state = 'declined' AND decline_reason IS NULL",
            )
            .bind(reason)
            .bind(consult_id.as_str())
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
            // The client said no: what was written about them is not kept.
            if *to == ConsultState::ConsentRefused {
                clear_request(&mut *connection, consult_id.as_str()).await?;
            }
        }
    }
    Ok(())
}
