#!/usr/bin/env python3
"""Builds a generated corpus of reports with our generator and with Hugo, alternating them
in one run, and prints for each the time of a first build, of the build right after it, of a
steady-state later build (the third and later, nothing changed) and of a build after editing
one report; and peak memory, pages made and output bytes, with ours against the anchors as
ratios.

    python3 tests/bench/compare-with-hugo.py [--reports 1000 10000 50000] [--runs 3]

--reports is per language (the site is Kyrgyz and Russian); given several sizes, it also
prints how our time grows against the page count. Hugo comes from Debian; it is installed
with apt-get when missing. Its templates in tests/bench/hugo/layouts do the same work as ours:
each report with its date, stage, tags, text and previous/next, listings ten to a page, tag
pages ten to a page, a tag index, a feed per language and a sitemap.

The anchor for a build with search, "hugo+pf", is what a Hugo site with search runs: Hugo's
build, then the Pagefind command line (from npm, the version our Cargo.lock has; installed
under target/ when missing) over Hugo's output, indexing each report's article with results
grouped four pages to a file, as ours. Its time is the sum of the two, its peak memory the
larger of the two (they run one after the other). Hugo alone is printed beside it. Neither
keeps anything between runs that makes a later build cheaper (Hugo's own cache is for remote
resources and images); Pagefind indexes every page each time.

A first build of ours starts with an empty output folder and an empty cache (.mektep/cache,
where the search bundles and encoded photos are kept); later builds run over the last
output, as an editor's builds do. Our memory is sampled every 20 ms as resident memory plus
the search documents in /dev/shm (scratch: in memory too), and printed both as the kernel's
peak RSS and as the sampled peak of RSS plus scratch; the targets are against the latter.
Figures are medians over --runs rounds, except peaks, which are the largest.

Targets (issue 25): later builds, with nothing changed or one report edited, at most 0.25x
hugo+pf's later build; the build right after a first no slower than the first; first builds
at most 0.45x hugo+pf; memory with scratch at most 0.3x hugo+pf's peak; at 50,000 reports per
language at most 0.5x hugo+pf and under 2 GiB.
"""
import argparse, os, random, shutil, statistics, subprocess, sys, tempfile, threading, time
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
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        if status != 0:
            errors.seek(0)
            sys.exit(f"failed: {' '.join(map(str, command))}\n{errors.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def shm_used():
    """Bytes in use in /dev/shm, where our build keeps its search documents (scratch): it is
    memory too. Read from the file system's counts, which costs nothing, where walking its
    files every few milliseconds would slow the build measured."""
    try:
        stats = os.statvfs("/dev/shm")
    except OSError:
        return 0
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize


def run_sampled(command, cwd=None):
    """Wall time in seconds, peak RSS in MB (the kernel's), and the sampled peak of RSS
    plus /dev/shm scratch in MB, of one run of ours."""
    baseline = shm_used()
    errors = tempfile.TemporaryFile()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                with open(f"/proc/{process.pid}/status") as status:
                    rss = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))
            except (OSError, StopIteration):
                rss = 0
            peak[0] = max(peak[0], rss + max(0, shm_used() - baseline))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    errors.seek(0)
    message = errors.read().decode()
    errors.close()
    if status != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}\n{message}")
    rss = usage.ru_maxrss / 1024
    return elapsed, rss, max(peak[0] / 2**20, rss)


def pages(folder: Path):
    return sum(1 for _ in folder.rglob("*.html"))


def output_bytes(folder: Path):
    """Bytes of every file, the search index (Pagefind bundles, search.json) aside."""
    total = 0
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        in_index = any(part == "pagefind" or part.startswith("pagefind-") for part in parts)
        if path.is_file() and not in_index and path.name != "search.json":
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


def edit(path: Path, round_: int):
    """Adds a line to one report, as an editor's correction."""
    path.write_text(path.read_text(encoding="utf-8") + f"\nТүзөтүү {round_}.\n", encoding="utf-8")


