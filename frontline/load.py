"""Stage 1: content/ on disk -> raw documents whose every value remembers its line.

Nothing here knows what a profile or a report means; it only reads files safely and keeps
positions, so that later stages can point an editor at the exact line of a bad value.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import importlib.metadata
import operator
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from yaml.constructor import SafeConstructor

from . import cachefile, skip
from .errors import Problem, display_path

# Each folder of content/ holds one kind of document, in one file format.
KINDS: dict[str, tuple[str, str]] = {
    "organizations": ("organization", ".yaml"),
    "editions": ("edition", ".yaml"),
    "articles": ("article", ".md"),
    "profiles": ("profile", ".md"),
    "stats": ("stats", ".yaml"),
}
MAX_FILE_BYTES = 1_000_000  # a content file larger than this is surely a mistake
MAX_DEPTH = 20  # nesting deeper than this is not something an editor writes

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Document:
    """A content file as read: plain data plus the (line, col) of every key and item."""

    path: str  # relative to the site root, forward slashes: what messages print
    kind: str
    stem: str
    data: Any
    marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # line of the file on which the Markdown body starts

    def mark(self, loc: Loc) -> tuple[int, int]:
        """Position of loc, or of its nearest enclosing key that has one."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.marks:
                return self.marks[loc[:end]]
        return (1, 1)


class UnreadableError(Exception):
    def __init__(self, line: int, col: int, message: str):
        self.line, self.col, self.message = line, col, message


class DocumentCache(dict[str, tuple[tuple[int, int], "Document"]]):
    """path -> ((mtime_ns, size), document): lets the preview server reparse only files that changed.

    unsure, when the caller sets it, holds the files (as the editor sees their paths) that may
    have changed since the last load: the preview's file watcher saw every save since then. A
    file outside it is taken as it was, without asking the disk (ten thousand stats were a tenth
    of a preview's rebuild); None means anything may have changed."""

    unsure: set[str] | None = None


Stamp = tuple[int, ...]  # skip.stat_fields: device, inode, mode, size, mtime_ns, ctime_ns


class Parsed:
    """Documents parsed by earlier builds, each under the digest of the bytes it was parsed from,
    kept in a signed cache file (cachefile.py) so that a build reparses only the files that
    changed. Entries are valid for this file's code and the YAML and front-matter libraries.

    A file is not even read when its stat is the one it had when it was last read by a build
    that knew the file system's time before it looked at any file (probe: skip.Look's), and that
    stat was older than it (git's rule for "racily clean" entries: a file written in the
    same clock tick as it was read could change again without its stat changing, so such a one
    is read and hashed again next time). Its stat changes with any write, rename or copy over it
    (the change time cannot be set back)."""

    def __init__(self, file: Path, probe: tuple[int, int] | None = None):
        self.file = file
        self.probe = probe
        found, self.layers = cachefile.read_layered(file, _parser_version())
        # path -> (digest, document, stamp when read, whether the stamp vouches for the bytes)
        self.before: dict[str, tuple[bytes, Document, Stamp | None, bool]] = found.get("documents", {})
        self.now: dict[str, tuple[bytes, Document, Stamp | None, bool]] = {}

    def unchanged(self, shown: str, stamp: Stamp) -> Document | None:
        """The document of a file whose stat vouches that it has not changed since it was read."""
        hit = self.before.get(shown)
        if hit is not None and hit[3] and hit[2] == stamp:
            self.now[shown] = hit
            return hit[1]
        return None

    def get(self, shown: str, digest: bytes, stamp: Stamp | None) -> Document | None:
        hit = self.before.get(shown)
        if hit is not None and hit[0] == digest:
            self.now[shown] = hit if hit[2] == stamp and hit[3] else (digest, hit[1], stamp, self._vouches(stamp))
            return hit[1]
        return None

    def put(self, shown: str, digest: bytes, doc: Document, stamp: Stamp | None) -> None:
        self.now[shown] = (digest, doc, stamp, self._vouches(stamp))

    def _vouches(self, stamp: Stamp | None) -> bool:
        return stamp is not None and self.probe is not None and not skip.is_racy(stamp, self.probe)

    def save(self) -> None:
        """Keep what this build parsed (only the files it read) if that differs from what was kept."""
        before = self.before
        if self.now.keys() == before.keys() and all(self.now[k] is before[k] for k in self.now):
            return
        with contextlib.suppress(OSError):  # a read-only checkout still builds, just without the cache
            sections = {"documents": self.now}
            cachefile.write_layered(self.file, sections, self.layers, _parser_version(), same=operator.is_)


