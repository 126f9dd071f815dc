//! Which numbers the product may put a call through to or call from (toll fraud): every number
//! is classified by `phonenumber`, the Rust port of Google's libphonenumber, never by a prefix
//! list of our own.
//!
//! A number is dialable when it is a valid E.164 number of a country (no satellite,
//! international-network or other non-geographic range: +870, +881, +882, +883, +979, …), that
//! country is one the provider allows (`allowedCountries`; empty: the platform's country, the
//! country of `TWILIO_FROM_NUMBER`, or [`DEFAULT_COUNTRY`] when that is not known), its type is
//! one of a plain landline, a mobile or a free-phone number (never premium-rate, shared-cost,
//! personal, UAN, VoIP, pager or of unknown type: their price is not a standard call's, or is
//! unknown), and it is not one of the platform's own numbers (the line would call itself).

use phonenumber::{metadata::DATABASE, PhoneNumber, Type};
use std::str::FromStr;

/// The platform's country when `TWILIO_FROM_NUMBER` says none (the product's home market).
pub const DEFAULT_COUNTRY: &str = "AU";
/// Countries in `allowedCountries`, at most.
pub const MAX_ALLOWED_COUNTRIES: usize = 20;
/// The longest a call put through to an office may last (`<Dial timeLimit>`): a carer asking
/// about a shift needs minutes, not hours; 30 minutes bounds what one call-back can cost should
/// a number ever be abused.
pub const DIAL_TIME_LIMIT_SECS: u32 = 1800;

/// Why a number cannot be dialled: its `Display` is the message a coordinator reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("must be a phone number in international format (+61290000000)")]
    NotE164,
    #[error("is not a valid phone number")]
    Invalid,
    #[error("is a satellite, international-network or other non-geographic number, which calls are never put through to")]
    NonGeographic,
    #[error("is a number in {country}, which is not among the allowed countries ({allowed})")]
    CountryNotAllowed { country: String, allowed: String },
    #[error("is a {kind} number, which calls are never put through to (only landlines, mobiles and free-phone numbers)")]
    CostlyType { kind: &'static str },
    #[error("is the platform's own number: the line would call itself")]
    OwnNumber,
}

/// The number's type in words, when calls are never put through to it; `None` when they may be.
fn costly(t: Type) -> Option<&'static str> {
    match t {
        Type::FixedLine | Type::Mobile | Type::FixedLineOrMobile | Type::TollFree => None,
        Type::PremiumRate => Some("premium-rate"),
        Type::SharedCost => Some("shared-cost"),
        Type::PersonalNumber => Some("personal (forwarded)"),
        Type::Uan => Some("universal access (UAN)"),
        Type::Voip => Some("VoIP"),
        Type::Pager => Some("pager"),
        Type::Voicemail => Some("voicemail access"),
        Type::Emergency => Some("emergency"),
        Type::ShortCode | Type::StandardRate | Type::Carrier | Type::NoInternational => {
            Some("special-service")
        }
        Type::Unknown => Some("unknown-type"),
    }
}

fn parse(number: &str) -> Result<PhoneNumber, Refusal> {
    if !crate::model::is_e164(number) {
        return Err(Refusal::NotE164);
    }
    let parsed = phonenumber::parse(None, number).map_err(|_| Refusal::Invalid)?;
    if !parsed.is_valid() {
        return Err(Refusal::Invalid);
    }
    Ok(parsed)
}

/// The country (ISO 3166 alpha-2) of a valid number of a country; `None` for anything else.
pub fn country_of(number: &str) -> Option<String> {
    let parsed = parse(number).ok()?;
    parsed.country().id().map(|id| id.as_ref().to_string())
}

/// The platform's country: the country of its number (`TWILIO_FROM_NUMBER`), else
/// [`DEFAULT_COUNTRY`].
pub fn platform_country(platform_number: &str) -> String {
    country_of(platform_number).unwrap_or_else(|| DEFAULT_COUNTRY.to_string())
}

/// The countries calls may go to: the provider's `allowedCountries`, or the platform's
/// country when the provider has named none.
pub fn countries(allowed: &[String], platform_number: &str) -> Vec<String> {
    if allowed.is_empty() {
        vec![platform_country(platform_number)]
    } else {
        allowed.to_vec()
    }
}

/// An ISO 3166 alpha-2 code libphonenumber knows, in capitals (`au` → `AU`), or `None`.
pub fn country_code(code: &str) -> Option<String> {
    let upper = code.trim().to_ascii_uppercase();
    (upper.len() == 2 && phonenumber::country::Id::from_str(&upper).is_ok()).then_some(upper)
}

