//! A PATCH of the settings, checked field by field by the table's rules; and the README's
//! settings table, made from the same table.

use super::{field, Change, FieldErrors, Settings, FIELDS};
use serde_json::Value;

/// A checked partial update: only the fields the caller sent, each as its setting's type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    changes: Vec<Change>,
}

/// The settings' names, as an unknown field's error lists them.
fn names() -> String {
    FIELDS.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

impl SettingsPatch {
    /// Check a PATCH body. Every problem is reported at once, each under its field's name.
    pub fn from_json(body: &Value) -> Result<SettingsPatch, FieldErrors> {
        let mut errors = FieldErrors::new();
        let Some(obj) = body.as_object() else {
            errors.insert("body".into(), "must be a JSON object".into());
            return Err(errors);
        };
        let mut changes = Vec::new();
        for (key, v) in obj {
            let Some(f) = field(key) else {
                // An unknown name is named back only when it looks like a name: whatever else
                // a caller sends as a key (long, odd characters) is not echoed.
                if key.len() <= 64 && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    errors.insert(key.clone(), format!("is not a setting (use {})", names()));
                } else {
                    errors.insert(
                        "body".into(),
                        format!("has a field that is not a setting (use {})", names()),
                    );
                }
                continue;
            };
            let Some(value) = f.rule.check(f.name, v, &mut errors) else {
                continue;
            };
            match Change::of(f.name, value) {
                Some(Ok(change)) => changes.push(change),
                // A rule let through what its setting's type cannot hold: refused, never saved.
                _ => {
                    errors.insert(f.name.into(), f.rule.message());
                }
            }
        }
        if errors.is_empty() {
            Ok(SettingsPatch { changes })
        } else {
            Err(errors)
        }
    }

    /// Whether the patch sets the setting `name` (its JSON name).
    pub fn sets(&self, name: &str) -> bool {
        self.changes.iter().any(|c| c.name() == name)
    }

    /// `s` with the patch's fields changed.
    pub fn apply(&self, s: &Settings) -> Settings {
        let mut next = s.clone();
        for change in &self.changes {
            change.apply(&mut next);
        }
        next
    }
}

/// A default as the README shows it: its JSON, a long text cut to its start.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().count() > 24 => {
            format!("`\"{}…\"`", s.chars().take(20).collect::<String>())
        }
        v => format!("`{v}`"),
    }
}

/// The README's settings table (setting, default, rule, meaning), one row per setting in the
/// table's order. `cargo test -p callout-core readme` fails when README.md's differs.
pub fn readme_table() -> String {
    let defaults = serde_json::to_value(Settings::default()).unwrap_or_default();
    let mut out = String::from("| setting | default | rule | meaning |\n|---|---|---|---|\n");
    for f in FIELDS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            f.name,
            shown(&defaults[f.name]),
            f.rule.describe(),
            f.help.trim()
        ));
    }
    out
}
