//! The meeting capability's tables (migration `20261207000001_meetings.sql`): meetings, their
//! invitees, candidate moments and votes, and how a plan's `Change::Meeting` is written.

use crate::networks::state_written;
use crate::{Result, Store, StoreError, stored, stored_if_any};
use kring_core::MatrixId;
use kring_core::meeting::figures::{ActionRow, MeetingRow};
use kring_core::meeting::{
    Answer, Candidate, Meeting, MeetingChange, MeetingId, MeetingState, Moment, PlanAction,
    PlanGoal, Vote,
};
use kring_core::network::NetworkId;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

const MEETING_COLUMNS: &str = "meeting_id, network_id, planned_by, room_id, place, state, chosen, \
                               sequence, answer_by, choice_asked_at, choice_poll_event_id, \
                               candidate_polls_ended_at, choice_poll_ended_at, recorder, \
                               start_poll_event_id, choosing_room_id, created_at";

fn answer_code(answer: Answer) -> &'static str {
    match answer {
        Answer::Yes => "yes",
        Answer::Maybe => "maybe",
        Answer::No => "no",
    }
}

fn answer_from_code(code: &str) -> Result<Answer> {
    match code {
        "yes" => Ok(Answer::Yes),
        "maybe" => Ok(Answer::Maybe),
        "no" => Ok(Answer::No),
        _ => Err(StoreError::Corrupt("a meeting vote's answer".into())),
    }
}

fn index(value: i64, column: &str) -> Result<usize> {
    usize::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column}: not a number")))
}

/// See [`Store::meeting_figure_rows`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeetingFigureRows {
    pub open_networks: usize,
    pub meetings: Vec<MeetingRow>,
    pub actions: Vec<ActionRow>,
}

impl Store {
    pub async fn meeting(&self, meeting_id: &str) -> Result<Option<Meeting>> {
        self.meeting_where("meeting_id = $1", meeting_id).await
    }

    /// The meeting whose own room `room_id` is.
    pub async fn meeting_by_room(&self, room_id: &str) -> Result<Option<Meeting>> {
        self.meeting_where("room_id = $1", room_id).await
    }

    /// The network's newest meeting whose moment was chosen (before or after it took place):
    /// the one a plan's actions belong to.
    pub async fn latest_agreed_meeting(&self, network_id: &str) -> Result<Option<Meeting>> {
        let row = sqlx::query(
            "SELECT meeting_id FROM meetings WHERE network_id = $1 AND state = 'agreed'
             ORDER BY created_at DESC, meeting_id DESC LIMIT 1",
        )
        .bind(network_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => self.meeting(&row.try_get::<String, _>("meeting_id")?).await,
            None => Ok(None),
        }
    }

    /// The network's newest meeting, whatever its state.
    pub async fn latest_meeting(&self, network_id: &str) -> Result<Option<Meeting>> {
        let row = sqlx::query(
            "SELECT meeting_id FROM meetings WHERE network_id = $1
             ORDER BY created_at DESC, meeting_id DESC LIMIT 1",
        )
        .bind(network_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => self.meeting(&row.try_get::<String, _>("meeting_id")?).await,
            None => Ok(None),
        }
    }

    /// Every meeting not called off that `user` is invited to or steers (as the client or the
    /// representative), oldest first: for `!afspraken`.
    pub async fn meetings_of(&self, user: &MatrixId) -> Result<Vec<Meeting>> {
        let rows = sqlx::query(
            "SELECT meeting_id FROM meetings
             WHERE state <> 'cancelled' AND (
                 meeting_id IN (SELECT meeting_id FROM meeting_invitees WHERE user_id = $1)
                 OR network_id IN (SELECT network_id FROM networks WHERE client_user_id = $1)
                 OR network_id IN (
                     SELECT network_id FROM network_members
                     WHERE user_id = $1 AND role = 'representative' AND membership = 'joined'))
             ORDER BY created_at, meeting_id",
        )
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut meetings = Vec::with_capacity(rows.len());
        for row in rows {
            let meeting_id: String = row.try_get("meeting_id")?;
            if let Some(meeting) = self.meeting(&meeting_id).await? {
                meetings.push(meeting);
            }
        }
        Ok(meetings)
    }