/// Whether `number` may be dialled for a provider allowing `countries` (already resolved by
/// [`countries`]), the platform's own numbers being `own`.
pub fn check(number: &str, countries: &[String], own: &[&str]) -> Result<(), Refusal> {
    let parsed = parse(number)?;
    let Some(id) = parsed.country().id() else {
        return Err(Refusal::NonGeographic);
    };
    if let Some(kind) = costly(parsed.number_type(&DATABASE)) {
        return Err(Refusal::CostlyType { kind });
    }
    let country: &str = id.as_ref();
    if !countries.iter().any(|c| c == country) {
        return Err(Refusal::CountryNotAllowed {
            country: country.to_string(),
            allowed: countries.join(", "),
        });
    }
    let e164 = parsed.format().mode(phonenumber::Mode::E164).to_string();
    if own.iter().any(|o| *o == number || *o == e164) {
        return Err(Refusal::OwnNumber);
    }
    Ok(())
}

/// A provider's office number (its `officeNumber` setting, dialled by the call-back line),
/// checked against its `allowedCountries`: the per-field message when it cannot be dialled
/// (nothing when there is none).
pub fn office_number_error(
    office_number: Option<&str>,
    allowed_countries: &[String],
    platform_number: &str,
) -> Option<String> {
    let number = office_number?;
    check(
        number,
        &countries(allowed_countries, platform_number),
        &[platform_number],
    )
    .err()
    .map(|r| r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLATFORM: &str = "+61200000000";

    fn au() -> Vec<String> {
        countries(&[], PLATFORM)
    }

    fn all() -> Vec<String> {
        ["AU", "US", "GB", "NZ"].map(String::from).to_vec()
    }

    #[test]
    fn landlines_and_mobiles_of_an_allowed_country_are_dialable() {
        assert_eq!(au(), vec!["AU".to_string()]);
        assert_eq!(check("+61290000000", &au(), &[PLATFORM]), Ok(()));
        assert_eq!(check("+61412345678", &au(), &[PLATFORM]), Ok(()));
        assert_eq!(
            check("+611800123456", &all(), &[PLATFORM]),
            Ok(()),
            "free-phone"
        );
        assert_eq!(check("+12025550123", &all(), &[PLATFORM]), Ok(()));
        assert_eq!(check("+442079460958", &all(), &[PLATFORM]), Ok(()));
    }

    #[test]
    fn premium_and_shared_cost_numbers_are_refused_whatever_the_countries() {
        for premium in ["+19002345678", "+449098765432", "+611900123456"] {
            let r = check(premium, &all(), &[]).unwrap_err();
            assert_eq!(
                r,
                Refusal::CostlyType {
                    kind: "premium-rate"
                },
                "{premium}"
            );
            assert!(r.to_string().contains("premium-rate"));
        }
        for shared in ["+611300123456", "+61131234"] {
            assert_eq!(
                check(shared, &all(), &[]),
                Err(Refusal::CostlyType {
                    kind: "shared-cost"
                }),
                "{shared}"
            );
        }
    }

    #[test]
    fn satellite_and_international_network_numbers_are_refused() {
        // Valid numbers of non-geographic ranges: satellite (+881, +870), international
        // networks (+882, +883), international shared cost (+808) and premium (+979).
        for n in [
            "+881612345678",
            "+870772001799",
            "+8823421234",
            "+883510012345",
            "+80812345678",
            "+979123456789",
        ] {
            let r = check(n, &all(), &[]).unwrap_err();
            assert_eq!(r, Refusal::NonGeographic, "{n}");
            assert!(r.to_string().contains("satellite"), "{r}");
        }
    }

    #[test]
    fn a_country_outside_the_allowed_ones_is_refused_with_them_named() {
        let r = check("+12025550123", &au(), &[PLATFORM]).unwrap_err();
        assert_eq!(
            r.to_string(),
            "is a number in US, which is not among the allowed countries (AU)"
        );
        assert_eq!(
            check("+6421123456", &["NZ".into()], &[]),
            Ok(()),
            "a provider that allows NZ"
        );
    }

    #[test]
    fn the_platforms_own_number_is_refused() {
        assert_eq!(check(PLATFORM, &au(), &[PLATFORM]), Err(Refusal::OwnNumber));
    }

    #[test]
    fn not_a_number_is_refused() {
        assert_eq!(check("0290000000", &au(), &[]), Err(Refusal::NotE164));
        assert_eq!(check("+61000000000", &au(), &[]), Err(Refusal::Invalid));
        assert_eq!(check("+6491234567", &all(), &[]), Err(Refusal::Invalid));
    }

    #[test]
    fn the_platforms_country_is_its_numbers_else_australia() {
        assert_eq!(platform_country("+12025550123"), "US");
        assert_eq!(platform_country(""), DEFAULT_COUNTRY);
        assert_eq!(platform_country("+15005550006x"), DEFAULT_COUNTRY);
        assert_eq!(countries(&["NZ".into()], PLATFORM), vec!["NZ".to_string()]);
    }

    #[test]
    fn country_codes_are_known_iso_codes() {
        assert_eq!(country_code("au").as_deref(), Some("AU"));
        assert_eq!(country_code("GB").as_deref(), Some("GB"));
        assert_eq!(country_code("XX"), None);
        assert_eq!(country_code("AUS"), None);
        assert_eq!(country_code(""), None);
    }
}