@functools.cache
def _parser_version() -> str:
    libraries = f"{yaml.__version__} {importlib.metadata.version('python-frontmatter')} {sys.version}"
    code = Path(__file__).read_bytes() + libraries.encode()
    return hashlib.blake2b(code, digest_size=20).hexdigest()


def load(
    root: Path, cache: DocumentCache | None = None, parsed: Parsed | None = None
) -> tuple[list[Document], list[Problem]]:
    """Read site.yaml and every content file below root/content, sorted by path.

    cache (the preview's, by modification time) or parsed (a build's, by bytes) spare parsing
    files that have not changed."""
    content = root / "content"
    docs: list[Document] = []
    problems: list[Problem] = []
    if not content.is_dir():
        return [], [Problem(display_path(content, root), 1, 1, "找不到 content 文件夹")]
    inside = content.resolve()
    site = content / "site.yaml"
    wanted: list[tuple[str | Path, str, str, bool, os.DirEntry | None, bool]] = [
        (site, "site", display_path(site, root), True, None, False)
    ]
    for folder, (kind, suffix) in KINDS.items():
        # Once per folder, not per file (pathlib's and relpath's costs add up over 10,000 files):
        # where the folder really is, and the path an editor sees.
        at = content / folder
        real = at.resolve()
        folder_inside = real.is_relative_to(inside)
        shown = display_path(at, root)
        # The watcher names a file by where it really is: its word holds only for a folder that is
        # where it seems to be.
        trusted = cache is not None and cache.unsure is not None and real == at.absolute()
        for entry in _entries(at, suffix):
            wanted.append((entry.path, kind, f"{shown}/{entry.name}", folder_inside, entry, trusted))
    for where, kind, shown, folder_inside, entry, trusted in wanted:
        # A file that is not a symlink is where its folder is (the folder's listing says which are).
        # (A path as a string until it is needed: ten thousand Paths cost more than their stats.)
        symlink = entry.is_symlink() if entry is not None else Path(where).is_symlink()
        real_inside = Path(where).resolve().is_relative_to(inside) if symlink else folder_inside
        if not real_inside and os.path.exists(where):
            # A symlink to /etc/passwd or another checkout must not be published as content.
            message = "这是指向 content/ 之外的符号链接：出于安全考虑不读取，请把文件本身放进 content/"
            problems.append(Problem(shown, 1, 1, message))
            continue
        try:
            if trusted and not symlink and shown not in cache.unsure:  # type: ignore[union-attr]
                hit = cache.get(str(where))  # type: ignore[union-attr]
                if hit is not None and hit[1].kind == kind:
                    docs.append(hit[1])
                    continue
            docs.append(
                _cached(cache, str(where), kind, shown, entry)
                if cache is not None
                else read_document(Path(where), kind, shown, parsed, entry)
            )
        except UnreadableError as exc:
            problems.append(Problem(shown, exc.line, exc.col, exc.message))
    return docs, problems


def _entries(folder: Path, suffix: str) -> list[os.DirEntry]:
    """The entries of folder whose names end in suffix, by name: what sorted(folder.glob("*" +
    suffix)) finds (nothing if folder is not a readable folder), from one listing that also
    knows which are symlinks and caches each one's stat (the preview stats every file per save)."""
    if not folder.is_dir():
        return []
    try:
        with os.scandir(folder) as listing:
            return sorted((entry for entry in listing if entry.name.endswith(suffix)), key=lambda e: e.name)
    except PermissionError:
        return []


