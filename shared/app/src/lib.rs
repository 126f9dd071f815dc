//! Everything the functions run: the adapters for the outside services, the campaign's steps
//! that use them, and the handlers that translate HTTP and events into those steps.

pub mod access;
pub mod adapters;
pub mod app;
pub mod budget;
pub mod config;
pub mod control_api;
pub mod faults;
pub mod handlers;
pub mod http;
pub mod limits;
pub mod logging;
pub mod metrics;
pub mod portal;
pub mod reach_api;
pub mod recording_api;
pub mod records;
pub mod results_api;
pub mod sdk;
pub mod secrets;
pub mod service;

pub use app::{clients, App};
pub use config::Config;

pub use aws_lambda_events;
pub use lambda_http;
pub use lambda_runtime;
