//! A photo as a phone writes it, for tests and benchmarks: 4000×3000 pixels of a scene with
//! smooth shapes and sensor grain (so it weighs what a real one does, 3–5 MB at quality 92),
//! stored sideways with EXIF orientation 6 ("turn 90° clockwise"), with the GPS position
//! where it was taken, the phone's make and model, and a Display P3 colour profile.
//!
//! Two marks let a test see what was done to it: the stored top-left corner is a flat
//! block of [`MARK_P3`] (shown upright, it is the top-right corner), and the rest never
//! comes near that colour.

// A maker of test data: a photo that cannot be made is a broken test, so it may panic.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use std::io::Cursor;

/// The marked corner's colour, in Display P3: in sRGB it is a little more saturated.
pub const MARK_P3: [u8; 3] = [40, 150, 210];
/// The marked corner's size in stored pixels (a tenth of the width).
pub const MARK_SIDE: u32 = 400;
/// Where the photo says it was taken: a village in Chüy region, to six places.
pub const LATITUDE: (u32, u32, u32) = (42, 52, 17);

/// The JPEG file of one photo, `seed` varying the scene.
pub fn phone_photo(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let pixels = scene(width, height, seed);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), 92)
        .encode_image(&pixels)
        .expect("encoding a photo in memory");
    // After SOI (FF D8): APP1 with EXIF, APP2 with the colour profile, then the image.
    let mut file = jpeg[..2].to_vec();
    file.extend(segment(0xE1, &[b"Exif\0\0".as_slice(), &exif()].concat()));
    file.extend(segment(0xE2, &[b"ICC_PROFILE\0\x01\x01".as_slice(), &display_p3_profile()].concat()));
    file.extend(&jpeg[2..]);
    file
}

/// The Display P3 profile the photos carry (ICC v2, matrix and curves), also for tests that
/// convert the mark themselves.
pub fn display_p3_profile() -> Vec<u8> {
    // Apple's Display P3 colorants, adapted to D50 as ICC wants them; a 2.2 gamma curve.
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", xyz(0.2920, 0.6922, 0.0419)),
        (b"bXYZ", xyz(0.1571, 0.0666, 0.7841)),
        (b"rTRC", curve(2.2)),
        (b"gTRC", curve(2.2)),
        (b"bTRC", curve(2.2)),
        (b"desc", description("Display P3 (test)")),
    ];
    let table_len = 4 + 12 * tags.len();
    let mut data = Vec::new();
    let mut table = (tags.len() as u32).to_be_bytes().to_vec();
    for (signature, bytes) in &tags {
        let offset = 128 + table_len + data.len();
        table.extend(*signature);
        table.extend((offset as u32).to_be_bytes());
        table.extend((bytes.len() as u32).to_be_bytes());
        data.extend(bytes);
        while data.len() % 4 != 0 {
            data.push(0);
        }
    }
    let size = 128 + table_len + data.len();
    let mut header = Vec::with_capacity(128);
    header.extend((size as u32).to_be_bytes());
    header.extend([0; 4]); // preferred CMM
    header.extend([0x02, 0x10, 0, 0]); // version 2.1
    header.extend(b"mntrRGB XYZ ");
    header.extend([0x07, 0xE4, 0, 12, 0, 5, 0, 12, 0, 0, 0, 0]); // 2020-12-05 12:00:00
    header.extend(b"acsp");
    header.extend([0; 4 + 4 + 4 + 4 + 8 + 4]); // platform, flags, maker, model, attributes, intent
    header.extend(&xyz(0.9642, 1.0, 0.8249)[8..]); // the PCS illuminant, D50
    header.extend([0; 4 + 16 + 28]); // creator, id, reserved
    assert_eq!(header.len(), 128);
    [header, table, data].concat()
}

fn s15_16(value: f64) -> [u8; 4] {
    ((value * 65536.0).round() as i32).to_be_bytes()
}

fn xyz(x: f64, y: f64, z: f64) -> Vec<u8> {
    [b"XYZ \0\0\0\0".as_slice(), &s15_16(x), &s15_16(y), &s15_16(z)].concat()
}

fn curve(gamma: f64) -> Vec<u8> {
    let fixed = (gamma * 256.0).round() as u16;
    [b"curv\0\0\0\0".as_slice(), &1u32.to_be_bytes(), &fixed.to_be_bytes()].concat()
}

fn description(text: &str) -> Vec<u8> {
    let mut bytes = b"desc\0\0\0\0".to_vec();
    bytes.extend((text.len() as u32 + 1).to_be_bytes());
    bytes.extend(text.as_bytes());
    bytes.push(0);
    bytes.extend([0; 4 + 4 + 2 + 1 + 67]); // no Unicode, no ScriptCode description
    bytes
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0xFF, marker];
    bytes.extend(((payload.len() + 2) as u16).to_be_bytes());
    bytes.extend(payload);
    bytes
}

