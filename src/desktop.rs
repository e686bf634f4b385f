//! Coucou in the desktop's application menu: the desktop entry and the icon sizes, made from the
//! one entry and the one icon in `assets/`, for the Debian package (through `coucou-dist`) and for
//! `coucou install` / `coucou uninstall` (a copy built with cargo, pointing at itself).

use std::io;
use std::path::{Path, PathBuf};

/// The desktop entry as the package installs it (`Exec=coucou`, found on the `PATH`).
pub const DESKTOP_ENTRY: &str = include_str!("../assets/coucou.desktop");

/// The one source of every icon: 256×256 pixels.
pub const ICON_PNG: &[u8] = include_bytes!("../assets/icon.png");

/// The sizes of the hicolor icon theme that the icon is installed in (pixels, square).
pub const ICON_SIZES: [u32; 8] = [16, 22, 24, 32, 48, 64, 128, 256];

/// The key that marks a desktop entry as written by `coucou install`, so that `coucou uninstall`
/// removes only what it wrote.
const INSTALLED_MARK: &str = "X-Coucou-Installed-By=coucou install";

/// What went wrong while making or writing the menu entry.
#[derive(Debug)]
pub enum DesktopError {
    /// This program's own path can't be written in a desktop entry's `Exec` line.
    BadPath(PathBuf),
    /// The icon could not be decoded or encoded.
    Icon(String),
    /// Reading or writing a file failed.
    Io(PathBuf, io::Error),
    /// No data folder: neither `--data-home`, `$XDG_DATA_HOME` nor `$HOME`.
    NoDataHome,
}

impl std::fmt::Display for DesktopError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadPath(path) => write!(
                f,
                "this program's path can't go in a desktop entry: {}",
                path.display()
            ),
            Self::Icon(err) => write!(f, "can't make the icon: {err}"),
            Self::Io(path, err) => write!(f, "{}: {err}", path.display()),
            Self::NoDataHome => f.write_str("no data folder: set HOME or pass --data-home DIR"),
        }
    }
}

impl std::error::Error for DesktopError {}

/// The icon at `size` pixels as PNG: the source itself at 256, else resized from it (Lanczos).
pub fn icon_png(size: u32) -> Result<Vec<u8>, DesktopError> {
    let source = image::load_from_memory_with_format(ICON_PNG, image::ImageFormat::Png)
        .map_err(|err| DesktopError::Icon(err.to_string()))?;
    if source.width() == size && source.height() == size {
        return Ok(ICON_PNG.to_vec());
    }
    let resized = source.resize_exact(size, size, image::imageops::FilterType::Lanczos3);
    let mut png = Vec::new();
    // The PNG encoder by name: `write_to` would link every encoder `image` is built with.
    resized
        .write_with_encoder(image::codecs::png::PngEncoder::new(&mut png))
        .map_err(|err| DesktopError::Icon(err.to_string()))?;
    Ok(png)
}

/// The icon as a Windows `.ico` holding 16 to 256 pixels, for the `.exe`'s resources.
pub fn icon_ico() -> Result<Vec<u8>, DesktopError> {
    let icon_err = |err: image::ImageError| DesktopError::Icon(err.to_string());
    let mut frames = Vec::new();
    for size in [16, 24, 32, 48, 64, 128, 256] {
        let png = icon_png(size)?;
        frames.push(
            image::codecs::ico::IcoFrame::with_encoded(
                png,
                size,
                size,
                image::ExtendedColorType::Rgba8,
            )
            .map_err(icon_err)?,
        );
    }
    let mut ico = Vec::new();
    image::codecs::ico::IcoEncoder::new(&mut ico)
        .encode_images(&frames)
        .map_err(icon_err)?;
    Ok(ico)
}

/// Where a hicolor icon of `size` pixels goes below a data folder.
pub fn icon_path(data_home: &Path, size: u32) -> PathBuf {
    data_home.join(format!("icons/hicolor/{size}x{size}/apps/coucou.png"))
}

