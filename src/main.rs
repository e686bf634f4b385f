//! The `coucou` command: the app with no arguments, `coucou server` for the headless server.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use coucou::app::AppOptions;
use coucou::headless::{self, FingerprintArgs, RoomsArgs, ServerArgs};

/// A chat for the local network. With no command, opens the app.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Runs a chat room without a window.
    Server(Box<ServerArgs>),
    /// Lists the rooms advertised on the local network, then exits.
    Rooms(RoomsArgs),
    /// Prints the server's room code (its certificate's fingerprint).
    Fingerprint(FingerprintArgs),
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    match cli.command {
        Some(Cmd::Server(args)) => headless::run(&args),
        Some(Cmd::Rooms(args)) => headless::rooms(&args),
        Some(Cmd::Fingerprint(args)) => headless::fingerprint(&args),
        None => {
            let options = AppOptions {
                config_path: std::env::var_os("COUCOU_CONFIG").map(Into::into),
                ..AppOptions::default()
            };
            match coucou::app::run(options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("coucou: can't open the window: {err}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
