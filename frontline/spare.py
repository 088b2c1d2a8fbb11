"""The site a build replaced, kept beside output/ so that the next build rewrites only what changed.

A build that swaps a new site in does not delete the tree it replaced: it keeps it as the
spare (`.output.spare`, beside output/, under the same lock). The next build turns the spare
into its own new site and swaps that in: it removes the spare's files that are not the ones
the new site keeps, hard-links from output/ the kept files the spare lacks (those changed in
either of the last two builds), lets the build write the changed files, and exchanges the two
trees. The output step of a rebuild so costs what changed, not the site: a fresh tree meant a
folder per page, a link per file and deleting the old tree (seconds at 10,000 pages).

Two rules make it exact:

- a file of the spare is kept only if it is the very file (inode, size, modification time)
  that output/ holds at that path and that the build vouched for as unchanged; anything else
  is removed, and what replaces it is a new file. Nothing is ever written into a file of the
  spare: its unchanged files are output/'s own, through hard links;
- what the spare holds is known exactly before anything is kept. A record taken when its
  tree was made (every folder with its inode and times, and the names and stats of its
  files) is checked folder by folder: adding, removing or renaming a file changes its
  folder's times, and a folder whose times are not older than the moment of the record
  (git's racy-clean rule) is listed again. If anything differs, or there is no record, the
  spare is read whole instead (a walk, still no writes). So a spare edited by hand, or left
  half-made by a killed build, costs time, never correctness.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import cachefile

MARKER = ".frontline-output"  # publish.MARKER: proves a folder is ours; replaced whole, never unlinked
FORMAT = 1  # bump when the record's layout or meaning changes
FileStat = tuple[int, int, int]  # inode, size, mtime_ns: a file as a build left it (write.Stat)
DirStat = tuple[int, int, int]  # inode, mtime_ns, ctime_ns


@dataclass(slots=True)
class Folder:
    stat: DirStat
    files: dict[str, FileStat] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Tree:
    """Every folder of a tree by its path below the top ("" for the top), and the file
    system's time just after they were read."""

    folders: dict[str, Folder]
    probe: int = 0


def spare_of(out: Path) -> Path:
    return out.parent / f".{out.name}.spare"


def _record_of(out: Path, inode: int) -> Path:
    # Named after the tree's top folder, which keeps its inode as it moves between output/
    # and the spare: no rename of a record has to happen together with the swap.
    return out.parent / f".{out.name}.record-{inode}"


def open_spare(out: Path) -> tuple[Path, Tree] | None:
    """The spare with an exact account of what it holds; None when there is none, or the
    folder by that name is not ours (no marker) or cannot be read (then it is removed)."""
    spare = spare_of(out)
    try:
        top = os.lstat(spare)
        if not stat.S_ISDIR(top.st_mode) or not stat.S_ISREG(os.lstat(spare / MARKER).st_mode):
            return None
    except OSError:
        return None
    saved = cachefile.read(_record_of(out, top.st_ino))
    if isinstance(saved, dict) and saved.get("format") == FORMAT:
        try:
            tree = Tree({rel: Folder(*folder) for rel, folder in saved["folders"].items()}, saved["probe"])
            if _intact(str(spare), tree):
                return spare, tree
        except (OSError, KeyError, AttributeError, TypeError, ValueError):
            pass  # a record of another shape than this code writes: read the spare instead
    try:
        return spare, survey(spare)
    except OSError:
        discard(out)
        return None


def discard(out: Path) -> None:
    """Remove a spare that cannot be used (it is ours: open_spare saw the marker)."""
    shutil.rmtree(spare_of(out), ignore_errors=True)


