//! Fault injection for the reliability tests: a named fault armed for one shift trips once.
//! Only code can arm one (no environment variable or request does), so outside tests every
//! check is a miss.

use std::collections::HashSet;
use std::sync::Mutex;

/// The dialer stops right after Twilio accepted the call, before the CallSid is stored.
pub const CRASH_AFTER_CALL_PLACED: &str = "crash_after_call_placed";

/// The call-twiml function answers 502 once (Lambda crashed or timed out behind API Gateway).
pub const TWIML_FUNCTION_DOWN: &str = "twiml_function_down";

/// A call webhook's table or queue fails once for the shift (the handler returns an error).
pub const VOICE_WEBHOOK_FAILS: &str = "voice_webhook_fails";

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
