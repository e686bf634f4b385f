//! Reading a received picture with strict limits (its bytes, its sides, its pixel count, what its
//! decoder may allocate) into pixels no larger than where they will show: a thumbnail in the
//! conversation, or the picture large. A picture is read from this computer's picture cache,
//! where it was downloaded and its SHA-256 checked; nothing here knows egui (the app makes
//! textures of the pixels), and nothing here is on the UI thread.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The largest picture shown in the conversation, in bytes: a larger one is offered as a file,
/// never fetched on its own.
pub const MAX_INLINE_BYTES: u64 = 25 * 1024 * 1024;
/// The most pixels read: 8K UHD is 33 million. A 50,000 × 50,000 PNG of a few KB (2,500 million
/// pixels, 10 GB in memory) is refused from its header, before anything is allocated.
pub const MAX_PIXELS: u64 = 40_000_000;
/// The longest side read.
pub const MAX_SIDE: u32 = 16_384;
/// What a decoder may allocate at once: the largest picture's pixels (160 MB) and its buffers.
pub const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// The box a thumbnail fits in (pixels).
pub const THUMBNAIL: [u32; 2] = [320, 240];
/// The box a picture shown large fits in (pixels).
pub const LARGE: [u32; 2] = [2048, 2048];
/// How much the picture cache keeps on disk: the least recently written go first.
pub const CACHE_BYTES: u64 = 512 * 1024 * 1024;

/// Why a picture does not show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unshown {
    /// Its file is larger than [`MAX_INLINE_BYTES`].
    TooManyBytes,
    /// Its header says more than [`MAX_PIXELS`], or a side longer than [`MAX_SIDE`].
    TooManyPixels,
    /// It is not a PNG, JPEG, GIF or WebP, or it is damaged or cut short (its decoder wanting
    /// more than [`MAX_ALLOC`] for what its header says is damage too).
    Unreadable,
    /// Its file is not (or no longer) in the cache.
    Missing,
}

/// A picture's pixels, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pixels {
    /// Width and height of what is here.
    pub size: [u32; 2],
    /// RGBA, unmultiplied, row after row.
    pub rgba: Vec<u8>,
    /// Width and height of the whole picture.
    pub full: [u32; 2],
}

/// True for the name of a picture the app shows: PNG, JPEG, GIF (its first frame) or WebP.
pub fn is_picture_name(name: &str) -> bool {
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    ["png", "jpg", "jpeg", "gif", "webp"]
        .iter()
        .any(|known| ext.eq_ignore_ascii_case(known))
}

/// True when an offer of this name, size and SHA-256 shows as a picture in the conversation
/// (fetched into the cache as it comes into view): a picture's name, at most
/// [`MAX_INLINE_BYTES`], and a checksum that can name its file in the cache.
pub fn shows_inline(name: &str, size: u64, sha256: &str) -> bool {
    is_picture_name(name) && size <= MAX_INLINE_BYTES && is_checksum(sha256)
}

/// True for 64 lowercase hex digits: a SHA-256 that may name a file.
pub fn is_checksum(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Reads the picture at `path`, shrunk to fit `fit` (never enlarged), its first frame for a GIF,
/// turned upright as its EXIF says. The limits are checked from its header before anything is
/// decoded; a decoder that panics on what it reads is a picture that does not show.
pub fn read(path: &Path, fit: [u32; 2]) -> Result<Pixels, Unshown> {
    let size = std::fs::metadata(path).map_err(|_| Unshown::Missing)?.len();
    if size > MAX_INLINE_BYTES {
        return Err(Unshown::TooManyBytes);
    }
    let bytes = std::fs::read(path).map_err(|_| Unshown::Missing)?;
    std::panic::catch_unwind(|| decode(&bytes, fit)).unwrap_or(Err(Unshown::Unreadable))
}

/// [`read`] on bytes already in memory.
pub fn decode(bytes: &[u8], fit: [u32; 2]) -> Result<Pixels, Unshown> {
    if bytes.len() as u64 > MAX_INLINE_BYTES {
        return Err(Unshown::TooManyBytes);
    }
    let format = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|reader| reader.format())
        .filter(|f| {
            matches!(
                f,
                ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP
            )
        })
        .ok_or(Unshown::Unreadable)?;
    // The sides first, from the header alone: a few KB can claim 50,000 × 50,000.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| Unshown::Unreadable)?;
    if width == 0 || height == 0 {
        return Err(Unshown::Unreadable);
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Unshown::TooManyPixels);
    }
    // Then the pixels, under the decoder's own limits too. Past the header's checks, a limit
    // reached is damage (a chunk claiming gigabytes), as any other error is.
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| Unshown::Unreadable)?;
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(|_| Unshown::Unreadable)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    let full = [image.width(), image.height()];
    if image.width() > fit[0] || image.height() > fit[1] {
        image = image.thumbnail(fit[0], fit[1]);
    }
    let rgba = image.into_rgba8();
    Ok(Pixels {
        size: [rgba.width(), rgba.height()],
        rgba: rgba.into_raw(),
        full,
    })
}

