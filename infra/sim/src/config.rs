//! What a test sets up: the simulator's configuration, how each phone behaves, and the faults it
//! can inject (refusals, ElevenLabs failures, callback delivery).

use std::str::FromStr;
use std::time::Duration;

/// How the simulator is set up.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub account_sid: String,
    pub auth_token: String,
    pub elevenlabs_api_key: String,
    /// Real pause between call phases (queued → ringing → answered ...).
    pub step_delay: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            account_sid: "ACsim0000000000000000000000000000".into(),
            auth_token: "sim-auth-token".into(),
            elevenlabs_api_key: "sim-elevenlabs-key".into(),
            step_delay: Duration::from_millis(5),
        }
    }
}

/// How ElevenLabs fails while [`Sim::set_tts_failure`] is set.
#[derive(Clone, Debug, PartialEq)]
pub enum TtsFailure {
    /// 500.
    ServerError,
    /// 429.
    RateLimited,
    /// Sleep this long, then answer normally.
    Slow(Duration),
    /// 200 with a few garbage bytes that are not speech.
    Malformed,
    /// 401 `invalid_api_key`, as for a wrong or revoked key.
    Unauthorized,
}

/// How status callbacks travel from the simulated Twilio to the application (fault injection).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum CallbackDelivery {
    /// Each callback once, in order.
    #[default]
    Normal,
    /// Progress callbacks are held back; the final one arrives first, then the held ones in
    /// reverse order, then the final again and every held one again.
    DuplicatedAndReordered,
    /// The final status callback never arrives (a lost callback).
    DropFinal,
    /// The final status callback arrives this long after the call ended (a slow network or a
    /// retried delivery), after anything that happened meanwhile.
    LateFinal(std::time::Duration),
}

/// A REST operation whose next responses can be made to fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestOp {
    CreateCall,
    UpdateCall,
    /// `GET Calls/{sid}.json`.
    FetchCall,
    Message,
    /// `GET IncomingPhoneNumbers.json`.
    ListNumbers,
}

/// A refusal as Twilio sends it: the HTTP status and Twilio's error code (the JSON body has
/// `code`, `message`, `more_info` and `status`, as in Twilio's API description).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub code: u32,
}

impl Refusal {
    /// 401 / 20003: the credentials do not authenticate (a wrong or rotated auth token).
    pub const BAD_CREDENTIALS: Refusal = Refusal {
        status: 401,
        code: 20003,
    };
    /// 401 / 20005: the account is not active (suspended, out of funds).
    pub const ACCOUNT_SUSPENDED: Refusal = Refusal {
        status: 401,
        code: 20005,
    };
    /// 400 / 21610: the recipient replied STOP to the sending number.
    pub const OPTED_OUT: Refusal = Refusal {
        status: 400,
        code: 21610,
    };
    /// 400 / 21614: not a mobile number.
    pub const NOT_MOBILE: Refusal = Refusal {
        status: 400,
        code: 21614,
    };
}

/// What the person (or machine) at a number does when called.
#[derive(Clone, Debug, PartialEq)]
pub enum Behaviour {
    /// Answers, listens to the whole message, presses 1.
    Accept,
    /// Answers, listens, presses 2.
    Decline,
    /// Answers, listens, presses nothing (every Gather times out).
    Silent,
    /// Rings until the Timeout; status no-answer.
    NoAnswer,
    /// Status busy.
    Busy,
    /// Status failed.
    Fail,
    /// Answered by a machine: AMD says machine_end_beep; presses nothing.
    Voicemail,
    /// First Gather: presses '9' after the message; every later Gather: presses the char.
    WrongKeyThen(char),
    /// Presses the char half-way through the first Play/Say inside the first Gather (barge-in);
    /// later Gathers: presses the char after the message.
    PressDuringMessage(char),
    /// Answers and listens, then waits at the Gather (real time, up to 20 s) until the call is
    /// ended or redirected through the REST API; if never, behaves as Silent.
    HoldUntilEnded,
    /// Presses these keys, one per Gather, in order (after the message); then nothing. A person
    /// ringing the number back (`Sim::call_in`).
    Keys(String),
}

