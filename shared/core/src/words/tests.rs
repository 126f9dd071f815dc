use super::*;
use crate::campaign::{answered, key_press};
use crate::model::example_job as job;

/// Every text of a phrasebook, labelled, with a first name where it takes one.
fn all(book: &dyn Phrasebook) -> Vec<(String, String)> {
    let v = Values::for_job_in(book.language(), "Bob", &job());
    let hi = book.hi(Some("Bob"));
    let mut texts: Vec<(String, String)> = vec![
        ("hi".into(), hi.clone()),
        ("hi(none)".into(), book.hi(None)),
        ("a_client".into(), book.a_client().into()),
        ("date".into(), book.date(1, 23)),
        ("time".into(), book.time(9, 0)),
        ("default_template".into(), book.default_template().into()),
        ("repeat_offer".into(), book.repeat_offer().into()),
        ("not_found".into(), book.not_found().into()),
        ("sorry_one_moment".into(), book.sorry_one_moment().into()),
        ("sorry_goodbye".into(), book.sorry_goodbye().into()),
        ("accepted".into(), book.accepted().into()),
        ("taken".into(), book.taken().into()),
        ("offer_closed".into(), book.offer_closed().into()),
        ("declined".into(), book.declined().into()),
        ("give_up".into(), book.give_up().into()),
        ("already_yours".into(), book.already_yours(&hi)),
        ("voicemail".into(), book.voicemail(&hi)),
        ("shift_cancelled".into(), book.shift_cancelled(&hi)),
        ("confirmation_sms".into(), book.confirmation_sms(&v)),
        ("timeout".into(), book.timeout(None).into()),
        (
            "timeout(canceled)".into(),
            book.timeout(Some(Outcome::Canceled)).into(),
        ),
    ];
    for s in [
        ShiftStatus::Open,
        ShiftStatus::Assigned,
        ShiftStatus::UnfilledAfterCalls,
        ShiftStatus::Cancelled,
    ] {
        texts.push((format!("closed_offer({s:?})"), book.closed_offer(&hi, s)));
    }
    let when = format!("{} {}", v.date, v.time);
    let more: Vec<(&str, String)> = vec![
        ("recording_notice", book.recording_notice().into()),
        ("callback_offer", book.callback_offer(&v)),
        ("callback_accepted", book.callback_accepted().into()),
        ("callback_filled", book.callback_filled().into()),
        ("callback_passed", book.callback_passed().into()),
        ("callback_no_more", book.callback_no_more().into()),
        ("callback_only_one", book.callback_only_one().into()),
        ("callback_wrong_key", book.callback_wrong_key().into()),
        ("callback_no_key", book.callback_no_key().into()),
        ("callback_nothing_open", book.callback_nothing_open().into()),
        ("number_not_in_use", book.number_not_in_use().into()),
        ("reach_check", book.reach_check(None)),
        ("reach_check_named", book.reach_check(Some("Harbour Care"))),
        ("reach_thanks", book.reach_thanks().into()),
        ("callback_to_office", book.callback_to_office().into()),
        ("callback_no_office", book.callback_no_office().into()),
        (
            "callback_which_person",
            book.callback_which_person(&["Ann".into(), "Bob".into()]),
        ),
        (
            "follow_up_sms_shared",
            book.follow_up_sms_shared(
                &v,
                &[("Ann".into(), "4K7".into()), ("Bob".into(), "9XY".into())],
            ),
        ),
        (
            "sms_which_person",
            book.sms_which_person(&[
                ("4K7".into(), format!("Ann, {when}")),
                ("9XY".into(), format!("Bob, {when}")),
            ]),
        ),
        ("sms_ambiguous_code", book.sms_ambiguous_code().into()),
        ("follow_up_sms", book.follow_up_sms(&v, None)),
        ("follow_up_sms(code)", book.follow_up_sms(&v, Some("4K7"))),
        ("filled_notice", book.filled_notice(&v)),
        ("sms_accepted", book.sms_accepted("Bob")),
        ("sms_filled", book.sms_filled().into()),
        ("sms_passed", book.sms_passed().into()),
        ("sms_nothing_open", book.sms_nothing_open().into()),
        ("sms_unknown_code", book.sms_unknown_code().into()),
        (
            "sms_need_code",
            book.sms_need_code(&[("4K7".into(), when.clone()), ("9XY".into(), when)]),
        ),
        ("sms_help", book.sms_help().into()),
    ];
    texts.extend(more.into_iter().map(|(l, t)| (l.to_string(), t)));
    texts
}

