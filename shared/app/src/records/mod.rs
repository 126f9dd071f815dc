//! What is stored about a shift and each call attempt, and the dial queue's tasks: one file
//! each.

mod attempt;
mod control;
mod shift;
mod task;

pub use attempt::*;
pub use control::*;
pub use shift::*;
pub use task::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedules_task_is_a_dial_task() {
        let t = Task::from_json(r#"{"occurrenceId":"occ_1","attempt":0}"#).unwrap();
        assert_eq!(t, Task::dial("occ_1", 0));
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"dial","occurrenceId":"occ_1","attempt":0}"#
        );
        assert_eq!(Task::from_json(&json).unwrap(), t);
        assert!(Task::from_json("[1]").is_err());
        assert!(Task::from_json(r#"{"kind":"dial","occurrenceId":"o"}"#).is_err());
        assert!(Task::from_json(r#"{"kind":"sing","occurrenceId":"o","attempt":1}"#).is_err());
    }

    #[test]
    fn every_kind_round_trips_and_says_what_it_is_about() {
        let tasks = [
            (Task::dial("o", 1), "dial", Some(1)),
            (Task::call_ended("o", 2), "callEnded", Some(2)),
            (Task::check("o", 3, 4), "checkCall", Some(3)),
            (Task::finish_acceptance("o"), "finishAcceptance", None),
            (Task::wake_waiters(), "wakeWaiters", None),
            (
                Task::DeleteRecording(crate::adapters::store::DueRecording {
                    occurrence_id: "o".into(),
                    attempt: 5,
                    recording_sid: "RE1".into(),
                    sk: "DUE#2026-01-01T00:00:00.000000+00:00#o#00005".into(),
                }),
                "deleteRecording",
                Some(5),
            ),
            (Task::reach_check("p", "e"), "reachCheck", None),
        ];
        assert_eq!(tasks.len(), Task::KINDS.len());
        for (task, kind, attempt) in tasks {
            assert!(Task::KINDS.contains(&task.kind()));
            let json = serde_json::to_string(&task).unwrap();
            assert!(json.contains(&format!(r#""kind":"{kind}""#)), "{json}");
            assert_eq!(Task::from_json(&json).unwrap(), task);
            assert_eq!(task.kind(), kind);
            assert_eq!(task.attempt(), attempt);
            let about = if kind == "wakeWaiters" || kind == "reachCheck" {
                ""
            } else {
                "o"
            };
            assert_eq!(task.occurrence_id(), about);
        }
        assert_eq!(
            serde_json::to_string(&Task::check("o", 3, 0)).unwrap(),
            r#"{"kind":"checkCall","occurrenceId":"o","attempt":3}"#
        );
    }

    /// Tasks queued before the tasks were typed still read as what they meant.
    #[test]
    fn tasks_in_the_older_shape_still_read() {
        let old = [
            (
                r#"{"occurrenceId":"o","attempt":2,"waitingSince":5,"grantedSlot":1}"#,
                Task::Dial(Dial {
                    waiting_since: Some(5),
                    granted_slot: Some(1),
                    ..Dial::new("o", 2)
                }),
            ),
            (
                r#"{"occurrenceId":"o","attempt":3,"kind":"checkCall","checks":2}"#,
                Task::check("o", 3, 2),
            ),
            (
                r#"{"occurrenceId":"o","attempt":0,"kind":"finishAcceptance"}"#,
                Task::finish_acceptance("o"),
            ),
            (
                r#"{"occurrenceId":"","attempt":0,"kind":"wakeWaiters"}"#,
                Task::wake_waiters(),
            ),
        ];
        for (json, task) in old {
            assert_eq!(Task::from_json(json).unwrap(), task, "{json}");
        }
    }

    #[test]
    fn call_ids_round_trip() {
        assert_eq!(
            parse_call_id(&call_id("occ.with.dots", 7)),
            Some(("occ.with.dots".into(), 7))
        );
        assert_eq!(parse_call_id("nodot"), None);
        assert_eq!(parse_call_id(".3"), None);
    }
}
