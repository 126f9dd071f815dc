//! Fault injection for the reliability tests: a named fault armed for one shift trips once.
//! Only code can arm one (no environment variable or request does), so outside tests every
//! check is a miss.

use std::collections::HashSet;
use std::sync::Mutex;

/// The dialer stops right after Twilio accepted the call, before the CallSid is stored.
pub const CRASH_AFTER_CALL_PLACED: &str = "crash_after_call_placed";
/// The dialer stops right after the attempt's conditional write, before the call is placed.
pub const CRASH_AFTER_ATTEMPT_RECORDED: &str = "crash_after_attempt_recorded";

/// The call-twiml function answers 502 once (Lambda crashed or timed out behind API Gateway).
pub const TWIML_FUNCTION_DOWN: &str = "twiml_function_down";

/// A call webhook's table or queue fails once for the shift (the handler returns an error).
pub const VOICE_WEBHOOK_FAILS: &str = "voice_webhook_fails";
/// A refused call's step stops after its outcome (`Failed`), before moving on.
pub const CRASH_AFTER_CALL_REFUSED: &str = "crash_after_call_refused";
/// The final status callback stops after recording the status and outcome, before queueing
/// the check that moves the campaign on.
pub const CRASH_AFTER_FINAL_STATUS: &str = "crash_after_final_status";
/// Advancing stops after queueing the next call, before marking the attempt advanced.
pub const CRASH_AFTER_NEXT_CALL_QUEUED: &str = "crash_after_next_call_queued";
/// Advancing stops after marking the shift `UNFILLED_AFTER_CALLS`, before its event.
pub const CRASH_AFTER_UNFILLED: &str = "crash_after_unfilled";
/// A key press 2 stops after recording the decline (the webhook fails).
pub const CRASH_AFTER_DECLINE: &str = "crash_after_decline";
/// An acceptance (any channel) stops right after its conditional write.
pub const CRASH_AFTER_ACCEPTANCE: &str = "crash_after_acceptance";
/// Finishing an acceptance stops after ending the other calls, before the SMS.
pub const CRASH_AFTER_CALLS_ENDED: &str = "crash_after_calls_ended";
/// The confirmation SMS was accepted by Twilio; the step stops before recording it.
pub const CRASH_AFTER_CONFIRMATION_SENT: &str = "crash_after_confirmation_sent";
/// Finishing an acceptance stops after the SMS, before `ShiftFilled` is sent.
pub const CRASH_BEFORE_FILLED_EVENT: &str = "crash_before_filled_event";

/// A once-only effect's step stops right after claiming `flag`, before the effect.
pub fn crash_after_claim(flag: &str) -> String {
    format!("crash_after_claim_{flag}")
}

#[derive(Default)]
pub struct Faults(Mutex<HashSet<(String, String)>>);

impl Faults {
    pub fn arm(&self, name: &str, occurrence_id: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((name.into(), occurrence_id.into()));
    }

    /// True once for an armed fault.
    pub fn trip(&self, name: &str, occurrence_id: &str) -> bool {
        let mut armed = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if armed.is_empty() {
            return false;
        }
        armed.remove(&(name.to_string(), occurrence_id.to_string()))
    }
}
