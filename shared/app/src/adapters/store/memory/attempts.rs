//! Attempts and their recordings, in memory.

use super::*;

#[async_trait]
impl Attempts for MemoryStore {
    async fn create_attempt(&self, a: &Attempt) -> Result<bool> {
        let mut item = Item::from(a);
        item.insert(attr::GSI1PK.into(), s(keys::provider_pk(&a.provider_id)));
        item.insert(
            attr::GSI1SK.into(),
            s(keys::call_gsi1sk(a.created_at, &a.occurrence_id, a.attempt)),
        );
        let created = self.put(keys::attempt_key(&a.occurrence_id, a.attempt), item, true);
        if created && a.outcome.is_none() {
            // With its offer in the call-back line's index, as DynamoDB's transaction.
            Offers::record_offer(
                self,
                &a.phone,
                &a.occurrence_id,
                &a.employee_id,
                &a.provider_id,
                false,
                None,
            )
            .await?;
        }
        Ok(created)
    }

    async fn release_attempt(&self, occ: &str, k: u32) -> Result<bool> {
        let key = keys::attempt_key(occ, k);
        let mut table = self.table();
        let key = key_of(key);
        match table.get(&key) {
            Some(i) if has(i, attr::CALL_SID) || has(i, attr::OUTCOME) => Ok(false),
            _ => {
                table.remove(&key);
                Ok(true)
            }
        }
    }

    async fn get_attempt(&self, occ: &str, k: u32) -> Result<Option<Attempt>> {
        self.read(keys::attempt_key(occ, k))
            .as_ref()
            .map(attempt_from)
            .transpose()
    }

    async fn list_attempts(&self, occ: &str) -> Result<Vec<Attempt>> {
        self.query_prefix(&keys::shift_pk(occ), keys::ATTEMPT_PREFIX, usize::MAX)
            .iter()
            .map(attempt_from)
            .collect()
    }

    async fn set_call_sid(&self, occ: &str, k: u32, sid: &str) -> Result<bool> {
        Ok(self
            .update(
                keys::attempt_key(occ, k),
                |i| i.is_some_and(|i| !has(i, attr::OUTCOME)),
                |i| {
                    i.insert(attr::CALL_SID.into(), s(sid));
                },
            )
            .is_ok())
    }

    async fn keep_call_sid(&self, occ: &str, k: u32, sid: &str) -> Result<bool> {
        Ok(self
            .update(
                keys::attempt_key(occ, k),
                |i| i.is_some_and(|i| !has(i, attr::CALL_SID)),
                |i| {
                    i.insert(attr::CALL_SID.into(), s(sid));
                },
            )
            .is_ok())
    }

    async fn record_status(
        &self,
        occ: &str,
        k: u32,
        sid: &str,
        status: &str,
        sequence: i64,
        duration: Option<u32>,
        terminal: bool,
    ) -> Result<Option<Attempt>> {
        let later = |i: Option<&Item>| {
            i.is_some_and(|i| {
                get_n::<i64>(i, attr::STATUS_SEQ).is_none_or(|seq| seq < sequence)
                    && (terminal || !has(i, attr::ENDED_AT))
            })
        };
        let written = self.update(keys::attempt_key(occ, k), later, |i| {
            i.insert(attr::TWILIO_STATUS.into(), s(status));
            i.insert(attr::STATUS_SEQ.into(), n(sequence));
            i.entry(attr::CALL_SID.into()).or_insert_with(|| s(sid));
            if let Some(d) = duration {
                i.insert(attr::DURATION_SECS.into(), n(d));
            }
            if terminal {
                i.entry(attr::ENDED_AT.into())
                    .or_insert_with(|| time(Utc::now()));
            }
        });
        match written {
            Ok(item) => Ok(Some(attempt_from(&item)?)),
            Err(_) => Ok(None),
        }
    }

    async fn set_answered_by(&self, occ: &str, k: u32, answered_by: &str) -> Result<()> {
        let _ = self.update(
            keys::attempt_key(occ, k),
            |i| i.is_some(),
            |i| {
                i.insert(attr::ANSWERED_BY.into(), s(answered_by));
            },
        );
        Ok(())
    }

    async fn set_outcome(
        &self,
        occ: &str,
        k: u32,
        outcome: Outcome,
        digit: Option<&str>,
    ) -> Result<bool> {
        let given = self
            .update(
                keys::attempt_key(occ, k),
                |i| i.is_some_and(|i| !has(i, attr::OUTCOME)),
                |i| {
                    i.insert(attr::OUTCOME.into(), s(outcome.as_str()));
                    if let Some(d) = digit {
                        i.insert(attr::DIGIT.into(), s(d));
                    }
                },
            )
            .is_ok();
        if given {
            self.metrics.put_with(
                &[("Outcome", outcome.as_str())],
                &[(crate::metrics::figures::CALLS, 1.0)],
            );
        }
        Ok(given)
    }

