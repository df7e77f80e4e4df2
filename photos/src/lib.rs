//! One photo, from the bytes an editor put in `content/` to the files readers download:
//! decoded within limits, turned upright by its EXIF orientation, converted to sRGB by its
//! colour profile, resized to a few widths and written again — as WebP, and as JPEG or PNG
//! for browsers without WebP. Writing from pixels is what strips the metadata: no EXIF (the
//! GPS position of a participant's home), no XMP, no profile survives, resized or not.
//!
//! Pure: bytes in, bytes out; the generator decides where they go and keeps them in its
//! cache. A crate of its own so that debug builds optimise it (see the workspace's
//! Cargo.toml).

#[cfg(feature = "phone-photo")]
pub mod phone_photo;

use std::io::Cursor;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageReader, Limits};

/// The widths a photo is published in, never more than it has. A picture fills the page's
/// column: a phone's screen less its margins (358 CSS px on a 390 px phone), at most 44rem
/// (704 px) on a desktop. So 360 for phones at 1×, 720 for phones at 2× and desktops at 1×,
/// 1080 for phones at 3×, 1600 for desktops at 2×. A step of 960 instead of 720 made the
/// first screen of a report with photos weigh 1.8× as much on a 2× phone, for pixels it
/// cannot show.
pub const WIDTHS: [u32; 4] = [360, 720, 1080, 1600];
/// The widest of [`WIDTHS`], its last.
const WIDEST: u32 = {
    let [.., widest] = WIDTHS;
    widest
};
/// Above this many pixels a file is refused before it is decoded (a "decompression bomb" of
/// a few kilobytes can claim gigapixels). A 108-megapixel phone's full-size mode is within.
pub const MAX_PIXELS: u64 = 120_000_000;
/// libwebp's quality (0–100; its own tool defaults to 75). At 70 a phone photo 720 pixels
/// wide weighs about 85 KB, so the first screen of a report (the browser fetches the two or
/// three photos nearest the screen) stays under 300 KB on a phone; see
/// `tests/bench/images.py` and `tests/e2e/photos.test.mjs` for the weights it gives.
pub const WEBP_QUALITY: f32 = 70.0;
/// JPEG quality of the fallback, which only browsers without WebP load.
pub const JPEG_QUALITY: u8 = 80;

/// Everything the encoding depends on besides the photo's bytes: part of the cache key, so
/// that changing any of it encodes every photo again. (A new libwebp or resizer version is
/// not in it: what an older one wrote stays a good picture.) Raise the `v` when the code
/// below changes what it writes.
pub fn settings() -> String {
    format!("widths={WIDTHS:?} webp={WEBP_QUALITY} jpeg={JPEG_QUALITY} srgb lanczos3 v1")
}

/// The format the fallback is written in: PNG keeps transparency and the sharp edges of
/// diagrams and screenshots; everything else is a photo and becomes JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Fallback {
    Jpeg,
    Png,
}

impl Fallback {
    pub fn extension(self) -> &'static str {
        match self {
            Fallback::Jpeg => "jpg",
            Fallback::Png => "png",
        }
    }
}

/// A photo made ready: its size upright, and one file per width in each format, smallest
/// first; the last width is the photo's own when it is narrower than the widest.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub width: u32,
    pub height: u32,
    pub fallback: Fallback,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub width: u32,
    pub webp: Vec<u8>,
    pub fallback: Vec<u8>,
}

/// Why a photo could not be made ready, in words for the editor who put it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    TooManyPixels { width: u32, height: u32 },
    Unreadable(String),
}

/// [`MAX_PIXELS`] in millions, as editors are told it.
pub const MAX_MEGAPIXELS: u64 = MAX_PIXELS / 1_000_000;

/// How many megapixels a picture of `width`×`height` has, rounded up (as editors are told).
pub fn megapixels(width: u32, height: u32) -> u64 {
    (u64::from(width) * u64::from(height)).div_ceil(1_000_000)
}

/// For developers; the generator tells editors the same from the fields, in their language.
impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TooManyPixels { width, height } => write!(
                f,
                "is {width}×{height} pixels ({} megapixels), more than the {MAX_MEGAPIXELS} the site takes: \
                 save it smaller (e.g. 4000 pixels wide) and put it back",
                megapixels(*width, *height),
            ),
            Refusal::Unreadable(reason) => {
                write!(f, "cannot be read as an image ({reason}): save it again as JPEG or PNG")
            }
        }
    }
}

/// The widths to publish for a photo `width` pixels wide: each standard width it exceeds,
/// and its own width (at most the widest) — never enlarged.
pub fn widths_for(width: u32) -> Vec<u32> {
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|&w| w < width).collect();
    let own = width.min(WIDEST);
    // A width within a tenth of the one below it would only repeat it.
    if widths.last().is_none_or(|&last| own * 10 > last * 11) {
        widths.push(own);
    } else if let Some(last) = widths.last_mut() {
        *last = own;
    }
    widths
}

