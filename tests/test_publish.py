"""Atomic publishing: a build killed at any moment, or failing, never costs the previous site."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from frontline import publish
from frontline.errors import BuildError
from tests.conftest import MINIMAL, REPO, make_site, run, write_files

BUILD = "import sys; from frontline.cli import main; sys.exit(main(sys.argv[1:]))"
# The same, on a system where renameat2(RENAME_EXCHANGE) is unavailable: two plain renames.
BUILD_WITHOUT_EXCHANGE = "import frontline.publish as p; p._exchange = lambda a, b: False; " + BUILD
ORIGINAL = "content/profiles/shi-jian.md"
CHANGED = {ORIGINAL: "---\nname: 施剑\norganization: daxing\nrole: 主席\n---\n新的正文。\n"}


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def leftovers(root: Path) -> list[str]:
    """What builds left beside output/, but the lock, the spare and the records of those two trees."""
    expected = {".output.lock", ".output.spare"}
    for tree in ("output", ".output.spare"):
        if (root / tree).is_dir():
            expected.add(f".output.record-{os.lstat(root / tree).st_ino}")
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".output.") and p.name not in expected)


def build_subprocess(root: Path, code: str = BUILD, crash_at: str | None = None, *args: str) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("FRONTLINE_CRASH_AT", None)
    if crash_at:
        env["FRONTLINE_CRASH_AT"] = crash_at
    return subprocess.Popen(
        [sys.executable, "-c", code, "--root", str(root), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A site built once (old), and the bytes the changed content builds to (new)."""
    probe = make_site(tmp_path / "probe", CHANGED)
    assert run(probe).code == 0
    new = snapshot(probe / "output")
    root = make_site(tmp_path / "site")
    assert run(root).code == 0
    old = snapshot(root / "output")
    assert old != new
    write_files(root, CHANGED)
    return root, old, new


SPARE = ".output.spare"
# The steps after which output/ is the new site.
AFTER_SWAP = ("swapped", "spared", "done")


def steps(new: dict[str, bytes]) -> list[str]:
    files = [f"file:{rel}" for rel in sorted(new) if rel != publish.MARKER]
    spare = ["spare-opened", "spare-pruned"]  # only when the previous build left a spare
    return ["locked", "cleaned", *spare, "staging", *files, "staged", "recorded", "swapped", "spared", "done"]


def test_sigkill_at_every_step_keeps_the_previous_site(built):
    root, old, new = built
    fired = []
    for step in steps(new):
        proc = build_subprocess(root, crash_at=step)
        proc.communicate(timeout=120)
        if proc.returncode == 0:
            # An incremental build links unchanged files instead of writing them: no such step.
            assert step.startswith("file:"), step
            assert snapshot(root / "output") == new, step
        else:
            assert proc.returncode == -signal.SIGKILL, step  # the hook fired: the build died here
            fired.append(step)
            expected = new if step in AFTER_SWAP else old
            assert snapshot(root / "output") == expected, step
            # The next build cleans up what the killed one left and publishes the new site.
            assert run(root).code == 0
            assert snapshot(root / "output") == new, step
            assert leftovers(root) == [], step
        write_files(root, {ORIGINAL: MINIMAL[ORIGINAL]})
        assert run(root).code == 0
        assert snapshot(root / "output") == old
        write_files(root, CHANGED)
    assert sum(s.startswith("file:") for s in fired) >= 1  # killed while writing files, too
    assert {"spare-opened", "spare-pruned", "recorded", "spared"} <= set(fired)  # the spare's steps, too
    assert len(fired) >= 11


@pytest.mark.parametrize("step", ["cleaned", "staging", "staged", "recorded", "swapped", "spared"])
def test_sigkill_without_a_spare_keeps_the_previous_site(built, step: str):
    # The previous build left no spare (the first build after a clean one, or the spare was
    # deleted): the site is staged in a fresh folder, and the replaced site becomes the spare.
    root, old, new = built
    assert not (root / SPARE).exists()
    proc = build_subprocess(root, crash_at=step)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(root / "output") == (new if step in AFTER_SWAP else old)
    assert run(root).code == 0
    assert snapshot(root / "output") == new
    assert leftovers(root) == []
    # Whatever the killed build left, the next builds go through a spare and stay exact.
    write_files(root, {ORIGINAL: MINIMAL[ORIGINAL]})
    assert run(root).code == 0
    assert snapshot(root / "output") == old
    assert snapshot(root / SPARE) == new


