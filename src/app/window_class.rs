//! The window's class on X11. eframe names the window after `run_native`'s app id, but on X11 it
//! leaves WM_CLASS's instance empty (`"", "coucou"`: egui-winit gives winit the id as the class
//! only), so window managers that match the instance, and `xprop`, see no name, and the desktop
//! entry (`StartupWMClass=coucou`) may not group with the window. Set here to `"coucou",
//! "coucou"` as the ICCCM asks, once the window exists. Wayland has no WM_CLASS: the app id is
//! enough there.

use std::thread;

use raw_window_handle::{HasWindowHandle, RawWindowHandle};
use x11rb::protocol::xproto::{AtomEnum, PropMode};
use x11rb::wrapper::ConnectionExt as _;

/// The instance and the class, each ended by a NUL, as WM_CLASS holds them.
const WM_CLASS: &[u8] = b"coucou\0coucou\0";

/// Sets the window's WM_CLASS when it is an X11 window, on a thread of its own (it opens a
/// connection to the display); nothing on Wayland or when it fails (the window keeps eframe's).
pub(super) fn name_the_window(cc: &eframe::CreationContext<'_>) {
    let Ok(handle) = cc.window_handle() else {
        return;
    };
    let window = match handle.as_raw() {
        RawWindowHandle::Xlib(xlib) => u32::try_from(xlib.window).ok(),
        RawWindowHandle::Xcb(xcb) => Some(xcb.window.get()),
        _ => None,
    };
    let Some(window) = window else { return };
    thread::Builder::new()
        .name("coucou-window-class".to_owned())
        .spawn(move || {
            if set_class(window).is_err() {
                log::debug!("the window's WM_CLASS could not be set");
            }
        })
        .ok();
}

/// Replaces WM_CLASS on `window` through a connection of its own to the display.
fn set_class(window: u32) -> Result<(), Box<dyn std::error::Error>> {
    let (conn, _) = x11rb::connect(None)?;
    // Checked: waits until the display has it, before the connection closes.
    conn.change_property8(
        PropMode::REPLACE,
        window,
        AtomEnum::WM_CLASS,
        AtomEnum::STRING,
        WM_CLASS,
    )?
    .check()?;
    Ok(())
}
