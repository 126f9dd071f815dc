//! [`MemoryStore`]: every store capability in memory, for unit tests of the service's steps in
//! milliseconds. It keeps the table's items as DynamoDB would (the same keys from [`super::keys`],
//! the same items from [`super::codec`]) and writes each with the same condition as its
//! DynamoDB twin, under one lock, so each operation is atomic as one request is: create if
//! absent, accept once, an outcome once, advance once, claims with expiry and take-over,
//! versioned writes. `ttl` is kept but never acted on. The pacing line is [`MemoryLine`].

use super::capabilities::*;
use super::codec::{
    attempt_from, fixed_time, get_n, get_s, get_time, n, s, settings_from, settings_item,
    shift_from, time, Item,
};
use super::counters::{listen_key, speech_key};
use super::inbound::{offer_from, Offer, TextLog, OFFER_INDEX_HOURS};
use super::keys::{self, attr, Key};
use super::pacing_memory::MemoryLine;
use super::recordings::{due_sk, fixed, DUE_PREFIX, RECORDING_DUE};
use super::{AcceptWrite, Claim, DueRecording, PacingLine, Waiter, CALL_LOG_RETENTION_DAYS};
use crate::records::{Attempt, Delivery, Dial, Shift};
use anyhow::{bail, Context, Result};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use callout_core::campaign::Outcome;
use callout_core::model::ShiftStatus;
use callout_core::pacing::Held;
use callout_core::person_pace::{self, Windows};
use callout_core::settings::Settings;
use callout_core::speech_budget::{self, Window};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

type Table = BTreeMap<(String, String), Item>;

/// The whole store in memory (see the module's header).
pub struct MemoryStore {
    items: Mutex<Table>,
    /// The call slots and the waiting line.
    pub line: MemoryLine,
    /// Where the `Calls` figure goes, as the DynamoDB store's.
    pub metrics: crate::metrics::Metrics,
}

fn key_of((pk, sk): Key) -> (String, String) {
    let text = |v: AttributeValue| v.as_s().cloned().unwrap_or_default();
    (text(pk), text(sk))
}

/// An item with its keys, as DynamoDB returns it.
fn new_item((pk, sk): &(String, String)) -> Item {
    Item::from([(attr::PK.into(), s(pk)), (attr::SK.into(), s(sk))])
}

fn has(item: &Item, name: &str) -> bool {
    item.contains_key(name)
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore {
            items: Mutex::default(),
            line: MemoryLine::new(),
            metrics: crate::metrics::Metrics::memory(),
        }
    }
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read(&self, key: Key) -> Option<Item> {
        self.table().get(&key_of(key)).cloned()
    }

    fn exists(&self, key: Key) -> bool {
        self.table().contains_key(&key_of(key))
    }

    /// A put: the item replaces whatever was there, unless `if_absent` and something is.
    fn put(&self, key: Key, mut item: Item, if_absent: bool) -> bool {
        let key = key_of(key);
        let mut table = self.table();
        if if_absent && table.contains_key(&key) {
            return false;
        }
        item.extend(new_item(&key));
        table.insert(key, item);
        true
    }

    fn delete(&self, key: Key) {
        self.table().remove(&key_of(key));
    }

    /// An update: `change` runs on the item (a new one holding only its keys when absent, as
    /// an UpdateItem creates it) if `condition` holds for what is there (`None`: no item);
    /// refused, the old item comes back as DynamoDB's `AllOld` would.
    fn update(
        &self,
        key: Key,
        condition: impl FnOnce(Option<&Item>) -> bool,
        change: impl FnOnce(&mut Item),
    ) -> std::result::Result<Item, Option<Item>> {
        let key = key_of(key);
        let mut table = self.table();
        let old = table.get(&key);
        if !condition(old) {
            return Err(old.cloned());
        }
        let item = table.entry(key.clone()).or_insert_with(|| new_item(&key));
        change(item);
        Ok(item.clone())
    }

    /// The items of partition `pk` whose sort key starts with `prefix`, in sort-key order.
    fn query_prefix(&self, pk: &str, prefix: &str, limit: usize) -> Vec<Item> {
        self.table()
            .range((pk.to_string(), prefix.to_string())..)
            .take_while(|((p, sk), _)| p == pk && sk.starts_with(prefix))
            .take(limit)
            .map(|(_, item)| item.clone())
            .collect()
    }

    /// The provider's items on the provider/time index between two sort keys.
    fn query_gsi1(
        &self,
        provider_id: &str,
        (from, to): (String, String),
        newest_first: bool,
        limit: usize,
    ) -> Vec<Item> {
        let pk = keys::provider_pk(provider_id);
        let mut items: Vec<(String, Item)> = self
            .table()
            .values()
            .filter(|item| get_s(item, attr::GSI1PK).as_deref() == Some(pk.as_str()))
            .filter_map(|item| Some((get_s(item, attr::GSI1SK)?, item.clone())))
            .filter(|(sk, _)| from <= *sk && *sk <= to)
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        if newest_first {
            items.reverse();
        }
        items.into_iter().take(limit).map(|(_, i)| i).collect()
    }

    /// How many items the table holds (for tests).
    pub fn len(&self) -> usize {
        self.table().len()
    }

    /// True when the table holds nothing.
    pub fn is_empty(&self) -> bool {
        self.table().is_empty()
    }
}

