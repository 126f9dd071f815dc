//! The one conversion of DynamoDB SDK errors: any failure becomes an `anyhow::Error` with the
//! SDK's full context, and a write refused by its condition is one typed case,
//! [`Written::ConditionFailed`], carrying the item as it was when DynamoDB returns it.

use super::codec::Item;
use anyhow::{anyhow, Result};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::{
    delete_item::DeleteItemError, put_item::PutItemError, update_item::UpdateItemError,
};

/// How a conditional write went (a failure of any other kind is an `Err`).
#[derive(Debug)]
pub(crate) enum Written<T> {
    Done(T),
    /// Its condition did not hold; `old` is the item then, when it was asked for and exists.
    ConditionFailed {
        old: Option<Item>,
    },
}

impl<T> Written<T> {
    /// True when the write happened.
    pub(crate) fn done(&self) -> bool {
        matches!(self, Written::Done(_))
    }
}

/// The service errors that can report a failed condition with the old item.
pub(crate) trait ConditionError {
    /// `Some(old item)` when this is a condition failure, `None` when it is something else.
    fn condition_failed(&self) -> Option<Option<Item>>;
}

macro_rules! condition_error {
    ($($t:ident),*) => {$(
        impl ConditionError for $t {
            fn condition_failed(&self) -> Option<Option<Item>> {
                match self {
                    $t::ConditionalCheckFailedException(c) => Some(c.item().cloned()),
                    _ => None,
                }
            }
        }
    )*};
}
condition_error!(UpdateItemError, PutItemError, DeleteItemError);

/// `.db()` on any SDK call's result; `.written()` on a conditional write's.
pub(crate) trait DbResult<T> {
    /// Any error as an `anyhow::Error`.
    fn db(self) -> Result<T>;
}

impl<T, E, R> DbResult<T> for Result<T, SdkError<E, R>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    fn db(self) -> Result<T> {
        self.map_err(|e| anyhow!(DisplayErrorContext(e)))
    }
}

pub(crate) trait ConditionalResult<T> {
    /// A refused condition as [`Written::ConditionFailed`], anything else failed as `Err`.
    fn written(self) -> Result<Written<T>>;
    /// True when the write happened, false when its condition did not hold.
    fn conditional(self) -> Result<bool>
    where
        Self: Sized,
    {
        Ok(self.written()?.done())
    }
}

impl<T, E, R> ConditionalResult<T> for Result<T, SdkError<E, R>>
where
    E: ConditionError + ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    fn written(self) -> Result<Written<T>> {
        match self {
            Ok(v) => Ok(Written::Done(v)),
            Err(e) => match e.as_service_error().and_then(|se| se.condition_failed()) {
                Some(old) => Ok(Written::ConditionFailed { old }),
                None => Err(anyhow!(DisplayErrorContext(e))),
            },
        }
    }
}
