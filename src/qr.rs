//! A web address as a QR code, for a phone's camera: its modules (dark or light), and how a
//! terminal prints them. Pure code (the `qrcode` crate's encoder), no I/O.

use qrcode::{Color, EcLevel, QrCode};

/// The light border every reader needs around a code, in modules (ISO/IEC 18004: four).
pub const QUIET_ZONE: usize = 4;

/// A QR code: a square of `width` × `width` modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qr {
    width: usize,
    dark: Vec<bool>,
}

impl Qr {
    /// The code of `text` at error correction level M (a phone reads it off a screen a little
    /// blurred or glared); `None` when it does not fit in a QR code (over 2,331 bytes).
    pub fn new(text: &str) -> Option<Self> {
        let code = QrCode::with_error_correction_level(text, EcLevel::M).ok()?;
        Some(Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// How many modules a side is, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark (outside the code: light).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// The code for a terminal, its quiet zone included, two rows of modules per line: light
    /// modules are drawn (`█ ▀ ▄`), dark ones left blank, so that on the usual dark terminal the
    /// code reads dark on light as printed ones do.
    pub fn to_terminal(&self) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        let light = |x: usize, y: usize| {
            let inside = |v: usize| v.checked_sub(QUIET_ZONE);
            match (inside(x), inside(y)) {
                (Some(x), Some(y)) => !self.is_dark(x, y),
                _ => true,
            }
        };
        let mut out = String::with_capacity(side * side.div_ceil(2) * 3 + side);
        for y in (0..side).step_by(2) {
            for x in 0..side {
                let top = light(x, y);
                let bottom = y + 1 >= side || light(x, y + 1);
                out.push(match (top, bottom) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_fits_a_small_code_with_its_three_finder_patterns() {
        let qr = Qr::new("http://192.168.100.200:4444/").unwrap();
        // 28 bytes at level M: version 3, 29 modules a side.
        assert_eq!(qr.width(), 29);
        // The finder patterns: a dark 7 × 7 ring in three corners, light inside its border.
        for (x0, y0) in [(0, 0), (qr.width() - 7, 0), (0, qr.width() - 7)] {
            for i in 0..7 {
                for (x, y) in [
                    (x0 + i, y0),
                    (x0 + i, y0 + 6),
                    (x0, y0 + i),
                    (x0 + 6, y0 + i),
                ] {
                    assert!(qr.is_dark(x, y), "({x}, {y})");
                }
            }
            assert!(!qr.is_dark(x0 + 1, y0 + 1));
            assert!(qr.is_dark(x0 + 3, y0 + 3));
        }
        assert!(Qr::new(&"x".repeat(3000)).is_none());
    }

    #[test]
    fn a_terminal_shows_the_code_and_its_quiet_zone_two_rows_a_line() {
        let qr = Qr::new("http://10.0.0.2:4444/").unwrap();
        let text = qr.to_terminal();
        let side = qr.width() + 2 * QUIET_ZONE;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), side.div_ceil(2));
        assert!(lines.iter().all(|l| l.chars().count() == side));
        // The quiet zone's first two rows are light: full blocks.
        assert!(lines[0].chars().all(|c| c == '█'));
        // Row 4 (line 2, top half) starts the top-left finder: light zone, then 7 dark modules.
        let line: Vec<char> = lines[2].chars().collect();
        assert_eq!(line[..QUIET_ZONE], ['█'; QUIET_ZONE]);
        assert!(
            line[QUIET_ZONE..QUIET_ZONE + 7]
                .iter()
                .all(|&c| c == ' ' || c == '▄')
        );
    }
}
