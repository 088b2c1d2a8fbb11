"""JSON Schemas for editors' tools: generated from the models and committed up to date."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from frontline.load import load
from frontline.schemas import SCHEMAS, schema_files
from tests.conftest import REPO, make_site, run


def test_committed_schemas_are_up_to_date():
    committed = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "schemas").glob("*.schema.json")}
    assert committed == schema_files(), "schemas/ is stale: run `python build.py schemas` and commit the result"


def test_vscode_maps_every_yaml_kind_to_its_schema():
    settings = json.loads((REPO / ".vscode/settings.json").read_text(encoding="utf-8"))
    mapped = settings["yaml.schemas"]
    for schema, pattern in mapped.items():
        assert (REPO / schema).is_file()
        assert list(REPO.glob(pattern)), pattern
    assert set(mapped) == {f"./schemas/{kind}.schema.json" for kind in ("site", "organization", "edition", "stats")}


def test_schemas_know_every_field_the_real_content_uses():
    docs, problems = load(REPO)
    assert problems == []
    for doc in docs:
        data = json.loads(schema_files()[f"{doc.kind}.schema.json"])
        assert data["additionalProperties"] is False
        assert set(doc.data) <= set(data["properties"]), doc.path
        assert set(data["required"]) <= set(doc.data), doc.path
        for key in doc.data:
            assert data["properties"][key]["description"], (doc.path, key)


def test_a_year_alone_is_a_valid_date_in_the_schema():
    date = json.loads(schema_files()["edition.schema.json"])["properties"]["date"]
    assert {"type": "integer", "minimum": 1000, "maximum": 9999} in date["anyOf"]
    assert isinstance(yaml.safe_load("date: 2020")["date"], int)


def test_schemas_command_writes_the_files(tmp_path: Path, capsys):
    root = make_site(tmp_path)
    result = run(root, "schemas", capsys=capsys)
    assert result.code == 0
    assert result.err == f"已更新 {len(SCHEMAS)} 个 JSON Schema 文件（schemas）\n"
    assert {p.name for p in (root / "schemas").iterdir()} == set(schema_files())
    assert run(root, "schemas", capsys=capsys).err == "已更新 0 个 JSON Schema 文件（schemas）\n"
