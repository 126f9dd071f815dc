//! The API Gateway JWT authorizer, emulated: an HS256 token signed with `LOCAL_JWT_SECRET`
//! whose `exp` is in the future and whose `nbf`, when present, is not, both within
//! [`LEEWAY_SECS`] of clock skew and both whole numbers (a string or a fraction is refused); and whose `provider_id` is an identifier
//! (`callout_core::validate::provider_claim`: a number, array, object, null, empty or overlong
//! value is refused, 401). Its claims reach the function as API Gateway passes them (every
//! value as a string). Issuer and audience are checked only in AWS.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The clock skew allowed on `exp` and `nbf`, in seconds (README, docs/DEPLOY.md).
pub const LEEWAY_SECS: u64 = 5;

pub fn claims(
    secret: &str,
    authorization: Option<&str>,
) -> Result<HashMap<String, String>, String> {
    let token = authorization
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .ok_or("missing Bearer token")?;
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_aud = false;
    v.validate_nbf = true;
    v.leeway = LEEWAY_SECS;
    v.set_required_spec_claims(&["exp"]);
    let data = decode::<Map<String, Value>>(
        token.trim(),
        &DecodingKey::from_secret(secret.as_bytes()),
        &v,
    )
    .map_err(|e| format!("invalid token: {e}"))?;
    // The library passes over an `nbf` it cannot read as a whole number (a string, a fraction):
    // such a token is refused, as is an `exp` of that kind.
    for name in ["exp", "nbf"] {
        if let Some(v) = data.claims.get(name) {
            if v.as_i64().is_none() {
                return Err(format!("{name} must be a whole number of seconds"));
            }
        }
    }
    match data.claims.get("provider_id") {
        Some(Value::String(p)) if callout_core::validate::provider_claim(Some(p)).is_some() => {}
        _ => return Err("provider_id must be 1 to 128 characters of A-Z a-z 0-9 _ - . : @".into()),
    }
    Ok(data
        .claims
        .into_iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s,
                Value::Array(items) => format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|i| i.as_str().map(String::from).unwrap_or(i.to_string()))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                other => other.to_string(),
            };
            (k, s)
        })
        .collect())
}

/// A token for `provider_id`, valid for `ttl_secs` (for the demo, tests and local use).
pub fn token(secret: &str, provider_id: &str, ttl_secs: i64) -> String {
    let exp = chrono::Utc::now().timestamp() + ttl_secs;
    let claims = serde_json::json!({ "sub": format!("coordinator@{provider_id}"), "provider_id": provider_id, "exp": exp });
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 encoding cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn signed(claims: Value) -> String {
        let t = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"s"),
        )
        .unwrap();
        format!("Bearer {t}")
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn nbf_is_honoured_within_the_leeway() {
        let ok = |nbf: i64| {
            claims(
                "s",
                Some(&signed(
                    json!({"provider_id": "p1", "exp": now() + 600, "nbf": nbf}),
                )),
            )
        };
        assert!(ok(now() - 10).is_ok());
        assert!(ok(now() + 2).is_ok(), "within the leeway");
        assert!(ok(now() + 60).is_err(), "not yet valid");
        let expired = json!({"provider_id": "p1", "exp": now() - 60});
        assert!(claims("s", Some(&signed(expired))).is_err());
    }

    #[test]
    fn an_nbf_or_exp_that_is_not_a_whole_number_is_refused() {
        let with = |extra: Value| {
            let mut c = json!({"provider_id": "p1", "exp": now() + 600});
            for (k, v) in extra.as_object().unwrap() {
                c[k] = v.clone();
            }
            claims("s", Some(&signed(c)))
        };
        assert!(with(json!({"nbf": now() - 10})).is_ok());
        for bad in [
            json!({"nbf": "soon"}),
            json!({"nbf": (now() + 3600).to_string()}),
            json!({"nbf": (now() + 3600) as f64 + 0.5}),
            json!({"nbf": null}),
            json!({"nbf": [1]}),
            json!({"exp": (now() + 600) as f64 + 0.5}),
        ] {
            assert!(with(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn provider_id_must_be_an_identifier_string() {
        let with = |p: Value| {
            claims(
                "s",
                Some(&signed(json!({"provider_id": p, "exp": now() + 600}))),
            )
        };
        assert_eq!(with(json!("prov_1")).unwrap()["provider_id"], "prov_1");
        for bad in [
            json!(123),
            json!(["a"]),
            json!({"a": 1}),
            Value::Null,
            json!(""),
            json!("null"),
            json!("a/b"),
            json!("p".repeat(3000)),
        ] {
            assert!(with(bad.clone()).is_err(), "{bad}");
        }
        assert!(claims("s", Some(&signed(json!({"exp": now() + 600})))).is_err());
    }
}
