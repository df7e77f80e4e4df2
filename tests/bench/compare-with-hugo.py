#!/usr/bin/env python3
"""Builds a generated corpus of reports with our generator and with Hugo, alternating them
in one run, and prints for each the time of a first build into an empty folder and of
later builds over its own output, peak memory, pages made and output bytes,
and ours against Hugo's as ratios (the targets: at most 0.5x Hugo's time and 0.3x its peak
memory; output, search index aside, within 1.2x Hugo's bytes); then the time of our rebuild
after editing one report.

    python3 tests/bench/compare-with-hugo.py [--reports 2500 ...] [--runs 3]

--reports is per language (the site is Kyrgyz and Russian); given several sizes, it also
prints how our time grows against the page count (target: 10x the pages in at most 11x the
time). Hugo comes from Debian; it is installed with apt-get when missing. Its templates in
tests/bench/hugo/layouts do the same work as ours: each report with its date, stage, tags,
text and previous/next, listings ten to a page, tag pages ten to a page, a tag index, a feed
per language and a sitemap.

Hugo makes no search index, and ours is the heaviest step of our build. So a second anchor,
"hugo+pf", is the site with search made the way a Hugo site gets it: Hugo's build, then the
Pagefind command line (from npm, the version our Cargo.lock has; installed under target/ when
missing) over Hugo's output, indexing each report's article (ours indexes a page's title,
date, summary and text; Hugo's article also holds its stage and tags) with results grouped
four pages to a file, as ours. Its time is the sum of the two, its peak memory the larger of
the two.
"""
import argparse, os, random, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KY = ["Айылдын жашоочулары коомдук угууларга катышып, жергиликтүү бюджеттин долбоорун талкуулашты.",
      "Катышуучулар жамааттын муктаждыктарын аныктоо усулдарын колдонуп, айылдын негизги көйгөйлөрүн сүрөттөштү.",
      "Насаатчылар талапкер катары каттоо боюнча консультацияларды өткөрүштү.",
      "Гендердик теңдикти эсепке алган бюджетти түзүү тажрыйбасы менен бөлүшүштү.",
      "Мыкты практикалар порталынын мүмкүнчүлүктөрү тууралуу айтып беришти."]
RU = ["Жители села участвовали в общественных слушаниях и обсуждали проект местного бюджета.",
      "Участницы применили методы определения потребностей сообщества и описали главные проблемы села.",
      "Наставники провели консультации по регистрации в качестве кандидата.",
      "Участницы поделились опытом составления бюджета с учётом гендерного равенства.",
      "Администраторы рассказали о возможностях Портала лучших практик."]
TAGS_KY = ["Мектеп", "Бюджет", "Шайлоо", "Насаатчылык", "Портал", "Угуу", "Жамаат", "Тренинг", "Айыл", "Кеңеш", "Гендер", "Тажрыйба"]
TAGS_RU = ["Школа", "Бюджет", "Выборы", "Наставничество", "Портал", "Слушания", "Сообщество", "Тренинг", "Село", "Кенеш", "Гендер", "Опыт"]
STAGES = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"]


def body(sentences, rng, n):
    paragraphs = [" ".join(rng.choice(sentences) for _ in range(6)) for _ in range(4)]
    table = "| № | Иш-чара | Катышуучулар |\n|---|---|---|\n" + "\n".join(f"| {i} | {rng.choice(sentences)[:40]} | {rng.randint(5, 40)} |" for i in range(1, 4))
    return "\n\n".join(paragraphs[:2] + [table] + paragraphs[2:]) + f"[^1]\n\n[^1]: Эскертүү {n}.\n"


def front(title, slug, date, stage, tags, summary):
    tag_list = ", ".join(f'"{t}"' for t in tags)
    return f'+++\ntitle = "{title}"\nslug = "{slug}"\ndate = {date}\nstage = "{stage}"\ntags = [{tag_list}]\nsummary = "{summary}"\n+++\n\n'