@pytest.mark.parametrize("step", ["spare-opened", "spare-pruned", "staging", "staged", "recorded"])
def test_a_spare_left_half_made_is_never_published(built, step: str):
    root, old, new = built
    assert run(root).code == 0  # new; the old site is now the spare
    write_files(root, {ORIGINAL: MINIMAL[ORIGINAL]})
    proc = build_subprocess(root, crash_at=step)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(root / "output") == new
    # Killed while the spare was being made the new site: the next build cannot trust its
    # record (there is none any more), reads it whole and still builds exactly the site.
    assert run(root).code == 0
    assert snapshot(root / "output") == old
    assert leftovers(root) == []
    write_files(root, CHANGED)
    assert run(root).code == 0
    assert snapshot(root / "output") == new


@pytest.mark.parametrize("spare", [False, True], ids=["fresh", "spare"])
@pytest.mark.parametrize("step", ["staged", "moved-aside", "swapped", "spared"])
def test_sigkill_without_rename_exchange_loses_nothing(built, step: str, spare: bool):
    root, old, new = built
    if spare:  # a build made the other site, so the one to stage is the spare
        write_files(root, {ORIGINAL: textwrap.dedent(MINIMAL[ORIGINAL]) + "另一版。\n"})
        assert run(root).code == 0
        assert (root / SPARE).is_dir()
        old = snapshot(root / "output")
        write_files(root, CHANGED)
    proc = build_subprocess(root, BUILD_WITHOUT_EXCHANGE, crash_at=step)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    if step == "moved-aside":
        # Killed between the two renames: output/ is gone for a moment, the old site is aside, whole.
        assert not (root / "output").exists()
        (aside,) = [root / n for n in leftovers(root) if ".old-" in n]
        assert snapshot(aside) == old
    else:
        assert snapshot(root / "output") == (new if step in AFTER_SWAP else old)
    assert run(root).code == 0
    assert snapshot(root / "output") == new
    assert leftovers(root) == []


def test_sigkill_after_random_delays_keeps_a_whole_site(built):
    root, old, new = built
    # Timed on the kind of build killed below (one profile edited, so incremental), which is
    # much quicker than a first one: the delays must span it.
    write_files(root, {"content/profiles/shi-jian.md": "---\nname: 施剑\norganization: daxing\n---\n计时版。\n"})
    start = time.monotonic()
    proc = build_subprocess(root)
    proc.communicate(timeout=60)
    duration = time.monotonic() - start
    assert proc.returncode == 0
    run(root, "build")  # back to a known state
    kills = 0
    for i in range(24):
        write_files(root, {"content/profiles/shi-jian.md": f"---\nname: 施剑\norganization: daxing\n---\n第{i}版。\n"})
        before = snapshot(root / "output")
        proc = build_subprocess(root)
        time.sleep(duration * i / 20)  # from right at the start to past the end of a build
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        kills += proc.returncode == -signal.SIGKILL
        after = snapshot(root / "output")
        assert run(root).code == 0
        # Either the killed build never swapped in, or what it swapped in is the whole new site.
        assert after in (before, snapshot(root / "output")), i
    assert kills > 10  # most runs really were killed part-way
    assert run(root).code == 0
    assert leftovers(root) == []


def test_concurrent_builds_take_turns(built):
    root, _, new = built
    procs = [build_subprocess(root) for _ in range(4)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], results
    assert snapshot(root / "output") == new
    assert leftovers(root) == []


def test_stale_directories_of_killed_builds_are_removed(minimal_site: Path):
    write_files(
        minimal_site,
        {".output.new-abc123/index.html": "half", ".output.old-def456/index.html": "old", ".output.new-x/a/b": "c"},
    )
    assert run(minimal_site).code == 0
    assert leftovers(minimal_site) == []
    assert (minimal_site / "output/index.html").read_text().startswith("<!DOCTYPE html>")