/// Words only English uses in these texts (none is a word of Spanish or French). A
/// translation that still holds one of them let English slip through.
const ENGLISH_MARKERS: &[&str] = &[
    "the",
    "shift",
    "please",
    "thank",
    "thanks",
    "you",
    "your",
    "yours",
    "we",
    "our",
    "this",
    "that",
    "is",
    "are",
    "and",
    "to",
    "of",
    "for",
    "with",
    "call",
    "called",
    "key",
    "press",
    "again",
    "answer",
    "answering",
    "someone",
    "else",
    "office",
    "text",
    "filled",
    "offer",
    "confirmed",
    "goodbye",
    "sorry",
    "hi",
    "something",
    "wrong",
    "not",
    "have",
    "has",
    "been",
    "just",
    "will",
    "can",
    "could",
    "did",
    "get",
    "use",
    "let",
    "know",
    "nothing",
    "need",
    "do",
    "about",
    "check",
    "help",
    "here",
    "there",
    "at",
    "in",
    "on",
    "am",
    "pm",
    "jan",
    "accept",
    "decline",
    "hear",
    "listening",
    "response",
    "closed",
    "arranging",
    "calls",
    "ended",
    "client",
    "confirm",
    "recorded",
    "reply",
    "connecting",
    "directly",
    "yes",
];

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphabetic() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

#[test]
fn no_english_slips_into_another_language() {
    let english: Vec<(String, String)> = all(&English);
    for language in Language::ALL {
        if language == Language::English {
            continue;
        }
        let book = of(language);
        assert_eq!(book.language(), language);
        for ((label, text), (_, en)) in all(book).iter().zip(&english) {
            assert_ne!(text, en, "{language:?} {label} is the English text");
            // The names in the example ("Bob", "Margaret T.", "Parramatta") are not words
            // of any language.
            let foreign: Vec<String> = words_of(text)
                .into_iter()
                .filter(|w| ENGLISH_MARKERS.contains(&w.as_str()))
                .collect();
            assert!(
                foreign.is_empty(),
                "{language:?} {label} has English words {foreign:?}: {text}"
            );
        }
    }
}

#[test]
fn the_english_markers_find_english() {
    // The check above would catch every English text.
    for (label, text) in all(&English) {
        if ["hi(none)", "date", "time", "a_client"].contains(&label.as_str()) {
            continue;
        }
        assert!(
            words_of(&text)
                .iter()
                .any(|w| ENGLISH_MARKERS.contains(&w.as_str())),
            "{label}: {text}"
        );
    }
}

#[test]
fn every_text_is_a_finished_sentence_with_nothing_left_to_fill() {
    for language in Language::ALL {
        for (label, t) in all(of(language)) {
            if [
                "hi",
                "hi(none)",
                "a_client",
                "date",
                "time",
                "default_template",
            ]
            .contains(&label.as_str())
            {
                continue;
            }
            assert!(
                t.ends_with('.') || t.ends_with('!'),
                "{language:?} {label}: {t}"
            );
            assert!(!t.contains('{') && !t.contains('}'), "{t}");
            assert!(!t.chars().any(char::is_control), "{t}");
            assert!(t.chars().count() < 240, "short enough to say or text: {t}");
        }
    }
}

/// A text added outside the phrasebook (a `pub const` or `pub fn` of this module) would be
/// English only: it must become a method of [`Phrasebook`], translated for every language.
#[test]
fn every_text_is_in_the_phrasebook() {
    let files = [
        ("mod.rs", include_str!("mod.rs")),
        ("en.rs", include_str!("en.rs")),
        ("es.rs", include_str!("es.rs")),
        ("fr.rs", include_str!("fr.rs")),
    ];
    let outside: Vec<String> = files
        .iter()
        .flat_map(|(file, source)| source.lines().map(move |l| (file, l)))
        .filter(|(_, l)| {
            (l.starts_with("pub const ")
                || l.starts_with("pub static ")
                || l.starts_with("pub fn "))
                && !l.starts_with("pub fn of(")
        })
        .map(|(file, l)| format!("{file}: {l}"))
        .collect();
    assert!(
        outside.is_empty(),
        "texts outside the phrasebook (make each a method of Phrasebook and translate it for every language): {outside:?}"
    );
}