fn outcome_is(item: &Item, outcome: Outcome) -> bool {
    get_s(item, attr::OUTCOME).as_deref() == Some(outcome.as_str())
}

#[async_trait]
impl Shifts for MemoryStore {
    async fn put_shift_if_new(&self, shift: &Shift) -> Result<bool> {
        let mut item = Item::try_from(shift)?;
        item.insert(
            attr::GSI1PK.into(),
            s(keys::provider_pk(&shift.event.provider_id)),
        );
        item.insert(
            attr::GSI1SK.into(),
            s(keys::shift_gsi1sk(shift.created_at, shift.occurrence_id())),
        );
        Ok(self.put(keys::shift_key(shift.occurrence_id()), item, true))
    }

    async fn get_shift(&self, occ: &str) -> Result<Option<Shift>> {
        self.read(keys::shift_key(occ))
            .as_ref()
            .map(shift_from)
            .transpose()
    }

    async fn get_shift_and_attempt(
        &self,
        occ: &str,
        k: u32,
    ) -> Result<(Option<Shift>, Option<Attempt>)> {
        Ok((self.get_shift(occ).await?, self.get_attempt(occ, k).await?))
    }

    async fn mark_scheduled(&self, occ: &str, at: DateTime<Utc>) -> Result<()> {
        let _ = self.update(
            keys::shift_key(occ),
            |_| true,
            |i| {
                i.insert(attr::SCHEDULED_AT.into(), time(at));
            },
        );
        Ok(())
    }

    async fn accept(
        &self,
        occ: &str,
        employee_id: &str,
        channel: &str,
        attempt: Option<u32>,
    ) -> Result<AcceptWrite> {
        let acceptable = |i: Option<&Item>| {
            i.and_then(|i| get_s(i, attr::STATUS))
                .and_then(|st| ShiftStatus::parse(&st))
                .is_some_and(|st| ShiftStatus::ACCEPTABLE.contains(&st))
        };
        let written = self.update(keys::shift_key(occ), acceptable, |i| {
            i.insert(attr::STATUS.into(), s(ShiftStatus::Assigned.as_str()));
            i.insert(attr::ASSIGNED_TO.into(), s(employee_id));
            i.insert(attr::ASSIGNED_CHANNEL.into(), s(channel));
            i.insert(attr::ASSIGNED_AT.into(), time(Utc::now()));
            if let Some(k) = attempt {
                i.insert(attr::ASSIGNED_ATTEMPT.into(), n(k));
            }
        });
        match written {
            Ok(_) => Ok(AcceptWrite::Won),
            Err(Some(old)) => Ok(AcceptWrite::Taken {
                filled_by: get_s(&old, attr::ASSIGNED_TO).unwrap_or_default(),
            }),
            Err(None) => bail!("shift vanished"),
        }
    }

