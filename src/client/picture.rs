//! What leaves this computer of a picture: a pasted image as a PNG of its pixels alone (shrunk
//! to [`MAX_SIDE`] on its longer side), and a picture file (JPEG, PNG, WebP, GIF) as a copy
//! without its metadata — EXIF (the camera, the place: GPS) but a JPEG's orientation, XMP, IPTC,
//! text chunks, comments — byte for byte otherwise (a JPEG or PNG longer than [`MAX_SIDE`] is
//! shrunk to it, so decoded and compressed again). A file that does not read as what its name
//! says is refused rather than sent with what it may hide (`InvalidData`; a picture file larger
//! than [`MAX_PICTURE_BYTES`]: `FileTooLarge`; the app says either in its words). UI-free.

use std::io;
use std::path::{Path, PathBuf};

/// The longest side a pasted image keeps (a 4K screen's: its text stays sharp); a larger one is
/// shrunk to it.
pub const MAX_SIDE: u32 = 3840;

/// The most pixels a pasted image may have (two 8K screens side by side); more is refused.
pub const MAX_PASTED_PIXELS: usize = 64 * 1024 * 1024;

/// The largest picture file whose metadata is taken out (larger ones are refused as pictures: a
/// photo is a few MB).
pub const MAX_PICTURE_BYTES: u64 = 64 * 1024 * 1024;

/// A pasted image, `width` × `height` pixels of RGBA (unmultiplied), as a PNG with nothing else
/// in it, shrunk to [`MAX_SIDE`] when larger.
pub fn png_of(width: u32, height: u32, rgba: Vec<u8>) -> io::Result<Vec<u8>> {
    use image::ImageEncoder as _;
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let image = image::RgbaImage::from_raw(width, height, rgba).ok_or_else(|| bad("pixels"))?;
    let image = if width.max(height) > MAX_SIDE {
        let scale = f64::from(MAX_SIDE) / f64::from(width.max(height));
        // Rounded to a whole pixel, at least one.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let side = |n: u32| ((f64::from(n) * scale).round() as u32).max(1);
        // Averaging each pixel's area: 4× faster than a triangle filter (3840 → 2560: 71 ms
        // against 310, see BENCHMARKS.md), as sharp when shrinking.
        image::imageops::thumbnail(&image, side(width), side(height))
    } else {
        image
    };
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgba8,
        )
        .map_err(io::Error::other)?;
    Ok(png)
}

/// What kind of picture a file name says.
fn kind_of(path: &Path) -> Option<Kind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => Some(Kind::Jpeg),
        "png" => Some(Kind::Png),
        "webp" => Some(Kind::Webp),
        "gif" => Some(Kind::Gif),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Jpeg,
    Png,
    Webp,
    Gif,
}

/// The file to offer for `path`: a picture's copy without its metadata (a JPEG or PNG longer
/// than [`MAX_SIDE`] shrunk to it), written in a folder of its own under `dir` (same name); any
/// other file as it is.
pub fn prepared(path: &Path, dir: &Path) -> io::Result<PathBuf> {
    let Some(kind) = kind_of(path) else {
        return Ok(path.to_path_buf());
    };
    if std::fs::metadata(path)?.len() > MAX_PICTURE_BYTES {
        return Err(io::ErrorKind::FileTooLarge.into());
    }
    let bytes = std::fs::read(path)?;
    let clean = shrunk(kind, stripped(kind, &bytes)?)?;
    let name = path.file_name().unwrap_or_default();
    let folder = unique_folder(dir)?;
    let copy = folder.join(name);
    std::fs::write(&copy, clean)?;
    Ok(copy)
}