def forget(out: Path, top: Path) -> None:
    """Drop top's record before top is changed: a build killed from here on leaves a spare
    that the next one reads whole, never one it trusts a stale record for."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(_record_of(out, os.lstat(top).st_ino))


def prune(
    top: Path, tree: Tree, keep: Mapping[str, FileStat | None], make: Collection[str], touched: set[str]
) -> list[str]:
    """Remove every file of the spare but the marker and the ones that are already output/'s
    kept file (same inode, size and time), and the folders left empty that the new site has
    no use for; returns the kept paths still to link, and adds the folders it changed to
    touched."""
    base = str(top)
    missing: list[str] = []
    for path, wanted in keep.items():
        folder, _, name = path.rpartition("/")
        found = tree.folders.get(folder)
        if wanted is None or found is None or found.files.get(name) != wanted:
            missing.append(path)
    emptied = []  # folders with no file left (and those that had none: one made by hand, say)
    for rel, found in tree.folders.items():
        for name, have in list(found.files.items()):
            path = f"{rel}/{name}" if rel else name
            if path != MARKER and (path in make or keep.get(path) != have):
                os.unlink(f"{base}/{path}")
                del found.files[name]
                touched.add(rel)
        if rel and not found.files:
            emptied.append(rel)
    needed = _parents(missing) | _parents(make)
    for rel in sorted(emptied, key=lambda r: r.count("/"), reverse=True):
        while rel and rel not in needed and rel in tree.folders:
            found = tree.folders[rel]
            if found.files or found.folders:
                break
            os.rmdir(f"{base}/{rel}")
            del tree.folders[rel]
            touched.discard(rel)
            rel, _, name = rel.rpartition("/")
            tree.folders[rel].folders.discard(name)
            touched.add(rel)
    return missing


def link(out: Path, top: Path, paths: Iterable[str], tree: Tree | None, touched: set[str]) -> None:
    """Hard-link each of paths from out into top (a copy where links are not possible)."""
    known = set(tree.folders) if tree is not None else {""}
    for path in paths:
        folder = path.rpartition("/")[0]
        target = top / path
        if folder not in known:
            target.parent.mkdir(parents=True, exist_ok=True)
            known.add(folder)
        touched.add(_known_ancestor(folder, tree))
        try:
            os.link(out / path, target)
        except FileExistsError:  # not in the account of the spare: never write into it, replace it
            os.unlink(target)
            os.link(out / path, target)
        except OSError:  # another filesystem, or links not allowed: copying is still correct
            target.write_bytes((out / path).read_bytes())


def account(top: Path, tree: Tree | None, touched: set[str], made: Iterable[str], clock: Path) -> Tree:
    """What top holds now: the folders the build changed (touched, and those of the files it
    made) read again, the rest as the account before says; all of it without one when tree
    is None. clock is a file on the same file system whose time can be set to now."""
    if tree is None:
        tree = survey(top)
    else:
        touched.add("")  # the marker is replaced at the end of every build
        for path in made:
            touched.add(_known_ancestor(path.rpartition("/")[0], tree))
        base = str(top)
        for rel in sorted(touched, key=lambda r: r.count("/")):
            if rel in tree.folders:
                _reread(base, rel, tree.folders)
    os.utime(clock)  # after every stat above: a folder changed later has a later time (or is racy)
    tree.probe = os.stat(clock).st_mtime_ns
    return tree


def paths_of(tree: Tree) -> list[str]:
    """Every folder ("" for the top) and file of tree, by its path below the top."""
    found = list(tree.folders)
    for rel, folder in tree.folders.items():
        found += (f"{rel}/{name}" if rel else name for name in folder.files)
    return found


def save(out: Path, top: Path, tree: Tree) -> None:
    with contextlib.suppress(OSError):  # without a record the next build only reads the spare whole
        # Plain tuples: three times quicker to pickle and load than ten thousand objects.
        folders = {rel: (folder.stat, folder.files, folder.folders) for rel, folder in tree.folders.items()}
        record = {"format": FORMAT, "folders": folders, "probe": tree.probe}
        cachefile.write(_record_of(out, os.lstat(top).st_ino), record)


def prune_records(out: Path) -> None:
    """Remove the records of trees that are neither output/ nor the spare any more."""
    live = set()
    for tree in (out, spare_of(out)):
        with contextlib.suppress(OSError):
            live.add(str(os.lstat(tree).st_ino))
    prefix = f".{out.name}.record-"
    with contextlib.suppress(OSError), os.scandir(out.parent) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and entry.name[len(prefix) :] not in live:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def survey(top: Path) -> Tree:
    """Read the whole tree (no symlink followed)."""
    folders: dict[str, Folder] = {}
    _read(str(top), "", folders)
    return Tree(folders)


# --- reading folders ------------------------------------------------------------------------


def _dir_stat(st: os.stat_result) -> DirStat:
    return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns)


def file_stamp(st: os.stat_result) -> FileStat:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _listing(path: str) -> tuple[DirStat, dict[str, FileStat], set[str]]:
    st = os.lstat(path)  # before listing: a change after it shows as a newer time next time
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(path)
    files: dict[str, FileStat] = {}
    folders: set[str] = set()
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.add(entry.name)
            else:  # a file, or a symlink, FIFO...: anything that is not kept is unlinked
                files[entry.name] = file_stamp(entry.stat(follow_symlinks=False))
    return _dir_stat(st), files, folders


def _read(base: str, rel: str, folders: dict[str, Folder]) -> None:
    todo = [rel]
    while todo:
        rel = todo.pop()
        st, files, subs = _listing(f"{base}/{rel}" if rel else base)
        folders[rel] = Folder(st, files, subs)
        todo.extend(f"{rel}/{name}" if rel else name for name in subs)


def _reread(base: str, rel: str, folders: dict[str, Folder]) -> None:
    """Read one folder again; folders new below it are read whole, vanished ones dropped."""
    before = folders[rel]
    st, files, subs = _listing(f"{base}/{rel}" if rel else base)
    folders[rel] = Folder(st, files, subs)
    for name in before.folders - subs:
        _drop(folders, f"{rel}/{name}" if rel else name)
    for name in subs - before.folders:
        _read(base, f"{rel}/{name}" if rel else name, folders)


def _drop(folders: dict[str, Folder], rel: str) -> None:
    gone = folders.pop(rel, None)
    for name in gone.folders if gone else ():
        _drop(folders, f"{rel}/{name}")


def _intact(base: str, tree: Tree) -> bool:
    """Does the tree at base still hold exactly what the record says? One lstat per folder."""
    for rel, folder in tree.folders.items():
        st = os.lstat(f"{base}/{rel}" if rel else base)
        if not stat.S_ISDIR(st.st_mode):
            return False
        now = _dir_stat(st)
        if rel:
            if now != folder.stat:
                return False
            racy = max(now[1], now[2]) >= tree.probe
        else:
            # The top folder is renamed at every swap, which sets its change time: compare its
            # inode and modification time, and list it (a handful of names) every time.
            if now[:2] != folder.stat[:2]:
                return False
            racy = True
        if racy and _listing(f"{base}/{rel}" if rel else base)[1:] != (folder.files, folder.folders):
            return False
    return True


def _parents(paths: Iterable[str]) -> set[str]:
    found = set()
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder not in found:
            found.add(folder)
            folder = folder.rpartition("/")[0]
    return found


def _known_ancestor(folder: str, tree: Tree | None) -> str:
    """folder itself if the account holds it, else the nearest ancestor that it holds (which a
    new folder below changes): reading that again finds the new one."""
    if tree is None:
        return folder
    while folder and folder not in tree.folders:
        folder = folder.rpartition("/")[0]
    return folder
