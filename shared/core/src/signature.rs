//! Twilio's request signature (`X-Twilio-Signature`): base64(HMAC-SHA1(auth token,
//! full URL + every POST parameter name and value, sorted by name)).

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// The signature Twilio sends for a request to `url` with form parameters `params`.
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac =
        Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes keys of any size");
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

/// True when `signature` is what one of `auth_tokens` gives (two tokens during a rotation).
/// Fails closed: no token, or an empty or missing signature, is never valid.
pub fn is_valid(
    auth_tokens: &[String],
    url: &str,
    params: &[(String, String)],
    signature: Option<&str>,
) -> bool {
    let Some(signature) = signature.filter(|s| !s.is_empty()) else {
        return false;
    };
    auth_tokens
        .iter()
        .filter(|t| !t.is_empty())
        .fold(false, |ok, token| {
            let expected = sign(token, url, params);
            ok | bool::from(expected.as_bytes().ct_eq(signature.as_bytes()))
        })
}

/// `url` as written, and with its scheme's default port (`:443`, `:80`) added when it has none or
/// taken away when it has it. Twilio signs the exact URL it called, and whether that URL carried
/// the default port depends on how it was given; Twilio's own validators accept either.
pub fn default_port_variants(url: &str) -> [String; 2] {
    let other = (|| {
        let (scheme, rest) = url.split_once("://")?;
        let port = match scheme.to_ascii_lowercase().as_str() {
            "https" => ":443",
            "http" => ":80",
            _ => return None,
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let host_part = authority.rsplit('@').next().unwrap_or(authority);
        let has_port = host_part
            .rfind(':')
            .is_some_and(|i| i > host_part.rfind(']').unwrap_or(0) && !host_part.ends_with(']'));
        if let Some(without) = authority.strip_suffix(port) {
            Some(format!("{scheme}://{without}{tail}"))
        } else if !has_port && !authority.is_empty() {
            Some(format!("{scheme}://{authority}{port}{tail}"))
        } else {
            None // another port: only the URL as written
        }
    })();
    [url.to_string(), other.unwrap_or_else(|| url.to_string())]
}

/// [`is_valid`] for the URL with or without its default port ([`default_port_variants`]).
pub fn is_valid_any_port(
    auth_tokens: &[String],
    url: &str,
    params: &[(String, String)],
    signature: Option<&str>,
) -> bool {
    default_port_variants(url).iter().fold(false, |ok, u| {
        ok | is_valid(auth_tokens, u, params, signature)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn published_params() -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    const URL: &str = "https://example.com/myapp.php?foo=1&bar=2";

    #[test]
    fn twilios_published_example() {
        assert_eq!(
            sign("12345", URL, &published_params()),
            "L/OH5YylLD5NRKLltdqwSvS0BnU="
        );
        let tokens = vec!["12345".to_string()];
        assert!(is_valid(
            &tokens,
            URL,
            &published_params(),
            Some("L/OH5YylLD5NRKLltdqwSvS0BnU=")
        ));
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let mut p = published_params();
        p.reverse();
        assert_eq!(sign("12345", URL, &p), "L/OH5YylLD5NRKLltdqwSvS0BnU=");
    }

    #[test]
    fn fails_closed() {
        let tokens = vec!["12345".to_string()];
        let good = "L/OH5YylLD5NRKLltdqwSvS0BnU=";
        assert!(!is_valid(&tokens, URL, &published_params(), None));
        assert!(!is_valid(&tokens, URL, &published_params(), Some("")));
        assert!(!is_valid(&[], URL, &published_params(), Some(good)));
        assert!(!is_valid(
            &["".into()],
            URL,
            &published_params(),
            Some(good)
        ));
        assert!(!is_valid(
            &["54321".into()],
            URL,
            &published_params(),
            Some(good)
        ));
        // Same parameters, another URL: a signature cannot be replayed elsewhere.
        assert!(!is_valid(
            &tokens,
            "https://example.com/myapp.php?foo=1&bar=3",
            &published_params(),
            Some(good)
        ));
        let mut changed = published_params();
        changed[2].1 = "1".into();
        assert!(!is_valid(&tokens, URL, &changed, Some(good)));
    }

    #[test]
    fn either_token_during_rotation() {
        let tokens = vec!["old-token".to_string(), "12345".to_string()];
        assert!(is_valid(
            &tokens,
            URL,
            &published_params(),
            Some("L/OH5YylLD5NRKLltdqwSvS0BnU=")
        ));
    }

    #[test]
    fn the_default_port_is_optional_as_in_twilios_validators() {
        let tokens = vec!["12345".to_string()];
        let with_port = "https://example.com:443/myapp.php?foo=1&bar=2";
        let sig_without = sign("12345", URL, &published_params());
        let sig_with = sign("12345", with_port, &published_params());
        // Signed without the port, checked against a URL with it, and the other way round.
        assert!(is_valid_any_port(
            &tokens,
            with_port,
            &published_params(),
            Some(&sig_without)
        ));
        assert!(is_valid_any_port(
            &tokens,
            URL,
            &published_params(),
            Some(&sig_with)
        ));
        assert!(!is_valid(
            &tokens,
            URL,
            &published_params(),
            Some(&sig_with)
        ));
        // Only the scheme's own default port: :8443 or :80 on https is another URL.
        for other in [
            "https://example.com:8443/myapp.php?foo=1&bar=2",
            "https://example.com:80/myapp.php?foo=1&bar=2",
            "http://example.com/myapp.php?foo=1&bar=2",
        ] {
            let sig = sign("12345", other, &published_params());
            assert!(
                !is_valid_any_port(&tokens, URL, &published_params(), Some(&sig)),
                "{other}"
            );
        }
        assert_eq!(
            default_port_variants("http://127.0.0.1:3000/a"),
            ["http://127.0.0.1:3000/a", "http://127.0.0.1:3000/a"]
        );
        assert_eq!(
            default_port_variants("http://localhost/a?x=1"),
            ["http://localhost/a?x=1", "http://localhost:80/a?x=1"]
        );
        assert_eq!(
            default_port_variants("https://[::1]/a"),
            ["https://[::1]/a", "https://[::1]:443/a"]
        );
    }

    proptest! {
        #[test]
        fn default_port_variants_never_panic(url in ".{0,60}") {
            let [same, _] = default_port_variants(&url);
            prop_assert_eq!(same, url);
        }

        #[test]
        fn never_panics_and_only_its_own_signature_passes(
            url in ".{0,80}", k in "[A-Za-z]{1,10}", v in ".{0,40}", sig in ".{0,40}"
        ) {
            let params = vec![(k, v)];
            let tokens = vec!["secret".to_string()];
            let real = sign("secret", &url, &params);
            prop_assert!(is_valid(&tokens, &url, &params, Some(&real)));
            prop_assert_eq!(is_valid(&tokens, &url, &params, Some(&sig)), sig == real);
        }
    }
}
