//! `coucou-dist OUTDIR`: makes the files the packages ship beside the binary, from the sources the
//! binary itself is built from — the man pages and shell completions from the clap definitions,
//! the icon's hicolor sizes from the one PNG. `.ci/run` and the release workflow run it before
//! `cargo deb`; `coucou-dist --ico FILE` remakes the Windows icon kept in `assets/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap_complete::Shell;
use coucou::cli::Cli;
use coucou::desktop;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let done = match args.as_slice() {
        [flag, file] if flag == "--ico" => write_ico(Path::new(file)),
        [out] if !out.starts_with('-') => write_all(Path::new(out)),
        _ => Err("usage: coucou-dist OUTDIR | coucou-dist --ico FILE".to_owned()),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("coucou-dist: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Man pages in `man/`, completions in `completions/`, icons in `icons/NxN/coucou.png`.
fn write_all(out: &Path) -> Result<(), String> {
    let man = out.join("man");
    create(&man)?;
    clap_mangen::generate_to(Cli::command(), &man).map_err(|err| err.to_string())?;

    let completions = out.join("completions");
    create(&completions)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut Cli::command(), "coucou", &completions)
            .map_err(|err| err.to_string())?;
    }

    for size in desktop::ICON_SIZES {
        let dir = out.join(format!("icons/{size}x{size}"));
        create(&dir)?;
        let png = desktop::icon_png(size).map_err(|err| err.to_string())?;
        write(&dir.join("coucou.png"), &png)?;
    }
    println!(
        "wrote the man pages, completions and icons in {}",
        out.display()
    );
    Ok(())
}

/// The Windows icon, remade from the PNG.
fn write_ico(file: &Path) -> Result<(), String> {
    let ico = desktop::icon_ico().map_err(|err| err.to_string())?;
    write(file, &ico)
}

/// Makes a folder and its parents.
fn create(dir: &PathBuf) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))
}

/// Writes one file.
fn write(file: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(file, bytes).map_err(|err| format!("{}: {err}", file.display()))
}