/// Decodes `bytes` and writes every variant. Pure: no files, no clock.
pub fn encode(bytes: &[u8]) -> Result<Encoded, Refusal> {
    let unreadable = |err: image::ImageError| Refusal::Unreadable(err.to_string());
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|err| Refusal::Unreadable(err.to_string()))?;
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Refusal::TooManyPixels { width, height });
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(2 * 1024 * 1024 * 1024);
    decoder.set_limits(limits).map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    let profile = decoder.icc_profile().map_err(unreadable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    let has_alpha = image.color().has_alpha() && !fully_opaque(&image);
    let is_png = matches!(image::guess_format(bytes), Ok(image::ImageFormat::Png));
    let fallback = if is_png || has_alpha { Fallback::Png } else { Fallback::Jpeg };
    let image = if has_alpha {
        let mut rgba = image.into_rgba8();
        to_srgb(profile.as_deref(), rgba.as_mut(), qcms::DataType::RGBA8);
        DynamicImage::ImageRgba8(rgba)
    } else {
        let mut rgb = image.into_rgb8();
        to_srgb(profile.as_deref(), rgb.as_mut(), qcms::DataType::RGB8);
        DynamicImage::ImageRgb8(rgb)
    };
    let (width, height) = (image.width(), image.height());
    let mut resizer = Resizer::new();
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    let mut variants = Vec::new();
    for target in widths_for(width) {
        let target_height = scaled_height(width, height, target);
        let resized = if target == width {
            image.clone()
        } else {
            let mut resized = DynamicImage::new(target, target_height, image.color());
            resizer.resize(&image, &mut resized, &options).map_err(|err| Refusal::Unreadable(err.to_string()))?;
            resized
        };
        variants.push(Variant {
            width: target,
            webp: webp_bytes(&resized),
            fallback: fallback_bytes(&resized, fallback).map_err(unreadable)?,
        });
    }
    Ok(Encoded { width, height, fallback, variants })
}

/// The height of a `width`×`height` picture shown `target` wide, rounded, at least 1.
pub fn scaled_height(width: u32, height: u32, target: u32) -> u32 {
    let scaled = (u64::from(height) * u64::from(target) + u64::from(width) / 2) / u64::from(width.max(1));
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

fn fully_opaque(image: &DynamicImage) -> bool {
    match image {
        DynamicImage::ImageRgba8(rgba) => rgba.pixels().all(|pixel| pixel.0[3] == u8::MAX),
        DynamicImage::ImageLumaA8(la) => la.pixels().all(|pixel| pixel.0[1] == u8::MAX),
        other => other.to_rgba8().pixels().all(|pixel| pixel.0[3] == u8::MAX),
    }
}

/// Converts pixels in place from the photo's colour profile to sRGB, the colours the web
/// shows: a phone's Display P3 photo would otherwise look washed out. Without a profile, or
/// with one qcms cannot use, the pixels are taken as sRGB already.
fn to_srgb(profile: Option<&[u8]>, pixels: &mut [u8], layout: qcms::DataType) {
    let Some(input) = profile.and_then(|icc| qcms::Profile::new_from_slice(icc, false)) else {
        return;
    };
    if input.is_sRGB() {
        return;
    }
    let mut output = qcms::Profile::new_sRGB();
    output.precache_output_transform();
    if let Some(transform) = qcms::Transform::new(&input, &output, layout, qcms::Intent::Perceptual) {
        transform.apply(pixels);
    }
}

fn webp_bytes(image: &DynamicImage) -> Vec<u8> {
    let encoder = match image {
        DynamicImage::ImageRgba8(rgba) => webp::Encoder::from_rgba(rgba.as_raw(), image.width(), image.height()),
        _ => webp::Encoder::from_rgb(image.as_bytes(), image.width(), image.height()),
    };
    encoder.encode(WEBP_QUALITY).to_vec()
}

fn fallback_bytes(image: &DynamicImage, fallback: Fallback) -> Result<Vec<u8>, image::ImageError> {
    let mut bytes = Vec::new();
    match fallback {
        Fallback::Jpeg => JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY).write_image(
            image.as_bytes(),
            image.width(),
            image.height(),
            image.color().into(),
        )?,
        Fallback::Png => PngEncoder::new(&mut bytes).write_image(
            image.as_bytes(),
            image.width(),
            image.height(),
            image.color().into(),
        )?,
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_never_enlarge_and_skip_near_repeats() {
        assert_eq!(widths_for(4000), vec![360, 720, 1080, 1600]);
        assert_eq!(widths_for(1600), vec![360, 720, 1080, 1600]);
        assert_eq!(widths_for(1500), vec![360, 720, 1080, 1500]);
        assert_eq!(widths_for(1150), vec![360, 720, 1150]);
        assert_eq!(widths_for(700), vec![360, 700]);
        assert_eq!(widths_for(380), vec![380]);
        assert_eq!(widths_for(300), vec![300]);
    }

    #[test]
    fn heights_keep_the_shape() {
        assert_eq!(scaled_height(4000, 3000, 360), 270);
        assert_eq!(scaled_height(3000, 4000, 720), 960);
        assert_eq!(scaled_height(1, 1, 1), 1);
    }

    #[test]
    fn a_bomb_is_refused_before_it_is_decoded() {
        // A PNG header that claims 20000×20000 pixels, with no pixel data behind it.
        let mut png = Vec::new();
        PngEncoder::new(&mut png).write_image(&[0; 3], 1, 1, image::ExtendedColorType::Rgb8).unwrap();
        let ihdr = png.windows(4).position(|window| window == b"IHDR").unwrap();
        png[ihdr + 4..ihdr + 8].copy_from_slice(&20_000u32.to_be_bytes());
        png[ihdr + 8..ihdr + 12].copy_from_slice(&20_000u32.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&png[ihdr..ihdr + 4 + 13]);
        png[ihdr + 17..ihdr + 21].copy_from_slice(&crc.sum().to_be_bytes());
        assert_eq!(encode(&png).unwrap_err(), Refusal::TooManyPixels { width: 20_000, height: 20_000 });
    }

    #[test]
    fn text_is_not_an_image() {
        assert!(matches!(encode(b"not a photo"), Err(Refusal::Unreadable(_))));
    }
}
