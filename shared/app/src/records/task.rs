//! The dial queue's tasks, one meaning per kind.

/// A task on the dial queue, one meaning per kind (`kind` in the JSON; the start schedule's
/// first task has none and is a [`Task::Dial`]: read tasks with [`Task::from_json`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Task {
    /// Place attempt `attempt` of a shift.
    Dial(Dial),
    /// The attempt's final status is recorded: free its call slot and move the campaign on,
    /// placing the next call in the same run (a hang-up reaches the next call in one hop).
    CallEnded(AttemptRef),
    /// No final status may ever arrive for the attempt (lost callbacks): ask Twilio.
    CheckCall(Check),
    /// Finish what follows an acceptance (calls ended, the confirmation SMS, `ShiftFilled`).
    FinishAcceptance(ShiftRef),
    /// The waiting line's watchdog (see `service::slots`).
    WakeWaiters {},
    /// Delete one call recording past its retention at Twilio (queued by the daily run, one
    /// task per recording, so any backlog drains): its deletion-line item goes only once
    /// Twilio confirms (deleted, or already gone).
    DeleteRecording(crate::adapters::store::DueRecording),
    /// Place a reachability check's call (`service::reachability`), or come back when it may.
    ReachCheck(ReachTask),
}

/// A provider's reachability check of one person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReachTask {
    pub provider_id: String,
    pub employee_id: String,
}

/// Attempt `attempt` of a shift, to be placed. Only dial tasks wait for a call slot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dial {
    pub occurrence_id: String,
    pub attempt: u32,
    /// When this dial task first found every call slot taken (milliseconds since the epoch):
    /// its place in the waiting line, kept when it is woken and has to wait again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<i64>,
    /// The call slot a call that ended handed straight to this waiting task (held for it under
    /// [`Dial::granted_holder`]), so no task that arrived later takes it first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_slot: Option<u32>,
}

/// One attempt of a shift.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptRef {
    pub occurrence_id: String,
    pub attempt: u32,
}

/// A check of an attempt's call, and how many checks of it came before (each check that finds
/// the call not over, or Twilio refusing to say, queues the next with one more).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub occurrence_id: String,
    pub attempt: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub checks: u32,
}

/// A shift.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShiftRef {
    pub occurrence_id: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Task {
    pub fn reach_check(provider_id: &str, employee_id: &str) -> Task {
        Task::ReachCheck(ReachTask {
            provider_id: provider_id.into(),
            employee_id: employee_id.into(),
        })
    }

    pub fn dial(occurrence_id: &str, attempt: u32) -> Task {
        Task::Dial(Dial::new(occurrence_id, attempt))
    }

    pub fn call_ended(occurrence_id: &str, attempt: u32) -> Task {
        Task::CallEnded(AttemptRef {
            occurrence_id: occurrence_id.into(),
            attempt,
        })
    }

    /// The `checks`-th check of an attempt's call (the first is 0).
    pub fn check(occurrence_id: &str, attempt: u32, checks: u32) -> Task {
        Task::CheckCall(Check {
            occurrence_id: occurrence_id.into(),
            attempt,
            checks,
        })
    }

    pub fn finish_acceptance(occurrence_id: &str) -> Task {
        Task::FinishAcceptance(ShiftRef {
            occurrence_id: occurrence_id.into(),
        })
    }

    pub fn wake_waiters() -> Task {
        Task::WakeWaiters {}
    }

    /// A task from the queue: a body without `kind` (the start schedule's) is a dial task.
    pub fn from_json(body: &str) -> serde_json::Result<Task> {
        let mut value: serde_json::Value = serde_json::from_str(body)?;
        if let Some(fields) = value.as_object_mut() {
            fields.entry("kind").or_insert_with(|| "dial".into());
        }
        serde_json::from_value(value)
    }

    /// Every kind, as in the JSON (`limits::dialer_tasks` describes each).
    pub const KINDS: [&'static str; 7] = [
        "dial",
        "callEnded",
        "checkCall",
        "finishAcceptance",
        "wakeWaiters",
        "deleteRecording",
        "reachCheck",
    ];

    /// The kind, as in the JSON (for logs).
    pub fn kind(&self) -> &'static str {
        match self {
            Task::Dial(_) => "dial",
            Task::CallEnded(_) => "callEnded",
            Task::CheckCall(_) => "checkCall",
            Task::FinishAcceptance(_) => "finishAcceptance",
            Task::WakeWaiters {} => "wakeWaiters",
            Task::DeleteRecording(_) => "deleteRecording",
            Task::ReachCheck(_) => "reachCheck",
        }
    }

    /// Whether the task's step may make a Twilio request (the watchdog only hands on slots).
    pub fn may_use_twilio(&self) -> bool {
        !matches!(self, Task::WakeWaiters {})
    }

    /// The shift the task is about (none for the watchdog).
    pub fn occurrence_id(&self) -> &str {
        match self {
            Task::Dial(t) => &t.occurrence_id,
            Task::CallEnded(t) => &t.occurrence_id,
            Task::CheckCall(t) => &t.occurrence_id,
            Task::FinishAcceptance(t) => &t.occurrence_id,
            Task::DeleteRecording(d) => &d.occurrence_id,
            Task::WakeWaiters {} | Task::ReachCheck(_) => "",
        }
    }

    /// The attempt the task is about, if it is about one.
    pub fn attempt(&self) -> Option<u32> {
        match self {
            Task::Dial(t) => Some(t.attempt),
            Task::CallEnded(t) => Some(t.attempt),
            Task::CheckCall(t) => Some(t.attempt),
            Task::DeleteRecording(d) => Some(d.attempt),
            Task::FinishAcceptance(_) | Task::WakeWaiters {} | Task::ReachCheck(_) => None,
        }
    }
}

impl Dial {
    pub fn new(occurrence_id: &str, attempt: u32) -> Dial {
        Dial {
            occurrence_id: occurrence_id.into(),
            attempt,
            waiting_since: None,
            granted_slot: None,
        }
    }

    /// Who holds the slot handed to this waiting task: the same for every copy of the task (a
    /// slot handed twice is handed to the same holder).
    pub fn granted_holder(&self) -> String {
        let since = self.waiting_since.unwrap_or_default();
        format!("{}#{}#w{since}", self.occurrence_id, self.attempt)
    }
}
