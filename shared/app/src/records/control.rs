//! A coordinator's action on one shift (cancel, pause, resume, call now): what, who, when, as
//! the shift keeps it for its call log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a coordinator (or the platform, for a cancel) did to a shift's calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ControlAction {
    /// No call any more; live calls ended with an apology; `CANCELLED`.
    Cancel,
    /// No new call is placed until resumed; live calls go on.
    Pause,
    /// Calling goes on where it was.
    Resume,
    /// What is left of the provider's wait is skipped: calling starts now.
    CallNow,
}

impl ControlAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlAction::Cancel => "cancel",
            ControlAction::Pause => "pause",
            ControlAction::Resume => "resume",
            ControlAction::CallNow => "callNow",
        }
    }
}

/// One action in a shift's call log: what, who (the coordinator's identity from the token, or
/// `platform` for the bus's `ShiftCancelled`) and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Control {
    pub action: ControlAction,
    pub by: String,
    pub at: DateTime<Utc>,
}
