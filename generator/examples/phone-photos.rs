//! Writes phone photos like those editors upload (see `photos::phone_photo`), for
//! the image benchmark and the browser test of a report's page weight:
//! `cargo run --release -p generator --example phone-photos -- FOLDER COUNT [WIDTH HEIGHT]`.

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(folder), Some(count)) = (args.first(), args.get(1).and_then(|count| count.parse::<u64>().ok())) else {
        eprintln!("usage: phone-photos FOLDER COUNT [WIDTH HEIGHT]");
        std::process::exit(2);
    };
    let width = args.get(2).and_then(|width| width.parse().ok()).unwrap_or(4000);
    let height = args.get(3).and_then(|height| height.parse().ok()).unwrap_or(3000);
    let folder = PathBuf::from(folder);
    std::fs::create_dir_all(&folder).unwrap_or_else(|err| panic!("{}: {err}", folder.display()));
    for seed in 1..=count {
        let path = folder.join(format!("photo-{seed:03}.jpg"));
        std::fs::write(&path, photos::phone_photo::phone_photo(width, height, seed))
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    }
}
