//! The privacy-safe name of a patient: the given name and the family name's initial
//! ("Margaret T."), the only form of a patient's name that is spoken, texted, logged or
//! exported. Names come in many shapes (family name first, particles, titles and flags,
//! scripts without initials); when the shape cannot be told, no name is given at all.

/// What the privacy-safe name is when no given name can be told apart from the surname.
pub const UNNAMED_PATIENT: &str = "a client";

/// Letters of scripts that write the family name first and have no initials (Han, kana,
/// Hangul).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x3040..=0x30FF | 0x3130..=0x318F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Generational suffixes that follow a surname ("Thompson Jr.").
fn is_suffix(word: &str) -> bool {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    matches!(w.as_str(), "jr" | "sr" | "ii" | "iii" | "iv")
}

/// Words that are no part of a name and are never spoken: generational suffixes, titles,
/// honours and post-nominals, and the clinical or administrative flags records carry next to a
/// name ("Margaret Thompson, DNR", "Thompson (NOK)"). The two-letter honours (AM, AO, AC)
/// only in capitals, so a name such as "Am" or "Ao" is kept.
fn is_flag(word: &str) -> bool {
    if is_suffix(word) {
        return true;
    }
    let w = clean_word(word);
    if matches!(w.as_str(), "AM" | "AO" | "AC") {
        return true;
    }
    matches!(
        w.to_lowercase().as_str(),
        "dnr"
            | "nfr"
            | "dnacpr"
            | "dni"
            | "nok"
            | "poa"
            | "epoa"
            | "vip"
            | "deceased"
            | "oam"
            | "mbe"
            | "obe"
            | "cbe"
            | "kbe"
            | "dbe"
            | "phd"
            | "esq"
            | "mr"
            | "mrs"
            | "ms"
            | "mx"
            | "miss"
            | "dr"
            | "prof"
            | "rev"
    )
}

/// Vietnamese family names (with and without their marks): written first, before the middle
/// and given names ("Nguyễn Văn An").
fn is_vietnamese_family(word: &str) -> bool {
    matches!(
        clean_word(word).to_lowercase().as_str(),
        "nguyễn"
            | "nguyen"
            | "trần"
            | "tran"
            | "lê"
            | "le"
            | "phạm"
            | "pham"
            | "hoàng"
            | "hoang"
            | "huỳnh"
            | "huynh"
            | "phan"
            | "vũ"
            | "vu"
            | "võ"
            | "vo"
            | "đặng"
            | "dang"
            | "bùi"
            | "bui"
            | "đỗ"
            | "do"
            | "hồ"
            | "ho"
            | "ngô"
            | "ngo"
            | "dương"
            | "duong"
            | "lý"
            | "ly"
            | "đinh"
            | "dinh"
            | "trương"
            | "truong"
            | "đào"
            | "dao"
            | "lương"
            | "luong"
            | "lâm"
            | "lam"
    )
}

/// Vietnamese middle names that mark the family-name-first order ("Văn", "Thị").
fn is_vietnamese_middle(word: &str) -> bool {
    matches!(
        clean_word(word).to_lowercase().as_str(),
        "văn" | "van" | "thị" | "thi"
    )
}

/// Letters only Vietnamese writes among the languages a name here comes in (ă, ơ, ư, đ and
/// the vowels with a tone mark under or above a circumflex or horn).
fn is_vietnamese_letter(c: char) -> bool {
    matches!(
        c,
        'ă' | 'Ă' | 'ơ' | 'Ơ' | 'ư' | 'Ư' | 'đ' | 'Đ' | 'ĩ' | 'Ĩ' | 'ũ' | 'Ũ'
    ) || ('\u{1EA0}'..='\u{1EF9}').contains(&c)
}

/// A word written in capitals (two letters or more): records write the family name so
/// ("THOMPSON Margaret").
fn is_capitals(word: &str) -> bool {
    let w = clean_word(word);
    let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
}

fn has_cjk(word: &str) -> bool {
    word.chars().any(is_cjk)
}

/// Words that begin a surname ("van der Berg", "de los Santos", "bin Ahmad").
fn is_particle(word: &str) -> bool {
    let w = word.to_lowercase();
    matches!(
        w.as_str(),
        "van"
            | "von"
            | "vom"
            | "de"
            | "der"
            | "den"
            | "del"
            | "della"
            | "di"
            | "da"
            | "du"
            | "dos"
            | "das"
            | "los"
            | "las"
            | "la"
            | "le"
            | "st"
            | "st."
            | "ter"
            | "ten"
            | "bin"
            | "binti"
            | "ibn"
            | "al"
            | "el"
            | "y"
            | "mac"
            | "o'"
    )
}

