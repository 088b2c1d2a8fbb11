"""Pinyin from the helper process is pypinyin's own, polyphonic characters included."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from pypinyin import Style, lazy_pinyin

from frontline import pinyin
from tests.conftest import REPO

# Polyphonic characters read by their word (the phrase dictionary), mixed scripts, and nothing.
TEXTS = ["银行", "行走", "重庆", "长城", "朝阳区", "单县", "曾家村", "乐亭县", "A座3号", "", "韩锋光"]

ASK = """
import json, sys
from frontline import pinyin
pinyin.start()
texts = json.loads(sys.argv[1])
pinyin.warm(texts[:3], "ignore")
found = [[list(pinyin.words(t, errors)) for t in texts] for errors in ("default", "ignore")]
helped = "pypinyin" not in sys.modules
pinyin.stop()
print(json.dumps([found, helped]))
"""


def test_the_helper_answers_as_pypinyin_does_here():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run(
        [sys.executable, "-c", ASK, json.dumps(TEXTS)], env=env, capture_output=True, text=True, check=True
    )
    found, helped = json.loads(out.stdout)
    expected = [[lazy_pinyin(t, style=Style.NORMAL, errors=e) for t in TEXTS] for e in ("default", "ignore")]
    assert found == expected
    assert helped  # the helper answered: pypinyin was never imported by the asking process


def test_without_a_helper_pypinyin_answers_here():
    pinyin.stop()
    assert pinyin.words("银行", errors="ignore") == ("yin", "hang")
    assert pinyin.words("A座", errors="default") == ("A", "zuo")


def test_a_helper_that_died_is_replaced_by_pypinyin_here(monkeypatch):
    monkeypatch.delitem(sys.modules, "pypinyin")  # as at the start of a build (restored after)
    monkeypatch.setattr(pinyin, "_known", {})
    pinyin.start()
    assert pinyin._helper is not None
    pinyin._helper.kill()
    pinyin._helper.wait()
    assert pinyin.words("长城") == ("chang", "cheng")
    assert pinyin._helper is None
