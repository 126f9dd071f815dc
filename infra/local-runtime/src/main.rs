//! `local-runtime`: run the whole bundle on this machine (README, "Run it locally").
//! With `LOCAL_SIMULATE=1` (the default when `TWILIO_API_BASE` is unset) it also starts the
//! simulated Twilio and ElevenLabs on `SIM_PORT` (default 3100).

use anyhow::Result;
use local_runtime::{LocalRuntime, Options};

#[tokio::main]
async fn main() -> Result<()> {
    callout_app::logging::init();
    let simulate = match std::env::var("LOCAL_SIMULATE") {
        Ok(v) => v == "1" || v == "true",
        Err(_) => std::env::var("TWILIO_API_BASE").is_err(),
    };
    let sim = if simulate {
        let port: u16 = std::env::var("SIM_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(3100);
        let sim = callout_sim::Sim::start_on(
            callout_sim::SimConfig::default(),
            ([127, 0, 0, 1], port).into(),
        )
        .await?;
        tracing::info!(url = %sim.base_url(), "simulated_twilio_ready");
        Some(sim)
    } else {
        None
    };
    let options = Options::from_env(sim.as_ref().map(|s| s.base_url()).as_deref())?;
    let runtime = LocalRuntime::start(options).await?;
    if let Some(sim) = &sim {
        // The product's number rings and texts the inbound routes.
        let base = runtime
            .options
            .public_base_url
            .clone()
            .unwrap_or_else(|| runtime.base_url.clone());
        sim.set_number(
            &runtime.options.twilio_from_number,
            &format!("{base}/api/inbound/voice"),
            &format!("{base}/api/inbound/sms"),
        );
        // Numbers providers may take as their own (`fromNumber`), on the same webhooks.
        for n in callout_sim::PROVIDER_NUMBERS {
            sim.add_number(n);
        }
    }
    println!("local runtime on {}  (Ctrl-C to stop)", runtime.base_url);
    println!("provider token for prov_1: {}", runtime.token("prov_1"));
    tokio::signal::ctrl_c().await?;
    runtime.stop();
    Ok(())
}