/// A word of a name as shown: its letters and marks, with `-` and `'` kept inside it.
fn clean_word(word: &str) -> String {
    let kept: String = word
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '\'' | '’'))
        .take(40)
        .collect();
    kept.trim_matches(|c| matches!(c, '-' | '\'' | '’'))
        .to_string()
}

fn words(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '"'))
        .filter(|w| !clean_word(w).is_empty())
        .collect()
}

/// A name's words, flags left out.
fn name_words(s: &str) -> Vec<&str> {
    words(s).into_iter().filter(|w| !is_flag(w)).collect()
}

/// `full` without its bracketed parts, and the bracketed parts (an unclosed bracket runs to
/// the end).
fn brackets(full: &str) -> (String, Vec<String>) {
    let mut outside = String::new();
    let mut inside: Vec<String> = Vec::new();
    let mut depth = 0usize;
    for c in full.chars() {
        match c {
            '(' | '[' => {
                if depth == 0 {
                    inside.push(String::new());
                    outside.push(' ');
                }
                depth += 1;
            }
            ')' | ']' if depth > 0 => depth -= 1,
            ')' | ']' => outside.push(' '),
            c if depth > 0 => {
                if let Some(last) = inside.last_mut() {
                    last.push(c);
                }
            }
            c => outside.push(c),
        }
    }
    (outside, inside)
}

/// A name split into its given names and its family name, as far as it can be told.
struct Parts<'a> {
    given: Vec<&'a str>,
    family: Vec<&'a str>,
}

/// How `full` divides into given and family names; `None` when it cannot be told safely.
fn parts<'a>(outside: &'a str, bracketed: &'a [String]) -> Option<Parts<'a>> {
    let pieces: Vec<Vec<&str>> = outside
        .split([',', ';'])
        .map(name_words)
        .filter(|ws| !ws.is_empty())
        .collect();
    let given_in_brackets: Vec<&str> = bracketed
        .iter()
        .map(|b| name_words(b))
        .find(|ws| !ws.is_empty())
        .unwrap_or_default();
    match pieces.as_slice() {
        [] => None,
        // "Thompson, Margaret": a comma puts the family name first, unless what follows it is
        // written as a family name is ("Margaret Thompson, FALLS"): unsure.
        [family, given] => {
            if given.iter().all(|w| is_capitals(w)) && !family.iter().all(|w| is_capitals(w)) {
                return None;
            }
            Some(Parts {
                given: given.clone(),
                family: family.clone(),
            })
        }
        [_, _, ..] => None,
        [ws] => one_piece(ws, &given_in_brackets),
    }
}

/// A name without a comma.
fn one_piece<'a>(ws: &[&'a str], given_in_brackets: &[&'a str]) -> Option<Parts<'a>> {
    // "Thompson (Margaret)": one word and a bracketed given name.
    if let ([family], [given, ..]) = (ws, given_in_brackets) {
        return Some(Parts {
            given: vec![*given],
            family: vec![*family],
        });
    }
    // Han, kana and Hangul: the family name first; written next to a name in Latin letters
    // ("Margaret 汤普森"), the Latin words are the given names.
    if ws.iter().any(|w| has_cjk(w)) {
        let latin: Vec<&str> = ws.iter().copied().filter(|w| !has_cjk(w)).collect();
        let cjk: Vec<&str> = ws.iter().copied().filter(|w| has_cjk(w)).collect();
        return match (latin.as_slice(), cjk.as_slice()) {
            ([_, ..], _) => Some(Parts {
                given: latin,
                family: cjk,
            }),
            ([], [family @ .., given]) if !family.is_empty() => Some(Parts {
                given: vec![given],
                family: family.to_vec(),
            }),
            _ => None,
        };
    }
    // Words in capitals among others are the family name ("THOMPSON Margaret").
    let capitals: Vec<&str> = ws.iter().copied().filter(|w| is_capitals(w)).collect();
    if !capitals.is_empty() && capitals.len() < ws.len() {
        return Some(Parts {
            given: ws.iter().copied().filter(|w| !is_capitals(w)).collect(),
            family: capitals,
        });
    }
    // Vietnamese: the family name first, the given name last ("Nguyễn Văn An"). A first word
    // that is a Vietnamese family name with nothing else to show the order: unsure.
    if ws.len() >= 2 && is_vietnamese_family(ws[0]) {
        let marked = ws.iter().any(|w| w.chars().any(is_vietnamese_letter))
            || (ws.len() >= 3 && is_vietnamese_middle(ws[1]));
        if !marked {
            return None;
        }
        return Some(Parts {
            given: vec![ws[ws.len() - 1]],
            family: vec![ws[0]],
        });
    }
    // "Given [Middle…] Family", particles ("van der Berg") belonging to the family name.
    match ws.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            let mut split = rest.len();
            while split > 1 && is_particle(rest[split - 1]) {
                split -= 1;
            }
            let mut family = rest[split..].to_vec();
            family.push(last);
            Some(Parts {
                given: rest[..split].to_vec(),
                family,
            })
        }
        Some((last, _)) => Some(Parts {
            given: Vec::new(),
            family: vec![last],
        }),
        None => None,
    }
}