def _cached(cache: DocumentCache, path: str, kind: str, shown: str, entry: os.DirEntry | None = None) -> Document:
    hit = cache.get(path)
    try:
        stat = entry.stat() if entry is not None else os.stat(path)
    except OSError:
        cache.pop(path, None)
        return read_document(Path(path), kind, shown)  # reports the error
    stamp = (stat.st_mtime_ns, stat.st_size)
    if hit is not None and hit[0] == stamp and hit[1].kind == kind:
        return hit[1]
    # Until it reads: a file that does not is read again by the next load, whatever the watcher says.
    cache.pop(path, None)
    doc = read_document(Path(path), kind, shown)
    cache[path] = (stamp, doc)
    return doc


def read_document(
    path: Path, kind: str, shown: str, parsed: Parsed | None = None, entry: os.DirEntry | None = None
) -> Document:
    if parsed is None:
        return _parse(path, kind, shown, _decode(_read_bytes(path)))
    try:
        stamp: Stamp | None = skip.stat_fields(entry.stat() if entry is not None else path.stat())
    except OSError:
        stamp = None  # _read_bytes says why
    if stamp is not None:
        doc = parsed.unchanged(shown, stamp)
        if doc is not None and doc.kind == kind:
            return doc
    raw = _read_bytes(path)
    digest = hashlib.blake2b(raw, digest_size=20, person=kind.encode()[:16]).digest()
    doc = parsed.get(shown, digest, stamp)
    if doc is None:
        doc = _parse(path, kind, shown, _decode(raw))
        parsed.put(shown, digest, doc, stamp)
    return doc


def _parse(path: Path, kind: str, shown: str, text: str) -> Document:
    if path.suffix == ".md":
        return _read_markdown(text, kind, path.stem, shown)
    data, marks = parse_yaml(text, line_offset=0)
    if data is None:
        raise UnreadableError(1, 1, "文件是空的：请写入 YAML 内容")
    if not isinstance(data, dict):
        raise UnreadableError(1, 1, "文件顶层应为“字段: 值”的映射")
    return Document(shown, kind, path.stem, data, marks)


# Characters no editor types on purpose; NUL and friends also confuse Markdown's placeholders.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_WHY = {
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOENT: "文件不存在（可能是失效的符号链接）",
    errno.ELOOP: "符号链接绕成了圈",
}