/// A little-endian TIFF structure: IFD0 with make, model, orientation 6 and a pointer to
/// the GPS IFD, which holds latitude and longitude.
fn exif() -> Vec<u8> {
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        [tag.to_le_bytes().as_slice(), &kind.to_le_bytes(), &count.to_le_bytes(), &value].concat()
    };
    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    // Layout: header (8) | IFD0: 2 + 4×12 + 4 = 54 | GPS IFD: 2 + 4×12 + 4 = 54 | data.
    let ifd0_at = 8u32;
    let gps_at = ifd0_at + 54;
    let data_at = gps_at + 54;
    let make = b"Redmi\0\0\0".to_vec();
    let model = b"Note 9 Pro\0\0".to_vec();
    let rational = |values: &[(u32, u32)]| -> Vec<u8> {
        values.iter().flat_map(|(n, d)| [n.to_le_bytes(), d.to_le_bytes()].concat()).collect()
    };
    let latitude = rational(&[(LATITUDE.0, 1), (LATITUDE.1, 1), (LATITUDE.2, 1)]);
    let longitude = rational(&[(74, 1), (35, 1), (41, 1)]);
    let make_at = data_at;
    let model_at = make_at + make.len() as u32;
    let latitude_at = model_at + model.len() as u32;
    let longitude_at = latitude_at + latitude.len() as u32;

    let mut tiff = b"II*\0".to_vec();
    tiff.extend(ifd0_at.to_le_bytes());
    tiff.extend(4u16.to_le_bytes());
    tiff.extend(entry(0x010F, ASCII, 6, make_at.to_le_bytes()));
    tiff.extend(entry(0x0110, ASCII, 11, model_at.to_le_bytes()));
    tiff.extend(entry(0x0112, SHORT, 1, [6, 0, 0, 0]));
    tiff.extend(entry(0x8825, LONG, 1, gps_at.to_le_bytes()));
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(4u16.to_le_bytes());
    tiff.extend(entry(0x0001, ASCII, 2, *b"N\0\0\0"));
    tiff.extend(entry(0x0002, RATIONAL, 3, latitude_at.to_le_bytes()));
    tiff.extend(entry(0x0003, ASCII, 2, *b"E\0\0\0"));
    tiff.extend(entry(0x0004, RATIONAL, 3, longitude_at.to_le_bytes()));
    tiff.extend(0u32.to_le_bytes());
    assert_eq!(tiff.len() as u32, data_at);
    [tiff, make, model, latitude, longitude].concat()
}

/// Smooth shapes at a few scales, a warm or cool cast by `seed`, and per-pixel grain. The
/// shapes are drawn at an eighth of the size and enlarged (by `image`, which is optimised
/// even in debug builds), so that tests make their photos in a fraction of a second.
fn scene(width: u32, height: u32, seed: u64) -> image::RgbImage {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) | 1;
    let mut random = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (small_width, small_height) = (width.div_ceil(8), height.div_ceil(8));
    // Value noise: a random lattice per scale (in small pixels), bilinearly interpolated.
    let scales = [90u32, 20, 5];
    let lattices: Vec<(u32, u32, Vec<[f32; 3]>)> = scales
        .iter()
        .map(|&scale| {
            let columns = small_width / scale + 2;
            let rows = small_height / scale + 2;
            let values = (0..columns * rows)
                .map(|_| {
                    let mut colour = [0.0; 3];
                    for channel in &mut colour {
                        *channel = (random() % 1000) as f32 / 1000.0;
                    }
                    colour
                })
                .collect();
            (scale, columns, values)
        })
        .collect();
    let weights = [0.6f32, 0.27, 0.13];
    let cast = [(random() % 40) as f32, (random() % 40) as f32, (random() % 40) as f32];
    let small = image::RgbImage::from_fn(small_width, small_height, |x, y| {
        let mut colour = [0.0f32; 3];
        for ((scale, columns, values), weight) in lattices.iter().zip(weights) {
            let (fx, fy) = (x as f32 / *scale as f32, y as f32 / *scale as f32);
            let (cx, cy) = (fx as u32, fy as u32);
            let (tx, ty) = (fx - cx as f32, fy - cy as f32);
            let at = |column: u32, row: u32| values[(row * columns + column) as usize];
            let (a, b, c, d) = (at(cx, cy), at(cx + 1, cy), at(cx, cy + 1), at(cx + 1, cy + 1));
            for channel in 0..3 {
                let top = a[channel] + (b[channel] - a[channel]) * tx;
                let bottom = c[channel] + (d[channel] - c[channel]) * tx;
                colour[channel] += weight * (top + (bottom - top) * ty);
            }
        }
        // Texture a few pixels across (leaves, cloth, faces), which survives resizing as
        // real detail does; grain alone would vanish at a quarter of the width.
        let texture = (random() % 61) as f32 - 30.0;
        // Kept to 66–224 with a warm bias, so no pixel comes near the mark's blue.
        image::Rgb([
            (90.0 + colour[0] * 140.0 + cast[0] + texture).clamp(66.0, 224.0) as u8,
            (70.0 + colour[1] * 120.0 + cast[1] + texture).clamp(66.0, 224.0) as u8,
            (60.0 + colour[2] * 80.0 + cast[2] * 0.5 + texture * 0.6).clamp(66.0, 154.0) as u8,
        ])
    });
    let mut photo = image::imageops::resize(&small, width, height, image::imageops::FilterType::Triangle);
    let mut grain = random();
    for (x, y, pixel) in photo.enumerate_pixels_mut() {
        if x < MARK_SIDE && y < MARK_SIDE {
            pixel.0 = MARK_P3;
            continue;
        }
        grain ^= grain << 13;
        grain ^= grain >> 7;
        grain ^= grain << 17;
        let noise = (grain % 13) as u8;
        for channel in &mut pixel.0 {
            *channel = (*channel + noise).saturating_sub(6);
        }
    }
    photo
}