def make_corpus(root: Path, reports: int):
    rng = random.Random(7)
    ours = root / "ours" / "content"
    shutil.copytree(REPO / "content", ours)
    hugo = root / "hugo"
    shutil.copytree(REPO / "tests/bench/hugo", hugo)
    (hugo / "static").mkdir()
    shutil.copy(REPO / "templates/static/style.css", hugo / "static/style.css")
    (hugo / "config.toml").write_text(
        'baseURL = "https://mektep.vap.kg/"\ntitle = "Мектеп"\ndefaultContentLanguage = "ky"\n'
        'defaultContentLanguageInSubdir = true\npaginate = 10\nenableRobotsTXT = true\n'
        '[taxonomies]\ntag = "tags"\n[params]\nfooter = "VAP"\n'
        '[languages.ky]\nweight = 1\nlanguageName = "Кыргызча"\ncontentDir = "content/ky"\n'
        '[languages.ru]\nweight = 2\nlanguageName = "Русский"\ncontentDir = "content/ru"\n', encoding="utf-8")
    for lang, sentences, tags, title in [("ky", KY, TAGS_KY, "Отчет"), ("ru", RU, TAGS_RU, "Отчёт")]:
        section = hugo / "content" / lang / "reports"
        section.mkdir(parents=True)
        (section / "_index.md").write_text(f'+++\ntitle = "{title}"\n+++\n', encoding="utf-8")
        for n in range(reports):
            day = 1 + n % 28
            month = 1 + (n // 28) % 12
            date = f"2021-{month:02d}-{day:02d}"
            text = front(f"{title} {n}", f"report-{n}", date, STAGES[n % 9], rng.sample(tags, 2), sentences[n % 5]) + body(sentences, rng, n)
            (ours / "reports" / f"bench-{n}.{lang}.md").write_text(text, encoding="utf-8")
            (section / f"report-{n}.md").write_text(text.replace("+++\n", "+++\ntranslationKey = \"r%d\"\n" % n, 1), encoding="utf-8")
    return ours, hugo


def run(command, cwd=None):
    """Wall time in seconds and peak resident memory in MB of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def pages(folder: Path):
    return sum(1 for _ in folder.rglob("*.html"))


def output_bytes(folder: Path):
    """Bytes of every file, the search index (Pagefind bundles, search.json) aside."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and "pagefind" not in path.relative_to(folder).parts and path.name != "search.json":
            total += path.stat().st_size
    return total


def ensure_hugo():
    if shutil.which("hugo"):
        return
    print("hugo is missing: installing Debian's", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "hugo"], check=True, stdout=subprocess.DEVNULL)


def ensure_pagefind() -> Path:
    """The Pagefind command line of the version our generator links, from npm."""
    lock = (REPO / "Cargo.lock").read_text(encoding="utf-8").replace("\r\n", "\n")
    if 'name = "pagefind"\nversion = "' not in lock:
        sys.exit("Cargo.lock names no pagefind package: the benchmark runs the same version as our generator")
    version = lock.split('name = "pagefind"\nversion = "', 1)[1].split('"', 1)[0]
    folder = REPO / "target" / "bench-tools" / f"pagefind-{version}"
    binaries = lambda: sorted(path for path in folder.glob("node_modules/@pagefind/*/bin/pagefind*")
                              if path.suffix != ".sha256" and path.is_file())
    if not binaries():
        if not shutil.which("npm"):
            sys.exit("npm is missing: it installs the Pagefind command line for the hugo+pf anchor (apt-get install npm)")
        print(f"the Pagefind command line is missing: installing {version} from npm", file=sys.stderr)
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", folder, "--no-save", "--no-audit", "--no-fund", f"pagefind@{version}"],
                       check=True, stdout=subprocess.DEVNULL)
    found = binaries()
    if not found:
        sys.exit(f"npm installed no Pagefind binary for this platform under {folder}")
    return found[0]