def compare(generator: Path, pagefind: Path, reports: int, runs: int):
    """Times and memory of ours and of the anchors on one corpus, run alternately."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ours, hugo = make_corpus(root, reports)
        ours_out, hugo_out, hugo_pf_out = root / "ours-public", root / "hugo-public", root / "hugo-pagefind-public"
        ours_cwd = root / "ours"  # the cache is .mektep/cache below it, as for an editor
        build = [generator, "build", "--content", ours, "--templates", REPO / "templates", "--output", ours_out,
                 "--at", "2021-12-01T12:00:00+06:00"]
        hugo_into = lambda out: ["hugo", "--source", hugo, "--destination", out, "--quiet"]
        fragment_files = str(-(-reports // 4))  # per language, as search/mod.rs groups them
        index = [pagefind, "--site", hugo_pf_out, "--max-fragments", fragment_files, "--quiet"]
        kinds = ["first", "second", "steady", "edit"]
        ours_t = {kind: [] for kind in kinds}
        hugo_t = {kind: [] for kind in kinds}
        pf_t = {kind: [] for kind in kinds}
        ours_rss, ours_total, hugo_mem, pf_mem = 0, 0, 0, 0
        # Alternating spreads whatever else the machine does over both.
        for round_ in range(runs):
            shutil.rmtree(ours_out, ignore_errors=True)
            shutil.rmtree(root / ".ours-public.next", ignore_errors=True)
            shutil.rmtree(ours_cwd / ".mektep", ignore_errors=True)
            for kind in ["first", "second", "steady", "steady", "edit"]:
                if kind == "edit":
                    edit(ours / "reports" / "bench-7.ky.md", round_)
                seconds, rss, total = run_sampled(build, cwd=ours_cwd)
                ours_t[kind].append(seconds)
                ours_rss, ours_total = max(ours_rss, rss), max(ours_total, total)
            # Hugo alone: into an empty folder, then over its own output.
            shutil.rmtree(hugo_out, ignore_errors=True)
            for kind in ["first", "second", "steady", "edit"]:
                if kind == "edit":
                    edit(hugo / "content" / "ky" / "reports" / "report-7.md", round_)
                seconds, memory = run(hugo_into(hugo_out))
                hugo_t[kind].append(seconds)
                hugo_mem = max(hugo_mem, memory)
            # Hugo, then Pagefind over its output: first into an empty folder, then again.
            shutil.rmtree(hugo_pf_out, ignore_errors=True)
            for kind in ["first", "second", "edit"]:
                if kind == "edit":
                    edit(hugo / "content" / "ky" / "reports" / "report-7.md", round_)
                hugo_seconds, memory = run(hugo_into(hugo_pf_out))
                search_seconds, search_memory = run(index)
                pf_t[kind].append(hugo_seconds + search_seconds)
                pf_mem = max(pf_mem, memory, search_memory)
            pf_t["steady"].append(pf_t["second"][-1])
        sizes = {"ours": (pages(ours_out), output_bytes(ours_out)), "hugo": (pages(hugo_out), output_bytes(hugo_out))}
    median = lambda values: statistics.median(values)
    print(f"corpus: {reports} reports per language, 2 languages; {runs} rounds, alternating; medians of the rounds, "
          f"peaks the largest")
    print(f"{'':8} {'first':>8} {'second':>8} {'steady':>8} {'1 edit':>8} {'peak RSS':>9} {'RSS+shm':>9} "
          f"{'HTML pages':>11} {'output MB':>10}")
    rows = [("ours", ours_t, ours_rss, ours_total, sizes["ours"]),
            ("hugo", hugo_t, hugo_mem, hugo_mem, sizes["hugo"]),
            ("hugo+pf", pf_t, pf_mem, pf_mem, sizes["hugo"])]
    for name, times, rss, total, (count, size) in rows:
        figures = " ".join(f"{median(times[kind]):7.2f}s" for kind in kinds)
        print(f"{name:8} {figures} {rss:7.0f}MB {total:7.0f}MB {count:11} {size / 1e6:10.1f}")
    ratio = lambda kind, anchor: median(ours_t[kind]) / median(anchor[kind])
    print("ours/hugo+pf: " + ", ".join(f"{kind} {ratio(kind, pf_t):.2f}x" for kind in kinds)
          + f"; memory (RSS+shm / peak) {ours_total / pf_mem:.2f}x"
          + "   [targets: steady and 1 edit <= 0.25x, first <= 0.45x, memory <= 0.3x]")
    print("ours/hugo:    " + ", ".join(f"{kind} {ratio(kind, hugo_t):.2f}x" for kind in kinds)
          + f"; memory {ours_total / hugo_mem:.2f}x")
    print(f"ours: second/first {median(ours_t['second']) / median(ours_t['first']):.2f}x (target <= 1); "
          f"output bytes without search index {sizes['ours'][1] / sizes['hugo'][1]:.2f}x Hugo's")
    return median(ours_t["first"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, nargs="+", default=[1000, 10000], help="reports per language; several sizes to see the growth (issue 25 asks for 1000 10000 50000)")
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
        print(f"growth {small} -> {big} reports per language: {big / small:.1f}x the pages, "
              f"{times[big] / times[small]:.1f}x our first build's time")


if __name__ == "__main__":
    main()
