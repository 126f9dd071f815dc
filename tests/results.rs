//! Results (issue 16, point 6) on the local AWS: two campaigns worked out by hand, their figures
//! in `GET /api/provider/outbound-calling/stats` (time to fill, answered by, answer rates,
//! costs at the provider's rates) and their rows in `GET /api/provider/calls.csv`, each only
//! for the caller's own provider.
//!
//! The campaigns, at 0.02 AUD a started minute and 0.30 AUD per 1,000 characters of speech
//! (every answered call here is under a minute, so one started minute; a call nobody answers
//! is none; the offer is generated once per text, so Alice's second offer is a cache hit):
//!
//! | shift | call | who | what | min | chars | cost |
//! |---|---|---|---|---|---|---|
//! | filled | 0 | Alice | declines | 1 | 138 | 0.02 + 0.0414 = 0.0614 |
//! |        | 1 | Bob | presses 1 | 1 | 136 | 0.02 + 0.0408 = 0.0608 |
//! | unfilled | 0 | Alice | no answer | 0 | 0 (cached) | 0 |
//! |          | 1 | Carol | voicemail | 1 | 138 | 0.0614 |
//!
//! Answered by: person 2, machine 1, nobody 1. Alice 1 of 2 (0.5), Bob 1 of 1, Carol 0 of 1.
//! Per filled shift 0.1222, per unfilled shift 0.0614, total 0.1836; 3 minutes, 412 characters.
//! Time to fill: the one filled shift's, from its `createdAt` to its acceptance.

use callout_sim::Behaviour;
use e2e::*;
use serde_json::{json, Value};