/// Keeps the picture cache in `dir` within `keep` bytes: the least recently written files go
/// first. Returns how many were removed.
pub fn prune(dir: &Path, keep: u64) -> usize {
    let Ok(listed) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut files: Vec<_> = listed
        .flatten()
        .filter_map(|entry| {
            let meta = entry.metadata().ok().filter(std::fs::Metadata::is_file)?;
            Some((meta.modified().ok()?, meta.len(), entry.path()))
        })
        .collect();
    files.sort();
    let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
    let mut removed = 0;
    for (_, len, path) in files {
        if total <= keep {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::picture::png_of;

    /// A PNG of `width` × `height` pixels, each a shade of its place.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let rgba = (0..width * height)
            .flat_map(|i| [(i % 251) as u8, (i % 13) as u8, 200, 255])
            .collect();
        png_of(width, height, rgba).expect("encodes")
    }

    #[test]
    fn a_thumbnail_fits_its_box_and_keeps_the_whole_size() {
        let read = decode(&png(1000, 500), THUMBNAIL).expect("reads");
        assert_eq!(read.full, [1000, 500]);
        assert_eq!(read.size, [320, 160]);
        assert_eq!(read.rgba.len(), 320 * 160 * 4);
        // Never enlarged.
        let small = decode(&png(10, 20), THUMBNAIL).expect("reads");
        assert_eq!((small.size, small.full), ([10, 20], [10, 20]));
    }

    /// A PNG whose header claims `width` × `height` pixels, with one tiny compressed row: what
    /// a decompression bomb starts with.
    fn claimed_png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = png(4, 4);
        // IHDR's width and height are the 4 bytes each after the signature, length and type.
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        // Its CRC (over type and data) made right again, so that only the size can refuse it.
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    /// CRC-32 (ISO 3309), as PNG chunks carry it.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffff_u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A GIF whose screen and one frame are 50,000 × 50,000, with one pixel's worth of data.
    fn gif_bomb() -> Vec<u8> {
        let side = 50_000u16.to_le_bytes();
        let mut gif = b"GIF89a".to_vec();
        gif.extend_from_slice(&[side[0], side[1], side[0], side[1], 0, 0, 0]);
        gif.extend_from_slice(&[0x2c, 0, 0, 0, 0, side[0], side[1], side[0], side[1], 0]);
        gif.extend_from_slice(&[2, 2, 0x44, 1, 0, b';']);
        gif
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        // 50,000 × 50,000 in a few dozen bytes.
        let bomb = claimed_png(50_000, 50_000);
        assert!(bomb.len() < 200);
        assert_eq!(decode(&bomb, THUMBNAIL), Err(Unshown::TooManyPixels));
        // Within each side, too many pixels in all.
        assert_eq!(
            decode(&claimed_png(16_000, 16_000), THUMBNAIL),
            Err(Unshown::TooManyPixels)
        );
        // A GIF claims as much in 29 bytes.
        assert_eq!(decode(&gif_bomb(), THUMBNAIL), Err(Unshown::TooManyPixels));
        // One side too long.
        assert_eq!(
            decode(&claimed_png(100_000, 1), THUMBNAIL),
            Err(Unshown::TooManyPixels)
        );
    }

    #[test]
    fn damaged_cut_short_and_mislabelled_pictures_are_unreadable() {
        let whole = png(64, 64);
        for cut in [8, 33, whole.len() / 2, whole.len() - 13] {
            assert_eq!(
                decode(&whole[..cut], THUMBNAIL),
                Err(Unshown::Unreadable),
                "cut at {cut}"
            );
        }
        let mut damaged = whole.clone();
        let middle = damaged.len() / 2;
        damaged[middle..middle + 16].fill(0xff);
        assert_eq!(decode(&damaged, THUMBNAIL), Err(Unshown::Unreadable));
        assert_eq!(decode(b"GIF89a\x01", THUMBNAIL), Err(Unshown::Unreadable));
        assert_eq!(
            decode(b"%PDF-1.7 a document", THUMBNAIL),
            Err(Unshown::Unreadable)
        );
        assert_eq!(decode(&[], THUMBNAIL), Err(Unshown::Unreadable));
        // A zero-sized header.
        assert_eq!(
            decode(&claimed_png(0, 10), THUMBNAIL),
            Err(Unshown::Unreadable)
        );
    }

    /// `image`'s own encoder writes the picture as `format`.
    fn encoded(format: ImageFormat) -> Vec<u8> {
        let image = image::RgbaImage::from_fn(40, 30, |x, y| {
            image::Rgba([(x * 6) as u8, (y * 8) as u8, 120, 255])
        });
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(image)
            .to_rgb8()
            .write_to(&mut out, format)
            .expect("encodes");
        out.into_inner()
    }

    #[test]
    fn jpeg_gif_and_webp_are_read() {
        for format in [ImageFormat::Jpeg, ImageFormat::Gif, ImageFormat::WebP] {
            let read = decode(&encoded(format), THUMBNAIL).expect("reads");
            assert_eq!(read.full, [40, 30], "{format:?}");
            assert_eq!(read.rgba.len(), 40 * 30 * 4, "{format:?}");
        }
    }

    #[test]
    fn a_file_over_the_limit_is_not_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("huge.png");
        // A 100 MB PNG: its header, then a sparse file of its length.
        std::fs::write(&path, png(4, 4)).expect("writes");
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("opens");
        file.set_len(100 * 1024 * 1024).expect("grows");
        assert_eq!(read(&path, THUMBNAIL), Err(Unshown::TooManyBytes));
        assert_eq!(
            read(&dir.path().join("gone.png"), THUMBNAIL),
            Err(Unshown::Missing)
        );
        assert!(!shows_inline(
            "huge.png",
            100 * 1024 * 1024,
            &"a".repeat(64)
        ));
    }

    #[test]
    fn only_pictures_with_a_checksum_show_inline() {
        let sha = "0123456789abcdef".repeat(4);
        assert!(shows_inline("Capture.PNG", 1000, &sha));
        assert!(shows_inline("photo.jpeg", 1000, &sha));
        assert!(!shows_inline("report.pdf", 1000, &sha));
        assert!(!shows_inline("png", 1000, &sha));
        assert!(!shows_inline("a.png", 1000, "../../etc/passwd"));
        assert!(!shows_inline("a.png", 1000, &sha.to_uppercase()));
        assert!(!shows_inline("a.png", 1000, &sha[1..]));
    }

    #[test]
    fn the_cache_keeps_its_bound_dropping_the_oldest() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (i, name) in ["old", "mid", "new"].iter().enumerate() {
            let path = dir.path().join(name);
            std::fs::write(&path, vec![0u8; 100]).expect("writes");
            let when = std::time::SystemTime::UNIX_EPOCH
                + std::time::Duration::from_secs(1_000_000 * (i as u64 + 1));
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(when))
                .expect("dates");
        }
        assert_eq!(prune(dir.path(), 250), 1);
        assert!(!dir.path().join("old").exists());
        assert!(dir.path().join("mid").exists() && dir.path().join("new").exists());
        assert_eq!(prune(dir.path(), 250), 0);
    }
}
