//! One adapter per outside service.

pub mod audio;
pub mod events;
pub mod memory;
pub mod queue;
pub mod schedule;
pub mod store;
pub mod transport;
pub mod tts;
pub mod twilio;
