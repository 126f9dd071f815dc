//! The API Gateway JWT authorizer, emulated: an HS256 token signed with `LOCAL_JWT_SECRET`
//! whose `exp` is in the future. Its claims reach the function as API Gateway passes them
//! (every value as a string). Issuer and audience are checked only in AWS.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};
use std::collections::HashMap;

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
    v.set_required_spec_claims(&["exp"]);
    let data = decode::<Map<String, Value>>(
        token.trim(),
        &DecodingKey::from_secret(secret.as_bytes()),
        &v,
    )
    .map_err(|e| format!("invalid token: {e}"))?;
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
