"""The spare (frontline/spare.py): the site a swap replaced, made the next site by changing only
what differs. Whatever happened to it, it is never published as it is: the result of every
build is the site a clean build makes, and the two trees share their unchanged files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from frontline import publish
from frontline.incremental import CACHE_DIR
from tests.conftest import MINIMAL, run, write_files
from tests.test_incremental import _site, deleted_file, front_matter, photo_added, profile_body, template
from tests.test_publish import CHANGED, ORIGINAL, SPARE, built, leftovers, snapshot

__all__ = ["built"]  # the fixture, used below
EVIL = b"<p>EVIL: not made by the build</p>"


def _shared(root: Path) -> list[str]:
    """Files that output/ and the spare hold as one (hard-linked), but the marker."""
    out, spare = root / "output", root / SPARE
    return sorted(
        p
        for p in snapshot(out)
        if p != publish.MARKER and (spare / p).exists() and os.stat(out / p).st_ino == os.stat(spare / p).st_ino
    )


def _empty_folders(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir() and not any(p.iterdir()))


def _nested(paths: list[str]) -> str:
    return next(p for p in paths if "/" in p and p.endswith(".html") and not p.startswith("pagefind/"))


def _replace(path: Path, data: bytes) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


def _keep_folder_time(path: Path, change: Callable[[], None]) -> None:
    st = os.stat(path)
    change()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the change time still moves on


def edited(spare: Path, shared: list[str]) -> None:
    # A file of the spare is output/'s own file: editing it edits the published site as well,
    # which the page cache notices (its size and time changed) and makes again.
    with open(spare / shared[0], "ab") as fh:
        fh.write(EVIL)
    with open(spare / "profiles/shi-jian/index.html", "ab") as fh:  # the spare's own, older, version
        fh.write(EVIL)


def added(spare: Path, shared: list[str]) -> None:
    (spare / "evil.html").write_bytes(EVIL)
    (spare / Path(_nested(shared)).parent / "evil.html").write_bytes(EVIL)
    (spare / "profiles/evil").mkdir()
    (spare / "profiles/evil/index.html").write_bytes(EVIL)


def added_keeping_the_folder_time(spare: Path, shared: list[str]) -> None:
    folder = spare / Path(_nested(shared)).parent
    _keep_folder_time(folder, lambda: (folder / "evil.html").write_bytes(EVIL))


def folder_added(spare: Path, shared: list[str]) -> None:
    (spare / "evil").mkdir()
    (spare / Path(_nested(shared)).parent / "evil").mkdir()


def removed(spare: Path, shared: list[str]) -> None:
    (spare / shared[0]).unlink()
    (spare / _nested(shared)).unlink()


def replaced(spare: Path, shared: list[str]) -> None:
    _replace(spare / shared[0], EVIL)
    _replace(spare / _nested(shared), EVIL)


def replaced_keeping_the_folder_time(spare: Path, shared: list[str]) -> None:
    target = spare / _nested(shared)
    _keep_folder_time(target.parent, lambda: _replace(target, EVIL))


def folder_replaced(spare: Path, shared: list[str]) -> None:
    folder = spare / Path(_nested(shared)).parent
    copy = folder.with_name(folder.name + ".copy")
    shutil.copytree(folder, copy)
    (copy / Path(_nested(shared)).name).write_bytes(EVIL)
    shutil.rmtree(folder)
    copy.rename(folder)


def spare_replaced(spare: Path, shared: list[str]) -> None:
    copy = spare.with_name(spare.name + ".copy")
    shutil.copytree(spare, copy)
    (copy / _nested(shared)).write_bytes(EVIL)
    shutil.rmtree(spare)
    copy.rename(spare)


def record_forged(spare: Path, shared: list[str]) -> None:
    for record in spare.parent.glob(".output.record-*"):
        record.write_bytes(b"\0" * 64)
    (spare / _nested(shared)).unlink()


TAMPERING = [
    edited,
    added,
    added_keeping_the_folder_time,
    folder_added,
    removed,
    replaced,
    replaced_keeping_the_folder_time,
    folder_replaced,
    spare_replaced,
    record_forged,
]


@pytest.mark.parametrize("tamper", TAMPERING, ids=[t.__name__ for t in TAMPERING])
def test_a_tampered_spare_is_never_published(built, tamper: Callable[[Path, list[str]], None]):
    root, old, new = built
    assert run(root).code == 0  # new; the old site is now the spare, sharing all but a few files
    assert snapshot(root / SPARE) == old
    shared = _shared(root)
    assert len(shared) >= 5
    tamper(root / SPARE, shared)
    write_files(root, {ORIGINAL: MINIMAL[ORIGINAL]})  # back to the site the spare was
    assert run(root).code == 0
    assert snapshot(root / "output") == old
    assert _empty_folders(root / "output") == []
    assert leftovers(root) == []
    # And on through the other tree, which never was tampered with.
    write_files(root, CHANGED)
    assert run(root).code == 0
    assert snapshot(root / "output") == new
    assert not any(EVIL in data for data in snapshot(root / "output").values())


EDITS = [profile_body, front_matter, deleted_file, template, photo_added]


def test_rebuilds_through_the_spare_equal_clean_builds(tmp_path: Path):
    site = _site(tmp_path / "site")
    assert run(site).code == 0
    for i, edit in enumerate(EDITS):
        edit(site)
        spare = os.lstat(site / SPARE).st_ino if i else None
        assert run(site).code == 0
        if spare is not None:
            assert os.lstat(site / "output").st_ino == spare  # the spare was made the site
        clean = tmp_path / f"clean-{i}"
        shutil.copytree(site, clean, ignore=shutil.ignore_patterns("output", ".output.*", CACHE_DIR))
        assert run(clean).code == 0
        assert snapshot(site / "output") == snapshot(clean / "output"), edit.__name__
        shutil.rmtree(clean)
    assert leftovers(site) == []


def test_the_two_trees_share_every_unchanged_file(tmp_path: Path):
    site = _site(tmp_path / "site")
    for _ in range(3):
        profile_body(site)
        assert run(site, "build", "--no-search").code == 0
    out, spare = site / "output", site / SPARE
    inodes = {os.stat(out / p).st_ino for p in snapshot(out)}
    own = sorted(p for p in snapshot(spare) if os.stat(spare / p).st_ino not in inodes)
    # Only what the last build changed is held twice: disk use is one site, not two.
    assert own == [publish.MARKER, "profiles/shi-jian/index.html"]
    assert all(os.stat(out / p).st_nlink == 2 for p in snapshot(out) if p not in own)
