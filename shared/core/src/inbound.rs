//! The inbound channels' rules (SPEC §4.8–4.9): what a text reply means, which offer it is
//! about, what a key on the call-back line does, who may be texted and who is no longer called.
//! No I/O: the app reads and writes, these decide.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------- text replies

/// What a text message to the product's number means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// YES / Y / 1 (or the Spanish SÍ / SI, the French OUI), with the shift's code when one was
    /// given ("YES 4K7", "sí 4K7").
    Yes(Option<String>),
    /// NO / N / 2 (NO is Spanish too; the French NON), with the shift's code when one was given.
    No(Option<String>),
    /// One of Twilio's opt-out keywords, alone: no more texts to this number.
    Stop,
    /// One of Twilio's opt-in keywords other than YES (START, UNSTOP), alone.
    Start,
    /// HELP / INFO, alone.
    Help,
    /// Anything else: the help text.
    Other,
}

/// Twilio's default opt-out keywords (a message of exactly one of them, any case, opts the
/// sender out; Twilio then refuses every text to them with 21610).
pub const OPT_OUT_KEYWORDS: [&str; 8] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
];
/// Twilio's default opt-in keywords: they undo an opt-out. YES is one of them: it also accepts.
pub const OPT_IN_KEYWORDS: [&str; 3] = ["START", "YES", "UNSTOP"];
/// Twilio's default help keywords.
pub const HELP_KEYWORDS: [&str; 2] = ["HELP", "INFO"];

/// The words a reply says yes with: English, and the Spanish and French texts' own ("Responda
/// SÍ", "Répondez OUI"), SI for a phone without accents.
pub const YES_WORDS: [&str; 6] = ["YES", "Y", "1", "SÍ", "SI", "OUI"];
/// The words a reply says no with (NO is English and Spanish).
pub const NO_WORDS: [&str; 4] = ["NO", "N", "2", "NON"];

/// How long a shift code is, and the characters it is made of (no 0/O, 1/I/L, 5/S, 2/Z).
pub const CODE_LEN: usize = 3;
const CODE_ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTUVWXY";

/// Read a text reply. Case, surrounding spaces and punctuation do not matter ("Yes!",
/// " y ", "yes 4k7", "YES, 4K7"); a reply of more words than a keyword and a code is `Other`.
pub fn parse_reply(body: &str) -> Reply {
    let words: Vec<String> = body
        .split(|c: char| c.is_whitespace() || c == ',' || c == ':' || c == '-' || c == '#')
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_uppercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let Some(first) = words.first() else {
        return Reply::Other;
    };
    let code = match words.get(1..) {
        Some([]) | None => None,
        Some([c]) if is_code(c) => Some(c.clone()),
        Some(_) => return Reply::Other,
    };
    let alone = code.is_none();
    match first.as_str() {
        k if YES_WORDS.contains(&k) => Reply::Yes(code),
        k if NO_WORDS.contains(&k) => Reply::No(code),
        k if alone && OPT_OUT_KEYWORDS.contains(&k) => Reply::Stop,
        k if alone && OPT_IN_KEYWORDS.contains(&k) => Reply::Start,
        k if alone && HELP_KEYWORDS.contains(&k) => Reply::Help,
        _ => Reply::Other,
    }
}

