//! The `coucou` command: the app with no arguments, `coucou server` for the headless server.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use coucou::headless::{self, ServerArgs};

/// A chat for the local network.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Runs a chat room without a window.
    Server(ServerArgs),
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    match cli.command {
        Some(Cmd::Server(args)) => headless::run(&args),
        None => {
            eprintln!("coucou: the app is not built yet; run `coucou server`");
            ExitCode::FAILURE
        }
    }
}
