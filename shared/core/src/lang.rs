//! Languages: BCP-47 tags as people and providers give them, the languages the product speaks
//! (every fixed prompt and SMS of `words` in each), which one a call speaks, and what Twilio's
//! `<Say>` is told. What each language says is `words`' (`Language::words`, `Speech::words`).
//!
//! A call speaks the first of these that the product speaks: the person's `language` (pool
//! entry), the provider's `defaultLanguage`, English. A tag names a spoken language by its
//! primary subtag (`es-MX` is Spanish); the region only picks `<Say>`'s accent.

/// The longest tag accepted (RFC 5646 asks for at least 35 characters to be handled).
pub const MAX_TAG_CHARS: usize = 64;

/// The languages the product speaks: every text of `words` exists in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    English,
    Spanish,
    French,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::English, Language::Spanish, Language::French];

    /// The primary subtag (ISO 639-1).
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Spanish => "es",
            Language::French => "fr",
        }
    }

    /// The language's name in English (the portal's labels).
    pub fn name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Spanish => "Spanish",
            Language::French => "French",
        }
    }

    /// The spoken language a well-formed tag names, if the product speaks it.
    pub fn of_tag(tag: &str) -> Option<Language> {
        if !is_well_formed(tag) {
            return None;
        }
        let primary = tag.split('-').next()?.to_ascii_lowercase();
        Language::ALL.into_iter().find(|l| l.code() == primary)
    }
}

/// The rule a tag the product speaks must follow, as an error message.
pub fn spoken_tag_rule() -> String {
    format!(
        "must be a language tag (BCP-47) of a language calls can speak: {}, optionally with a region such as es-MX or fr-CA",
        Language::ALL.map(Language::code).join(", ")
    )
}

/// The rule of any well-formed tag, as an error message.
pub const TAG_RULE: &str = "must be a BCP-47 language tag such as en, es, es-MX or fr-CA";

// ---------------------------------------------------------------- BCP-47 (RFC 5646 §2.1)