/// What a key press or an answered call says, in every language: a text exactly when the call
/// ends on it (the offer, an acceptance and a repeat say nothing of their own here).
#[test]
fn each_key_press_and_answered_call_says_what_it_means() {
    use crate::campaign::Answered;
    for language in Language::ALL {
        let book = of(language);
        for (digits, repeated, says) in [
            ("1", false, None),
            ("2", false, Some(book.declined())),
            ("2", true, Some(book.declined())),
            ("9", false, None),
            ("9", true, Some(book.give_up())),
            ("", true, Some(book.give_up())),
        ] {
            assert_eq!(
                key_press(digits, repeated).words(book),
                says,
                "{digits:?} {repeated}"
            );
        }
        for status in [
            ShiftStatus::Open,
            ShiftStatus::Assigned,
            ShiftStatus::UnfilledAfterCalls,
        ] {
            for by in [None, Some("human"), Some("machine_end_beep")] {
                for mine in [false, true] {
                    let a = answered(status, None, mine, by);
                    let hi = book.hi(Some("Ann"));
                    let expected = match a {
                        Answered::Offer => None,
                        Answered::AlreadyYours => Some(book.already_yours(&hi)),
                        Answered::Closed(s) => Some(book.closed_offer(&hi, s)),
                        Answered::Voicemail => Some(book.voicemail(&hi)),
                    };
                    assert_eq!(a.words(book, "Ann"), expected, "{status:?} {by:?} {mine}");
                    assert_eq!(a.words(book, "Ann").is_none(), a == Answered::Offer);
                }
            }
        }
        assert_eq!(language.words().language(), language);
        let speech = crate::lang::Speech::choose(Some(language.code()), "en");
        assert_eq!(speech.words().language(), language);
    }
}

#[test]
fn english_stays_as_it_was() {
    let e = &English;
    assert_eq!(e.hi(Some(" ")), "Hi");
    assert_eq!(
        e.already_yours(&e.hi(None)),
        "Hi, this shift is already yours. Goodbye."
    );
    assert_eq!(
        (e.date(1, 23), e.time(9, 0)),
        ("Jan 23".into(), "9:00 AM".into())
    );
    assert_eq!(
        (e.time(0, 5), e.time(12, 30)),
        ("12:05 AM".into(), "12:30 PM".into())
    );
    assert_eq!(Spanish.date(1, 23), "23 de enero");
    assert_eq!(
        (Spanish.time(13, 5), French.time(9, 0)),
        ("13:05".into(), "9 h 00".into())
    );
    assert_eq!(French.date(5, 1), "1er mai");
}

#[test]
fn the_voicemail_names_neither_the_patient_nor_the_place() {
    for language in Language::ALL {
        let book = of(language);
        let v = book.voicemail(&book.hi(Some("Carol")));
        assert!(v.contains("Carol"));
        assert!(!v.contains("Margaret") && !v.contains("Parramatta"));
    }
}

#[test]
fn the_timeout_does_not_promise_another_call_on_a_closed_offer() {
    let e = &English;
    assert!(e.timeout(None).contains("someone else"));
    assert!(e.timeout(Some(Outcome::NoAnswer)).contains("someone else"));
    assert!(!e.timeout(Some(Outcome::Canceled)).contains("someone else"));
    for language in Language::ALL {
        let book = of(language);
        assert_ne!(book.timeout(None), book.timeout(Some(Outcome::Canceled)));
    }
}

#[test]
fn a_closed_offer_says_what_happened_to_the_shift() {
    let e = &English;
    assert!(e
        .closed_offer("Hi Bob", ShiftStatus::Assigned)
        .contains("has now been filled"));
    let unfilled = e.closed_offer("Hi Bob", ShiftStatus::UnfilledAfterCalls);
    assert!(!unfilled.contains("filled,") && unfilled.contains("calls for this shift have ended"));
    assert!(!e
        .closed_offer("Hi Bob", ShiftStatus::Open)
        .contains("filled"));
    for language in Language::ALL {
        let book = of(language);
        let texts: std::collections::HashSet<String> = [
            ShiftStatus::Open,
            ShiftStatus::Assigned,
            ShiftStatus::UnfilledAfterCalls,
        ]
        .map(|s| book.closed_offer("x", s))
        .into_iter()
        .collect();
        assert_eq!(texts.len(), 3, "{language:?}: one text per state");
    }
}

#[test]
fn the_recording_notice_is_short_and_names_nobody() {
    assert_eq!(English.recording_notice(), "This call is recorded.");
    for language in Language::ALL {
        let notice = of(language).recording_notice();
        assert!(notice.chars().count() < 40, "{language:?}: {notice}");
        assert!(!notice.contains('{'), "{notice}");
    }
}

#[test]
fn no_text_names_the_patient_in_full_or_a_phone_number() {
    for language in Language::ALL {
        for (label, t) in all(of(language)) {
            assert!(!t.contains("Thompson"), "{language:?} {label}: {t}");
            assert!(!t.contains("+61"), "{language:?} {label}: {t}");
        }
    }
}