def _read_bytes(path: Path) -> bytes:
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise UnreadableError(1, 1, f"这是一个文件夹，不是文件：请把它改名，不要以 {path.suffix} 结尾")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block the build forever
            raise UnreadableError(1, 1, "这不是普通文件（可能是管道或设备），不读取")
        if info.st_size > MAX_FILE_BYTES:
            raise UnreadableError(1, 1, f"文件超过 {MAX_FILE_BYTES // 1000} KB 上限，请拆分")
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)  # bounded even if the file grows meanwhile
    except OSError as exc:
        raise UnreadableError(1, 1, f"无法读取文件：{_WHY.get(exc.errno or 0, exc.strerror)}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise UnreadableError(1, 1, f"文件超过 {MAX_FILE_BYTES // 1000} KB 上限，请拆分")
    return raw


def _decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")  # a BOM from Windows editors is harmless: drop it
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = len(raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace")) + 1
        raise UnreadableError(line, col, "文件不是 UTF-8 编码：请用 UTF-8 另存") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - text.rfind("\n", 0, bad.start())
        code = f"U+{ord(bad.group()):04X}"
        raise UnreadableError(line, col, f"文件含有看不见的控制字符 {code}：请删除它（常见于从别处复制的文字）")
    return text


def _read_markdown(text: str, kind: str, stem: str, shown: str) -> Document:
    if not text.strip():
        raise UnreadableError(1, 1, "文件是空的：应以 --- 开头的前置信息（front matter）开始")
    handler = frontmatter.YAMLHandler()
    if not text.startswith("---") or not handler.detect(text):
        raise UnreadableError(1, 1, "缺少前置信息：文件应以一行 --- 开头，字段写完后再以一行 --- 结束")
    try:
        fm, body = handler.split(text)
    except ValueError:
        raise UnreadableError(1, 1, "前置信息没有结束：字段写完后需要单独一行 ---") from None
    data, marks = parse_yaml(fm, line_offset=text[: text.find(fm, 3)].count("\n"))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UnreadableError(2, 1, "前置信息应为“字段: 值”的映射")
    body_line = text[: len(text) - len(body)].count("\n") + 1
    if body.startswith("\n"):
        body, body_line = body[1:], body_line + 1
    _refuse_pathological(body, body_line)
    return Document(shown, kind, stem, data, marks, body, body_line)


# Python-Markdown and the shortcode scans are quadratic in the brackets of one paragraph and
# recurse once per level of list or quote nesting. Far beyond anything a report needs, these
# limits keep a pasted or malicious body from hanging the build or overflowing the stack.
MAX_LINE_CHARS = 5_000
MAX_PARAGRAPH_CHARS = 20_000
MAX_BRACKETS = 50  # "[", "<" or "{" in one paragraph
MAX_INDENT = 40  # columns of leading space (a tab counts 4)
MAX_QUOTES = 10  # levels of "> " quoting


# A leading run of fewer spaces and tabs than this cannot reach MAX_INDENT columns (a tab is 4).
_DEEP_INDENT = re.compile(rf"^[ \t]{{{MAX_INDENT // 4 + 1},}}", re.MULTILINE)


def _refuse_pathological(body: str, first_line: int) -> None:
    if _surely_fine(body):
        return
    start, chars, counts = first_line, 0, dict.fromkeys("[<{", 0)
    for offset, line in enumerate(body.split("\n")):
        number = first_line + offset
        if len(line) > MAX_LINE_CHARS:
            raise UnreadableError(number, 1, f"这一行有 {len(line)} 个字符，超过 {MAX_LINE_CHARS} 的上限：请分段")
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))
        if indent > MAX_INDENT:
            raise UnreadableError(number, 1, f"缩进 {indent} 格，超过 {MAX_INDENT} 格的上限：列表或引用嵌套太深")
        quotes = len(re.match(r"[>\s]*", line).group().replace(" ", "").replace("\t", ""))
        if quotes > MAX_QUOTES:
            raise UnreadableError(number, 1, f"引用嵌套 {quotes} 层，超过 {MAX_QUOTES} 层的上限")
        if not line.strip():
            start, chars, counts = number + 1, 0, dict.fromkeys("[<{", 0)
            continue
        chars += len(line) + 1
        if chars > MAX_PARAGRAPH_CHARS:
            raise UnreadableError(start, 1, f"这一段超过 {MAX_PARAGRAPH_CHARS} 个字符的上限：请用空行分段")
        for bracket in counts:
            counts[bracket] += line.count(bracket)
            if counts[bracket] > MAX_BRACKETS:
                message = f"这一段有超过 {MAX_BRACKETS} 个“{bracket}”：请检查是否误粘贴了代码或乱码"
                raise UnreadableError(number, 1, message)


def _surely_fine(body: str) -> bool:
    """True when no limit can be exceeded anywhere in body, found from counts over the whole body
    (each is at least what any one line or paragraph holds). Bodies as editors write them pass
    here; anything else goes through the line-by-line scan, which finds and locates the problem."""
    return (
        len(body) <= min(MAX_LINE_CHARS, MAX_PARAGRAPH_CHARS)
        and body.count(">") <= MAX_QUOTES
        and all(body.count(bracket) <= MAX_BRACKETS for bracket in "[<{")
        and not _DEEP_INDENT.search(body)
    )


def parse_yaml(text: str, line_offset: int) -> tuple[Any, dict[Loc, tuple[int, int]]]:
    """Safe-load YAML, returning data and the 1-based position of every key and item."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        if not _surely_shallow(text):
            _refuse_deep(text, loader, line_offset)
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else 1
        col = (mark.column + 1) if mark else 1
        hint = _quote_hint(text, *(m.line for m in (exc.problem_mark, exc.context_mark) if m is not None))
        raise UnreadableError(line, col, f"YAML 语法错误：{exc.problem or exc.context}{hint}") from None
    except yaml.YAMLError as exc:
        raise UnreadableError(1 + line_offset, 1, f"YAML 无法解析：{exc}") from None
    if node is None:
        return None, {}
    marks: dict[Loc, tuple[int, int]] = {}
    walker = _Walker(marks, line_offset)
    try:
        return walker.value(node, (), 0), marks
    except UnreadableError as exc:  # e.g. summary: {{fig KEY}} is a mapping in a mapping to YAML
        exc.message += _quote_hint(text, exc.line - 1 - line_offset)
        raise


# A value that starts with "{" is a mapping to YAML: a text that starts with {{fig KEY}} must be quoted.
# ("{{", not "{": sent_to: {town: …, place: …} is YAML's own way to write a mapping.)
_BRACE_FIRST = re.compile(r"^\s*(?:-\s+)?[^\s:#][^:#]*:\s+\{\{")


def _quote_hint(text: str, *lines_at: int) -> str:
    """A hint for an error on a line (0-based in text) whose value starts with "{{"."""
    lines = text.split("\n")
    if any(0 <= i < len(lines) and _BRACE_FIRST.match(lines[i]) for i in lines_at):
        return '（值以 {{ 开头时，要把整个值用英文双引号括起来，例如 summary: "{{fig 编号}}名干部下沉一线"）'
    return ""


# Each collection starts at its own indicator: "[", "{", or (in block style) "-", "?" or ":"
# followed by a blank. Fewer such indicators than the limit means no deeper nesting either.
_BLOCK_INDICATOR = re.compile(r"[-?:](?=[\s\x00]|\Z)")


def _surely_shallow(text: str) -> bool:
    """True when text can be composed without the separate depth scan: too few indicators to
    nest MAX_DEPTH deep, and no flow collections, anchors, aliases or document markers (with none
    of those, composing can fail only where the parser fails, so the first error found is the same)."""
    return (
        not any(mark in text for mark in ("[", "{", "&", "*", "---", "...", "%"))
        and len(_BLOCK_INDICATOR.findall(text)) <= MAX_DEPTH
    )


def _refuse_deep(text: str, loader: Any, line_offset: int) -> None:
    """Refuse absurd nesting before composing: the event parser is iterative, but composing
    recurses (in C with libyaml) and a few thousand levels crash the process outright."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise UnreadableError(mark.line + 1 + line_offset, mark.column + 1, f"嵌套超过 {MAX_DEPTH} 层")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


_STR = "tag:yaml.org,2002:str"


class _Walker:
    """Turns a composed YAML node tree into plain data, refusing anchors and deep nesting."""

    def __init__(self, marks: dict[Loc, tuple[int, int]], line_offset: int):
        self.marks = marks
        self.offset = line_offset
        self.seen: set[int] = set()
        self.constructor = SafeConstructor()

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1 + self.offset, node.start_mark.column + 1

    def value(self, node: yaml.Node, loc: Loc, depth: int) -> Any:
        if id(node) in self.seen:
            # A node reached twice is an alias (*name): refusing it defeats alias bombs.
            raise UnreadableError(*self.pos(node), "不支持 YAML 锚点与别名（& 和 *）：请直接写出内容")
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise UnreadableError(*self.pos(node), f"嵌套超过 {MAX_DEPTH} 层")
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, loc, depth)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                self.marks[loc + (i,)] = self.pos(item)
                items.append(self.value(item, loc + (i,), depth + 1))
            return items
        if node.tag == _STR:
            return node.value  # what construct_object gives for a string, without its bookkeeping
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            # e.g. 2020-02-30 looks like a date to YAML but is none
            raise UnreadableError(*self.pos(node), f"无法识别的值 {node.value!r}：{exc}") from None

    def mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise UnreadableError(*self.pos(key_node), "不支持 YAML 合并键（<<）")
            if not isinstance(key_node, yaml.ScalarNode):
                raise UnreadableError(*self.pos(key_node), "字段名应为简单文本")
            key = str(key_node.value)
            if key in result:
                line, _ = self.marks[loc + (key,)]
                raise UnreadableError(*self.pos(key_node), f"字段 {key} 重复出现（第一次在第 {line} 行）")
            self.marks[loc + (key,)] = self.pos(key_node)
            result[key] = self.value(value_node, loc + (key,), depth + 1)
        return result
