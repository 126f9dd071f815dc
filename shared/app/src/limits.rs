//! The longest each piece of work can run, computed from the steps it takes rather than written
//! beside them. Every outside request has ONE worst case, from the numbers its adapter uses
//! ([`Request::worst_case`]: the speech budget, the Twilio client's budget per operation with
//! every try and backoff in it, `twilio::Op::worst_case` for recordings); each dial-queue task
//! kind and each function's handler is described as the requests its paths make
//! ([`dialer_tasks`], [`functions`]), and its worst case is the slowest path.
//!
//! `tests/budgets.rs` prints the table (work → worst case → limit → ok/over; `make budgets`),
//! fails when anything is over its function's template `Timeout` (with a fifth to spare; a
//! Twilio webhook within 10 s) or, for the dialer, the queue's `VisibilityTimeout`, and keeps
//! the descriptions true: every invocation of the end-to-end runs it watches (per task kind for
//! the dialer, `budget` records each Twilio request under its [`Op`] label) must fit one of the
//! declared paths of its work — a step that starts making a request its description leaves out
//! fails it.
//!
//! The AWS requests (the table, the queue, S3, EventBridge, Scheduler) are bounded by the SDK's
//! connect timeout and retries only, so each piece of work has an allowance for them, well
//! above what they take under load (docs/PERFORMANCE.md).

use crate::adapters::twilio::Op;
use crate::app::{clients, twilio_budget};
use crate::service::recording::QUEUEING_BUDGET;
use std::time::Duration;

/// The AWS requests of one dial-queue task's run (at most `service::STEPS_PER_RUN` steps of
/// about 8 each: `service::run`) and of one webhook (at most 6).
pub const DIALER_AWS_ALLOWANCE: Duration = Duration::from_secs(5);
pub const WEBHOOK_AWS_ALLOWANCE: Duration = Duration::from_secs(3);

/// One kind of outside request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// ElevenLabs: one try within the speech budget (`ELEVENLABS_BUDGET_MS`, `adapters::tts`).
    Speech,
    /// A Twilio operation, within the client's budget (`TASK_BUDGET` in the dialer,
    /// `WEBHOOK_BUDGET` elsewhere) or its own timeout (`Op::worst_case`).
    Twilio(Op),
    /// The work's AWS requests, all together: its allowance.
    Aws,
    /// Work that goes on until a time is spent, then finishes what it started (the daily
    /// run's pages: `service::recording::QUEUEING_BUDGET`).
    Until(Duration),
}

/// Where the work runs: the function's client set (`app::clients`, which gives its Twilio
/// client its budget, `app::twilio_budget`) and its AWS allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    /// A dial-queue task (the dialer).
    Task,
    /// A function answering a request or an event, with its client set.
    Handler(u8),
}

impl Runs {
    fn twilio_budget(self) -> Duration {
        match self {
            Runs::Task => twilio_budget(clients::DIALER),
            Runs::Handler(set) => twilio_budget(set),
        }
    }

    fn aws(self) -> Duration {
        match self {
            Runs::Task => DIALER_AWS_ALLOWANCE,
            Runs::Handler(_) => WEBHOOK_AWS_ALLOWANCE,
        }
    }
}

impl Request {
    /// Its worst case where the work runs, with `speech` the ElevenLabs budget.
    pub fn worst_case(self, runs: Runs, speech: Duration) -> Duration {
        match self {
            Request::Speech => speech,
            Request::Twilio(op) => op.worst_case(runs.twilio_budget()),
            Request::Aws => runs.aws(),
            Request::Until(d) => d,
        }
    }
}

/// One step of a path: a request made once, or `times` of it side by side (the run waits for
/// the slowest: one worst case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub request: Request,
    /// How many are made side by side (0: as many as there are, e.g. every live call ended).
    pub side_by_side: u32,
}

const fn one(request: Request) -> Step {
    Step {
        request,
        side_by_side: 1,
    }
}

const fn all_at_once(request: Request, n: u32) -> Step {
    Step {
        request,
        side_by_side: n,
    }
}

const fn tw(op: Op) -> Step {
    one(Request::Twilio(op))
}

/// An offer's speech: its clips (a greeting and the shift's body) asked for side by side.
const OFFER_SPEECH: Step = all_at_once(Request::Speech, 2);
const AWS: Step = one(Request::Aws);

/// One way through a piece of work: what it does, and its requests one after another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub what: &'static str,
    pub steps: Vec<Step>,
}

fn path(what: &'static str, steps: &[Step]) -> Path {
    Path {
        what,
        steps: steps.to_vec(),
    }
}

/// A piece of work: a dial-queue task kind, or a function (by binary name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    pub name: &'static str,
    pub runs: Runs,
    pub paths: Vec<Path>,
}