/// True for text shaped like a shift code.
pub fn is_code(s: &str) -> bool {
    s.len() == CODE_LEN && s.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// A reply that opts the sender back in (Twilio does so for START, YES and UNSTOP alone).
pub fn opts_in(reply: &Reply) -> bool {
    matches!(reply, Reply::Start | Reply::Yes(None))
}

/// The short code of a shift in texts ("Reply YES 4K7"): the same for a shift whoever is
/// texted, from its id. It is the first code an offer is given (see [`offer_code`]).
pub fn shift_code(occurrence_id: &str) -> String {
    code_of(occurrence_id.as_bytes())
}

fn code_of(seed: &[u8]) -> String {
    let digest = Sha256::digest(seed);
    digest
        .iter()
        .take(CODE_LEN)
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect()
}

/// The code of the offer of shift `occurrence_id` to `employee_id` at a phone whose other
/// offers already use the codes in `taken`: the shift's own code ([`shift_code`]) when it is
/// free, else the first free one of the offer's further candidates, else the first free code
/// of all. Two open offers at one phone (two shifts, or two people sharing the number) so never
/// share a code while fewer than all codes are taken.
pub fn offer_code(occurrence_id: &str, employee_id: &str, taken: &[String]) -> String {
    let free = |c: &String| !taken.contains(c);
    std::iter::once(shift_code(occurrence_id))
        .chain((1..64u32).map(|i| code_of(format!("{occurrence_id}#{employee_id}#{i}").as_bytes())))
        .find(free)
        .or_else(|| all_codes().find(free))
        .unwrap_or_else(|| shift_code(occurrence_id))
}

/// Every code, in alphabet order.
fn all_codes() -> impl Iterator<Item = String> {
    let n = CODE_ALPHABET.len();
    (0..n.pow(CODE_LEN as u32)).map(move |mut i| {
        let mut code = String::with_capacity(CODE_LEN);
        for _ in 0..CODE_LEN {
            code.push(CODE_ALPHABET[i % n] as char);
            i /= n;
        }
        code
    })
}

/// The codes of a phone's offers, each given as (its stored code, if its text carried one;
/// occurrence id; employee id), in a stable order: an offer keeps the code its text carried,
/// and each other offer gets [`offer_code`] against the codes before it (and every stored
/// one), so listing the same offers twice lists the same codes.
pub fn codes_for(offers: &[(Option<&str>, &str, &str)]) -> Vec<String> {
    let mut taken: Vec<String> = offers
        .iter()
        .filter_map(|(stored, _, _)| stored.map(str::to_string))
        .collect();
    offers
        .iter()
        .map(|(stored, occ, employee)| match stored {
            Some(code) => code.to_string(),
            None => {
                let code = offer_code(occ, employee, &taken);
                taken.push(code.clone());
                code
            }
        })
        .collect()
}

/// Which offer a YES or NO is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<K> {
    /// This offer.
    Shift(K),
    /// No open offer for this person.
    NothingOpen,
    /// Several open offers (or a phone several people share) and no code: the sender is asked
    /// for one.
    NeedCode,
    /// A code that none of their open offers has.
    UnknownCode,
    /// A code that several open offers have (codes given at the same moment by two offers):
    /// asking for the code again would loop, so the sender is sent to the call-back line.
    Ambiguous,
}

/// The offer a reply names among the open offers at the sender's phone (an offer's key, its
/// code), given the code the reply carried. `code_required`: several people share the phone,
/// so a reply without a code never takes an offer.
pub fn target<K: Clone>(
    open: &[(K, String)],
    code: Option<&str>,
    code_required: bool,
) -> Target<K> {
    match code {
        Some(c) => {
            let mut matching = open.iter().filter(|(_, oc)| oc == c);
            match (matching.next(), matching.next()) {
                (Some((key, _)), None) => Target::Shift(key.clone()),
                (Some(_), Some(_)) => Target::Ambiguous,
                (None, _) if open.is_empty() => Target::NothingOpen,
                (None, _) => Target::UnknownCode,
            }
        }
        None => match open {
            [] => Target::NothingOpen,
            [_] if code_required => Target::NeedCode,
            [(key, _)] => Target::Shift(key.clone()),
            _ => Target::NeedCode,
        },
    }
}

/// A follow-up text carries its shift's code when the person holds several open offers.
pub fn text_needs_code(open_offers: usize) -> bool {
    open_offers > 1
}

// ---------------------------------------------------------------- who is texted, who is called

/// A voicemail or an unanswered call is followed by one text, when the provider asks for it.
pub fn follows_up_by_text(sms_follow_up: bool, outcome: crate::campaign::Outcome) -> bool {
    use crate::campaign::Outcome;
    sms_follow_up && matches!(outcome, Outcome::Voicemail | Outcome::NoAnswer)
}