    /// The open actions `user` is responsible for, with their meeting: for `!afspraken`.
    pub async fn open_actions_of(&self, user: &MatrixId) -> Result<Vec<(Meeting, PlanAction)>> {
        let rows = sqlx::query(
            "SELECT meeting_id, number FROM meeting_actions
             WHERE responsible = $1 AND done_at IS NULL ORDER BY due_at, meeting_id, number",
        )
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut found = Vec::with_capacity(rows.len());
        for row in rows {
            let meeting_id: String = row.try_get("meeting_id")?;
            let number = index(row.try_get("number")?, "number")?;
            if let Some(meeting) = self.meeting(&meeting_id).await?
                && let Some(action) = meeting.actions.iter().find(|a| a.number == number).cloned()
            {
                found.push((meeting, action));
            }
        }
        Ok(found)
    }

    /// The meeting and the candidate (0-based) whose poll is `poll_event_id`.
    pub async fn meeting_by_poll(&self, poll_event_id: &str) -> Result<Option<(Meeting, usize)>> {
        self.meeting_by_numbered_poll(
            "SELECT meeting_id, number FROM meeting_candidates WHERE poll_event_id = $1",
            poll_event_id,
        )
        .await
    }

    /// What the region's meeting figures for `[from, to)` are counted from
    /// (`kring_core::meeting::figures`): the open networks, the meetings whose chosen moment or
    /// end of date finding falls in it, and the actions due in it. Counts and times only.
    pub async fn meeting_figure_rows(&self, from: i64, to: i64) -> Result<MeetingFigureRows> {
        let networks = sqlx::query("SELECT network_id FROM networks WHERE state <> 'closed'")
            .fetch_all(&self.pool)
            .await?;
        let open: std::collections::HashMap<String, usize> = networks
            .iter()
            .enumerate()
            .map(|(n, row)| Ok((row.try_get::<String, _>("network_id")?, n)))
            .collect::<Result<_>>()?;
        let rows = sqlx::query(
            "SELECT m.network_id, m.state, m.choice_asked_at, c.starts_at,
               (SELECT COUNT(*) FROM meeting_invitees i WHERE i.meeting_id = m.meeting_id) AS invitees,
               (SELECT COUNT(DISTINCT v.voter) FROM meeting_votes v
                  JOIN meeting_invitees i ON i.meeting_id = v.meeting_id AND i.user_id = v.voter
                  WHERE v.meeting_id = m.meeting_id) AS answered
             FROM meetings m
             LEFT JOIN meeting_candidates c ON c.meeting_id = m.meeting_id AND c.number = m.chosen
             WHERE (c.starts_at >= $1 AND c.starts_at < $2)
                OR (m.choice_asked_at >= $1 AND m.choice_asked_at < $2)",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let count = |row: &AnyRow, column: &str| -> Result<u32> {
            u32::try_from(row.try_get::<i64, _>(column)?)
                .map_err(|_| StoreError::Corrupt(format!("{column}: not a count")))
        };
        let meetings = rows
            .iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                Ok(MeetingRow {
                    network: open.get(&row.try_get::<String, _>("network_id")?).copied(),
                    state: MeetingState::from_code(&state)
                        .ok_or_else(|| StoreError::Corrupt(format!("meeting state {state:?}")))?,
                    starts_at: row.try_get("starts_at")?,
                    choice_asked_at: row.try_get("choice_asked_at")?,
                    invitees: count(row, "invitees")?,
                    answered: count(row, "answered")?,
                })
            })
            .collect::<Result<_>>()?;
        let actions = sqlx::query(
            "SELECT due_at, done_at FROM meeting_actions WHERE due_at >= $1 AND due_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(ActionRow {
                due_at: row.try_get("due_at")?,
                done_at: row.try_get("done_at")?,
            })
        })
        .collect::<Result<_>>()?;
        Ok(MeetingFigureRows {
            open_networks: open.len(),
            meetings,
            actions,
        })
    }

    /// The network's own rhythm of meetings as the client set it, if any.
    pub async fn meeting_rhythm(&self, network_id: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT rhythm FROM meeting_rhythms WHERE network_id = $1")
            .bind(network_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| row.try_get("rhythm"))
            .transpose()
            .map_err(Into::into)
    }

    /// Each voter's latest answer per candidate.
    pub async fn meeting_votes(&self, meeting_id: &str) -> Result<Vec<Vote>> {
        let rows = sqlx::query(
            "SELECT number, voter, answer FROM meeting_votes WHERE meeting_id = $1
             ORDER BY voted_at, number, voter",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Vote {
                    voter: stored(row, "voter")?,
                    candidate: index(row.try_get("number")?, "number")?,
                    answer: answer_from_code(&row.try_get::<String, _>("answer")?)?,
                })
            })
            .collect()
    }

    /// The meeting's room was made (an effect's finding, counted as any write plans read).
    pub async fn set_meeting_room(&self, meeting_id: &str, room_id: &str) -> Result<()> {
        self.meeting_effect_wrote(
            "UPDATE meetings SET room_id = $1 WHERE meeting_id = $2",
            room_id,
            meeting_id,
        )
        .await
    }

    /// Candidate `number`'s poll was sent as `poll_event_id`.
    pub async fn set_candidate_poll(
        &self,
        meeting_id: &str,
        number: usize,
        poll_event_id: &str,
    ) -> Result<()> {
        self.numbered_poll_sent(
            "UPDATE meeting_candidates SET poll_event_id = $1 WHERE meeting_id = $2 AND number = $3",
            meeting_id,
            number,
            poll_event_id,
        )
        .await
    }

    /// The meeting and the action number whose reminder poll is `poll_event_id`.
    pub async fn meeting_by_action_poll(
        &self,
        poll_event_id: &str,
    ) -> Result<Option<(Meeting, usize)>> {
        self.meeting_by_numbered_poll(
            "SELECT meeting_id, number FROM meeting_actions WHERE poll_event_id = $1",
            poll_event_id,
        )
        .await
    }

    /// Action `number`'s reminder poll was sent as `poll_event_id`.
    pub async fn set_action_poll(
        &self,
        meeting_id: &str,
        number: usize,
        poll_event_id: &str,
    ) -> Result<()> {
        self.numbered_poll_sent(
            "UPDATE meeting_actions SET poll_event_id = $1 WHERE meeting_id = $2 AND number = $3",
            meeting_id,
            number,
            poll_event_id,
        )
        .await
    }

    /// A poll of a numbered part of a meeting (a candidate, an action) was sent: an effect's
    /// finding, counted as a write that plans read. `statement` is a constant of this file.
    async fn numbered_poll_sent(
        &self,
        statement: &'static str,
        meeting_id: &str,
        number: usize,
        poll_event_id: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        state_written(&mut tx, None).await?;
        sqlx::query(statement)
            .bind(poll_event_id)
            .bind(meeting_id)
            .bind(number as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The meeting, and the number in it, of the row `statement` finds by a poll (a constant of
    /// this file selecting `meeting_id` and `number`).
    async fn meeting_by_numbered_poll(
        &self,
        statement: &'static str,
        poll_event_id: &str,
    ) -> Result<Option<(Meeting, usize)>> {
        let row = sqlx::query(statement)
            .bind(poll_event_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let number = index(row.try_get("number")?, "number")?;
        let meeting_id: String = row.try_get("meeting_id")?;
        Ok(self
            .meeting(&meeting_id)
            .await?
            .map(|meeting| (meeting, number)))
    }

    /// While choosing: the meeting and the person whose poll is `poll_event_id`, and whether
    /// its "invite" answer gives "afspraken" consent too.
    pub async fn meeting_by_invitee_poll(
        &self,
        poll_event_id: &str,
    ) -> Result<Option<(Meeting, MatrixId, bool)>> {
        let row = sqlx::query(
            "SELECT meeting_id, user_id, gives_consent FROM meeting_invitee_polls
             WHERE poll_event_id = $1",
        )
        .bind(poll_event_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user: MatrixId = stored(&row, "user_id")?;
        let gives_consent = row.try_get::<i64, _>("gives_consent")? != 0;
        let meeting_id: String = row.try_get("meeting_id")?;
        Ok(self
            .meeting(&meeting_id)
            .await?
            .map(|meeting| (meeting, user, gives_consent)))
    }

    /// The polls of choosing, per person, that were sent for `meeting_id`.
    pub async fn invitee_polls(&self, meeting_id: &str) -> Result<Vec<(MatrixId, String)>> {
        sqlx::query(
            "SELECT user_id, poll_event_id FROM meeting_invitee_polls WHERE meeting_id = $1
             ORDER BY user_id",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok((stored(row, "user_id")?, row.try_get("poll_event_id")?)))
        .collect()
    }

    /// While choosing, the poll about `user` was sent as `poll_event_id` (once per person).
    pub async fn set_invitee_poll(
        &self,
        meeting_id: &str,
        user: &MatrixId,
        poll_event_id: &str,
        gives_consent: bool,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        state_written(&mut tx, None).await?;
        sqlx::query(
            "INSERT INTO meeting_invitee_polls (meeting_id, user_id, poll_event_id, gives_consent)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (meeting_id, user_id) DO NOTHING",
        )
        .bind(meeting_id)
        .bind(user.as_str())
        .bind(poll_event_id)
        .bind(i64::from(gives_consent))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The meeting whose start poll (the end of choosing) is `poll_event_id`.
    pub async fn meeting_by_start_poll(&self, poll_event_id: &str) -> Result<Option<Meeting>> {
        self.meeting_where("start_poll_event_id = $1", poll_event_id)
            .await
    }

    /// The start poll was sent as `poll_event_id`.
    pub async fn set_start_poll(&self, meeting_id: &str, poll_event_id: &str) -> Result<()> {
        self.meeting_effect_wrote(
            "UPDATE meetings SET start_poll_event_id = $1 WHERE meeting_id = $2",
            poll_event_id,
            meeting_id,
        )
        .await
    }

    /// The meeting whose choice poll is `poll_event_id`.
    pub async fn meeting_by_choice_poll(&self, poll_event_id: &str) -> Result<Option<Meeting>> {
        self.meeting_where("choice_poll_event_id = $1", poll_event_id)
            .await
    }

    /// The client's choice poll was sent as `poll_event_id`.
    pub async fn set_choice_poll(&self, meeting_id: &str, poll_event_id: &str) -> Result<()> {
        self.meeting_effect_wrote(
            "UPDATE meetings SET choice_poll_event_id = $1 WHERE meeting_id = $2",
            poll_event_id,
            meeting_id,
        )
        .await
    }

    /// The bot ended the candidates' polls (`candidates`) or the choice poll, at `at`.
    pub async fn meeting_polls_ended(
        &self,
        meeting_id: &str,
        candidates: bool,
        choice: bool,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        state_written(&mut tx, None).await?;
        for (ended, column) in [
            (candidates, "candidate_polls_ended_at"),
            (choice, "choice_poll_ended_at"),
        ] {
            if ended {
                // `column` is one of the two names above, never input.
                sqlx::query(AssertSqlSafe(format!(
                    "UPDATE meetings SET {column} = $1 WHERE meeting_id = $2 AND {column} IS NULL"
                )))
                .bind(at)
                .bind(meeting_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The open question to the client whether to plan a meeting, if one stands: its id.
    pub async fn open_meeting_proposal(&self, network_id: &str) -> Result<Option<MeetingId>> {
        let row = sqlx::query(
            "SELECT proposal_id FROM meeting_proposals
             WHERE network_id = $1 AND decided_at IS NULL ORDER BY created_at LIMIT 1",
        )
        .bind(network_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| stored(&row, "proposal_id")).transpose()
    }

    /// The question whose poll is `poll_event_id`: (its id, the network, whether answered).
    pub async fn meeting_proposal_by_poll(
        &self,
        poll_event_id: &str,
    ) -> Result<Option<(MeetingId, NetworkId, bool)>> {
        let row = sqlx::query(
            "SELECT proposal_id, network_id, decided_at FROM meeting_proposals
             WHERE poll_event_id = $1",
        )
        .bind(poll_event_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok((
                stored(&row, "proposal_id")?,
                stored(&row, "network_id")?,
                row.try_get::<Option<i64>, _>("decided_at")?.is_some(),
            ))
        })
        .transpose()
    }

    /// The poll of proposal `proposal_id`, once sent (`None` before).
    pub async fn meeting_proposal_poll(&self, proposal_id: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT poll_event_id FROM meeting_proposals WHERE proposal_id = $1")
            .bind(proposal_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|row| row.try_get::<Option<String>, _>("poll_event_id"))
            .transpose()?
            .flatten())
    }

    /// The question's poll was sent as `poll_event_id`.
    pub async fn set_meeting_proposal_poll(
        &self,
        proposal_id: &str,
        poll_event_id: &str,
    ) -> Result<()> {
        self.meeting_effect_wrote(
            "UPDATE meeting_proposals SET poll_event_id = $1 WHERE proposal_id = $2",
            poll_event_id,
            proposal_id,
        )
        .await
    }

    async fn meeting_effect_wrote(
        &self,
        statement: &'static str,
        value: &str,
        meeting_id: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        state_written(&mut tx, None).await?;
        sqlx::query(statement)
            .bind(value)
            .bind(meeting_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `condition` is a constant of this file with one parameter, never input.
    async fn meeting_where(&self, condition: &'static str, value: &str) -> Result<Option<Meeting>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE {condition}"
        )))
        .bind(value)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let meeting_id: String = row.try_get("meeting_id")?;
        let invitees = sqlx::query(
            "SELECT user_id FROM meeting_invitees WHERE meeting_id = $1 ORDER BY position",
        )
        .bind(&meeting_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| stored::<MatrixId>(row, "user_id"))
        .collect::<Result<Vec<_>>>()?;
        let candidates = sqlx::query(
            "SELECT starts_at, minutes, poll_event_id FROM meeting_candidates
             WHERE meeting_id = $1 ORDER BY number",
        )
        .bind(&meeting_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(candidate_from_row)
        .collect::<Result<Vec<_>>>()?;
        let actions = sqlx::query(
            "SELECT number, responsible, action_text, due_at, done_at, poll_event_id
             FROM meeting_actions WHERE meeting_id = $1 ORDER BY number",
        )
        .bind(&meeting_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(PlanAction {
                number: index(row.try_get("number")?, "number")?,
                responsible: stored(row, "responsible")?,
                text: row.try_get("action_text")?,
                due_at: row.try_get("due_at")?,
                done: row.try_get::<Option<i64>, _>("done_at")?.is_some(),
                poll_event_id: stored_if_any(row, "poll_event_id")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let goals = sqlx::query(
            "SELECT number, goal_text FROM meeting_goals WHERE meeting_id = $1 ORDER BY number",
        )
        .bind(&meeting_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(PlanGoal {
                number: index(row.try_get("number")?, "number")?,
                text: row.try_get("goal_text")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let mut meeting = meeting_from_row(&row, invitees, candidates)?;
        meeting.actions = actions;
        meeting.goals = goals;
        Ok(Some(meeting))
    }
}

fn candidate_from_row(row: &AnyRow) -> Result<Candidate> {
    let minutes: i64 = row.try_get("minutes")?;
    Ok(Candidate {
        moment: Moment {
            starts_at: row.try_get("starts_at")?,
            minutes: u32::try_from(minutes)
                .map_err(|_| StoreError::Corrupt("a candidate's length".into()))?,
        },
        poll_event_id: stored_if_any(row, "poll_event_id")?,
    })
}

fn meeting_from_row(
    row: &AnyRow,
    invitees: Vec<MatrixId>,
    candidates: Vec<Candidate>,
) -> Result<Meeting> {
    let state: String = row.try_get("state")?;
    let sequence: i64 = row.try_get("sequence")?;
    Ok(Meeting {
        id: stored(row, "meeting_id")?,
        network_id: stored(row, "network_id")?,
        planned_by: stored(row, "planned_by")?,
        room_id: stored_if_any(row, "room_id")?,
        place: row.try_get("place")?,
        state: MeetingState::from_code(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("meeting state {state:?}")))?,
        candidates,
        chosen: row
            .try_get::<Option<i64>, _>("chosen")?
            .map(|chosen| index(chosen, "chosen"))
            .transpose()?,
        sequence: u32::try_from(sequence)
            .map_err(|_| StoreError::Corrupt("a meeting's sequence".into()))?,
        invitees,
        answer_by: row.try_get("answer_by")?,
        choice_asked: row.try_get::<Option<i64>, _>("choice_asked_at")?.is_some(),
        choice_poll_event_id: stored_if_any(row, "choice_poll_event_id")?,
        candidate_polls_ended: row
            .try_get::<Option<i64>, _>("candidate_polls_ended_at")?
            .is_some(),
        choice_poll_ended: row
            .try_get::<Option<i64>, _>("choice_poll_ended_at")?
            .is_some(),
        start_poll_event_id: stored_if_any(row, "start_poll_event_id")?,
        choosing_room_id: stored_if_any(row, "choosing_room_id")?,
        goals: Vec::new(),
        actions: Vec::new(),
        recorder: stored_if_any(row, "recorder")?,
        created_at: row.try_get("created_at")?,
    })
}

async fn insert_candidate(
    connection: &mut AnyConnection,
    meeting_id: &MeetingId,
    number: usize,
    moment: &Moment,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO meeting_candidates (meeting_id, number, starts_at, minutes)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(meeting_id.as_str())
    .bind(number as i64)
    .bind(moment.starts_at)
    .bind(i64::from(moment.minutes))
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// `Change::Meeting`, inside the plan's transaction.
pub(crate) async fn apply_meeting_change(
    connection: &mut AnyConnection,
    change: &MeetingChange,
) -> Result<()> {
    match change {
        MeetingChange::Plan {
            meeting_id,
            network_id,
            planned_by,
            state,
            choosing_room_id,
            invitees,
            candidates,
            place,
            answer_by,
            at,
        } => {
            sqlx::query(
                "INSERT INTO meetings (meeting_id, network_id, planned_by, place, state, sequence,
                                       answer_by, created_at, updated_at, choosing_room_id)
                 VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $7, $8)",
            )
            .bind(meeting_id.as_str())
            .bind(network_id.as_str())
            .bind(planned_by.as_str())
            .bind(place.as_deref())
            .bind(state.code())
            .bind(answer_by)
            .bind(at)
            .bind(choosing_room_id.as_ref().map(|room| room.as_str()))
            .execute(&mut *connection)
            .await?;
            for (position, user) in invitees.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO meeting_invitees (meeting_id, user_id, position) VALUES ($1, $2, $3)",
                )
                .bind(meeting_id.as_str())
                .bind(user.as_str())
                .bind(position as i64)
                .execute(&mut *connection)
                .await?;
            }
            for (number, moment) in candidates.iter().enumerate() {
                insert_candidate(connection, meeting_id, number, moment).await?;
            }
        }
        MeetingChange::Vote {
            meeting_id,
            candidate,
            voter,
            answer,
            at,
        } => {
            sqlx::query(
                "INSERT INTO meeting_votes (meeting_id, number, voter, answer, voted_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (meeting_id, number, voter)
                 DO UPDATE SET answer = excluded.answer, voted_at = excluded.voted_at
                 WHERE excluded.voted_at >= meeting_votes.voted_at",
            )
            .bind(meeting_id.as_str())
            .bind(*candidate as i64)
            .bind(voter.as_str())
            .bind(answer_code(*answer))
            .bind(at)
            .execute(&mut *connection)
            .await?;
        }
        MeetingChange::AskChoice { meeting_id, at } => {
            sqlx::query(
                "UPDATE meetings SET choice_asked_at = $1, updated_at = $1
                 WHERE meeting_id = $2 AND choice_asked_at IS NULL",
            )
            .bind(at)
            .bind(meeting_id.as_str())
            .execute(&mut *connection)
            .await?;
        }
        MeetingChange::Agree {
            meeting_id,
            candidate,
            at,
        } => {
            let agreed = sqlx::query(
                "UPDATE meetings SET state = $1, chosen = $2, updated_at = $3
                 WHERE meeting_id = $4 AND state = $5",
            )
            .bind(MeetingState::Agreed.code())
            .bind(*candidate as i64)
            .bind(at)
            .bind(meeting_id.as_str())
            .bind(MeetingState::Planning.code())
            .execute(&mut *connection)
            .await?;
            if agreed.rows_affected() != 1 {
                return Err(StoreError::Conflict(
                    "a meeting agreed that is not being planned".into(),
                ));
            }
        }
        MeetingChange::Move {
            meeting_id,
            number,
            moment,
            at,
        } => {
            insert_candidate(connection, meeting_id, *number, moment).await?;
            let moved = sqlx::query(
                "UPDATE meetings SET chosen = $1, sequence = sequence + 1, updated_at = $2
                 WHERE meeting_id = $3 AND state = $4",
            )
            .bind(*number as i64)
            .bind(at)
            .bind(meeting_id.as_str())
            .bind(MeetingState::Agreed.code())
            .execute(&mut *connection)
            .await?;
            if moved.rows_affected() != 1 {
                return Err(StoreError::Conflict(
                    "a meeting moved that is not agreed".into(),
                ));
            }
        }
        MeetingChange::Propose {
            proposal_id,
            network_id,
            proposed_by,
            at,
        } => {
            sqlx::query(
                "INSERT INTO meeting_proposals (proposal_id, network_id, proposed_by, created_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(proposal_id.as_str())
            .bind(network_id.as_str())
            .bind(proposed_by.as_str())
            .bind(at)
            .execute(&mut *connection)
            .await?;
        }
        MeetingChange::DecideProposal { proposal_id, at } => {
            sqlx::query(
                "UPDATE meeting_proposals SET decided_at = $1
                 WHERE proposal_id = $2 AND decided_at IS NULL",
            )
            .bind(at)
            .bind(proposal_id.as_str())
            .execute(&mut *connection)
            .await?;
        }
        MeetingChange::AddAction {
            meeting_id,
            number,
            responsible,
            text,
            due_at,
            by,
            at,
        } => {
            sqlx::query(
                "INSERT INTO meeting_actions (meeting_id, number, responsible, action_text, due_at,
                                              created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(meeting_id.as_str())
            .bind(*number as i64)
            .bind(responsible.as_str())
            .bind(text)
            .bind(due_at)
            .bind(by.as_str())
            .bind(at)
            .execute(&mut *connection)
            .await?;
        }
        MeetingChange::ActionDone {
            meeting_id,
            number,
            at,
        } => {
            sqlx::query(
                "UPDATE meeting_actions SET done_at = $1
                 WHERE meeting_id = $2 AND number = $3 AND done_at IS NULL",
            )
            .bind(at)
            .bind(meeting_id.as_str())
            .bind(*number as i64)
            .execute(&mut *connection)
            .await?;
        }
        MeetingChange::AddGoal {
            meeting_id,
            number,
            text,
            by,
            at,
        } => {
            sqlx::query(
                "INSERT INTO meeting_goals (meeting_id, number, goal_text, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(meeting_id.as_str())
            .bind(*number as i64)
            .bind(text)
            .bind(by.as_str())
            .bind(at)
            .execute(&mut *connection)
            .await?;
        }
        MeetingChange::AppointRecorder {
            meeting_id,
            recorder,
            at,
        } => {
            sqlx::query("UPDATE meetings SET recorder = $1, updated_at = $2 WHERE meeting_id = $3")
                .bind(recorder.as_str())
                .bind(at)
                .bind(meeting_id.as_str())
                .execute(&mut *connection)
                .await?;
        }
        MeetingChange::SetRhythm {
            network_id,
            rhythm: Some(rhythm),
            by,
            at,
        } => {
            sqlx::query(
                "INSERT INTO meeting_rhythms (network_id, rhythm, set_by, set_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (network_id) DO UPDATE SET rhythm = excluded.rhythm,
                   set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(network_id.as_str())
            .bind(rhythm)
            .bind(by.as_str())
            .bind(at)
            .execute(&mut *connection)
            .await?;
        }
        MeetingChange::SetRhythm {
            network_id,
            rhythm: None,
            ..
        } => {
            sqlx::query("DELETE FROM meeting_rhythms WHERE network_id = $1")
                .bind(network_id.as_str())
                .execute(&mut *connection)
                .await?;
        }
        MeetingChange::AddInvitee { meeting_id, user } => {
            sqlx::query(
                "INSERT INTO meeting_invitees (meeting_id, user_id, position)
                 SELECT $1, $2, COALESCE(MAX(position), -1) + 1 FROM meeting_invitees WHERE meeting_id = $1
                 ON CONFLICT (meeting_id, user_id) DO NOTHING",
            )
            .bind(meeting_id.as_str())
            .bind(user.as_str())
            .execute(&mut *connection)
            .await?;
        }
        MeetingChange::StartPollSpent { meeting_id } => {
            sqlx::query(
                "UPDATE meetings SET start_poll_event_id = NULL WHERE meeting_id = $1 AND state = $2",
            )
            .bind(meeting_id.as_str())
            .bind(MeetingState::Choosing.code())
            .execute(&mut *connection)
            .await?;
        }
        MeetingChange::StartDateFinding {
            meeting_id,
            answer_by,
            at,
        } => {
            let started = sqlx::query(
                "UPDATE meetings SET state = $1, answer_by = $2, updated_at = $3
                 WHERE meeting_id = $4 AND state = $5",
            )
            .bind(MeetingState::Planning.code())
            .bind(answer_by)
            .bind(at)
            .bind(meeting_id.as_str())
            .bind(MeetingState::Choosing.code())
            .execute(&mut *connection)
            .await?;
            if started.rows_affected() != 1 {
                return Err(StoreError::Conflict(
                    "date finding started for a meeting that is not being chosen for".into(),
                ));
            }
        }
        MeetingChange::RemoveInvitee { meeting_id, user } => {
            sqlx::query("DELETE FROM meeting_invitees WHERE meeting_id = $1 AND user_id = $2")
                .bind(meeting_id.as_str())
                .bind(user.as_str())
                .execute(&mut *connection)
                .await?;
        }
        MeetingChange::Cancel { meeting_id, at } => {
            sqlx::query(
                "UPDATE meetings SET state = $1, sequence = sequence + 1, updated_at = $2
                 WHERE meeting_id = $3 AND state <> $1",
            )
            .bind(MeetingState::Cancelled.code())
            .bind(at)
            .bind(meeting_id.as_str())
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(())
}