/// `clean` (a picture of `kind` without its metadata) as it is, or, for a JPEG or PNG longer than
/// [`MAX_SIDE`], shrunk to it, turned upright, written again in its kind (a JPEG at quality 85,
/// nothing else in it). A WebP stays as it is (its encoder here is lossless: larger, not smaller).
fn shrunk(kind: Kind, clean: Vec<u8>) -> io::Result<Vec<u8>> {
    use image::{DynamicImage, ImageDecoder as _, ImageFormat, ImageReader};
    let format = match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::Webp | Kind::Gif => return Ok(clean),
    };
    let reader = || ImageReader::with_format(std::io::Cursor::new(&clean[..]), format);
    let invalid = |_| io::Error::from(io::ErrorKind::InvalidData);
    // Its size from its header; one that does not say goes as it is (its segments read right).
    let Ok((width, height)) = reader().into_dimensions() else {
        return Ok(clean);
    };
    if width.max(height) <= MAX_SIDE {
        return Ok(clean);
    }
    if u64::from(width) * u64::from(height) > MAX_PASTED_PIXELS as u64 {
        return Err(io::ErrorKind::FileTooLarge.into());
    }
    let mut decoder = reader().into_decoder().map_err(invalid)?;
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(invalid)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    let image = image.thumbnail(MAX_SIDE, MAX_SIDE);
    let mut out = std::io::Cursor::new(Vec::new());
    // Each encoder by name: `write_to` would link every encoder `image` is built with.
    let written =
        match kind {
            Kind::Jpeg => image.to_rgb8().write_with_encoder(
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85),
            ),
            _ => image.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out)),
        };
    written.map_err(io::Error::other)?;
    Ok(out.into_inner())
}

/// A new folder under `dir` (made if needed), for one file that keeps its own name.
pub fn unique_folder(dir: &Path) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stamp = crate::protocol::now_ms();
    for n in 0..1000 {
        let folder = dir.join(format!("{stamp}-{n}"));
        match std::fs::create_dir(&folder) {
            Ok(()) => return Ok(folder),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(err),
        }
    }
    Err(io::ErrorKind::AlreadyExists.into())
}

fn stripped(kind: Kind, bytes: &[u8]) -> io::Result<Vec<u8>> {
    let clean = match kind {
        Kind::Jpeg => jpeg_without_metadata(bytes),
        Kind::Png => png_without_metadata(bytes),
        Kind::Webp => webp_without_metadata(bytes),
        Kind::Gif => gif_without_metadata(bytes),
    };
    clean.ok_or_else(|| io::ErrorKind::InvalidData.into())
}

/// A JPEG without its APP1…APP13 and APP15 segments (EXIF and GPS, XMP, IPTC…) and comments;
/// APP0 (JFIF) and APP14 (Adobe: how to read its colours) stay, and so does which way up it is
/// (EXIF's orientation, alone in an EXIF of its own: a phone's portrait photo is stored lying
/// down). `None` when the segments do not read as a JPEG's.
pub fn jpeg_without_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    out.extend_from_slice(&bytes[..2]);
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        if marker == 0xFF {
            // Fill bytes before a marker.
            at += 1;
            continue;
        }
        if marker == 0xD9 {
            out.extend_from_slice(&bytes[at..at + 2]);
            return Some(out);
        }
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        if length < 2 {
            return None;
        }
        let end = at.checked_add(2 + length)?;
        let segment = bytes.get(at..end)?;
        if marker == 0xDA {
            // Start of scan: the image data follows, to the end, as it is.
            out.extend_from_slice(&bytes[at..]);
            return Some(out);
        }
        let metadata = matches!(marker, 0xE1..=0xED | 0xEF | 0xFE);
        if !metadata {
            out.extend_from_slice(segment);
        } else if let Some(turned) = (marker == 0xE1)
            .then(|| exif_orientation(&segment[4..]))
            .flatten()
            .filter(|&o| o != 1)
        {
            out.extend_from_slice(&orientation_alone(turned));
        }
        at = end;
    }
}