fn alpha(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphabetic())
}
fn digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}
fn alnum(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether `tag` is a well-formed language tag (RFC 5646 `langtag`: language, extended
/// language, script, region, variants, extensions, private use; the grandfathered tags are
/// not accepted). Case does not matter. The language subtag must be 2 or 3 letters (ISO 639):
/// the 4-8 letter forms the grammar reserves have no registered language, and refusing them
/// refuses a language's name ("Spanish") written where its tag belongs.
pub fn is_well_formed(tag: &str) -> bool {
    if tag.is_empty() || tag.len() > MAX_TAG_CHARS {
        return false;
    }
    let subtags: Vec<&str> = tag.split('-').collect();
    if subtags.iter().any(|s| s.is_empty() || !alnum(s)) {
        return false;
    }
    let mut i = 0;
    let n = subtags.len();
    let at = |i: usize| subtags.get(i).copied();
    // language: 2-3 letters, then up to three 3-letter extlangs.
    match at(i) {
        Some(l) if alpha(l) && (2..=3).contains(&l.len()) => {
            i += 1;
            let mut ext = 0;
            while ext < 3 && at(i).is_some_and(|s| alpha(s) && s.len() == 3) {
                i += 1;
                ext += 1;
            }
        }
        _ => return false,
    }
    // script: 4 letters.
    if at(i).is_some_and(|s| alpha(s) && s.len() == 4) {
        i += 1;
    }
    // region: 2 letters or 3 digits.
    if at(i).is_some_and(|s| (alpha(s) && s.len() == 2) || (digits(s) && s.len() == 3)) {
        i += 1;
    }
    // variants: 5-8 alphanumerics, or a digit and 3 alphanumerics; none twice.
    let mut variants: Vec<String> = Vec::new();
    while let Some(s) = at(i) {
        let is_variant =
            (5..=8).contains(&s.len()) || (s.len() == 4 && s.as_bytes()[0].is_ascii_digit());
        if !is_variant {
            break;
        }
        let v = s.to_ascii_lowercase();
        if variants.contains(&v) {
            return false;
        }
        variants.push(v);
        i += 1;
    }
    // extensions: a singleton (not x) and one or more 2-8 alphanumerics; none twice.
    let mut singletons: Vec<u8> = Vec::new();
    while let Some(s) = at(i) {
        if s.len() != 1 || s.eq_ignore_ascii_case("x") {
            break;
        }
        let c = s.as_bytes()[0].to_ascii_lowercase();
        if singletons.contains(&c) {
            return false;
        }
        singletons.push(c);
        i += 1;
        let start = i;
        while at(i).is_some_and(|s| (2..=8).contains(&s.len())) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    // private use: x and one or more 1-8 alphanumerics.
    if at(i).is_some_and(|s| s.eq_ignore_ascii_case("x")) {
        i += 1;
        let start = i;
        while at(i).is_some_and(|s| (1..=8).contains(&s.len())) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == n
}

/// The tag in its conventional case: language lower case, script title case, region upper case
/// (`ES-mx` → `es-MX`, `zh-hant-tw` → `zh-Hant-TW`). `None` when it is not well formed.
pub fn canonical(tag: &str) -> Option<String> {
    if !is_well_formed(tag) {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut after_singleton = false;
    for (i, s) in tag.split('-').enumerate() {
        let lower = s.to_ascii_lowercase();
        if i == 0 || after_singleton {
            out.push(lower);
        } else if s.len() == 1 {
            after_singleton = true;
            out.push(lower);
        } else if s.len() == 2 && alpha(s) {
            out.push(s.to_ascii_uppercase());
        } else if s.len() == 4 && alpha(s) {
            let mut c = lower.chars();
            let first = c.next().map(|f| f.to_ascii_uppercase());
            out.push(first.into_iter().chain(c).collect());
        } else {
            out.push(lower);
        }
    }
    Some(out.join("-"))
}

/// The primary subtag of a tag, lower case.
pub fn primary(tag: &str) -> String {
    tag.split('-').next().unwrap_or("").to_ascii_lowercase()
}

/// The region subtag of a well-formed tag, upper case, if it has one.
pub fn region(tag: &str) -> Option<String> {
    canonical(tag)?
        .split('-')
        .skip(1)
        .take_while(|s| s.len() != 1)
        .find(|s| (s.len() == 2 && alpha(s)) || (s.len() == 3 && digits(s)))
        .map(str::to_string)
}

// ---------------------------------------------------------------- Twilio's <Say>

/// The `language` values Twilio documents for `<Say>`: those of its basic voices (`man`,
/// `woman`) and the `language-REGION` locales its other voices share. Nothing else is ever
/// written into the attribute ([`say_language`] picks from this list only).
pub const TWILIO_SAY_LANGUAGES: &[&str] = &[
    "en", "en-gb", "es", "fr", "de", "it", "da-DK", "de-DE", "en-AU", "en-CA", "en-GB", "en-IN",
    "en-US", "ca-ES", "es-ES", "es-MX", "fi-FI", "fr-CA", "fr-FR", "it-IT", "ja-JP", "ko-KR",
    "nb-NO", "nl-NL", "pl-PL", "pt-BR", "pt-PT", "ru-RU", "sv-SE", "zh-CN", "zh-HK", "zh-TW",
];

/// What `<Say language="…">` is told for a call speaking `tag`: the tag's own locale when
/// Twilio has it (`en-AU`, `es-ES`, `fr-CA`), else the language's usual locale (Spanish:
/// `es-MX`, Latin American Spanish; French: `fr-FR`). English without a region gets no
/// attribute (Twilio's default, `en-US`), so English calls stay as they always were.
pub fn say_language(tag: &str) -> Option<&'static str> {
    let language = Language::of_tag(tag)?;
    let region = region(tag);
    // `language-REGION`, as Twilio writes its locales (never the basic voices' `en-gb`).
    let own = region.and_then(|r| {
        let wanted = format!("{}-{r}", language.code());
        TWILIO_SAY_LANGUAGES.iter().copied().find(|l| *l == wanted)
    });
    match language {
        Language::English => own,
        Language::Spanish => own.or(Some("es-MX")),
        Language::French => own.or(Some("fr-FR")),
    }
}

// ---------------------------------------------------------------- what a call speaks

/// How one call speaks: the tag it was chosen by (canonical) and the language of its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speech {
    pub tag: String,
    pub language: Language,
}

impl Speech {
    pub fn english() -> Speech {
        Speech {
            tag: "en".into(),
            language: Language::English,
        }
    }

    /// The speech of a tag stored with a call (or carried in its webhook URLs): English when
    /// the tag is missing, malformed or of a language the product does not speak.
    pub fn of(tag: &str) -> Speech {
        Speech::first(&[tag]).unwrap_or_else(Speech::english)
    }

    /// The first of `tags` the product speaks.
    fn first(tags: &[&str]) -> Option<Speech> {
        tags.iter().find_map(|t| {
            Some(Speech {
                language: Language::of_tag(t)?,
                tag: canonical(t)?,
            })
        })
    }

    /// What a person is spoken to in: their own language if the product speaks it, else the
    /// provider's default language, else English.
    pub fn choose(person: Option<&str>, provider_default: &str) -> Speech {
        let mut tags: Vec<&str> = person.into_iter().collect();
        tags.push(provider_default);
        Speech::first(&tags).unwrap_or_else(Speech::english)
    }

    /// `<Say>`'s `language` attribute for this call (see [`say_language`]).
    pub fn say_language(&self) -> Option<&'static str> {
        say_language(&self.tag)
    }

    /// True for English without a region: the speech every call had before languages, whose
    /// webhook URLs carry no `lang`.
    pub fn is_plain_english(&self) -> bool {
        self.tag == "en"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn well_formed_tags() {
        for t in [
            "en",
            "es",
            "es-MX",
            "es-419",
            "fr-CA",
            "zh-Hant-TW",
            "sr-Latn-RS",
            "de-CH-1996",
            "en-US-x-twain",
            "x-private",
            "zh-yue-HK",
            "sl-rozaj-biske",
            "en-a-bbb-x-a-ccc",
            "EN-au",
            "haw",
        ] {
            if t == "x-private" {
                assert!(
                    !is_well_formed(t),
                    "private use alone is not a language: {t}"
                );
                continue;
            }
            assert!(is_well_formed(t), "{t}");
        }
        for t in [
            "",
            "e",
            "english",
            "es_MX",
            "es-",
            "-es",
            "es--MX",
            "es-MXX1",
            "de-1996-1996",
            "en-a-bbb-a-ccc",
            "en-x",
            "en-a",
            "es MX",
            "ñ",
            "es-MX!",
            "123",
            &"a".repeat(65),
        ] {
            assert!(!is_well_formed(t), "{t}");
        }
    }

    #[test]
    fn tags_take_their_conventional_case() {
        assert_eq!(canonical("ES-mx").as_deref(), Some("es-MX"));
        assert_eq!(canonical("zh-hant-tw").as_deref(), Some("zh-Hant-TW"));
        assert_eq!(canonical("es-419").as_deref(), Some("es-419"));
        assert_eq!(canonical("en-a-bb-x-ab").as_deref(), Some("en-a-bb-x-ab"));
        assert_eq!(canonical("es_MX"), None);
        assert_eq!(region("es-mx").as_deref(), Some("MX"));
        assert_eq!(region("zh-Hant-TW").as_deref(), Some("TW"));
        assert_eq!(region("fr"), None);
    }

    #[test]
    fn a_tag_names_a_language_by_its_primary_subtag() {
        assert_eq!(Language::of_tag("es-MX"), Some(Language::Spanish));
        assert_eq!(Language::of_tag("FR-ca"), Some(Language::French));
        assert_eq!(Language::of_tag("en"), Some(Language::English));
        assert_eq!(Language::of_tag("de"), None);
        assert_eq!(Language::of_tag("es_MX"), None);
    }

    #[test]
    fn a_call_speaks_the_persons_language_then_the_providers_then_english() {
        assert_eq!(Speech::choose(Some("es-mx"), "en").tag, "es-MX");
        assert_eq!(Speech::choose(Some("de"), "fr").language, Language::French);
        assert_eq!(Speech::choose(Some("de"), "it").language, Language::English);
        assert_eq!(Speech::choose(None, "es").tag, "es");
        assert_eq!(Speech::choose(Some("bogus!"), "en"), Speech::english());
        assert_eq!(Speech::of("nonsense"), Speech::english());
        assert_eq!(Speech::of("fr-CA").language, Language::French);
    }

    #[test]
    fn say_gets_only_a_locale_twilio_documents() {
        assert_eq!(say_language("en"), None);
        assert_eq!(say_language("en-AU"), Some("en-AU"));
        assert_eq!(say_language("en-NZ"), None);
        assert_eq!(say_language("es"), Some("es-MX"));
        assert_eq!(say_language("es-es"), Some("es-ES"));
        assert_eq!(say_language("es-419"), Some("es-MX"));
        assert_eq!(say_language("fr"), Some("fr-FR"));
        assert_eq!(say_language("fr-CA"), Some("fr-CA"));
        assert_eq!(say_language("fr-BE"), Some("fr-FR"));
        assert_eq!(say_language("de-DE"), None, "not a language calls speak");
    }

    proptest! {
        #[test]
        fn any_tag_is_judged_without_a_panic_and_its_locale_is_documented(t in "[A-Za-z0-9-]{0,20}|.{0,20}") {
            let ok = is_well_formed(&t);
            prop_assert_eq!(canonical(&t).is_some(), ok);
            if let Some(c) = canonical(&t) {
                prop_assert!(is_well_formed(&c));
                prop_assert!(c.eq_ignore_ascii_case(&t));
                prop_assert_eq!(canonical(&c), Some(c.clone()));
            }
            if let Some(l) = say_language(&t) {
                prop_assert!(TWILIO_SAY_LANGUAGES.contains(&l));
            }
        }
    }
}
