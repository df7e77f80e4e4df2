#!/usr/bin/env python3
"""Phone photos in reports: what they cost the build, and what they weigh for a reader.

    python3 tests/bench/images.py [--photos 50] [--runs 3]

Makes `--photos` phone photos (4000x3000 JPEG at quality 92 with EXIF, GPS and a Display P3
profile; see photos/src/phone_photo.rs) into a copy of content/, shown ten to a report, and
builds it with the release generator, taking turns in one run with the anchor, the same
content without the photos:

- first: an empty photo cache, every photo encoded (on every core);
- cached: the cache kept, a fresh output folder (what every later build and the preview pay);
- anchor: no photos at all.

It prints medians, the photos' cost per photo, and then the page weight of the first report
in headless Chromium (tests/bench/page-weight.mjs): at 390 px and 2x density before
scrolling and after scrolling to the end, and at 1280 px, against the weight of the
original files the page shows.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
GENERATOR = TARGET / "release/generator"
PHONE_PHOTOS = TARGET / "release/examples/phone-photos"
PARAGRAPH = ("Катышуучулар жергиликтүү бюджеттин долбоорун талкуулап, айылдын муктаждыктарын аныкташты. "
             "Ар бир топ өз айылынын көйгөйлөрүн сүрөттөп, аларды чечүү жолдорун сунуштады.")


def make_content(root: Path, photos: int) -> tuple[Path, Path]:
    plain = root / "plain"
    shutil.copytree(REPO / "content", plain)
    with_photos = root / "photos"
    shutil.copytree(REPO / "content", with_photos)
    images = with_photos / "images"
    subprocess.run([PHONE_PHOTOS, images, str(photos)], check=True)
    names = sorted(os.listdir(images))
    for report, start in enumerate(range(0, len(names), 10), start=1):
        body = "\n".join(f"## {n + 1}\n\n{PARAGRAPH}\n\n![Сүрөт {n + 1}](/images/{name})\n"
                         for n, name in enumerate(names[start:start + 10], start=start))
        for content in (with_photos, plain):
            # The anchor shows the same text without the pictures.
            text = body if content is with_photos else "\n".join(
                line for line in body.splitlines() if not line.startswith("!["))
            (content / "reports" / f"photos-{report}.ky.md").write_text(
                f'+++\ntitle = "Сүрөттөр {report}"\nslug = "suroottor-{report}"\ndate = 2021-01-29\nstage = "VI"\nlanguages = ["ky"]\n+++\n\n{text}')
    return plain, with_photos


def build(content: Path, output: Path, cache: Path) -> float:
    shutil.rmtree(output, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([GENERATOR, "build", "--at", "2021-12-01T12:00:00+06:00", "--content", content,
                    "--output", output, "--cache", cache], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "generator", "--bin", "generator",
                    "--example", "phone-photos"], check=True, cwd=REPO)
    with tempfile.TemporaryDirectory(prefix="mektep-images-bench-") as work:
        work = Path(work)
        plain, with_photos = make_content(work, args.photos)
        originals = sum(f.stat().st_size for f in (with_photos / "images").iterdir())
        print(f"{args.photos} photos of 4000x3000, {originals / 1e6:.1f} MB as the phone wrote them; "
              f"{os.cpu_count()} cores")
        times = {"first": [], "cached": [], "anchor": []}
        for run in range(args.runs):
            cache = work / f"cache-{run}"
            times["anchor"].append(build(plain, work / "out-plain", work / "cache-plain"))
            times["first"].append(build(with_photos, work / "out", cache))
            times["cached"].append(build(with_photos, work / "out", cache))
            print(f"round {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)
        median = {k: statistics.median(v) for k, v in times.items()}
        published = sum(f.stat().st_size for f in (work / "out" / "images").iterdir())
        print(f"\nmedians of {args.runs}: first build {median['first']:.2f} s, cached {median['cached']:.2f} s, "
              f"without photos {median['anchor']:.2f} s")
        print(f"  first / without photos: {median['first'] / median['anchor']:.2f}x; "
              f"cached / without photos: {median['cached'] / median['anchor']:.2f}x")
        print(f"  encoding: {(median['first'] - median['anchor']) / args.photos * 1000:.0f} ms a photo; "
              f"from the cache: {(median['cached'] - median['anchor']) / args.photos * 1000:.0f} ms a photo")
        print(f"  published pictures: {published / 1e6:.1f} MB for {args.photos} photos "
              f"({published / originals:.2f}x the originals, every width and both formats)")
        env = dict(os.environ, GENERATOR_BIN=str(GENERATOR))
        subprocess.run(["node", REPO / "tests/bench/page-weight.mjs", with_photos, "/ky/otchettor/suroottor-1/"],
                       check=True, cwd=REPO, env=env)


if __name__ == "__main__":
    sys.exit(main())