impl Path {
    pub fn worst_case(&self, runs: Runs, speech: Duration) -> Duration {
        self.steps
            .iter()
            .map(|s| s.request.worst_case(runs, speech))
            .sum()
    }

    /// Whether one invocation's requests (by `budget` label) fit this path: no Twilio or
    /// ElevenLabs request it does not declare, and no more of each than declared.
    pub fn fits(&self, counts: &crate::budget::Counts) -> bool {
        counts.iter().all(|(label, n)| {
            if *label == "elevenlabs" {
                return *n <= self.count(|r| r == Request::Speech, 1);
            }
            match Op::ALL.iter().find(|op| op.label() == *label) {
                Some(op) => *n <= self.count(|r| r == Request::Twilio(*op), op.most_requests()),
                // The AWS services and the total "twilio" are in the allowance / the ops.
                None => true,
            }
        })
    }

    /// The requests of the path's steps that match, at `per` requests each.
    fn count(&self, matches: impl Fn(Request) -> bool, per: u32) -> u32 {
        self.steps
            .iter()
            .filter(|s| matches(s.request))
            .map(|s| {
                if s.side_by_side == 0 {
                    u32::MAX / 4
                } else {
                    s.side_by_side * per
                }
            })
            .sum()
    }
}

impl Work {
    /// The slowest path and its worst case.
    pub fn worst_case(&self, speech: Duration) -> (Duration, &'static str) {
        self.paths
            .iter()
            .map(|p| (p.worst_case(self.runs, speech), p.what))
            .max()
            .unwrap_or_default()
    }
}

/// Each kind of dial-queue task (`records::Task::kind`), by its paths.
pub fn dialer_tasks() -> Vec<Work> {
    use Op::*;
    let task = |name, paths| Work {
        name,
        runs: Runs::Task,
        paths,
    };
    let notices = crate::service::FILLED_NOTICES_PER_RUN as u32;
    vec![
        task(
            "dial",
            vec![
                // The offer's speech, the call, and ending it when the shift was filled while
                // it was placed.
                path(
                    "speech, call, end it",
                    &[OFFER_SPEECH, tw(CreateCall), tw(EndCall), AWS],
                ),
            ],
        ),
        task(
            "callEnded",
            vec![
                // Moving on: the next call placed in this run (as `dial`).
                path(
                    "next call placed",
                    &[OFFER_SPEECH, tw(CreateCall), tw(EndCall), AWS],
                ),
                // smsFollowUp after a voicemail / no answer: the text, and the next call goes
                // to the queue as `dial` (the text has spent this task's Twilio time).
                path("follow-up text, next call queued", &[tw(SendSms), AWS]),
            ],
        ),
        task(
            "checkCall",
            vec![
                path(
                    "ask Twilio, end the call",
                    &[tw(CallStatus), tw(EndCall), AWS],
                ),
                // A call never confirmed: looked up before it is given up on.
                path(
                    "look the call up, ask Twilio, end it",
                    &[tw(FindCall), tw(CallStatus), tw(EndCall), AWS],
                ),
                // The call is over: moving on from here queues the next call; a follow-up
                // text may go first.
                path("follow-up text", &[tw(SendSms), AWS]),
            ],
        ),
        task(
            "finishAcceptance",
            vec![path(
                // The confirmation looked up at Twilio first when its claim was taken over from
                // a step that died (or looked up after a failed send).
                "other calls ended at once, confirmation (looked up), filled notices side by side",
                &[
                    all_at_once(Request::Twilio(EndCall), 0),
                    tw(FindText),
                    tw(SendSms),
                    all_at_once(Request::Twilio(SendSms), notices),
                    AWS,
                ],
            )],
        ),
        task("wakeWaiters", vec![path("slots handed on", &[AWS])]),
        task(
            "deleteRecording",
            vec![path("one recording deleted", &[tw(DeleteRecording), AWS])],
        ),
        task(
            "reachCheck",
            vec![
                path("a reachability check's call placed", &[tw(CreateCall), AWS]),
                path("its safety net: Twilio asked", &[tw(CallStatus), AWS]),
            ],
        ),
    ]
}