def compare(generator: Path, pagefind: Path, reports: int, runs: int):
    """Times and peak memory of both generators on one corpus, run alternately."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ours, hugo = make_corpus(root, reports)
        ours_out, hugo_out, hugo_pf_out = root / "ours-public", root / "hugo-public", root / "hugo-pagefind-public"
        commands = {
            "ours": [generator, "build", "--content", ours, "--templates", REPO / "templates", "--output", ours_out, "--at", "2021-12-01T12:00:00+06:00"],
            "hugo": ["hugo", "--source", hugo, "--destination", hugo_out, "--quiet", "--cleanDestinationDir"],
        }
        measured = {"ours": [], "hugo": [], "hugo+pf": []}
        # Alternating spreads whatever else the machine does over both.
        for _ in range(runs):
            for name, command in commands.items():
                measured[name].append(run(command))
            # Hugo's build into a folder of its own, then Pagefind over it
            # (--cleanDestinationDir removes the last run's bundle first).
            hugo_time, hugo_memory = run(commands["hugo"][:4] + [hugo_pf_out] + commands["hugo"][5:])
            fragment_files = str(-(-reports // 4))  # per language, as search.rs groups them
            search_time, search_memory = run([pagefind, "--site", hugo_pf_out, "--max-fragments", fragment_files, "--quiet"])
            measured["hugo+pf"].append((hugo_time + search_time, max(hugo_memory, search_memory)))
        # A first build writes into an empty folder; every later one over the site it built
        # before (Hugo writes over its files in place; we over the site before last, kept
        # beside the output folder).
        results = {name: (runs_[0][0], statistics.median(t for t, _ in runs_[1:]) if len(runs_) > 1 else None,
                          max(m for _, m in runs_)) for name, runs_ in measured.items()}
        sizes = {"ours": (pages(ours_out), output_bytes(ours_out)), "hugo": (pages(hugo_out), output_bytes(hugo_out))}
        sizes["hugo+pf"] = sizes["hugo"]  # the same Hugo site; its search index is left out of bytes
        edited = ours / "reports" / "bench-7.ky.md"
        edited.write_text(edited.read_text(encoding="utf-8") + "\nТүзөтүү.\n", encoding="utf-8")
        rebuild, _ = run(commands["ours"])
    print(f"corpus: {reports} reports per language, 2 languages; {runs} runs each, alternating; "
          f"first build into an empty folder, median of the later ones over the last output; peak memory of all")
    print(f"{'':8} {'first':>9} {'again':>9} {'peak RSS':>10} {'HTML pages':>11} {'output MB':>10}")
    for name in ["ours", "hugo", "hugo+pf"]:
        first, again, memory = results[name]
        count, size = sizes[name]
        again_text = f"{again:8.2f}s" if again is not None else f"{'-':>9}"
        print(f"{name:8} {first:8.2f}s {again_text} {memory:8.0f}MB {count:11} {size / 1e6:10.1f}")
    (f_ours, a_ours, m_ours), (f_hugo, a_hugo, m_hugo) = results["ours"], results["hugo"]
    b_ours, b_hugo = sizes["ours"][1], sizes["hugo"][1]
    again_ratio = f", again {a_ours / a_hugo:.2f}x" if a_ours is not None else ""
    print(f"ours/hugo: time first {f_ours / f_hugo:.2f}x{again_ratio} (target <= 0.5x), peak memory {m_ours / m_hugo:.2f}x (target <= 0.3x), "
          f"output bytes without search index {b_ours / b_hugo:.2f}x (target <= 1.2x)")
    f_pf, a_pf, m_pf = results["hugo+pf"]
    again_pf = f", again {a_ours / a_pf:.2f}x" if a_ours is not None else ""
    print(f"ours/hugo+pf (both with search): time first {f_ours / f_pf:.2f}x{again_pf}, peak memory {m_ours / m_pf:.2f}x")
    print(f"whole build again after editing one report (ours; the preview applies such an edit in place, "
          f"measured by tests/bench/preview-edit.mjs): {rebuild:.2f}s")
    return a_ours if a_ours is not None else f_ours


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, nargs="+", default=[2500], help="reports per language; several sizes to see the growth")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write-corpus", type=Path, metavar="DIR",
                        help="only write our content with the first --reports size into DIR/ours/content (for other benchmarks)")
    args = parser.parse_args()
    if args.write_corpus:
        make_corpus(args.write_corpus, args.reports[0])
        return
    ensure_hugo()
    pagefind = ensure_pagefind()
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "generator"], cwd=REPO, check=True)
    generator = REPO / "target/release/generator"
    times = {}
    for reports in args.reports:
        times[reports] = compare(generator, pagefind, reports, args.runs)
        print()
    sizes = sorted(times)
    for small, big in zip(sizes, sizes[1:]):
        print(f"growth {small} -> {big} reports per language: {big / small:.1f}x the pages, {times[big] / times[small]:.1f}x our time "
              f"(target: at most 1.1x the page growth)")


if __name__ == "__main__":
    main()
