//! Build script: on Windows, puts the icon into the `.exe` (what Explorer and the taskbar show).
//! Elsewhere it does nothing.

fn main() {
    println!("cargo::rerun-if-changed=assets/coucou.ico");
    println!("cargo::rerun-if-changed=build.rs");
    #[cfg(windows)]
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        let mut resources = winresource::WindowsResource::new();
        resources.set_icon("assets/coucou.ico");
        if let Err(err) = resources.compile() {
            println!("cargo::warning=the .exe has no icon: {err}");
        }
    }
}