/// Where the desktop entry goes below a data folder.
pub fn entry_path(data_home: &Path) -> PathBuf {
    data_home.join("applications/coucou.desktop")
}

/// The user's data folder: `$XDG_DATA_HOME` when absolute, else `~/.local/share`.
pub fn default_data_home() -> Option<PathBuf> {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))
}

/// The desktop entry for a copy of Coucou at `exe`: it runs that file (`Exec`, `TryExec`) and is
/// marked as `coucou install`'s.
pub fn user_entry(exe: &Path) -> Result<String, DesktopError> {
    let text = exe
        .to_str()
        .filter(|text| !text.chars().any(char::is_control))
        .ok_or_else(|| DesktopError::BadPath(exe.to_path_buf()))?;
    let quoted = exec_quote(text);
    let mut entry = String::new();
    for line in DESKTOP_ENTRY.lines() {
        if line.starts_with("Exec=") {
            entry.push_str(&format!("TryExec={}\n", escape_string(text)));
            entry.push_str(&format!("Exec={quoted}\n"));
        } else {
            entry.push_str(line);
            entry.push('\n');
        }
    }
    entry.push_str(INSTALLED_MARK);
    entry.push('\n');
    Ok(entry)
}

/// One argument of an `Exec` line (Desktop Entry Specification, "The Exec key"): quoted when it
/// holds a reserved character, `"`, `` ` ``, `$` and `\` escaped inside the quotes, `%` doubled;
/// then escaped once more as any string value.
fn exec_quote(arg: &str) -> String {
    let reserved = |c: char| " \t\n\"'\\><~|&;$*?#()`".contains(c);
    let arg = arg.replace('%', "%%");
    let arg = if arg.chars().any(reserved) {
        let mut quoted = String::from("\"");
        for c in arg.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        quoted.push('"');
        quoted
    } else {
        arg
    };
    escape_string(&arg)
}

/// A desktop entry's string value: backslashes doubled (no control characters reach here).
fn escape_string(value: &str) -> String {
    value.replace('\\', "\\\\")
}

/// What `coucou install` wrote, to say so.
#[derive(Debug, Default)]
pub struct Installed {
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// Writes the desktop entry for `exe` and the icon in every size below `data_home`.
pub fn install(data_home: &Path, exe: &Path) -> Result<Installed, DesktopError> {
    let mut installed = Installed::default();
    for size in ICON_SIZES {
        let path = icon_path(data_home, size);
        write(&path, &icon_png(size)?)?;
        installed.files.push(path);
    }
    let path = entry_path(data_home);
    write(&path, user_entry(exe)?.as_bytes())?;
    installed.files.push(path);
    Ok(installed)
}

/// Removes what [`install`] wrote below `data_home`: the desktop entry only if it carries
/// `coucou install`'s mark, each icon only if it is byte for byte the one it writes. Returns the
/// files removed; anything else (an entry the user wrote) is left alone.
pub fn uninstall(data_home: &Path) -> Result<Vec<PathBuf>, DesktopError> {
    let mut removed = Vec::new();
    let entry = entry_path(data_home);
    match std::fs::read_to_string(&entry) {
        Ok(text) if text.lines().any(|line| line == INSTALLED_MARK) => {
            remove(&entry)?;
            removed.push(entry);
        }
        Ok(_) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(DesktopError::Io(entry, err)),
    }
    for size in ICON_SIZES {
        let path = icon_path(data_home, size);
        match std::fs::read(&path) {
            Ok(bytes) if bytes == icon_png(size)? => {
                remove(&path)?;
                removed.push(path);
            }
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(DesktopError::Io(path, err)),
        }
    }
    Ok(removed)
}

/// Writes `bytes` to `path`, making its folders.
fn write(path: &Path, bytes: &[u8]) -> Result<(), DesktopError> {
    let io_err = |err| DesktopError::Io(path.to_path_buf(), err);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err)?;
    }
    std::fs::write(path, bytes).map_err(io_err)
}

