"""Pinyin of Chinese text, from pypinyin with its phrase dictionary (so that a polyphonic
character reads as it does in its word: 银行 yin-hang, 行走 xing-zou).

pypinyin's dictionaries take ~55 MiB once imported, for the few hundred places, roles and names
a build spells in pinyin. A build asks a helper process for them instead: started as the build
starts (it imports pypinyin on the other core while the build reads the content) and stopped
before the build forks its render workers, so the dictionaries never sit in the build's memory
for the rest of the build. The helper runs the same pypinyin, found where this process would
import it (checked when it starts), so the answers are the same; wherever it is not running (the
preview, `build.py new`, a forked worker, a helper that failed) pypinyin is imported here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from typing import Any

# The helper: says which pypinyin it imported, then answers one line of JSON per request,
# [errors, [text, ...]] -> [[word, ...], ...] (JSON's escapes keep the pipe ASCII).
_HELPER = """
import json, sys
import pypinyin
from pypinyin import Style, lazy_pinyin
print(json.dumps(pypinyin.__file__), flush=True)
for line in sys.stdin:
    errors, texts = json.loads(line)
    print(json.dumps([lazy_pinyin(t, style=Style.NORMAL, errors=errors) for t in texts]), flush=True)
"""

_known: dict[tuple[str, str], tuple[str, ...]] = {}  # (text, errors) -> words, this process's
_helper: subprocess.Popen | None = None
_owner = 0  # the process that started the helper: a forked child must not share its pipes
_checked = False  # whether the helper's pypinyin was found to be this process's


def start() -> None:
    """Start the helper, unless pypinyin is already imported here (then it costs nothing more)."""
    global _helper, _owner, _checked
    if _helper is not None or "pypinyin" in sys.modules or not sys.executable:
        return
    try:
        _helper = subprocess.Popen(
            [sys.executable, "-c", _HELPER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="ascii",
        )
    except OSError:
        return
    _owner, _checked = os.getpid(), False


def stop() -> None:
    """Stop the helper (before forking: the workers would keep its pipes, and it, alive)."""
    global _helper
    helper, _helper = _helper, None
    if helper is None or _owner != os.getpid():
        return
    if helper.stdin:
        helper.stdin.close()  # it ends at the end of its input
    if helper.stdout:
        helper.stdout.close()
    try:
        helper.wait(timeout=5)
    except subprocess.TimeoutExpired:
        helper.kill()
        helper.wait()


def words(text: str, errors: str = "default") -> tuple[str, ...]:
    """lazy_pinyin(text, style=Style.NORMAL, errors=errors): "default" keeps what is not Chinese
    as it is, "ignore" drops it."""
    found = _known.get((text, errors))
    if found is None:
        warm([text], errors)
        found = _known[(text, errors)]
    return found


def warm(texts: Iterable[str], errors: str = "default") -> None:
    """Find the pinyin of many texts at once (one request to the helper instead of one each)."""
    todo = sorted({t for t in texts if (t, errors) not in _known})
    if not todo:
        return
    answers = _ask(todo, errors)
    if answers is None:
        from pypinyin import Style, lazy_pinyin  # ~55 MiB, here: see the module's docstring

        answers = [lazy_pinyin(t, style=Style.NORMAL, errors=errors) for t in todo]
    for text, found in zip(todo, answers, strict=True):
        _known[(text, errors)] = tuple(found)


def _ask(texts: list[str], errors: str) -> list[Any] | None:
    """The helper's answers, or None when there is no helper to ask (or it failed: then stopped)."""
    global _checked
    helper = _helper
    if helper is None or _owner != os.getpid() or helper.stdin is None or helper.stdout is None:
        return None
    try:
        if not _checked:
            spec = importlib.util.find_spec("pypinyin")
            if spec is None or json.loads(helper.stdout.readline()) != spec.origin:
                raise ValueError("another pypinyin")
            _checked = True
        helper.stdin.write(json.dumps([errors, texts]) + "\n")
        helper.stdin.flush()
        answers = json.loads(helper.stdout.readline())
        if not isinstance(answers, list) or len(answers) != len(texts):
            raise ValueError("not an answer")
        return answers
    except (OSError, ValueError):  # JSONDecodeError is a ValueError
        stop()
        return None