/// A person who passed on a shift (NO by text, 2 on the call-back line) is not called about it
/// again: their turn in the call order is skipped, whatever `skipDecliners` says. This only
/// hands its argument back; the decliners' own rule is `campaign::skipped`.
pub fn skips_call(passed_this_shift: bool) -> bool {
    passed_this_shift
}

/// An offer made at `offered_at` still reaches the call-back line at `now`.
pub fn within_window(offered_at: DateTime<Utc>, now: DateTime<Utc>, window_hours: u32) -> bool {
    offered_at <= now + chrono::Duration::minutes(1)
        && now - offered_at <= chrono::Duration::hours(window_hours.into())
}

/// The key under which a phone number's offers are kept: never the number itself.
pub fn phone_key(phone: &str) -> String {
    let digest = Sha256::digest(format!("callout-phone:{phone}").as_bytes());
    hex::encode(&digest[..16])
}

// ---------------------------------------------------------------- the call-back line

/// A key pressed on the call-back line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackKey {
    Accept,
    Pass,
    Next,
    Office,
    Other,
}

impl CallbackKey {
    pub fn from_digits(digits: &str) -> CallbackKey {
        match digits.trim() {
            "1" => CallbackKey::Accept,
            "2" => CallbackKey::Pass,
            "3" => CallbackKey::Next,
            "0" => CallbackKey::Office,
            _ => CallbackKey::Other,
        }
    }
}