/// "Margaret Thompson" → "Margaret T.": a given name and the family name's initial, never the
/// family name, for every shape of name:
///
/// - "Given [Middle…] Family" (particles included: "Ludwig van Beethoven" → "Ludwig V.");
/// - "Family, Given [Middle…]" (a comma puts the family name first) → "Given F.";
/// - a family name in capitals, before or after: "THOMPSON Margaret" → "Margaret T.";
/// - a bracketed given name: "Thompson (Margaret)" → "Margaret T." (after a given name the
///   brackets hold a nickname, left out);
/// - Vietnamese order, family name first and given name last: "Nguyễn Văn An" → "An N.";
/// - Han, kana and Hangul names, family name first and with no initials: "山田 太郎" →
///   "太郎", "Margaret 汤普森" → "Margaret"; one word ("王小明") → [`UNNAMED_PATIENT`];
/// - one word ("Thompson"): it may be the family name, so only its initial: "T.";
/// - suffixes, titles, honours and flags ("Jr", "III", "OAM", "Mrs", ", DNR", "(NOK)") are
///   left out, never spoken;
/// - when the order cannot be told ("Nguyen An" with no mark of Vietnamese order, several
///   commas, a comma before words in capitals) or nothing is usable → [`UNNAMED_PATIENT`],
///   which the texts say as "your client" in their language.
///
/// The result holds only letters, digits, `-`, `'`, spaces and `.`.
pub fn privacy_safe_name(full: &str) -> String {
    let (outside, bracketed) = brackets(full);
    let Some(Parts { given, family }) = parts(&outside, &bracketed) else {
        return UNNAMED_PATIENT.to_string();
    };
    let family_is_cjk = family.iter().any(|w| has_cjk(w));
    let initial: Option<String> = family
        .first()
        .and_then(|w| clean_word(w).chars().find(|c| c.is_alphabetic()))
        .filter(|_| !family_is_cjk)
        // One character: some capitals are a letter and a combining mark ('ΐ' → "Ϊ́").
        .map(|c| {
            c.to_uppercase()
                .next()
                .filter(|u| u.is_alphanumeric())
                .unwrap_or(c)
                .to_string()
        });
    // A Vietnamese middle name ("Văn") before the given name is passed over.
    let vietnamese = family.first().is_some_and(|f| is_vietnamese_family(f));
    let given_word = match given.as_slice() {
        [middle, .., last] if vietnamese && is_vietnamese_middle(middle) => Some(*last),
        ws => ws.first().copied(),
    };
    let given = given_word
        .map(clean_word)
        .filter(|g| g.chars().any(char::is_alphabetic));
    match (given, initial) {
        (Some(g), Some(i)) => format!("{g} {i}."),
        (Some(g), None) => g,
        (None, Some(i)) => format!("{i}."),
        (None, None) => UNNAMED_PATIENT.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn privacy_safe_names_for_every_shape() {
        for (full, safe) in [
            ("Margaret Thompson", "Margaret T."),
            ("  mary anne o'brien ", "mary O."),
            ("Thompson", "T."),
            ("THOMPSON, Margaret", "Margaret T."),
            ("Thompson,Margaret Anne", "Margaret T."),
            ("Mary-Jane Watson-Parker", "Mary-Jane W."),
            ("Ludwig van Beethoven", "Ludwig V."),
            ("Maria de los Santos", "Maria D."),
            ("Tom Smith Jr.", "Tom S."),
            ("Margaret (Peggy) Thompson", "Margaret T."),
            ("Ólafur Ragnarsson", "Ólafur R."),
            ("Анна Иванова", "Анна И."),
            ("山田 太郎", "太郎"),
            ("王小明", UNNAMED_PATIENT),
            ("", UNNAMED_PATIENT),
            ("  , ", UNNAMED_PATIENT),
            ("Al\u{0}ice Smi\u{7}th", "Alice S."),
            ("\"Thompson\"", "T."),
            ("Zoë ΐakos", "Zoë \u{399}."),
            // Family name first, as Australian records write it.
            ("THOMPSON Margaret", "Margaret T."),
            ("THOMPSON Margaret Anne", "Margaret T."),
            ("Margaret THOMPSON", "Margaret T."),
            ("Thompson, Margaret", "Margaret T."),
            ("Thompson (Margaret)", "Margaret T."),
            ("Thompson [Margaret]", "Margaret T."),
            ("O'BRIEN Mary", "Mary O."),
            // Vietnamese: family name first, given name last.
            ("Nguyễn Văn An", "An N."),
            ("Trần Thị Mai", "Mai T."),
            ("Nguyen Van An", "An N."),
            ("NGUYEN Van An", "An N."),
            ("Nguyễn An", "An N."),
            ("An Nguyen", "An N."),
            ("Nguyen An", UNNAMED_PATIENT),
            // Chinese, Japanese, Korean: family name first, no initial.
            ("Margaret 汤普森", "Margaret"),
            ("王 小明", "小明"),
            ("김 민준", "민준"),
            ("山田太郎", UNNAMED_PATIENT),
            // Suffixes, titles, honours and flags are never spoken.
            ("Margaret Thompson, DNR", "Margaret T."),
            ("Margaret Thompson DNR", "Margaret T."),
            ("Thompson (NOK)", "T."),
            ("Margaret Thompson (NOK)", "Margaret T."),
            ("Mrs Margaret Thompson", "Margaret T."),
            ("John Thompson Sr", "John T."),
            ("John Thompson III", "John T."),
            ("Margaret Thompson OAM", "Margaret T."),
            ("Margaret Thompson AM", "Margaret T."),
            ("Thompson, Margaret, DNR", "Margaret T."),
            ("THOMPSON Margaret (NOK) DNR", "Margaret T."),
            // Unsure: said as "your client".
            ("Margaret Thompson, FALLS RISK", UNNAMED_PATIENT),
            ("Thompson, Margaret, Anne", UNNAMED_PATIENT),
            ("DNR", UNNAMED_PATIENT),
        ] {
            assert_eq!(privacy_safe_name(full), safe, "{full:?}");
        }
    }

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Z][a-z]{1,11}",
            "[a-z]{2,12}",
            "[A-Z][a-z]{1,6}-[A-Z][a-z]{1,6}",
            "[A-Z]'[A-Z][a-z]{1,8}",
            "[À-Þ][à-ÿ]{1,8}",
            "[А-Я][а-я]{1,10}",
        ]
    }

    /// Suffixes, titles, honours and flags, as records carry them.
    const FLAGS: [&str; 12] = [
        ", DNR", " DNR", " Jr", " Jr.", " (NOK)", " Sr", " III", " OAM", ", NFR", " (DNR)", " AM",
        ", Dr",
    ];

    const VIETNAMESE_FAMILY: [&str; 6] = ["Nguyễn", "Trần", "Phạm", "Hoàng", "Nguyen", "Tran"];
    const VIETNAMESE_MIDDLE: [&str; 4] = ["Văn", "Thị", "Van", "Thi"];

    fn cjk_word() -> impl Strategy<Value = String> {
        prop_oneof!["[一-龥]{1,3}", "[가-힣]{1,3}", "[ぁ-ゖ]{2,4}"]
    }

    /// Whether `family` (a word) shows in `safe`, beyond its initial.
    fn shows(safe: &str, family: &str) -> bool {
        let core = clean_word(family).to_lowercase();
        core.chars().count() >= 2 && safe.to_lowercase().contains(&core)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever the shape, the family name never appears (at most its initial), and no
        /// flag or suffix does.
        #[test]
        fn the_surname_never_shows(
            given in proptest::collection::vec(word(), 1..4),
            particles in proptest::collection::vec(prop_oneof!["van", "de", "der", "von", "da", "le"], 0..3),
            surname in word(),
            shape in 0..8u8,
            flags in proptest::collection::vec(0..FLAGS.len(), 0..3),
        ) {
            // A given name that holds the family name, or that is itself a word these rules
            // read otherwise, says nothing about the rule.
            prop_assume!(!given.iter().any(|g| shows(g, &surname)));
            prop_assume!(!given.iter().chain([&surname]).any(|g| is_flag(g) || is_particle(g) || is_vietnamese_family(g) || is_capitals(g)));
            let family = particles.iter().cloned().chain([surname.clone()]).collect::<Vec<_>>().join(" ");
            let full = match shape {
                0 => format!("{} {family}", given.join(" ")),
                1 => format!("{family}, {}", given.join(" ")),
                2 => format!("{},{}", family.to_uppercase(), given.join(" ")),
                3 => format!("{} {}", surname.to_uppercase(), given.join(" ")),
                4 => format!("{} {}", given.join(" "), surname.to_uppercase()),
                5 => format!("{surname} ({})", given.join(" ")),
                6 => format!("{} ({}) {family}", given[0], given.last().unwrap()),
                _ => format!("  {}   {family} Jr. ", given.join("  ")),
            };
            let full = flags.iter().fold(full, |f, i| format!("{f}{}", FLAGS[*i]));
            let safe = privacy_safe_name(&full);
            prop_assert!(!shows(&safe, &surname), "{:?} → {:?}", full, safe);
            for flag in FLAGS {
                let flag = clean_word(flag.trim_start_matches([',', ' ']));
                prop_assert!(!safe.split(' ').any(|w| clean_word(w) == flag), "{:?} → {:?}", full, safe);
            }
            prop_assert!(safe != UNNAMED_PATIENT, "a name of a known shape is named: {:?}", full);
        }

        /// Vietnamese order: the given name last, the family name never said.
        #[test]
        fn a_vietnamese_family_name_never_shows(
            family in 0..VIETNAMESE_FAMILY.len(),
            middle in 0..VIETNAMESE_MIDDLE.len(),
            given in "[A-Z][a-z]{1,6}",
            capitals in any::<bool>(),
            flags in proptest::collection::vec(0..FLAGS.len(), 0..2),
        ) {
            let surname = VIETNAMESE_FAMILY[family];
            prop_assume!(!is_vietnamese_family(&given) && !is_vietnamese_middle(&given) && !is_flag(&given));
            let surname_written = if capitals { surname.to_uppercase() } else { surname.to_string() };
            let full = format!("{surname_written} {} {given}", VIETNAMESE_MIDDLE[middle]);
            let full = flags.iter().fold(full, |f, i| format!("{f}{}", FLAGS[*i]));
            let safe = privacy_safe_name(&full);
            prop_assert!(!shows(&safe, surname), "{:?} → {:?}", full, safe);
            prop_assert_eq!(safe, format!("{given} {}.", surname.chars().next().unwrap().to_uppercase()));
        }

        /// Han, kana and Hangul: family name first, never said; no initial.
        #[test]
        fn a_cjk_family_name_never_shows(
            family in cjk_word(),
            given in cjk_word(),
            latin_given in proptest::option::of("[A-Z][a-z]{2,8}"),
        ) {
            prop_assume!(!given.contains(&family) && !family.contains(&given));
            let full = match &latin_given {
                Some(g) => format!("{g} {family}"),
                None => format!("{family} {given}"),
            };
            let safe = privacy_safe_name(&full);
            prop_assert!(!safe.contains(&family), "{:?} → {:?}", full, safe);
        }

        /// Any input at all: no panic, a short result of letters, marks, `-`, `'`, `.` and
        /// spaces (no control characters), and never the last word of a plainly written name
        /// (no comma, brackets, capitals or Vietnamese family name first).
        #[test]
        fn any_input_gives_a_short_safe_name(full in ".{0,200}") {
            let safe = privacy_safe_name(&full);
            prop_assert!(safe.chars().count() <= 43);
            prop_assert!(safe.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '\'' | '’' | '.' | ' ')), "{:?}", safe);
            let ws = name_words(&full);
            let plain = !full.contains([',', ';', '(', ')', '[', ']'])
                && !full.chars().any(is_cjk)
                && !ws.iter().any(|w| is_capitals(w));
            if plain && ws.len() >= 2 && !is_vietnamese_family(ws[0]) {
                let last = clean_word(ws[ws.len() - 1]);
                let first = clean_word(ws[0]);
                if last.chars().count() >= 2 && !first.contains(&last) {
                    prop_assert!(!safe.contains(&last), "{:?} → {:?}", full, safe);
                }
            }
        }
    }
}