    async fn mark_unfilled(&self, occ: &str) -> Result<bool> {
        let open = |i: Option<&Item>| {
            i.and_then(|i| get_s(i, attr::STATUS)).as_deref() == Some(ShiftStatus::Open.as_str())
        };
        Ok(self
            .update(keys::shift_key(occ), open, |i| {
                i.insert(
                    attr::STATUS.into(),
                    s(ShiftStatus::UnfilledAfterCalls.as_str()),
                );
                i.insert(attr::UNFILLED_AT.into(), time(Utc::now()));
            })
            .is_ok())
    }

    async fn record_confirmation(&self, occ: &str, delivery: &Delivery) -> Result<()> {
        let d = s(serde_json::to_string(delivery)?);
        let _ = self.update(
            keys::shift_key(occ),
            |_| true,
            |i| {
                i.insert(attr::CONFIRMATION_SMS.into(), d);
            },
        );
        Ok(())
    }

    async fn mark_acceptance_finished(&self, occ: &str) -> Result<()> {
        let _ = self.update(
            keys::shift_key(occ),
            |_| true,
            |i| {
                i.insert(attr::ACCEPTANCE_FINISHED_AT.into(), time(Utc::now()));
            },
        );
        Ok(())
    }

    async fn set_held(&self, occ: &str, held: &serde_json::Value) -> Result<()> {
        let _ = self.update(
            keys::shift_key(occ),
            |i| i.is_some(),
            |i| {
                i.insert(attr::HELD.into(), s(held.to_string()));
            },
        );
        Ok(())
    }

    async fn add_decliner(&self, occ: &str, employee_id: &str) -> Result<()> {
        let added = self.update(
            keys::shift_key(occ),
            |i| i.is_some(),
            |i| {
                let mut set = super::codec::get_set(i, attr::DECLINED_BY);
                set.insert(employee_id.to_string());
                i.insert(
                    attr::DECLINED_BY.into(),
                    AttributeValue::Ss(set.into_iter().collect()),
                );
            },
        );
        match added {
            Ok(_) => Ok(()),
            // DynamoDB's refused condition is an error here too.
            Err(_) => bail!("ConditionalCheckFailedException: no shift {occ}"),
        }
    }
}

