//! The `coucou` command: the app with no arguments, `coucou server` for the headless server.

// On Windows the app opens no console window beside itself; `coucou server` and the other
// commands attach to the console of the terminal they were started from (see `attach_console`).
#![cfg_attr(windows, windows_subsystem = "windows")]

use std::process::ExitCode;

use coucou::app::AppOptions;
use coucou::cli::{Cli, Cmd, DesktopArgs};
use coucou::{desktop, headless};

fn main() -> ExitCode {
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or(coucou::cli::DEFAULT_LOG_FILTER),
    )
    .init();
    if std::env::args_os().len() > 1 {
        attach_console();
    }
    let cli = Cli::parse_with_config();
    match cli.command {
        Some(Cmd::Server(args)) => headless::run(&args),
        Some(Cmd::Rooms(args)) => headless::rooms(&args),
        Some(Cmd::Fingerprint(args)) => headless::fingerprint(&args),
        Some(Cmd::Device(args)) => headless::device(&args),
        Some(Cmd::Install(args)) => install(&args),
        Some(Cmd::Uninstall(args)) => uninstall(&args),
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

/// The data folder `coucou install`/`uninstall` work in, or the one-line error.
fn data_home(args: &DesktopArgs) -> Result<std::path::PathBuf, desktop::DesktopError> {
    args.data_home
        .clone()
        .or_else(desktop::default_data_home)
        .ok_or(desktop::DesktopError::NoDataHome)
}

/// `coucou install`: this copy in the user's application menu.
fn install(args: &DesktopArgs) -> ExitCode {
    let done = std::env::current_exe()
        .map_err(|err| desktop::DesktopError::Io("coucou".into(), err))
        .and_then(|exe| Ok((data_home(args)?, exe)))
        .and_then(|(home, exe)| desktop::install(&home, &exe).map(|done| (done, exe)));
    match done {
        Ok((installed, exe)) => {
            println!(
                "Coucou is in the application menu now, starting {}.",
                exe.display()
            );
            for file in installed.files {
                println!("  wrote {}", file.display());
            }
            println!("`coucou uninstall` takes it out again.");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("coucou: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `coucou uninstall`: takes out what `coucou install` added.
fn uninstall(args: &DesktopArgs) -> ExitCode {
    match data_home(args).and_then(|home| desktop::uninstall(&home)) {
        Ok(removed) if removed.is_empty() => {
            println!("Nothing to remove: `coucou install` added nothing here.");
            ExitCode::SUCCESS
        }
        Ok(removed) => {
            for file in removed {
                println!("  removed {}", file.display());
            }
            println!("Coucou is out of the application menu.");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("coucou: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Windows: a program built for the desktop has no console, so a command started from a terminal
/// attaches to that terminal's console to print there. A no-op elsewhere, and when there is no
/// parent console (started from Explorer).
#[cfg(windows)]
#[allow(
    unsafe_code,
    reason = "one documented Win32 call with no pointers; see SAFETY below"
)]
fn attach_console() {
    use windows_sys::Win32::System::Console::{ATTACH_PARENT_PROCESS, AttachConsole};
    // SAFETY: AttachConsole takes a process id by value and touches no memory of ours; it fails
    // harmlessly when the parent has no console or we already have one.
    unsafe {
        AttachConsole(ATTACH_PARENT_PROCESS);
    }
}

/// Elsewhere the terminal is already there.
#[cfg(not(windows))]
fn attach_console() {}