    async fn set_outcome_or_existing(
        &self,
        occ: &str,
        k: u32,
        outcome: Outcome,
    ) -> Result<Option<Option<Outcome>>> {
        let written = self.update(
            keys::attempt_key(occ, k),
            |i| i.is_some_and(|i| !has(i, attr::OUTCOME)),
            |i| {
                i.insert(attr::OUTCOME.into(), s(outcome.as_str()));
            },
        );
        Ok(match written {
            Ok(_) => None,
            Err(old) => Some(
                old.and_then(|i| get_s(&i, attr::OUTCOME))
                    .and_then(|o| Outcome::parse(&o)),
            ),
        })
    }

    async fn set_winner_outcome(&self, occ: &str, k: u32) -> Result<bool> {
        Ok(self
            .update(
                keys::attempt_key(occ, k),
                |i| i.is_some_and(|i| !outcome_is(i, Outcome::Accepted)),
                |i| {
                    i.insert(attr::OUTCOME.into(), s(Outcome::Accepted.as_str()));
                    i.insert(attr::DIGIT.into(), s("1"));
                },
            )
            .is_ok())
    }

    async fn mark_advanced(&self, occ: &str, k: u32) -> Result<bool> {
        Ok(self
            .update(
                keys::attempt_key(occ, k),
                |i| i.is_some_and(|i| !has(i, attr::ADVANCED_AT)),
                |i| {
                    i.insert(attr::ADVANCED_AT.into(), time(Utc::now()));
                },
            )
            .is_ok())
    }

    async fn add_speech_chars(&self, occ: &str, k: u32, chars: u32) -> Result<()> {
        let _ = self.update(
            keys::attempt_key(occ, k),
            |i| i.is_some(),
            |i| {
                let before: u64 = get_n(i, attr::SPEECH_CHARS).unwrap_or(0);
                i.insert(attr::SPEECH_CHARS.into(), n(before + u64::from(chars)));
            },
        );
        Ok(())
    }
}

#[async_trait]
impl Recordings for MemoryStore {
    async fn keep_recording(
        &self,
        occ: &str,
        k: u32,
        sid: &str,
        due: DateTime<Utc>,
    ) -> Result<bool> {
        let keepable = |i: Option<&Item>| {
            i.is_some_and(|i| {
                !has(i, attr::RECORDING_DELETED_AT)
                    && get_s(i, attr::RECORDING_SID).is_none_or(|r| r == sid)
            })
        };
        let kept = match self.update(keys::attempt_key(occ, k), keepable, |i| {
            i.insert(attr::RECORDING_SID.into(), s(sid));
            i.insert(attr::RECORDING_DUE_AT.into(), time(due));
        }) {
            Ok(_) => true,
            Err(Some(_)) => false,
            Err(None) => return Ok(false),
        };
        let item = Item::from([
            (attr::OCCURRENCE_ID.to_string(), s(occ)),
            (attr::ATTEMPT.to_string(), n(k)),
            (attr::RECORDING_SID.to_string(), s(sid)),
        ]);
        self.put((s(RECORDING_DUE), s(due_sk(due, occ, k, sid))), item, false);
        Ok(kept)
    }

    async fn due_recordings(
        &self,
        now: DateTime<Utc>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DueRecording>> {
        let to = format!("{DUE_PREFIX}{}~", fixed(now));
        self.query_prefix(RECORDING_DUE, DUE_PREFIX, usize::MAX)
            .iter()
            .filter(|item| {
                let sk = get_s(item, attr::SK).unwrap_or_default();
                sk <= to && after.is_none_or(|a| sk.as_str() > a)
            })
            .take(limit)
            .map(|item| {
                Ok(DueRecording {
                    occurrence_id: get_s(item, attr::OCCURRENCE_ID)
                        .context("due recording without occurrenceId")?,
                    attempt: get_n(item, attr::ATTEMPT).context("due recording without attempt")?,
                    recording_sid: get_s(item, attr::RECORDING_SID)
                        .context("due recording without recordingSid")?,
                    sk: get_s(item, attr::SK).context("due recording without sk")?,
                })
            })
            .collect()
    }

    async fn recording_deleted(&self, d: &DueRecording) -> Result<()> {
        let _ = self.update(
            keys::attempt_key(&d.occurrence_id, d.attempt),
            |i| i.and_then(|i| get_s(i, attr::RECORDING_SID)).as_deref() == Some(&d.recording_sid),
            |i| {
                i.remove(attr::RECORDING_SID);
                i.insert(attr::RECORDING_DELETED_AT.into(), time(Utc::now()));
            },
        );
        self.delete((s(RECORDING_DUE), s(&d.sk)));
        Ok(())
    }
}
