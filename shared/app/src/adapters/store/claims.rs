//! Once-only effects of a shift (a confirmation SMS, an event): a claim attribute `{flag}` on
//! the shift item holding when it was claimed, and `{flag}Done` once the effect is done.

use super::codec::{fixed_time, get_time, s, Item};
use super::error::{ConditionalResult, DbResult, Written};
use super::keys::{attr, shift_key};
use super::Store;
use anyhow::Result;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};

/// Where a once-only effect of a shift stands (see [`Store::claim_once`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This caller claimed it: do it. `abandoned`: the time of an earlier claim it took over
    /// (its holder died, maybe after the effect and before marking it done).
    Claimed { abandoned: Option<DateTime<Utc>> },
    /// Done already.
    Done,
    /// Claimed by someone else at this time and not done yet.
    InProgress(DateTime<Utc>),
}

/// Where a claim stands by the shift item `old` that refused it (empty: no shift).
pub(crate) fn refused_claim(old: &Item, flag: &str) -> Claim {
    if old.is_empty() || old.contains_key(&attr::done(flag)) {
        return Claim::Done;
    }
    match get_time(old, flag) {
        Some(at) => Claim::InProgress(at),
        None => Claim::Done,
    }
}

impl Store {
    /// Claim a once-only side effect of a shift (a confirmation SMS, an event) at `now`: the
    /// one caller that gets [`Claim::Claimed`] performs it, then calls [`Store::complete_once`].
    /// A claim older than `stale_before` and not done was abandoned (its holder crashed
    /// between the claim and the effect): it is taken over, so nothing is lost.
    pub async fn claim_once(
        &self,
        occ: &str,
        flag: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<Claim> {
        let result = self
            .update(shift_key(occ))
            .update_expression("SET #f = :t")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(#d) AND (attribute_not_exists(#f) OR #f < :stale)",
            )
            .expression_attribute_names("#f", flag)
            .expression_attribute_names("#d", attr::done(flag))
            // One fixed width, so that the string comparison is the time order.
            .expression_attribute_values(":t", fixed_time(now))
            .expression_attribute_values(":stale", fixed_time(stale_before))
            .return_values(ReturnValue::UpdatedOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await
            .written()?;
        let old = match result {
            Written::Done(out) => {
                let abandoned = out.attributes.as_ref().and_then(|old| get_time(old, flag));
                return Ok(Claim::Claimed { abandoned });
            }
            Written::ConditionFailed { old: Some(item) } => item,
            Written::ConditionFailed { old: None } => self
                .get(shift_key(occ))
                .send()
                .await
                .db()?
                .item
                .unwrap_or_default(),
        };
        Ok(refused_claim(&old, flag))
    }

    /// The claimed effect is done: nobody performs it again.
    pub async fn complete_once(&self, occ: &str, flag: &str) -> Result<()> {
        self.update(shift_key(occ))
            .update_expression("SET #d = :t")
            .expression_attribute_names("#d", attr::done(flag))
            .expression_attribute_values(":t", s(Utc::now().to_rfc3339()))
            .send()
            .await
            .db()?;
        Ok(())
    }

    /// Give a claim back when its side effect failed, so a retry performs it.
    pub async fn release_once(&self, occ: &str, flag: &str) -> Result<()> {
        self.update(shift_key(occ))
            .update_expression("REMOVE #f")
            .expression_attribute_names("#f", flag)
            .send()
            .await
            .db()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_claim_reads_as_done_or_in_progress() {
        let at: DateTime<Utc> = "2026-01-23T09:00:00Z".parse().unwrap();
        assert_eq!(refused_claim(&Item::new(), "sms"), Claim::Done);
        let claimed = Item::from([("sms".to_string(), fixed_time(at))]);
        assert_eq!(refused_claim(&claimed, "sms"), Claim::InProgress(at));
        let mut done = claimed.clone();
        done.insert(attr::done("sms"), s("x"));
        assert_eq!(refused_claim(&done, "sms"), Claim::Done);
        let other = Item::from([("status".to_string(), s("OPEN"))]);
        assert_eq!(refused_claim(&other, "sms"), Claim::Done);
    }
}