/// Each function but the dialer (by binary name), by its paths.
pub fn functions() -> Vec<Work> {
    use Op::*;
    let f = |name, set, paths| Work {
        name,
        runs: Runs::Handler(set),
        paths,
    };
    vec![
        f(
            "call-twiml",
            clients::CALL_TWIML,
            vec![path("the answered call's TwiML", &[AWS])],
        ),
        f(
            "call-response",
            clients::CALL_RESPONSE,
            vec![path("a key press", &[AWS])],
        ),
        f(
            "call-timeout",
            clients::CALL_TIMEOUT,
            vec![path("no key, or the fallback", &[AWS])],
        ),
        f(
            "call-status",
            clients::CALL_STATUS,
            vec![
                path(
                    "a status; a machine's call redirected",
                    &[tw(RedirectCall), AWS],
                ),
                path("a recording kept", &[AWS]),
            ],
        ),
        f(
            "call-audio",
            clients::CALL_AUDIO,
            vec![path("the attempt's WAV", &[AWS])],
        ),
        f(
            "job-acceptance",
            clients::JOB_ACCEPTANCE,
            vec![path("an acceptance", &[AWS])],
        ),
        f(
            "provider-settings",
            clients::PROVIDER_SETTINGS,
            vec![
                path("settings, stats, jobs, call log", &[AWS]),
                path("Listen: the example offer's speech", &[OFFER_SPEECH, AWS]),
                path("a recording's media", &[tw(RecordingMedia), AWS]),
                path(
                    "a coordinator's cancel: live calls ended side by side",
                    &[
                        all_at_once(Request::Twilio(EndCall), 0),
                        all_at_once(Request::Twilio(RedirectCall), 0),
                        AWS,
                    ],
                ),
                path(
                    "settings: a fromNumber checked against the account's numbers",
                    &[tw(ListNumbers), AWS],
                ),
            ],
        ),
        f(
            "inbound",
            clients::INBOUND,
            vec![path("a call back or a text reply", &[AWS])],
        ),
        f(
            "start-calling",
            clients::START_CALLING,
            vec![
                path("Wave3Completed: the shift and its schedule", &[AWS]),
                path("not called: kept, ShiftNotCalled", &[AWS]),
                path(
                    "ShiftCancelled: live calls ended side by side",
                    &[
                        all_at_once(Request::Twilio(EndCall), 0),
                        all_at_once(Request::Twilio(RedirectCall), 0),
                        AWS,
                    ],
                ),
                path(
                    "daily run: deletions queued page by page",
                    &[one(Request::Until(QUEUEING_BUDGET)), AWS],
                ),
            ],
        ),
    ]
}

/// The functions Twilio calls: each must answer within 10 s (Twilio waits 15).
pub const TWILIO_WEBHOOKS: [&str; 6] = [
    "call-twiml",
    "call-response",
    "call-timeout",
    "call-status",
    "call-audio",
    "inbound",
];

/// A function's limit: its timeout with a fifth to spare, within 10 s for Twilio's webhooks,
/// and for the dialer within the queue's visibility timeout.
pub fn limit(function: &str, timeout: Duration, visibility: Option<Duration>) -> Duration {
    let mut t = timeout;
    if TWILIO_WEBHOOKS.contains(&function) {
        t = t.min(Duration::from_secs(10));
    }
    let mut limit = t.mul_f64(0.8);
    if let Some(v) = visibility {
        limit = limit.min(v);
    }
    limit
}

/// The dialer's worst case per task.
pub fn dialer_worst_case(speech: Duration) -> Duration {
    dialer_tasks()
        .iter()
        .map(|w| w.worst_case(speech).0)
        .max()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::twilio::TASK_BUDGET;

    fn counts(pairs: &[(&'static str, u32)]) -> crate::budget::Counts {
        pairs.iter().copied().collect()
    }

    #[test]
    fn a_path_fits_only_the_requests_it_declares() {
        let tasks = dialer_tasks();
        let ended = tasks.iter().find(|w| w.name == "callEnded").unwrap();
        let fits = |c| ended.paths.iter().any(|p| p.fits(&c));
        assert!(fits(counts(&[
            ("elevenlabs", 2),
            ("twilio.createCall", 1),
            ("dynamodb", 9)
        ])));
        assert!(!fits(counts(&[("elevenlabs", 3)])));
        assert!(fits(counts(&[("twilio.sendSms", 1)])));
        // A follow-up text AND the next call in one run: what the budget leaves out.
        assert!(!fits(counts(&[
            ("twilio.sendSms", 1),
            ("twilio.createCall", 1)
        ])));
        assert!(!fits(counts(&[("twilio.deleteRecording", 1)])));
    }

    #[test]
    fn the_worst_cases_follow_the_adapters_numbers() {
        let speech = Duration::from_secs(8);
        let worst = |name| {
            dialer_tasks()
                .into_iter()
                .find(|w| w.name == name)
                .unwrap()
                .worst_case(speech)
                .0
        };
        assert_eq!(
            worst("dial"),
            speech + TASK_BUDGET * 2 + DIALER_AWS_ALLOWANCE
        );
        assert_eq!(
            worst("finishAcceptance"),
            TASK_BUDGET * 3 + crate::adapters::twilio::FIND_TEXT_BUDGET + DIALER_AWS_ALLOWANCE
        );
        assert_eq!(
            worst("deleteRecording"),
            crate::adapters::twilio::recordings::RECORDING_TIMEOUT + DIALER_AWS_ALLOWANCE
        );
        assert_eq!(dialer_worst_case(speech), Duration::from_secs(23));
    }
}
