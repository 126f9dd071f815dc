//! The campaign's steps: each reads and writes through the adapters and asks the pure rules
//! in `callout_core` what to do. Every step is safe to repeat. One module per step:
//!
//! | module | owns |
//! | --- | --- |
//! | `start` | `Wave3Completed` → the shift and its schedule |
//! | `run` | the one loop: runs a task and the steps that follow it, within the run's budget |
//! | `dial` | a due turn → a call placed, held, or skipped (`decide`), and retrying a failed task |
//! | `slots` | call pacing: call slots and the line of tasks waiting for one |
//! | `hold` | calls that may not start yet: per-person pacing, quiet hours |
//! | `audio` | the offer's audio (S3 cache, ElevenLabs), for calls and the Listen button |
//! | `call_end` | final statuses, machine detection, checks, moving on (`decide`) |
//! | `effects` | once-only side effects |
//! | `accept` | acceptance by any channel, declining, what follows an acceptance |
//! | `recording` | call recording: asking Twilio to record, keeping the recording, deleting it after the retention |
//! | `call_log` | one shift's call log, as a coordinator reads it |
//! | `control` | a coordinator acts on a shift: cancel, pause, resume, call now |
//! | `inbound` | the call-back line and text replies: offers by phone, accepting, passing |
//! | `texts` | what the dialer writes for them: the offer index, follow-up texts, "filled" notices |
//! | `settings` | changing a provider's settings: checked, the rules between fields, saved |
//! | `reachability` | reachability checks: asked for, paced, placed, their results |

mod accept;
pub mod audio;
mod call_end;
pub mod call_log;
pub mod control;
mod dial;
mod effects;
mod hold;
mod inbound;
pub mod reachability;
pub mod recording;
mod run;
mod settings;
mod slots;
mod start;
#[cfg(test)]
mod tests;
mod texts;

pub use accept::*;
use audio::prepare_audio;
pub use call_end::*;
pub use dial::*;
use effects::*;
use hold::*;
pub use inbound::*;
pub use run::{run_task, Next, STEPS_PER_RUN};
pub use settings::*;
pub(crate) use slots::*;
pub use start::*;
pub use texts::*;

/// What every step's module uses.
mod prelude {
    pub(super) use super::run::Next;
    pub(super) use crate::adapters::queue::TaskQueue;
    pub(super) use crate::adapters::schedule::schedule_name;
    pub(super) use crate::adapters::store::{AcceptWrite, Claim, PacingLine, Stores};
    pub(super) use crate::adapters::twilio::urls;
    pub(super) use crate::adapters::twilio::{CallRequest, TwilioError};
    pub(super) use crate::app::App;
    pub(super) use crate::faults;
    pub(super) use crate::metrics::figures;
    pub(super) use crate::records::{Attempt, Delivery, Dial, Shift, Task};
    pub(super) use anyhow::{Context, Result};
    pub(super) use callout_core::campaign::{self, CallStatus, Outcome};
    pub(super) use callout_core::decide::{decide, Decision, Facts, Finish, Idle, Moment};
    pub(super) use callout_core::mask;
    pub(super) use callout_core::model::{InvalidEvent, ShiftStatus, Wave3Completed};
    pub(super) use callout_core::pacing;
    pub(super) use callout_core::template::Values;
    pub(super) use callout_core::twiml::{self, Verb};
    pub(super) use callout_core::wav;
    pub(super) use chrono::Utc;
    pub(super) use serde_json::json;
    pub(super) use tracing::{error, info, warn};
}