#[test]
fn english_inbound_texts_stay_as_they_were() {
    let e = &English;
    let v = Values::for_job("Bob", &job());
    assert_eq!(
        e.follow_up_sms(&v, None),
        "Hi Bob, we just called about an urgent shift for Margaret T. on Jan 23 at 9:00 AM (09:00-13:00) in Parramatta. Reply YES to take it."
    );
    assert!(e
        .follow_up_sms(&v, Some("4K7"))
        .ends_with("Reply YES 4K7 to take it."));
    assert_eq!(
        e.callback_offer(&v),
        "Hi Bob, thank you for calling back. We have an urgent shift for Margaret T. on Jan 23 at 9:00 AM in Parramatta. Press 1 to accept, 2 to pass, 3 for the next shift, or 0 for the office."
    );
    assert_eq!(
        e.filled_notice(&v),
        "Hi Bob, the shift for Margaret T. on Jan 23 at 9:00 AM has been filled, thank you. No need to reply."
    );
    assert_eq!(
        e.sms_accepted(" Bob "),
        "Thank you, Bob! The shift is yours; a confirmation text follows."
    );
    assert_eq!(
        e.sms_need_code(&[("4K7".into(), "Jan 23 9:00 AM".into())]),
        "You have several shift offers. Reply YES or NO with the shift's code: 4K7 (Jan 23 9:00 AM)."
    );
    assert_eq!(
        e.callback_passed(),
        "No problem, we will not call you about that shift again."
    );
    assert_eq!(e.sms_help(), "Urgent shift offers from your care provider. Reply YES to take the shift offered, NO to pass. Reply STOP to stop these texts.");
}

/// Every text that asks for a reply names a keyword the reply parser reads as that answer,
/// in every language, with the shift's code after it when there is one.
#[test]
fn every_language_asks_for_a_reply_the_parser_understands() {
    use crate::inbound::{parse_reply, Reply};
    let keyword = |t: &str, yes: bool| -> bool {
        t.split(|c: char| c.is_whitespace() || ",.:;()".contains(c))
            .any(|w| match parse_reply(w) {
                Reply::Yes(None) => yes && w.chars().all(char::is_uppercase),
                Reply::No(None) => !yes && w.chars().all(char::is_uppercase),
                _ => false,
            })
    };
    for language in Language::ALL {
        let book = of(language);
        let v = Values::for_job_in(language, "Bob", &job());
        let follow_up = book.follow_up_sms(&v, Some("4K7"));
        assert!(keyword(&follow_up, true), "{language:?}: {follow_up}");
        let yes_word = follow_up
            .split_whitespace()
            .find(|w| {
                matches!(parse_reply(w), Reply::Yes(None)) && w.chars().all(char::is_uppercase)
            })
            .unwrap();
        assert_eq!(
            parse_reply(&format!("{yes_word} 4K7")),
            Reply::Yes(Some("4K7".into())),
            "{language:?}"
        );
        assert!(
            follow_up.contains(&format!("{yes_word} 4K7")),
            "{follow_up}"
        );
        assert!(!book.follow_up_sms(&v, None).contains("4K7"));
        let need = book.sms_need_code(&[("4K7".into(), "x".into())]);
        assert!(
            keyword(&need, true) && keyword(&need, false),
            "{language:?}: {need}"
        );
        assert!(need.contains("4K7 (x)"), "{need}");
        let help = book.sms_help();
        assert!(
            keyword(help, true) && keyword(help, false),
            "{language:?}: {help}"
        );
        assert!(help.contains("STOP"), "{language:?}: {help}");
        assert!(book.callback_offer(&v).contains('1') && book.callback_offer(&v).contains('0'));
        // The shared phone's text: each person's reply is the keyword and their code.
        let shared = book.follow_up_sms_shared(
            &v,
            &[("Ann".into(), "4K7".into()), ("Bob".into(), "9XY".into())],
        );
        for code in ["4K7", "9XY"] {
            assert!(shared.contains(&format!("{yes_word} {code}")), "{shared}");
        }
        assert!(shared.contains("Ann") && shared.contains("Bob"), "{shared}");
        let which = book.sms_which_person(&[("4K7".into(), "Ann, x".into())]);
        assert!(keyword(&which, true) && keyword(&which, false), "{which}");
        assert!(which.contains("4K7 (Ann, x)"), "{which}");
        let keys = book.callback_which_person(&["Ann".into(), "Bob".into()]);
        assert!(
            keys.contains("Ann")
                && keys.contains('1')
                && keys.contains("Bob")
                && keys.contains('2'),
            "{keys}"
        );
    }
}

#[test]
fn the_shared_phone_texts_in_english() {
    let e = &English;
    let v = Values::for_job("Mum", &job());
    assert_eq!(
        e.follow_up_sms_shared(&v, &[("Mum".into(), "4K7".into()), ("Dad".into(), "9XY".into())]),
        "Hi Mum and Dad, we just called about an urgent shift for Margaret T. on Jan 23 at 9:00 AM (09:00-13:00) in Parramatta. Reply YES 4K7 for Mum or YES 9XY for Dad to take it."
    );
    assert_eq!(
        e.callback_which_person(&["Mum".into(), "Dad".into()]),
        "Thank you for calling back. This number has shift offers for more than one person: for Mum press 1, for Dad press 2."
    );
    assert_eq!(
        names_list(&["A".into(), "B".into(), "C".into()], "and"),
        "A, B and C"
    );
}
