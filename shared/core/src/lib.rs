//! The product's own rules and formats, with no I/O and no AWS types.
//!
//! Everything here is deterministic and tested exhaustively: who is called next, what an outcome
//! means, when a shift is unfilled, how a message is rendered, how Twilio signs a webhook, how
//! TwiML and µ-law WAV files are written.
//!
//! No module reaches itself through others (`tests/module_graph.rs` reads the source and names
//! any circle): the types a text is about (`campaign`'s outcomes, `model`'s shift status,
//! `lang`'s languages) know nothing of texts, and what is said for each lives with the texts
//! (`words`).

pub mod calllog_csv;
pub mod campaign;
pub mod decide;
pub mod dialable;
pub mod inbound;
pub mod lang;
pub mod mask;
pub mod model;
pub mod pacing;
pub mod patient_name;
pub mod person_pace;
pub mod quiet;
pub mod reach;
pub mod recording;
pub mod results;
pub mod retry;
pub mod settings;
pub mod signature;
pub mod speech_budget;
pub mod stats;
pub mod template;
pub mod twiml;
pub mod validate;
pub mod wav;
pub mod words;
pub mod zone;

pub use campaign::{Advance, CallStatus, Outcome, Plan};
pub use model::{Job, ShiftStatus, StaffMember, Wave3Completed};
pub use settings::{Settings, SettingsPatch};