#[async_trait]
impl Attempts for MemoryStore {
    async fn create_attempt(&self, a: &Attempt) -> Result<bool> {
        let mut item = Item::from(a);
        item.insert(attr::GSI1PK.into(), s(keys::provider_pk(&a.provider_id)));
        item.insert(
            attr::GSI1SK.into(),
            s(keys::call_gsi1sk(a.created_at, &a.occurrence_id, a.attempt)),
        );
        Ok(self.put(keys::attempt_key(&a.occurrence_id, a.attempt), item, true))
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
impl Claims for MemoryStore {
    async fn claim_once(
        &self,
        occ: &str,
        flag: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<Claim> {
        let stale = get_s(
            &Item::from([(flag.to_string(), fixed_time(stale_before))]),
            flag,
        );
        let claimable = |i: Option<&Item>| {
            i.is_some_and(|i| !has(i, &attr::done(flag)) && get_s(i, flag) < stale)
        };
        let mut abandoned = None;
        let written = self.update(keys::shift_key(occ), claimable, |i| {
            abandoned = get_time(i, flag);
            i.insert(flag.into(), fixed_time(now));
        });
        Ok(match written {
            Ok(_) => Claim::Claimed { abandoned },
            Err(old) => super::claims::refused_claim(&old.unwrap_or_default(), flag),
        })
    }

    async fn complete_once(&self, occ: &str, flag: &str) -> Result<()> {
        let _ = self.update(
            keys::shift_key(occ),
            |_| true,
            |i| {
                i.insert(attr::done(flag), s(Utc::now().to_rfc3339()));
            },
        );
        Ok(())
    }

    async fn release_once(&self, occ: &str, flag: &str) -> Result<()> {
        let _ = self.update(
            keys::shift_key(occ),
            |_| true,
            |i| {
                i.remove(flag);
            },
        );
        Ok(())
    }
}

#[async_trait]
impl Offers for MemoryStore {
    async fn record_offer(
        &self,
        phone: &str,
        occ: &str,
        employee_id: &str,
        provider_id: &str,
        texted: bool,
        code: Option<&str>,
    ) -> Result<()> {
        let now = Utc::now();
        let _ = self.update(
            keys::offer_key(phone, occ, employee_id),
            |_| true,
            |i| {
                i.insert(attr::OCCURRENCE_ID.into(), s(occ));
                i.insert(attr::EMPLOYEE_ID.into(), s(employee_id));
                i.insert(attr::PROVIDER_ID.into(), s(provider_id));
                i.insert(attr::OFFERED_AT.into(), time(now));
                i.insert(
                    attr::TTL.into(),
                    n((now + chrono::Duration::hours(OFFER_INDEX_HOURS)).timestamp()),
                );
                if texted {
                    i.insert(attr::TEXTED.into(), AttributeValue::Bool(true));
                }
                if let Some(c) = code {
                    i.entry(attr::CODE.into()).or_insert_with(|| s(c));
                }
            },
        );
        Ok(())
    }

    async fn offers_for(&self, phone: &str) -> Result<Vec<Offer>> {
        Ok(self
            .query_prefix(&keys::phone_pk(phone), keys::OFFER_PREFIX, 200)
            .iter()
            .filter_map(offer_from)
            .collect())
    }

    async fn webhook_handled(&self, id: &str) -> Result<bool> {
        Ok(self.exists(keys::webhook_key(id)))
    }

    async fn remember_webhook(&self, id: &str) -> Result<bool> {
        let item = Item::from([(attr::CREATED_AT.to_string(), time(Utc::now()))]);
        Ok(self.put(keys::webhook_key(id), item, true))
    }

    async fn record_pass(&self, occ: &str, employee_id: &str, channel: &str) -> Result<()> {
        let item = Item::from([
            (attr::EMPLOYEE_ID.to_string(), s(employee_id)),
            (attr::ASSIGNED_CHANNEL.to_string(), s(channel)),
            (attr::CREATED_AT.to_string(), time(Utc::now())),
        ]);
        self.put(keys::pass_key(occ, employee_id), item, false);
        Ok(())
    }

    async fn has_passed(&self, occ: &str, employee_id: &str) -> Result<bool> {
        Ok(self.exists(keys::pass_key(occ, employee_id)))
    }

    async fn set_opted_out(&self, phone: &str, opted_out: bool) -> Result<()> {
        if opted_out {
            let item = Item::from([(attr::CREATED_AT.to_string(), time(Utc::now()))]);
            self.put(keys::optout_key(phone), item, false);
        } else {
            self.delete(keys::optout_key(phone));
        }
        Ok(())
    }

    async fn is_opted_out(&self, phone: &str) -> Result<bool> {
        Ok(self.exists(keys::optout_key(phone)))
    }

    async fn record_text(&self, occ: &str, reference: &str, text: &TextLog) -> Result<()> {
        let item = Item::from([(attr::ENTRY.to_string(), s(serde_json::to_string(text)?))]);
        self.put(
            keys::text_key(occ, &text.kind, &text.employee_id, reference),
            item,
            false,
        );
        Ok(())
    }

    async fn list_texts(&self, occ: &str) -> Result<Vec<TextLog>> {
        self.query_prefix(&keys::shift_pk(occ), keys::TEXT_PREFIX, 1000)
            .iter()
            .map(|item| {
                let entry = get_s(item, attr::ENTRY).context("a text without its entry")?;
                Ok(serde_json::from_str(&entry)?)
            })
            .collect()
    }
}

#[async_trait]
impl People for MemoryStore {
    /// The same rule and the same versioned item as DynamoDB's, read and written under one
    /// lock (so the version never refuses a write here).
    async fn let_person_call(
        &self,
        phone: &str,
        call: &str,
        now: i64,
        limit: u32,
        windows: Windows,
    ) -> Result<std::result::Result<(), i64>> {
        let key = key_of(keys::person_calls_key(phone));
        let mut table = self.table();
        let item = table.get(&key);
        let version: u64 = item.and_then(|i| get_n(i, attr::VERSION)).unwrap_or(0);
        let calls: HashMap<String, i64> = item
            .and_then(|i| i.get(attr::CALLS))
            .and_then(|v| v.as_m().ok())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_n().ok()?.parse().ok()?)))
                    .collect()
            })
            .unwrap_or_default();
        if calls.contains_key(call) {
            return Ok(Ok(()));
        }
        let times: Vec<i64> = calls.values().copied().collect();
        if let Some(until) = person_pace::wait_until(&times, now, limit, windows) {
            return Ok(Err(until));
        }
        let mut kept: HashMap<String, AttributeValue> = calls
            .into_iter()
            .filter(|(_, t)| person_pace::keep(*t, now, windows))
            .map(|(k, t)| (k, n(t)))
            .collect();
        kept.insert(call.to_string(), n(now));
        let mut item = new_item(&key);
        item.insert(attr::CALLS.into(), AttributeValue::M(kept));
        item.insert(attr::VERSION.into(), n(version + 1));
        table.insert(key, item);
        Ok(Ok(()))
    }
}

