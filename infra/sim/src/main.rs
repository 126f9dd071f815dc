//! `callout-sim`: the simulated Twilio + ElevenLabs as a standalone server, with the `/sim`
//! control API (`PUT /sim/phones/{number}`, `GET /sim/calls`, `GET /sim/messages`, `GET /sim/tts`).

use std::net::SocketAddr;

use callout_sim::{Sim, SimConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use tracing_subscriber::prelude::*;
    let filter: tracing_subscriber::filter::Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| "info".parse().expect("a level"));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
                .with_filter(filter),
        )
        .init();
    let defaults = SimConfig::default();
    let env = |key: &str, default: String| {
        std::env::var(key)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or(default)
    };
    let port: u16 = env("SIM_PORT", "3100".into())
        .parse()
        .map_err(|e| anyhow::anyhow!("SIM_PORT: {e}"))?;
    let config = SimConfig {
        account_sid: env("TWILIO_ACCOUNT_SID", defaults.account_sid.clone()),
        auth_token: env("TWILIO_AUTH_TOKEN", defaults.auth_token.clone()),
        elevenlabs_api_key: env("ELEVENLABS_API_KEY", defaults.elevenlabs_api_key.clone()),
        step_delay: defaults.step_delay,
    };
    let sim = Sim::start_on(config, SocketAddr::from(([127, 0, 0, 1], port))).await?;
    tracing::info!(
        "callout-sim serving Twilio and ElevenLabs at {} (TWILIO_API_BASE / ELEVENLABS_API_BASE)",
        sim.base_url()
    );
    tokio::signal::ctrl_c().await?;
    tracing::info!("shutting down");
    Ok(())
}
