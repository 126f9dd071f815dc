//! Shifts and their once-only claims, in memory.

use super::*;

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
            Err(Some(old))
                if get_s(&old, attr::STATUS).as_deref()
                    == Some(ShiftStatus::Cancelled.as_str()) =>
            {
                Ok(AcceptWrite::Cancelled)
            }
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

    async fn set_stalled(&self, occ: &str, stalled: &crate::records::Stalled) -> Result<()> {
        self.set_shift_note(occ, attr::STALLED, stalled)
    }

    async fn set_held(&self, occ: &str, held: &crate::records::Held) -> Result<()> {
        self.set_shift_note(occ, attr::HELD, held)
    }

    async fn add_decliner(&self, occ: &str, employee_id: &str) -> Result<()> {
        let added = self.update(
            keys::shift_key(occ),
            |i| i.is_some(),
            |i| {
                let mut set = crate::adapters::store::codec::get_set(i, attr::DECLINED_BY);
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

    async fn control_shift(&self, occ: &str, control: &crate::records::Control) -> Result<bool> {
        use crate::records::ControlAction;
        let status = |i: &Item| get_s(i, attr::STATUS).and_then(|st| ShiftStatus::parse(&st));
        let open = |i: &Item| status(i) == Some(ShiftStatus::Open);
        let action = control.action;
        let condition = |i: Option<&Item>| {
            i.is_some_and(|i| match action {
                ControlAction::Cancel => status(i).is_some_and(ShiftStatus::can_be_accepted),
                ControlAction::Pause => open(i) && !i.contains_key(attr::PAUSED_AT),
                ControlAction::Resume => open(i) && i.contains_key(attr::PAUSED_AT),
                ControlAction::CallNow => open(i) && !i.contains_key(attr::CALLED_NOW_AT),
            })
        };
        let entry = serde_json::to_string(control)?;
        let written = self.update(keys::shift_key(occ), condition, |i| {
            match action {
                ControlAction::Cancel => {
                    i.insert(attr::STATUS.into(), s(ShiftStatus::Cancelled.as_str()));
                    i.remove(attr::PAUSED_AT);
                }
                ControlAction::Pause => {
                    i.insert(attr::PAUSED_AT.into(), time(control.at));
                }
                ControlAction::Resume => {
                    i.remove(attr::PAUSED_AT);
                }
                ControlAction::CallNow => {
                    i.insert(attr::CALLED_NOW_AT.into(), time(control.at));
                }
            }
            let mut log = i
                .get(attr::CONTROLS)
                .and_then(|v| v.as_l().ok())
                .cloned()
                .unwrap_or_default();
            log.push(s(entry));
            i.insert(attr::CONTROLS.into(), AttributeValue::L(log));
        });
        Ok(written.is_ok())
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
            Err(old) => {
                crate::adapters::store::claims::refused_claim(&old.unwrap_or_default(), flag)
            }
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

impl MemoryStore {
    /// One of the notes a shift keeps for its call log, as JSON text in attribute `name`.
    fn set_shift_note(&self, occ: &str, name: &str, note: &impl serde::Serialize) -> Result<()> {
        let note = serde_json::to_string(note)?;
        let _ = self.update(
            keys::shift_key(occ),
            |i| i.is_some(),
            |i| {
                i.insert(name.into(), s(note));
            },
        );
        Ok(())
    }
}