#[async_trait]
impl Declines for MemoryStore {
    async fn remember_decline(
        &self,
        provider_id: &str,
        patient_key: &str,
        employee_id: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let item = Item::from([
            (attr::EMPLOYEE_ID.to_string(), s(employee_id)),
            (attr::DECLINED_AT.to_string(), time(at)),
        ]);
        self.put(
            keys::decline_key(provider_id, patient_key, employee_id),
            item,
            false,
        );
        Ok(())
    }

    async fn decliners_since(
        &self,
        provider_id: &str,
        patient_key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, DateTime<Utc>)>> {
        Ok(self
            .query_prefix(
                &keys::declines_pk(provider_id, patient_key),
                keys::DECLINE_PREFIX,
                1000,
            )
            .iter()
            .filter_map(|item| {
                Some((
                    get_s(item, attr::EMPLOYEE_ID)?,
                    get_time(item, attr::DECLINED_AT)?,
                ))
            })
            .filter(|(_, at)| *at >= since)
            .collect())
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

#[async_trait]
impl Counters for MemoryStore {
    async fn count_listen(
        &self,
        provider_id: &str,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<(), Window>> {
        for window in [Window::Minute, Window::Day] {
            let limit = u64::from(window.listen_limit());
            let counted = self.update(
                listen_key(provider_id, window, now),
                |i| {
                    i.and_then(|i| get_n::<u64>(i, attr::COUNT))
                        .is_none_or(|c| c < limit)
                },
                |i| {
                    let c: u64 = get_n(i, attr::COUNT).unwrap_or(0);
                    i.insert(attr::COUNT.into(), n(c + 1));
                },
            );
            if counted.is_err() {
                return Ok(Err(window));
            }
        }
        Ok(Ok(()))
    }

    async fn spend_speech(
        &self,
        provider_id: &str,
        now: DateTime<Utc>,
        characters: u32,
        budget: u32,
    ) -> Result<Option<(u64, u64)>> {
        let Some(room) = speech_budget::room_before(characters, budget) else {
            return Ok(None);
        };
        let written = self.update(
            speech_key(provider_id, now),
            |i| {
                i.and_then(|i| get_n::<u64>(i, attr::COUNT))
                    .is_none_or(|c| c <= room)
            },
            |i| {
                let c: u64 = get_n(i, attr::COUNT).unwrap_or(0);
                i.insert(attr::COUNT.into(), n(c + u64::from(characters)));
            },
        );
        Ok(written.ok().map(|item| {
            let after: u64 = get_n(&item, attr::COUNT).unwrap_or(u64::from(characters));
            (after.saturating_sub(u64::from(characters)), after)
        }))
    }

    async fn refund_speech(
        &self,
        provider_id: &str,
        at: DateTime<Utc>,
        characters: u32,
    ) -> Result<()> {
        let _ = self.update(
            speech_key(provider_id, at),
            |i| i.is_some_and(|i| has(i, attr::COUNT)),
            |i| {
                let c: i64 = get_n(i, attr::COUNT).unwrap_or(0);
                i.insert(attr::COUNT.into(), n(c - i64::from(characters)));
            },
        );
        Ok(())
    }

    async fn speech_used(&self, provider_id: &str, now: DateTime<Utc>) -> Result<u64> {
        Ok(self
            .read(speech_key(provider_id, now))
            .and_then(|i| get_n(&i, attr::COUNT))
            .unwrap_or(0))
    }
}

#[async_trait]
impl ProviderSettings for MemoryStore {
    async fn get_settings(&self, provider_id: &str) -> Result<Settings> {
        Ok(self
            .read(keys::settings_key(provider_id))
            .as_ref()
            .map(settings_from)
            .unwrap_or_default())
    }

    async fn put_settings(&self, provider_id: &str, settings: &Settings) -> Result<()> {
        self.put(
            keys::settings_key(provider_id),
            settings_item(provider_id, settings),
            false,
        );
        Ok(())
    }
}

#[async_trait]
impl Queries for MemoryStore {
    async fn shifts_between(
        &self,
        provider_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Shift>> {
        let range = super::queries::sk_range("SHIFT", from, to);
        self.query_gsi1(provider_id, range, true, limit)
            .iter()
            .map(shift_from)
            .collect()
    }

    async fn calls_between(
        &self,
        provider_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Attempt>> {
        let range = super::queries::sk_range("CALL", from, to);
        self.query_gsi1(provider_id, range, false, limit)
            .iter()
            .map(attempt_from)
            .collect()
    }
}

#[async_trait]
impl PacingLine for MemoryStore {
    async fn call_slots(&self) -> Result<Vec<Held>> {
        self.line.call_slots().await
    }

    async fn take_call_slot(
        &self,
        slot: u32,
        holder: &str,
        now: i64,
        ttl: Duration,
    ) -> Result<bool> {
        self.line.take_call_slot(slot, holder, now, ttl).await
    }

    async fn pass_call_slot(
        &self,
        slot: u32,
        from: &str,
        to: &str,
        now: i64,
        ttl: Duration,
    ) -> Result<bool> {
        self.line.pass_call_slot(slot, from, to, now, ttl).await
    }

    async fn release_call_slot(&self, slot: u32, holder: &str) -> Result<bool> {
        self.line.release_call_slot(slot, holder).await
    }

    async fn arm_watchdog(&self, now: i64, period: Duration, rearm: bool) -> Result<bool> {
        self.line.arm_watchdog(now, period, rearm).await
    }

    async fn add_waiter(&self, task: &Dial) -> Result<Waiter> {
        self.line.add_waiter(task).await
    }

    async fn oldest_waiters(&self, n: usize) -> Result<Vec<Waiter>> {
        self.line.oldest_waiters(n).await
    }

    async fn remove_waiter(&self, waiter: &Waiter) -> Result<()> {
        self.line.remove_waiter(waiter).await
    }
}

impl Stores for MemoryStore {
    fn call_log_expiry(&self, created: DateTime<Utc>) -> DateTime<Utc> {
        created + chrono::Duration::days(CALL_LOG_RETENTION_DAYS.into())
    }
}