/// The orientation (1–8) an EXIF block (`Exif\0\0`, then TIFF) gives its picture in its first
/// directory, if it gives one.
fn exif_orientation(exif: &[u8]) -> Option<u16> {
    let tiff = exif.strip_prefix(b"Exif\0\0")?;
    let big_endian = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let number = |at: usize, len: usize| -> Option<u32> {
        let bytes = tiff.get(at..at.checked_add(len)?)?;
        let mut n = 0u32;
        for i in 0..len {
            let byte = if big_endian {
                bytes[i]
            } else {
                bytes[len - 1 - i]
            };
            n = n << 8 | u32::from(byte);
        }
        Some(n)
    };
    let directory = usize::try_from(number(4, 4)?).ok()?;
    let entries = number(directory, 2)?;
    (0..entries as usize).find_map(|i| {
        let entry = directory.checked_add(2 + 12 * i)?;
        // Tag 0x0112, a SHORT: its value is in the entry itself.
        (number(entry, 2)? == 0x0112 && number(entry + 2, 2)? == 3)
            .then(|| number(entry + 8, 2))
            .flatten()
            .and_then(|o| u16::try_from(o).ok())
            .filter(|o| (1..=8).contains(o))
    })
}

/// An APP1 segment whose EXIF says the orientation alone.
fn orientation_alone(orientation: u16) -> Vec<u8> {
    let mut segment = vec![0xFF, 0xE1, 0, 34];
    segment.extend_from_slice(b"Exif\0\0MM\0\x2A\0\0\0\x08\0\x01");
    segment.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    segment.extend_from_slice(&orientation.to_be_bytes());
    segment.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    segment
}

/// A GIF without its comments and its application blocks other than the loop count
/// (`NETSCAPE2.0`): XMP travels in one. The frames, their timing and colours stay, byte for byte.
/// `None` when the blocks do not read as a GIF's.
pub fn gif_without_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    if !matches!(bytes.get(..6)?, b"GIF87a" | b"GIF89a") {
        return None;
    }
    // The header and the screen; its colour table when it says it has one.
    let flags = *bytes.get(10)?;
    let table = |flags: u8| {
        if flags & 0x80 == 0 {
            0
        } else {
            3 << ((flags & 7) + 1)
        }
    };
    let mut at = 13 + table(flags);
    let mut out = bytes.get(..at)?.to_vec();
    // Sub-blocks (a length, then that many bytes) up to the empty one: where they end.
    let sub_blocks_end = |mut at: usize| -> Option<usize> {
        loop {
            let len = usize::from(*bytes.get(at)?);
            at = at.checked_add(1 + len)?;
            if len == 0 {
                return Some(at);
            }
        }
    };
    loop {
        match *bytes.get(at)? {
            0x3B => {
                out.push(0x3B);
                return Some(out);
            }
            0x2C => {
                // A frame: its descriptor, its colour table, the LZW minimum, its data.
                let flags = *bytes.get(at + 9)?;
                let data = at + 10 + table(flags) + 1;
                let end = sub_blocks_end(data)?;
                out.extend_from_slice(bytes.get(at..end)?);
                at = end;
            }
            0x21 => {
                let label = *bytes.get(at + 1)?;
                let end = sub_blocks_end(at + 2)?;
                let looping =
                    label == 0xFF && bytes.get(at + 2..at + 14) == Some(b"\x0bNETSCAPE2.0");
                // Comments (0xFE) and other applications' blocks go; timing and text stay.
                if !matches!(label, 0xFE | 0xFF) || looping {
                    out.extend_from_slice(bytes.get(at..end)?);
                }
                at = end;
            }
            _ => return None,
        }
    }
}

/// A PNG with only the chunks that draw it: its text (`tEXt`, `zTXt`, `iTXt`), `eXIf` and
/// `tIME` go. `None` when the chunks do not read as a PNG's.
pub fn png_without_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if bytes.get(..8)? != SIGNATURE {
        return None;
    }
    let mut out = SIGNATURE.to_vec();
    let mut at = 8;
    loop {
        let length = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?);
        let kind: [u8; 4] = bytes.get(at + 4..at + 8)?.try_into().ok()?;
        let end = at
            .checked_add(12)?
            .checked_add(usize::try_from(length).ok()?)?;
        let chunk = bytes.get(at..end)?;
        if !matches!(&kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME") {
            out.extend_from_slice(chunk);
        }
        if &kind == b"IEND" {
            return Some(out);
        }
        at = end;
    }
}

