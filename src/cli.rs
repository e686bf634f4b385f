//! The `coucou` command line, as clap sees it: one definition that the binary parses and the
//! packaging tool (`coucou-dist`) turns into man pages and shell completions, so they never
//! disagree.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::headless::{DeviceArgs, FingerprintArgs, RoomsArgs, ServerArgs};

/// A chat for the local network. With no command, opens the app.
#[derive(Debug, Parser)]
#[command(
    name = "coucou",
    version,
    about,
    long_about = LONG_ABOUT,
    args_override_self = true
)]
pub struct Cli {
    /// What to do; none opens the app.
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// What `coucou --help` and `man coucou` say first.
const LONG_ABOUT: &str = "A chat for the local network. With no command, opens the app: join a \
room that someone on the network hosts, or host one from the toolbar. `coucou server` runs a room \
without a window; people join it from the app, or from a terminal with `nc HOST 4444`.

The app keeps its settings in ~/.config/coucou/settings.toml (COUCOU_CONFIG=FILE for another), and \
its log of conversations and the rooms it hosts in the same folder. RUST_LOG=debug says more on \
standard error; RUST_LOG=warn less.";

/// `coucou`'s commands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Runs a chat room without a window.
    Server(Box<ServerArgs>),
    /// Lists the rooms advertised on the local network, then exits.
    Rooms(RoomsArgs),
    /// Prints the server's room code (its certificate's fingerprint).
    Fingerprint(FingerprintArgs),
    /// Prints this app's device (made if it has none yet): its code, and its 64 hex digits for
    /// `coucou server --owner`.
    Device(DeviceArgs),
    /// Adds Coucou to this user's application menu (a desktop entry and its icon, pointing at this
    /// program), for a copy built with cargo rather than installed from a package.
    Install(DesktopArgs),
    /// Removes what `coucou install` added to the application menu.
    Uninstall(DesktopArgs),
}

/// Options of `coucou install` and `coucou uninstall`.
#[derive(Debug, Clone, Args)]
pub struct DesktopArgs {
    /// The data folder to install into (default: `$XDG_DATA_HOME`, else `~/.local/share`).
    #[arg(long, value_name = "DIR")]
    pub data_home: Option<PathBuf>,
}

impl Cli {
    /// The clap command: what the man pages and completions are made from.
    pub fn command() -> clap::Command {
        <Self as CommandFactory>::command()
    }

    /// Parses the command line; `coucou server --config FILE` reads its options from that file
    /// first, those on the command line winning. A bad file exits with one clear line.
    pub fn parse_with_config() -> Self {
        let args: Vec<OsString> = std::env::args_os().collect();
        let cli = Self::parse_from(&args);
        let Some(Cmd::Server(server)) = &cli.command else {
            return cli;
        };
        let Some(path) = &server.config else {
            return cli;
        };
        match config_file_args(path) {
            Ok(from_file) => Self::parse_from(with_file_args(&args, from_file)),
            Err(err) => {
                eprintln!("coucou: {err}");
                std::process::exit(2);
            }
        }
    }
}

/// The longest options file read: far more than every option of `coucou server` takes.
const MAX_CONFIG_BYTES: u64 = 64 * 1024;

/// Reads `coucou server`'s options from a TOML file: each key is an option's long name (`port =
/// 4444`, `room = "Classe 3B"`, `advertise = true`), each value a string, a number or true/false.
/// Returns them as command-line arguments; an unknown key, a value of another kind, or a file that
/// can't be read is one error naming the file.
pub fn config_file_args(path: &Path) -> Result<Vec<OsString>, String> {
    let shown = path.display();
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_CONFIG_BYTES + 1).read_to_string(&mut text))
        .map_err(|err| format!("can't read the options file {shown}: {err}"))?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(format!(
            "the options file {shown} is over {} KiB",
            MAX_CONFIG_BYTES / 1024
        ));
    }
    let table: toml::Table = text
        .parse()
        .map_err(|err: toml::de::Error| format!("{shown}: {}", err.message()))?;
    let command = Cli::command();
    let server = command
        .find_subcommand("server")
        .ok_or("no server command")?;
    let mut args = Vec::new();
    for (key, value) in &table {
        let long = key.replace('_', "-");
        let arg = server
            .get_arguments()
            .find(|arg| arg.get_long() == Some(long.as_str()) && long != "config")
            .ok_or_else(|| format!("{shown}: {key:?} is not an option of coucou server"))?;
        let flag = !arg.get_action().takes_values();
        let value = match value {
            toml::Value::Boolean(set) if flag => {
                if *set {
                    args.push(OsString::from(format!("--{long}")));
                }
                continue;
            }
            toml::Value::String(text) if !flag => text.clone(),
            toml::Value::Integer(n) if !flag => n.to_string(),
            toml::Value::Float(x) if !flag => x.to_string(),
            // An option given more than once (`room-password-file`): one string each.
            toml::Value::Array(items) if matches!(arg.get_action(), clap::ArgAction::Append) => {
                for item in items {
                    let toml::Value::String(text) = item else {
                        return Err(format!("{shown}: {key} takes a list of strings"));
                    };
                    args.push(OsString::from(format!("--{long}")));
                    args.push(OsString::from(text));
                }
                continue;
            }
            _ if flag => return Err(format!("{shown}: {key} takes true or false")),
            _ => return Err(format!("{shown}: {key} takes a string or a number")),
        };
        args.push(OsString::from(format!("--{long}")));
        args.push(OsString::from(value));
    }
    Ok(args)
}

/// The command line with the options read from a file placed right after `server`, so those
/// typed after them override them.
fn with_file_args(args: &[OsString], from_file: Vec<OsString>) -> Vec<OsString> {
    let at = args
        .iter()
        .skip(1)
        .position(|arg| arg == "server")
        .map_or(args.len(), |i| i + 2);
    let mut merged = args[..at].to_vec();
    merged.extend(from_file);
    merged.extend_from_slice(&args[at..]);
    merged
}

/// What the log says unless `RUST_LOG` says otherwise: Coucou's INFO, and only the warnings of
/// zbus and tracing (zbus, behind notifications and accessibility, logs every D-Bus connection
/// at INFO: not ours to say).
pub const DEFAULT_LOG_FILTER: &str = "info,zbus=warn,tracing=warn";

#[cfg(test)]
mod tests {
    #[test]
    fn by_default_the_log_says_coucou_s_info_and_nothing_of_zbus_below_a_warning() {
        use log::Log as _;
        let logger = env_logger::Builder::new()
            .parse_filters(DEFAULT_LOG_FILTER)
            .build();
        let said = |target: &str, level| {
            logger.enabled(&log::Metadata::builder().target(target).level(level).build())
        };
        assert!(said("coucou::server::session", log::Level::Info));
        assert!(!said("zbus::connection::handshake", log::Level::Info));
        assert!(said("zbus::connection", log::Level::Warn));
        assert!(!said("tracing::span", log::Level::Info));
    }

    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn file_options_go_right_after_server_so_the_command_line_wins() {
        let args = os(&["coucou", "server", "--config", "f", "--port", "5000"]);
        let merged = with_file_args(&args, os(&["--port", "4444", "--room", "Classe"]));
        assert_eq!(
            merged,
            os(&[
                "coucou", "server", "--port", "4444", "--room", "Classe", "--config", "f",
                "--port", "5000"
            ])
        );
        let Some(Cmd::Server(server)) = Cli::parse_from(&merged).command else {
            panic!("not a server command");
        };
        assert_eq!(server.port, 5000, "the command line overrides the file");
        assert_eq!(server.room, "Classe", "the file fills in the rest");
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