async fn get(w: &World, path: &str, provider: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = w
        .http
        .get(format!("{}{path}", w.rt.base_url))
        .bearer_auth(w.rt.token(provider))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

async fn get_json(w: &World, path: &str, provider: &str) -> (u16, Value) {
    let (status, _, body) = get(w, path, provider).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn minutes_between(from: &str, to: &str) -> f64 {
    let from = chrono::DateTime::parse_from_rfc3339(from).unwrap();
    let to = chrono::DateTime::parse_from_rfc3339(to).unwrap();
    let m = (to - from).num_milliseconds() as f64 / 1000.0 / 60.0;
    (m * 100.0).round() / 100.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_and_the_csv_match_a_campaign_worked_out_by_hand() {
    let w = World::new().await;
    w.enable(1, 1).await;
    let rates = json!({"callPerMinute": 0.02, "speechPer1kChars": 0.30, "currency": "AUD"});
    let (status, saved) = w
        .patch_settings(PROVIDER, json!({ "costRates": rates }))
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["costRates"], rates);

    // Filled: Alice declines, Bob takes it.
    w.phone(&ALICE, Behaviour::Decline);
    w.phone(&BOB, Behaviour::Accept);
    let filled = occ("filled");
    w.wave3_completed(&filled, &[&ALICE, &BOB]).await;
    let filled_log = w.finished(&filled).await;
    assert_eq!(filled_log["status"], "ASSIGNED");
    // Unfilled: Alice does not answer (her offer is already cached), Carol's voicemail picks up.
    w.phone(&ALICE, Behaviour::NoAnswer);
    w.phone(&CAROL, Behaviour::Voicemail);
    let unfilled = occ("unfilled");
    w.wave3_completed(&unfilled, &[&ALICE, &CAROL]).await;
    let unfilled_log = w.finished(&unfilled).await;
    assert_eq!(unfilled_log["status"], "UNFILLED_AFTER_CALLS");

    // Another provider's shift, with the same people: never in prov_1's figures or CSV.
    let other = "prov_other_results";
    let (status, _) = w
        .patch_settings(
            other,
            json!({"enabled": true, "waitMinutes": 1, "maxRounds": 1}),
        )
        .await;
    assert_eq!(status, 200);
    w.phone(&DAN, Behaviour::Accept);
    let theirs = occ("theirs");
    let mut event = World::wave3_event(&theirs, &[&DAN]);
    event["detail"]["providerId"] = json!(other);
    w.post_event(event).await;
    eventually("the other provider's shift to be filled", || {
        w.sim
            .calls_to(DAN.phone)
            .iter()
            .any(|c| c.ended() && c.status == "completed")
    })
    .await;

    // The hand-worked table's assumptions: answered calls under a minute, speech as stated.
    let calls: Vec<&Value> = filled_log["calls"]
        .as_array()
        .unwrap()
        .iter()
        .chain(unfilled_log["calls"].as_array().unwrap())
        .collect();
    let seen: Vec<(&str, &str, u64, u64)> = calls
        .iter()
        .map(|c| {
            (
                c["firstName"].as_str().unwrap(),
                c["outcome"].as_str().unwrap(),
                c["durationSecs"].as_u64().unwrap_or(0),
                c["speechChars"].as_u64().unwrap(),
            )
        })
        .collect();
    let shape: Vec<(&str, &str, bool, u64)> = seen
        .iter()
        .map(|(n, o, d, c)| (*n, *o, (1..=60).contains(d), *c))
        .collect();
    assert_eq!(
        shape,
        [
            ("Alice", "Declined", true, 137),
            ("Bob", "Accepted", true, 7),
            ("Alice", "No Answer", false, 0),
            ("Carol", "Voicemail", true, 9),
        ],
        "{seen:?}"
    );
    // Alice's call paid for her greeting and the shift's words (the same for both shifts);
    // Bob's and Carol's for their greetings only.
    assert_eq!(default_offer("Alice").chars().count(), 138);
    assert_eq!(
        ["Hi Alice,", "Hi Bob,", "Hi Carol,"].map(str::len),
        [9, 7, 9]
    );

    // The figures.
    let (status, s) = get_json(&w, "/api/provider/outbound-calling/stats?days=7", PROVIDER).await;
    assert_eq!(status, 200, "{s}");
    let r = &s["results"];
    assert_eq!(
        r["answeredBy"],
        json!({"person": 2, "machine": 1, "nobody": 1}),
        "{r:#}"
    );
    assert_eq!(
        r["perPerson"],
        json!([
            {"employeeId": "emp_alice", "firstName": "Alice", "calls": 2, "answered": 1, "answerRate": 0.5},
            {"employeeId": "emp_bob", "firstName": "Bob", "calls": 1, "answered": 1, "answerRate": 1.0},
            {"employeeId": "emp_carol", "firstName": "Carol", "calls": 1, "answered": 0, "answerRate": 0.0},
        ]),
        "{r:#}"
    );
    assert_eq!(
        r["costs"],
        json!({
            "currency": "AUD", "callPerMinute": 0.02, "speechPer1kChars": 0.3,
            "callMinutes": 3, "speechChars": 153, "total": 0.1059,
            "filledShifts": 1, "perFilledShift": 0.0832,
            "unfilledShifts": 1, "perUnfilledShift": 0.0227,
        }),
        "{r:#}"
    );
    let (_, jobs) = get_json(&w, "/api/provider/jobs?days=7", PROVIDER).await;
    let created = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["occurrenceId"] == filled.as_str())
        .unwrap()["createdAt"]
        .as_str()
        .unwrap()
        .to_string();
    let fill = minutes_between(&created, filled_log["acceptedBy"]["at"].as_str().unwrap());
    assert_eq!(
        r["timeToFill"],
        json!({"shifts": 1, "medianMinutes": fill, "p90Minutes": fill}),
        "{r:#}"
    );

    // The CSV: a header and the four calls, oldest first, no phone numbers, no surnames.
    let (status, headers, csv) = get(&w, "/api/provider/calls.csv?days=7", PROVIDER).await;
    assert_eq!(status, 200, "{csv}");
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"calls-")
            && disposition.ends_with("-7d.csv\""),
        "{disposition}"
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert!(!csv.contains("+61") && !csv.contains("Thompson"), "{csv}");
    assert!(!csv.contains(&theirs) && !csv.contains("Dan"), "{csv}");
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(
        lines[0],
        "occurrenceId,patient,suburb,shiftStartsAt,attempt,round,employeeId,firstName,placedAt,endedAt,twilioStatus,answeredBy,outcome,digit,durationSecs,speechChars,cost,currency"
    );
    let rows: Vec<Vec<&str>> = lines[1..].iter().map(|l| l.split(',').collect()).collect();
    let picked: Vec<[&str; 9]> = rows
        .iter()
        .map(|r| [r[0], r[1], r[2], r[4], r[7], r[12], r[13], r[15], r[16]])
        .collect();
    assert_eq!(
        picked,
        [
            [
                filled.as_str(),
                "Margaret T.",
                "Parramatta",
                "0",
                "Alice",
                "Declined",
                "2",
                "137",
                "0.0611"
            ],
            [
                filled.as_str(),
                "Margaret T.",
                "Parramatta",
                "1",
                "Bob",
                "Accepted",
                "1",
                "7",
                "0.0221"
            ],
            [
                unfilled.as_str(),
                "Margaret T.",
                "Parramatta",
                "0",
                "Alice",
                "No Answer",
                "",
                "0",
                "0.0000"
            ],
            [
                unfilled.as_str(),
                "Margaret T.",
                "Parramatta",
                "1",
                "Carol",
                "Voicemail",
                "",
                "9",
                "0.0227"
            ],
        ],
        "{csv}"
    );
    assert!(
        rows.iter().all(|r| r[17] == "AUD" && r.len() == 18),
        "{csv}"
    );

    // The other provider sees only its own call, at the default list prices.
    let (_, theirs_csv) = {
        let (s, _, body) = get(&w, "/api/provider/calls.csv", other).await;
        (s, body)
    };
    let their_lines: Vec<&str> = theirs_csv.trim_end().split("\r\n").collect();
    assert_eq!(their_lines.len(), 2, "{theirs_csv}");
    assert!(
        their_lines[1].starts_with(&format!("{theirs},")),
        "{theirs_csv}"
    );
    assert!(their_lines[1].ends_with(",USD"), "{theirs_csv}");
    let (_, s) = get_json(&w, "/api/provider/outbound-calling/stats?days=7", other).await;
    assert_eq!(s["results"]["perPerson"][0]["firstName"], "Dan", "{s}");
    assert_eq!(s["results"]["perPerson"].as_array().unwrap().len(), 1);

    // days is checked against the call log's retention (90 by default).
    for bad in ["days=0", "days=91", "days=week"] {
        let (status, body) =
            get_json(&w, &format!("/api/provider/calls.csv?{bad}"), PROVIDER).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(
            body["errors"]["days"],
            "must be a whole number from 1 to 90"
        );
    }
    let (status, _, _) = get(&w, "/api/provider/calls.csv?days=90", PROVIDER).await;
    assert_eq!(status, 200);
    let r = w
        .http
        .get(format!("{}/api/provider/calls.csv", w.rt.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the CSV needs a token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_rates_are_checked_and_a_refusal_changes_nothing() {
    let w = World::new().await;
    let (_, before) = w.get_settings(PROVIDER).await;
    assert_eq!(
        before["costRates"],
        json!({"callPerMinute": 0.014, "speechPer1kChars": 0.1, "currency": "USD"})
    );
    for (bad, msg) in [
        (
            json!({"callPerMinute": -1, "speechPer1kChars": 0.1, "currency": "USD"}),
            "callPerMinute must be 0 or a number from 0.000001 to 1000",
        ),
        // Beyond what the table's numbers hold (DynamoDB's underflow): refused, never a 500.
        (
            json!({"callPerMinute": 1e-131, "speechPer1kChars": 0.1, "currency": "USD"}),
            "callPerMinute must be 0 or a number from 0.000001 to 1000",
        ),
        (
            json!({"callPerMinute": 0.01, "speechPer1kChars": 1e300, "currency": "USD"}),
            "speechPer1kChars must be 0 or a number from 0.000001 to 1000",
        ),
        (
            json!({"callPerMinute": 0.01, "speechPer1kChars": 0.1, "currency": "dollars"}),
            "currency must be a three-letter code such as USD",
        ),
    ] {
        let (status, body) = w
            .patch_settings(PROVIDER, json!({ "costRates": bad }))
            .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["errors"]["costRates"], msg);
    }
    let (_, after) = w.get_settings(PROVIDER).await;
    assert_eq!(after, before);
}
