"""The pre-commit hooks and the example CI workflow run the commands they claim to."""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path

import yaml

from tests.conftest import REPO, make_site, run


def test_hooks_run_check_and_block_a_broken_commit(tmp_path: Path, capsys):
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["frontline"] == "frontline.cli:main"
    good = make_site(tmp_path / "good")
    broken = make_site(tmp_path / "broken", {"content/editions/1.yaml": "number: 1\ndate: 2020\n"})
    for hook in hooks:
        program, *args = shlex.split(hook["entry"])
        assert program == "frontline" and args[0] == "check"
        assert hook["pass_filenames"] is False
        assert run(good, *args, capsys=capsys).code == 0
        result = run(broken, *args, capsys=capsys)
        assert result.code == 1
        assert "content/editions/1.yaml:1:1: error: [title] 缺少必填字段 title" in result.err


def test_local_pre_commit_config_runs_check():
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (hook,) = config["repos"][0]["hooks"]
    assert shlex.split(hook["entry"])[1:] == ["build.py", "check"]
    assert hook["files"] == "^(content|templates|static)/"


def test_example_workflow_checks_builds_and_publishes_output():
    workflow = yaml.safe_load((REPO / "docs/examples/publish.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    commands = [step.get("run", "").split("#")[0].strip() for step in steps]
    assert commands.index("python build.py check") < commands.index("python build.py build")
    assert steps[0]["with"]["fetch-depth"] == 0  # dates of last change need the history
    assert steps[-1]["with"]["path"] == "output"
    assert workflow["jobs"]["deploy"]["needs"] == "build"
