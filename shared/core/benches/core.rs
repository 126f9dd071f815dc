//! Per-operation cost of the pure work on the webhooks' and dialer's paths:
//! `cargo bench -p callout-core` (docs/PERFORMANCE.md).

use callout_core::campaign::{self, CallStatus, Plan};
use callout_core::model::Job;
use callout_core::signature;
use callout_core::template::{self, Values, DEFAULT_TEMPLATE};
use callout_core::twiml::{self, Verb};
use callout_core::wav;
use criterion::{black_box, criterion_group, criterion_main, Criterion};

fn job() -> Job {
    serde_json::from_value(serde_json::json!({
        "patientName": "Margaret Thompson", "startsAt": "2026-01-23T09:00:00+11:00",
        "endsAt": "2026-01-23T13:00:00+11:00", "timeZone": "Australia/Sydney", "suburb": "Parramatta"
    }))
    .unwrap()
}

fn benches(c: &mut Criterion) {
    // A status callback as Twilio sends it.
    let params: Vec<(String, String)> = [
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("ApiVersion", "2010-04-01"),
        ("CallDuration", "27"),
        ("CallSid", "CA0123456789abcdef0123456789abcdef"),
        ("CallStatus", "completed"),
        ("CallbackSource", "call-progress-events"),
        ("Direction", "outbound-api"),
        ("From", "+61200000000"),
        ("SequenceNumber", "3"),
        ("Timestamp", "Tue, 24 Nov 2026 08:00:00 +0000"),
        ("To", "+61400000001"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let url = "https://abc123.execute-api.ap-southeast-2.amazonaws.com/api/outbound/status?occurrenceId=occ_123&attempt=4";
    let tokens = vec!["0123456789abcdef0123456789abcdef".to_string()];
    let sig = signature::sign(&tokens[0], url, &params);
    c.bench_function("signature check (status callback, 11 params)", |b| {
        b.iter(|| {
            signature::is_valid(
                black_box(&tokens),
                black_box(url),
                black_box(&params),
                Some(&sig),
            )
        })
    });

    let plan = Plan {
        pool_size: 4,
        max_rounds: 3,
    };
    c.bench_function("campaign decision (outcome + next attempt)", |b| {
        b.iter(|| {
            let o = campaign::outcome_for_status(
                black_box(CallStatus::Completed),
                black_box(Some("human")),
            );
            (o, plan.after(black_box(7)), plan.slot(black_box(8)))
        })
    });

    let j = job();
    c.bench_function(
        "template rendering (default template, values in the shift's zone)",
        |b| {
            b.iter(|| {
                template::render(
                    black_box(DEFAULT_TEMPLATE),
                    &Values::for_job(black_box("Alice"), black_box(&j)),
                )
            })
        },
    );

    let verbs = vec![
        Verb::Gather {
            action: "https://abc123.execute-api.ap-southeast-2.amazonaws.com/api/outbound/response?occurrenceId=occ_123&attempt=4&audio=1".into(),
            timeout_secs: 15,
            nested: vec![Verb::Play("https://abc123.execute-api.ap-southeast-2.amazonaws.com/api/outbound/audio/occ_123.4".into())],
        },
        Verb::Redirect("https://abc123.execute-api.ap-southeast-2.amazonaws.com/api/outbound/timeout?occurrenceId=occ_123&attempt=4".into()),
    ];
    c.bench_function("TwiML rendering (the offer)", |b| {
        b.iter(|| twiml::render(black_box(&verbs)))
    });

    // About 9 s of speech: a typical offer.
    let ulaw: Vec<u8> = (0..72_000u32)
        .map(|i| wav::ulaw_encode(((i as f32 * 0.07).sin() * 8000.0) as i16))
        .collect();
    c.bench_function("µ-law WAV wrapping (9 s of audio)", |b| {
        b.iter(|| wav::wrap_ulaw(black_box(&ulaw)))
    });
}

criterion_group!(core, benches);
criterion_main!(core);