/// The offer after position `at` among `count` offers (wrapping), or None with fewer than two.
pub fn next_offer(at: usize, count: usize) -> Option<usize> {
    (count > 1).then(|| (at + 1) % count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::Outcome;
    use proptest::prelude::*;

    #[test]
    fn yes_and_no_in_their_forms() {
        for yes in ["YES", "yes", "Yes!", " y ", "Y.", "1", "yes."] {
            assert_eq!(parse_reply(yes), Reply::Yes(None), "{yes:?}");
        }
        for no in ["NO", "no", "No.", "n", "2", " NO "] {
            assert_eq!(parse_reply(no), Reply::No(None), "{no:?}");
        }
    }

    #[test]
    fn yes_and_no_in_spanish_and_french() {
        for yes in ["SÍ", "sí", "Sí.", "si", "SI!", "oui", "Oui.", " OUI "] {
            assert_eq!(parse_reply(yes), Reply::Yes(None), "{yes:?}");
        }
        for no in ["non", "Non.", "NON", "no"] {
            assert_eq!(parse_reply(no), Reply::No(None), "{no:?}");
        }
        assert_eq!(parse_reply("sí 4k7"), Reply::Yes(Some("4K7".into())));
        assert_eq!(parse_reply("Oui, 4K7"), Reply::Yes(Some("4K7".into())));
        assert_eq!(parse_reply("non 4K7"), Reply::No(Some("4K7".into())));
        assert_eq!(parse_reply("si señor"), Reply::Other);
        assert_eq!(parse_reply("ouii"), Reply::Other);
    }

    #[test]
    fn a_code_rides_along() {
        assert_eq!(parse_reply("YES 4K7"), Reply::Yes(Some("4K7".into())));
        assert_eq!(parse_reply("yes 4k7"), Reply::Yes(Some("4K7".into())));
        assert_eq!(parse_reply("Y, 4K7"), Reply::Yes(Some("4K7".into())));
        assert_eq!(parse_reply("1 #4K7"), Reply::Yes(Some("4K7".into())));
        assert_eq!(parse_reply("no 4K7"), Reply::No(Some("4K7".into())));
        // Not a code: more words, or letters a code never has.
        assert_eq!(parse_reply("yes please"), Reply::Other);
        assert_eq!(parse_reply("yes 4K0"), Reply::Other);
        assert_eq!(parse_reply("yes I can do it"), Reply::Other);
    }

    #[test]
    fn twilios_keywords_alone() {
        for k in OPT_OUT_KEYWORDS {
            assert_eq!(parse_reply(k), Reply::Stop, "{k}");
            assert_eq!(parse_reply(&k.to_lowercase()), Reply::Stop, "{k}");
        }
        assert_eq!(parse_reply("start"), Reply::Start);
        assert_eq!(parse_reply("UNSTOP"), Reply::Start);
        assert_eq!(parse_reply("help"), Reply::Help);
        assert_eq!(parse_reply("INFO"), Reply::Help);
        // Only a message of the keyword alone counts, as at Twilio.
        assert_eq!(parse_reply("stop please"), Reply::Other);
        assert_eq!(parse_reply("please cancel"), Reply::Other);
        assert!(opts_in(&parse_reply("YES")) && opts_in(&parse_reply("start")));
        assert!(!opts_in(&parse_reply("YES 4K7")) && !opts_in(&parse_reply("no")));
    }

    #[test]
    fn anything_else_is_other() {
        for other in ["", "  ", "maybe", "yess", "3", "👍", "Who is this?"] {
            assert_eq!(parse_reply(other), Reply::Other, "{other:?}");
        }
    }

    #[test]
    fn codes_are_short_stable_and_readable() {
        let c = shift_code("occ_123");
        assert_eq!(c, shift_code("occ_123"));
        assert!(is_code(&c), "{c}");
        assert_eq!(
            parse_reply(&format!("yes {}", c.to_lowercase())),
            Reply::Yes(Some(c))
        );
    }

    #[test]
    fn the_target_of_a_reply() {
        let one = vec![("a".to_string(), "4K7".to_string())];
        let two = vec![
            ("a".to_string(), "4K7".to_string()),
            ("b".to_string(), "9XY".to_string()),
        ];
        let none: &[(String, String)] = &[];
        assert_eq!(target(none, None, false), Target::NothingOpen);
        assert_eq!(target(none, Some("4K7"), false), Target::NothingOpen);
        assert_eq!(target(&one, None, false), Target::Shift("a".into()));
        assert_eq!(target(&one, Some("4K7"), false), Target::Shift("a".into()));
        assert_eq!(target(&one, Some("9XY"), false), Target::UnknownCode);
        assert_eq!(target(&two, None, false), Target::NeedCode);
        assert_eq!(target(&two, Some("9XY"), false), Target::Shift("b".into()));
        // A phone several people share: a plain YES takes nothing, even with one offer open.
        assert_eq!(target(&one, None, true), Target::NeedCode);
        assert_eq!(target(&two, None, true), Target::NeedCode);
        assert_eq!(target(&two, Some("4K7"), true), Target::Shift("a".into()));
        assert!(!text_needs_code(1) && text_needs_code(2));
    }

    /// "YES A3H" with a code two open offers share is not answered with a list asking for
    /// that code again (which would loop for ever).
    #[test]
    fn an_ambiguous_code_never_loops() {
        let clash = vec![
            ("a".to_string(), "A3H".to_string()),
            ("b".to_string(), "A3H".to_string()),
        ];
        for required in [false, true] {
            assert_eq!(target(&clash, Some("A3H"), required), Target::Ambiguous);
        }
    }

    #[test]
    fn offers_at_one_phone_never_share_a_code() {
        // Two people sharing a phone, offered the same shift: two codes.
        let mum = offer_code("occ_1", "emp_mum", &[]);
        assert_eq!(mum, shift_code("occ_1"));
        let dad = offer_code("occ_1", "emp_dad", std::slice::from_ref(&mum));
        assert_ne!(mum, dad);
        assert!(is_code(&dad));
        // Every code taken but one: that one.
        let all: Vec<String> = all_codes().collect();
        assert_eq!(all.len(), 15_625);
        let last = all[12_345].clone();
        let taken: Vec<String> = all.iter().filter(|c| **c != last).cloned().collect();
        assert_eq!(offer_code("occ_1", "emp_x", &taken), last);
        // Stored codes are kept, the others settle around them, and a second listing is the
        // same as the first.
        let offers = [
            (None, "occ_1", "emp_mum"),
            (Some(shift_code("occ_1")), "occ_2", "emp_mum"),
            (None, "occ_1", "emp_dad"),
        ];
        let offers: Vec<(Option<&str>, &str, &str)> = offers
            .iter()
            .map(|(c, o, e)| (c.as_deref(), *o, *e))
            .collect();
        let codes = codes_for(&offers);
        assert_eq!(codes[1], shift_code("occ_1"));
        let distinct: std::collections::HashSet<&String> = codes.iter().collect();
        assert_eq!(distinct.len(), 3, "{codes:?}");
        assert_eq!(codes, codes_for(&offers));
    }

    #[test]
    fn only_voicemail_and_no_answer_are_followed_up_and_only_when_asked() {
        for o in Outcome::ALL {
            let expect = matches!(o, Outcome::Voicemail | Outcome::NoAnswer);
            assert_eq!(follows_up_by_text(true, o), expect, "{o:?}");
            assert!(!follows_up_by_text(false, o));
        }
    }

    #[test]
    fn passing_skips_the_call() {
        assert!(skips_call(true));
        assert!(!skips_call(false));
    }

    #[test]
    fn the_call_back_window() {
        let now: DateTime<Utc> = "2026-01-23T09:00:00Z".parse().unwrap();
        let h = chrono::Duration::hours;
        assert!(within_window(now - h(12), now, 12));
        assert!(!within_window(
            now - h(12) - chrono::Duration::seconds(1),
            now,
            12
        ));
        assert!(within_window(now, now, 1));
        assert!(!within_window(now + h(1), now, 12));
    }

    #[test]
    fn phone_keys_hide_the_number() {
        let k = phone_key("+61400000001");
        assert_eq!(k.len(), 32);
        assert!(!k.contains("61400000001"));
        assert_ne!(k, phone_key("+61400000002"));
    }

    #[test]
    fn call_back_keys() {
        assert_eq!(CallbackKey::from_digits("1"), CallbackKey::Accept);
        assert_eq!(CallbackKey::from_digits("2"), CallbackKey::Pass);
        assert_eq!(CallbackKey::from_digits("3"), CallbackKey::Next);
        assert_eq!(CallbackKey::from_digits("0"), CallbackKey::Office);
        for d in ["", "4", "9", "*", "#", "11"] {
            assert_eq!(CallbackKey::from_digits(d), CallbackKey::Other);
        }
        assert_eq!(next_offer(0, 1), None);
        assert_eq!(next_offer(0, 2), Some(1));
        assert_eq!(next_offer(1, 2), Some(0));
    }

    proptest! {
        /// Any text at all reads as some reply, and a reply whose first word is not a keyword
        /// never accepts or passes.
        #[test]
        fn any_text_parses(t in any::<String>()) {
            let r = parse_reply(&t);
            if let Reply::Yes(_) | Reply::No(_) = r {
                let first = t.split(|c: char| c.is_whitespace() || ",:-#".contains(c))
                    .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_uppercase())
                    .find(|w| !w.is_empty()).unwrap();
                prop_assert!(YES_WORDS.contains(&first.as_str()) || NO_WORDS.contains(&first.as_str()));
            }
        }

        /// However many shifts a phone is offered, the codes differ.
        #[test]
        fn codes_at_one_phone_differ(occs in proptest::collection::vec("[a-z0-9_]{1,12}", 1..60)) {
            let mut taken: Vec<String> = Vec::new();
            for (i, occ) in occs.iter().enumerate() {
                let code = offer_code(occ, &format!("emp_{i}"), &taken);
                prop_assert!(!taken.contains(&code) && is_code(&code));
                taken.push(code);
            }
        }

        #[test]
        fn every_code_parses_back(occ in "[A-Za-z0-9_]{1,40}") {
            let c = shift_code(&occ);
            prop_assert!(is_code(&c));
            prop_assert_eq!(parse_reply(&format!("YES {c}")), Reply::Yes(Some(c.clone())));
            prop_assert_eq!(parse_reply(&format!("no {}", c.to_lowercase())), Reply::No(Some(c)));
        }
    }
}