/// A WebP without its `EXIF` and `XMP ` chunks (and the RIFF size written again). `None` when
/// it does not read as a WebP.
pub fn webp_without_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.get(..4)? != b"RIFF" || bytes.get(8..12)? != b"WEBP" {
        return None;
    }
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    let mut at = 12;
    while at < bytes.len() {
        let kind: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        let size = u32::from_le_bytes(bytes.get(at + 4..at + 8)?.try_into().ok()?);
        let padded = usize::try_from(size)
            .ok()?
            .checked_add(usize::try_from(size % 2).ok()?)?;
        let end = at.checked_add(8)?.checked_add(padded)?;
        let chunk = bytes.get(at..end)?;
        if !matches!(&kind, b"EXIF" | b"XMP ") {
            out.extend_from_slice(chunk);
        }
        at = end;
    }
    let riff = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JPEG's outline: JFIF, an EXIF segment with GPS, a comment, a table, the scan, the end.
    pub(crate) fn jpeg_with_gps() -> Vec<u8> {
        let mut jpeg = vec![0xFF, 0xD8];
        let segment = |jpeg: &mut Vec<u8>, marker: u8, body: &[u8]| {
            jpeg.extend_from_slice(&[0xFF, marker]);
            jpeg.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
            jpeg.extend_from_slice(body);
        };
        segment(&mut jpeg, 0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        segment(
            &mut jpeg,
            0xE1,
            b"Exif\0\0MM\0*GPSLatitude 48.8584 N GPSLongitude 2.2945 E",
        );
        segment(&mut jpeg, 0xFE, b"taken at home");
        segment(&mut jpeg, 0xDB, &[0; 65]);
        segment(&mut jpeg, 0xDA, &[1, 1, 0, 0, 63, 0]);
        jpeg.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56]);
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        jpeg
    }

    fn holds(bytes: &[u8], needle: &[u8]) -> bool {
        bytes.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_loses_its_exif_and_gps_and_keeps_its_picture() {
        let jpeg = jpeg_with_gps();
        let clean = jpeg_without_metadata(&jpeg).expect("a JPEG");
        assert!(!holds(&clean, b"Exif") && !holds(&clean, b"GPS") && !holds(&clean, b"home"));
        assert!(holds(&clean, b"JFIF"), "the JFIF header stays");
        assert!(
            clean.ends_with(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]),
            "the scan as it was"
        );
        for cut in [3, 10, 30] {
            assert_eq!(
                jpeg_without_metadata(&jpeg[..cut]),
                None,
                "truncated at {cut}"
            );
        }
        assert_eq!(jpeg_without_metadata(b"GIF89a"), None);
        // A segment claiming more than the file holds.
        let mut lying = jpeg.clone();
        lying[4..6].copy_from_slice(&[0xFF, 0xFF]);
        assert_eq!(jpeg_without_metadata(&lying), None);
    }

    #[test]
    fn a_photo_taken_upright_stays_upright_without_its_gps() {
        // A real 40 × 30 JPEG, then an EXIF (little-endian) saying "turn it a quarter" beside
        // where it was taken.
        let mut encoded = std::io::Cursor::new(Vec::new());
        image::DynamicImage::new_rgb8(40, 30)
            .write_to(&mut encoded, image::ImageFormat::Jpeg)
            .unwrap();
        let encoded = encoded.into_inner();
        let mut exif = b"Exif\0\0II*\0\x08\0\0\0\x02\0".to_vec();
        exif.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
        exif.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]);
        exif.extend_from_slice(b"\0\0\0\0GPSLatitude 48.8584 N");
        let mut photo = encoded[..2].to_vec();
        photo.extend_from_slice(&[0xFF, 0xE1]);
        photo.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
        photo.extend_from_slice(&exif);
        photo.extend_from_slice(&encoded[2..]);
        let read = |bytes: &[u8]| {
            crate::client::preview::decode(bytes, crate::client::preview::LARGE).map(|p| p.full)
        };
        assert_eq!(read(&photo), Ok([30, 40]), "the photo as taken");

        let clean = jpeg_without_metadata(&photo).expect("a JPEG");
        assert!(!holds(&clean, b"GPS"));
        assert_eq!(read(&clean), Ok([30, 40]), "still upright");
        assert_eq!(clean.len(), encoded.len() + 36, "the orientation alone");
        // An upright photo's EXIF goes whole; a damaged one says nothing.
        assert_eq!(exif_orientation(b"Exif\0\0II*\0\xff\xff\xff\xff"), None);
        assert_eq!(exif_orientation(b"Exif\0\0MM"), None);
        assert_eq!(
            jpeg_without_metadata(&encoded).map(|c| c.len()),
            Some(encoded.len())
        );
    }

    #[test]
    fn a_photo_longer_than_a_4k_screen_is_shrunk_to_it_before_it_leaves() {
        let dir = tempfile::tempdir().unwrap();
        for (name, format) in [
            ("wide.jpg", image::ImageFormat::Jpeg),
            ("wide.png", image::ImageFormat::Png),
        ] {
            let path = dir.path().join(name);
            image::DynamicImage::new_rgb8(5000, 100)
                .save_with_format(&path, format)
                .unwrap();
            let copy = prepared(&path, &dir.path().join("copies")).unwrap();
            let read = image::open(&copy).unwrap();
            assert_eq!((read.width(), read.height()), (MAX_SIDE, 77), "{name}");
        }
        // Within the side: the bytes as they were (no metadata to take out here).
        let small = dir.path().join("small.jpg");
        image::DynamicImage::new_rgb8(300, 200)
            .save(&small)
            .unwrap();
        let copy = prepared(&small, &dir.path().join("copies")).unwrap();
        assert_eq!(std::fs::read(copy).unwrap(), std::fs::read(&small).unwrap());
    }

    #[test]
    fn a_gif_loses_its_comments_and_xmp_and_keeps_its_frames_and_loop() {
        use image::AnimationDecoder as _;
        // Two frames looping, from `image`'s own encoder.
        let mut encoded = Vec::new();
        {
            let mut encoder = image::codecs::gif::GifEncoder::new(&mut encoded);
            encoder
                .set_repeat(image::codecs::gif::Repeat::Infinite)
                .unwrap();
            for shade in [40u8, 200] {
                let frame = image::RgbaImage::from_pixel(6, 4, image::Rgba([shade, 9, 9, 255]));
                encoder.encode_frame(image::Frame::new(frame)).unwrap();
            }
        }
        // A comment and an XMP block put in after the screen (and its colour table, if any).
        let flags = encoded[10];
        let at = 13
            + if flags & 0x80 == 0 {
                0
            } else {
                3 << ((flags & 7) + 1)
            };
        let mut gif = encoded[..at].to_vec();
        gif.extend_from_slice(b"\x21\xfe\x16GPS 48.8584 N 2.2945 E\x00");
        gif.extend_from_slice(b"\x21\xff\x0bXMP DataXMP\x0b<x:xmpmeta>\x00");
        gif.extend_from_slice(&encoded[at..]);
        assert!(holds(&gif, b"GPS") && holds(&gif, b"xmpmeta"));

        let clean = gif_without_metadata(&gif).expect("a GIF");
        assert!(!holds(&clean, b"GPS") && !holds(&clean, b"xmpmeta"));
        assert_eq!(clean, encoded, "the rest byte for byte");
        assert!(holds(&clean, b"NETSCAPE2.0"), "it still loops");
        let frames = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&clean))
            .unwrap()
            .into_frames()
            .collect_frames()
            .unwrap();
        assert_eq!(frames.len(), 2);
        // Cut short, or not a GIF: not one.
        assert_eq!(gif_without_metadata(&gif[..gif.len() - 1]), None);
        assert_eq!(gif_without_metadata(&gif[..20]), None);
        assert_eq!(gif_without_metadata(b"GIF89"), None);
    }

    #[test]
    fn a_png_loses_its_text_and_exif_and_keeps_what_draws_it() {
        let png = png_of(3, 2, vec![200; 3 * 2 * 4]).expect("a PNG");
        // Put text and EXIF chunks after the header, as cameras and editors do.
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0; 4]);
            c
        };
        let header_end = 8 + 25;
        let mut tagged = png[..header_end].to_vec();
        tagged.extend(chunk(b"tEXt", b"Comment\0GPS 48.85 2.29"));
        tagged.extend(chunk(b"eXIf", b"MM\0*GPS"));
        tagged.extend_from_slice(&png[header_end..]);
        let clean = png_without_metadata(&tagged).expect("a PNG");
        assert_eq!(clean, png, "exactly the pixels' chunks");
        assert!(!holds(&clean, b"GPS"));
        assert_eq!(png_without_metadata(&tagged[..40]), None, "truncated");
        let decoded = image::load_from_memory(&clean).expect("it still reads");
        assert_eq!((decoded.width(), decoded.height()), (3, 2));
    }

    #[test]
    fn a_webp_loses_its_exif_and_xmp() {
        let mut webp = b"RIFF\0\0\0\0WEBP".to_vec();
        for (kind, data) in [
            (b"VP8X", &[0u8; 10][..]),
            (b"EXIF", b"MM\0*GPS 48"),
            (b"XMP ", b"<x:xmpmeta/>"),
            (b"VP8L", b"\x2f\0\0\0\0"),
        ] {
            webp.extend_from_slice(kind);
            webp.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
            webp.extend_from_slice(data);
            if data.len() % 2 == 1 {
                webp.push(0);
            }
        }
        let clean = webp_without_metadata(&webp).expect("a WebP");
        assert!(!holds(&clean, b"GPS") && !holds(&clean, b"xmpmeta"));
        assert!(holds(&clean, b"VP8X") && holds(&clean, b"VP8L"));
        let riff = u32::from_le_bytes(clean[4..8].try_into().unwrap());
        assert_eq!(riff as usize, clean.len() - 8);
        assert_eq!(webp_without_metadata(&webp[..20]), None);
    }

    #[test]
    fn a_pasted_image_is_shrunk_to_the_longest_side_and_keeps_its_shape() {
        let png = png_of(7680, 100, vec![90; 7680 * 100 * 4]).expect("a PNG");
        let decoded = image::load_from_memory(&png).expect("it reads");
        assert_eq!((decoded.width(), decoded.height()), (MAX_SIDE, 50));
        assert!(png_of(4, 4, vec![0; 3]).is_err(), "too few pixels");
    }

    #[test]
    fn a_picture_file_is_copied_without_its_metadata_and_others_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("Vacances.JPG");
        std::fs::write(&photo, jpeg_with_gps()).unwrap();
        let sent = prepared(&photo, &dir.path().join("out")).expect("prepared");
        assert_ne!(sent, photo);
        assert_eq!(sent.file_name(), photo.file_name(), "the same name");
        assert!(!holds(&std::fs::read(&sent).unwrap(), b"GPS"));
        let notes = dir.path().join("notes.txt");
        std::fs::write(&notes, b"GPS").unwrap();
        assert_eq!(prepared(&notes, &dir.path().join("out")).unwrap(), notes);
        let fake = dir.path().join("fake.png");
        std::fs::write(&fake, b"not a png at all").unwrap();
        assert!(prepared(&fake, &dir.path().join("out")).is_err());
    }
}
