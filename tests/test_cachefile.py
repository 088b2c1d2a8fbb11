"""Signed cache files kept as a base and a delta (cachefile.read_layered / write_layered): a save
after a small change writes only that change, and whatever happens between the two files, a
read gives either exactly what was saved or less (a cache miss), never a wrong entry."""

from __future__ import annotations

import operator
from pathlib import Path

from frontline import cachefile


def _save(path: Path, sections: dict, layers: cachefile.Layers) -> None:
    cachefile.write_layered(path, sections, layers, "v1", same=operator.eq)


def test_a_small_change_is_written_beside_the_base_and_read_back_exactly(tmp_path: Path):
    path = tmp_path / "c.pickle"
    entries = {f"k{i}": i for i in range(2000)}
    _save(path, {"a": entries, "b": {"x": 1}}, cachefile.Layers())
    base = path.read_bytes()
    found, layers = cachefile.read_layered(path, "v1")
    assert found == {"a": entries, "b": {"x": 1}}
    found["a"]["k1"] = -1  # changed
    found["a"]["new"] = 5  # added
    del found["a"]["k2"]  # dropped
    _save(path, found, layers)
    assert path.read_bytes() == base  # the base is left as it was
    assert path.with_name("c.pickle.delta").stat().st_size < len(base) // 10
    again, _ = cachefile.read_layered(path, "v1")
    assert again == found
    assert cachefile.read_layered(path, "v2") == ({}, cachefile.Layers())  # made by another version: nothing


def test_a_large_change_writes_a_new_base_and_a_stale_delta_is_never_applied(tmp_path: Path):
    path = tmp_path / "c.pickle"
    _save(path, {"a": {f"k{i}": i for i in range(2000)}}, cachefile.Layers())
    found, layers = cachefile.read_layered(path, "v1")
    found["a"]["k1"] = -1
    _save(path, found, layers)
    delta = path.with_name("c.pickle.delta").read_bytes()
    changed = {"a": {f"k{i}": -i for i in range(2000)}}
    _save(path, changed, layers)
    assert not path.with_name("c.pickle.delta").exists()
    assert cachefile.read_layered(path, "v1")[0] == changed
    # A delta left by a build killed before it could remove it belongs to another base: ignored.
    path.with_name("c.pickle.delta").write_bytes(delta)
    assert cachefile.read_layered(path, "v1")[0] == changed
    # And one that is not signed with this machine's key is never unpickled.
    path.with_name("c.pickle.delta").write_bytes(b"\0" * 32 + delta[32:])
    assert cachefile.read_layered(path, "v1")[0] == changed