def test_failing_write_keeps_previous_site_and_says_why(built, monkeypatch, capsys):
    root, old, _ = built
    real = Path.write_bytes
    count = {"n": 0}

    def disk_full(self: Path, data: bytes) -> int:
        count["n"] += 1
        if count["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    result = run(root, capsys=capsys)
    assert result.code == 1
    assert "error: [out] 写入输出目录失败：No space left on device" in result.err
    assert "Traceback" not in result.err
    assert snapshot(root / "output") == old
    assert leftovers(root) == []


@pytest.mark.parametrize(
    ("out", "says"),
    [
        (".", "它就是站点根目录"),
        ("content", "它就是内容目录 content/"),
        ("templates", "它就是模板目录 templates/"),
        ("static", "它就是静态文件目录 static/"),
        ("content/profiles", "它在内容目录 content/里面"),
        ("..", "站点根目录"),
        ("/", "它就是文件系统根目录 /"),
    ],
)
def test_refuses_to_clear_what_it_must_not(minimal_site: Path, capsys, out: str, says: str):
    before = snapshot(minimal_site)
    target = Path(out) if out.startswith("/") else minimal_site / out
    result = run(minimal_site, "build", "--out", str(target), capsys=capsys)
    assert result.code == 1
    shown = os.path.abspath(target)
    assert f"{shown}:1:1: error: [out] 拒绝把 {shown} 用作输出目录：" in result.err
    assert says in result.err
    assert snapshot(minimal_site) == before


def test_refuses_the_home_directory_even_with_a_marker(minimal_site: Path, tmp_path: Path, monkeypatch, capsys):
    home = tmp_path / "home"
    write_files(home, {publish.MARKER: "forged\n", "notes.txt": "mine"})
    monkeypatch.setenv("HOME", str(home))
    result = run(minimal_site, "build", "--out", str(home), capsys=capsys)
    assert result.code == 1
    assert f"拒绝把 {home} 用作输出目录：它就是主目录 {home}" in result.err
    assert (home / "notes.txt").read_text() == "mine"


def test_refuses_a_directory_it_did_not_create(minimal_site: Path, tmp_path: Path, capsys):
    mine = tmp_path / "photos"
    write_files(mine, {"a.jpg": b"\xff\xd8"})
    result = run(minimal_site, "build", "--out", str(mine), capsys=capsys)
    assert result.code == 1
    assert f"{mine}:1:1: error: [out] 拒绝覆盖 {mine}：它不是 Frontline 生成的输出目录（缺少 .frontline-output）" in (
        result.err
    )
    assert snapshot(mine) == {"a.jpg": b"\xff\xd8"}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(minimal_site, "build", "--out", str(empty)).code == 0
    assert (empty / publish.MARKER).is_file()


def test_refuses_a_file_as_output_and_follows_a_symlink(minimal_site: Path, tmp_path: Path, capsys):
    (tmp_path / "file").write_text("x")
    result = run(minimal_site, "build", "--out", str(tmp_path / "file"), capsys=capsys)
    assert result.code == 1
    assert "它不是普通文件夹" in result.err
    assert (tmp_path / "file").read_text() == "x"
    # output -> /var/www/site style: the directory linked to is published, the link stays.
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert run(minimal_site, "build", "--out", str(tmp_path / "link")).code == 0
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "real/index.html").is_file()
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign/keep.txt").write_text("mine")
    (tmp_path / "link2").symlink_to(tmp_path / "foreign")
    result = run(minimal_site, "build", "--out", str(tmp_path / "link2"), capsys=capsys)
    assert result.code == 1
    assert "缺少 .frontline-output" in result.err
    assert (tmp_path / "foreign/keep.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "rel", ["../escape.html", "/etc/passwd", "a/../../b", "", "a//b", "a\\..\\b", "c:/x", "a/./b", "a\0b", "..", "."]
)
def test_no_output_path_can_leave_the_output(tmp_path: Path, rel: str):
    with pytest.raises(BuildError) as caught:
        publish.publish(tmp_path / "out", {"index.html": b"ok", rel: b"evil"})
    assert "输出路径必须留在输出目录之内" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_output_path_through_a_symlink_is_refused(tmp_path: Path):
    base = tmp_path / "base"
    base.mkdir()
    (base / "sub").symlink_to(tmp_path)
    with pytest.raises(BuildError, match="指向输出目录之外"):
        publish.inside(base, "sub/x.html")