impl FromStr for Behaviour {
    type Err = String;

    /// `accept`, `decline`, `silent`, `no-answer`, `busy`, `fail`, `voicemail`,
    /// `wrong-key-then-<c>`, `press-during-message-<c>`, `hold`.
    fn from_str(s: &str) -> Result<Self, String> {
        let one_char = |rest: &str| {
            let mut it = rest.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(format!("unknown behaviour {s:?}")),
            }
        };
        Ok(match s {
            "accept" => Behaviour::Accept,
            "decline" => Behaviour::Decline,
            "silent" => Behaviour::Silent,
            "no-answer" => Behaviour::NoAnswer,
            "busy" => Behaviour::Busy,
            "fail" => Behaviour::Fail,
            "voicemail" => Behaviour::Voicemail,
            "hold" | "hold-until-ended" => Behaviour::HoldUntilEnded,
            _ => {
                if let Some(rest) = s.strip_prefix("wrong-key-then-") {
                    Behaviour::WrongKeyThen(one_char(rest)?)
                } else if let Some(rest) = s.strip_prefix("keys-") {
                    Behaviour::Keys(rest.to_string())
                } else if let Some(rest) = s.strip_prefix("press-during-message-") {
                    Behaviour::PressDuringMessage(one_char(rest)?)
                } else {
                    return Err(format!("unknown behaviour {s:?}"));
                }
            }
        })
    }
}

impl Behaviour {
    /// The key this phone presses at its `index`th Gather (0-based), and whether it presses it
    /// during the message (barge-in); None when it presses nothing.
    pub(crate) fn key_at_gather(&self, index: u32) -> Option<(char, bool)> {
        match self {
            Behaviour::Accept => Some(('1', false)),
            Behaviour::Decline => Some(('2', false)),
            Behaviour::WrongKeyThen(c) => Some((if index == 0 { '9' } else { *c }, false)),
            Behaviour::PressDuringMessage(c) => Some((*c, index == 0)),
            Behaviour::Keys(keys) => keys.chars().nth(index as usize).map(|c| (c, false)),
            Behaviour::Silent
            | Behaviour::Voicemail
            | Behaviour::HoldUntilEnded
            | Behaviour::NoAnswer
            | Behaviour::Busy
            | Behaviour::Fail => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaviours_parse_from_their_names() {
        assert_eq!("accept".parse(), Ok(Behaviour::Accept));
        assert_eq!("hold".parse(), Ok(Behaviour::HoldUntilEnded));
        assert_eq!("hold-until-ended".parse(), Ok(Behaviour::HoldUntilEnded));
        assert_eq!("wrong-key-then-1".parse(), Ok(Behaviour::WrongKeyThen('1')));
        assert_eq!(
            "press-during-message-2".parse(),
            Ok(Behaviour::PressDuringMessage('2'))
        );
        assert!("wrong-key-then-12".parse::<Behaviour>().is_err());
        assert!("shout".parse::<Behaviour>().is_err());
    }

    #[test]
    fn keys_planned_per_gather() {
        assert_eq!(Behaviour::Accept.key_at_gather(3), Some(('1', false)));
        assert_eq!(
            Behaviour::WrongKeyThen('1').key_at_gather(0),
            Some(('9', false))
        );
        assert_eq!(
            Behaviour::WrongKeyThen('1').key_at_gather(1),
            Some(('1', false))
        );
        assert_eq!(
            Behaviour::PressDuringMessage('1').key_at_gather(0),
            Some(('1', true))
        );
        assert_eq!(
            Behaviour::PressDuringMessage('1').key_at_gather(1),
            Some(('1', false))
        );
        assert_eq!(Behaviour::Silent.key_at_gather(0), None);
        let keys = Behaviour::Keys("31".into());
        assert_eq!(keys.key_at_gather(0), Some(('3', false)));
        assert_eq!(keys.key_at_gather(1), Some(('1', false)));
        assert_eq!(keys.key_at_gather(2), None);
        assert_eq!("keys-31".parse(), Ok(keys));
        assert_eq!(Behaviour::HoldUntilEnded.key_at_gather(0), None);
    }
}