/// Removes one file.
fn remove(path: &Path) -> Result<(), DesktopError> {
    std::fs::remove_file(path).map_err(|err| DesktopError::Io(path.to_path_buf(), err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_icon_size_is_a_square_png_of_that_size() {
        for size in ICON_SIZES {
            let png = icon_png(size).unwrap();
            let icon = image::load_from_memory(&png).unwrap();
            assert_eq!((icon.width(), icon.height()), (size, size));
        }
        let ico = icon_ico().unwrap();
        let icon = image::load_from_memory_with_format(&ico, image::ImageFormat::Ico).unwrap();
        assert_eq!(icon.width(), 256, "the largest frame is the one decoded");
    }

    #[test]
    fn the_windows_icon_kept_in_assets_is_the_png_remade() {
        // `coucou-dist --ico assets/coucou.ico` remakes it when the PNG changes.
        let kept = image::load_from_memory_with_format(
            include_bytes!("../assets/coucou.ico"),
            image::ImageFormat::Ico,
        )
        .unwrap()
        .to_rgba8();
        let source = image::load_from_memory(ICON_PNG).unwrap().to_rgba8();
        assert!(kept == source, "assets/coucou.ico is not assets/icon.png");
    }

    #[test]
    fn the_exec_line_quotes_what_the_specification_reserves() {
        assert_eq!(exec_quote("/usr/bin/coucou"), "/usr/bin/coucou");
        assert_eq!(exec_quote("/home/a b/coucou"), "\"/home/a b/coucou\"");
        assert_eq!(exec_quote("/x/100%/coucou"), "/x/100%%/coucou");
        // `$` escaped for the Exec quoting, then the backslash doubled as in every string value.
        assert_eq!(exec_quote("/x/$HOME/c"), "\"/x/\\\\$HOME/c\"");
        assert_eq!(exec_quote("/x/\"q\"/c"), "\"/x/\\\\\"q\\\\\"/c\"");
    }

    #[test]
    fn a_path_with_a_line_break_is_refused_rather_than_written() {
        assert!(matches!(
            user_entry(Path::new("/tmp/a\nExec=rm -rf ~/coucou")),
            Err(DesktopError::BadPath(_))
        ));
    }

    #[test]
    fn the_user_entry_runs_this_copy_and_is_marked() {
        let entry = user_entry(Path::new("/home/ana/.cargo/bin/coucou")).unwrap();
        assert!(
            entry.contains("\nExec=/home/ana/.cargo/bin/coucou\n"),
            "{entry}"
        );
        assert!(
            entry.contains("\nTryExec=/home/ana/.cargo/bin/coucou\n"),
            "{entry}"
        );
        assert!(entry.contains("\nIcon=coucou\n"), "{entry}");
        assert!(entry.ends_with(&format!("{INSTALLED_MARK}\n")));
        assert_eq!(entry.matches("Exec=").count(), 2, "{entry}");
    }

    #[test]
    fn uninstall_removes_what_install_wrote_and_leaves_the_rest() {
        let home = tempfile::tempdir().unwrap();
        let exe = Path::new("/opt/coucou/coucou");
        let installed = install(home.path(), exe).unwrap();
        assert_eq!(installed.files.len(), ICON_SIZES.len() + 1);
        for file in &installed.files {
            assert!(file.is_file(), "{}", file.display());
        }
        // An icon the user replaced is theirs now.
        let mine = icon_path(home.path(), 48);
        std::fs::write(&mine, b"my own icon").unwrap();
        let removed = uninstall(home.path()).unwrap();
        assert_eq!(removed.len(), ICON_SIZES.len());
        assert!(!entry_path(home.path()).exists());
        assert_eq!(std::fs::read(&mine).unwrap(), b"my own icon");

        // An entry the user wrote by hand is left alone.
        std::fs::write(entry_path(home.path()), DESKTOP_ENTRY).unwrap();
        assert!(uninstall(home.path()).unwrap().is_empty());
        assert!(entry_path(home.path()).exists());
    }
}
