//! The request form, one question at a time: the question, a short summary (complaints,
//! history, what was done), current medication where relevant, how urgent, and a last look
//! before it is sent. "Terug" goes one question back; an optional question can be skipped. A
//! crisis is no consult: choosing it stops the form with where to go instead.
//!
//! Files (letters, results) are not gathered here: the requester puts them in the consult room
//! once it is open, so they are encrypted for the consultant alone and never pass through the
//! bot, and nothing of them exists before the client has agreed to share.

/// The longest answer kept for one question of the form.
pub const MAX_ANSWER_CHARS: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FormStep {
    Question,
    Summary,
    Medication,
    Urgency,
    Confirm,
    /// Ready to send.
    Done,
}

impl FormStep {
    pub const ALL: [Self; 6] = [
        Self::Question,
        Self::Summary,
        Self::Medication,
        Self::Urgency,
        Self::Confirm,
        Self::Done,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Question => "question",
            Self::Summary => "summary",
            Self::Medication => "medication",
            Self::Urgency => "urgency",
            Self::Confirm => "confirm",
            Self::Done => "done",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|step| step.code() == code)
    }

    fn previous(self) -> Option<Self> {
        Some(match self {
            Self::Question => return None,
            Self::Summary => Self::Question,
            Self::Medication => Self::Summary,
            Self::Urgency => Self::Medication,
            Self::Confirm => Self::Urgency,
            Self::Done => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Urgency {
    Normal,
    /// Sooner than the region's usual time.
    Soon,
}

/// One answer to the question the form is at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormAnswer {
    Text(String),
    Skip,
    Back,
    /// The urgency poll: `None` for "crisis / acuut".
    Urgency(Option<Urgency>),
    /// "Versturen" on the last look.
    Send,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormProblem {
    #[error("this question needs an answer")]
    Required,
    #[error("the answer is too long")]
    TooLong,
    #[error("there is no question before this one")]
    NothingBefore,
    #[error("that is not an answer to this question")]
    NotAnAnswer,
    /// A crisis is not a consult: call the crisis service.
    #[error("a crisis is not a consult")]
    Crisis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub step: FormStep,
    pub question: Option<String>,
    pub summary: Option<String>,
    pub medication: Option<String>,
    pub urgency: Option<Urgency>,
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

impl Form {
    pub fn new() -> Self {
        Self {
            step: FormStep::Question,
            question: None,
            summary: None,
            medication: None,
            urgency: None,
        }
    }

    /// The form after `answer` to the question it is at; nothing changes on a problem.
    pub fn answer(&self, answer: FormAnswer) -> Result<Self, FormProblem> {
        use FormStep as S;
        let mut next = self.clone();
        if answer == FormAnswer::Back {
            next.step = self.step.previous().ok_or(FormProblem::NothingBefore)?;
            return Ok(next);
        }
        match (self.step, answer) {
            (S::Question | S::Summary, FormAnswer::Text(text)) => {
                let text = checked(&text)?.ok_or(FormProblem::Required)?;
                if self.step == S::Question {
                    next.question = Some(text);
                    next.step = S::Summary;
                } else {
                    next.summary = Some(text);
                    next.step = S::Medication;
                }
            }
            (S::Question | S::Summary, FormAnswer::Skip) => return Err(FormProblem::Required),
            (S::Medication, FormAnswer::Text(text)) => {
                next.medication = checked(&text)?;
                next.step = S::Urgency;
            }
            (S::Medication, FormAnswer::Skip) => {
                next.medication = None;
                next.step = S::Urgency;
            }
            (S::Urgency, FormAnswer::Urgency(None)) => return Err(FormProblem::Crisis),
            (S::Urgency, FormAnswer::Urgency(Some(urgency))) => {
                next.urgency = Some(urgency);
                next.step = S::Confirm;
            }
            (S::Urgency, FormAnswer::Skip) => return Err(FormProblem::Required),
            (S::Confirm, FormAnswer::Send) => next.step = S::Done,
            _ => return Err(FormProblem::NotAnAnswer),
        }
        Ok(next)
    }

    /// Everything a request needs is there.
    pub fn is_complete(&self) -> bool {
        self.question.is_some() && self.summary.is_some() && self.urgency.is_some()
    }

    /// The request it makes, once whole.
    pub fn request(&self) -> Option<super::Request> {
        Some(super::Request {
            question: self.question.clone()?,
            summary: self.summary.clone()?,
            medication: self.medication.clone(),
            urgency: self.urgency?,
        })
    }
}

/// A typed answer: trimmed, not too long; `None` when nothing is left.
fn checked(text: &str) -> Result<Option<String>, FormProblem> {
    let text = text.trim();
    if text.chars().count() > MAX_ANSWER_CHARS {
        return Err(FormProblem::TooLong);
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(value: &str) -> FormAnswer {
        FormAnswer::Text(value.into())
    }

    #[test]
    fn step_codes_round_trip() {
        for step in FormStep::ALL {
            assert_eq!(FormStep::from_code(step.code()), Some(step));
        }
        assert_eq!(FormStep::from_code("attachments"), None);
    }

    #[test]
    fn a_request_one_question_at_a_time() {
        let form = Form::new()
            .answer(text("Is lithium hier een optie?"))
            .and_then(|f| {
                f.answer(text(
                    "Sinds maart somber, slaapt slecht; sertraline gestopt.",
                ))
            })
            .and_then(|f| f.answer(FormAnswer::Skip))
            .and_then(|f| f.answer(FormAnswer::Urgency(Some(Urgency::Normal))))
            .and_then(|f| f.answer(FormAnswer::Send))
            .expect("a whole request");
        assert_eq!(form.step, FormStep::Done);
        assert!(form.is_complete());
        assert_eq!(form.medication, None);
        let request = form.request().expect("a request");
        assert_eq!(request.question, "Is lithium hier een optie?");
        assert_eq!(request.urgency, Urgency::Normal);
        assert_eq!(Form::new().request(), None);
    }

    #[test]
    fn bad_answers_change_nothing_and_say_why() {
        let at_question = Form::new();
        assert_eq!(at_question.answer(text("   ")), Err(FormProblem::Required));
        assert_eq!(
            at_question.answer(FormAnswer::Skip),
            Err(FormProblem::Required)
        );
        assert_eq!(
            at_question.answer(FormAnswer::Back),
            Err(FormProblem::NothingBefore)
        );
        assert_eq!(
            at_question.answer(text(&"x".repeat(MAX_ANSWER_CHARS + 1))),
            Err(FormProblem::TooLong)
        );
        assert_eq!(
            at_question.answer(FormAnswer::Send),
            Err(FormProblem::NotAnAnswer)
        );
        let at_urgency = Form {
            step: FormStep::Urgency,
            question: Some("q".into()),
            summary: Some("s".into()),
            ..Form::new()
        };
        assert_eq!(
            at_urgency.answer(FormAnswer::Urgency(None)),
            Err(FormProblem::Crisis),
            "a crisis is no consult"
        );
        let back = at_urgency.answer(FormAnswer::Back).unwrap();
        assert_eq!(back.step, FormStep::Medication);
        assert_eq!(
            back.summary.as_deref(),
            Some("s"),
            "going back keeps what was said"
        );
    }

    fn any_answer() -> impl Strategy<Value = FormAnswer> {
        prop_oneof![
            "[a-z ]{0,12}".prop_map(FormAnswer::Text),
            Just(FormAnswer::Skip),
            Just(FormAnswer::Back),
            Just(FormAnswer::Urgency(None)),
            Just(FormAnswer::Urgency(Some(Urgency::Normal))),
            Just(FormAnswer::Urgency(Some(Urgency::Soon))),
            Just(FormAnswer::Send),
        ]
    }

    proptest! {
        /// Whatever is typed in whatever order: the form is ready only when it holds a
        /// question, a summary and an urgency; a refused answer changes nothing.
        #[test]
        fn the_form_is_ready_only_when_whole(answers in proptest::collection::vec(any_answer(), 0..40)) {
            let mut form = Form::new();
            for answer in answers {
                match form.answer(answer) {
                    Ok(next) => form = next,
                    Err(_) => continue,
                }
                if form.step == FormStep::Done {
                    prop_assert!(form.is_complete());
                    break;
                }
            }
        }
    }
}
