"""The wheelhouse's locks (scripts/wheelhouse_locks.py): a wheel built here from a locked
source archive gets its hash added to the package's entry (the published hashes kept), and
a wheelhouse built from another lock is detected before installing from it."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "wheelhouse_locks", ROOT / "scripts/wheelhouse_locks.py"
)
locks = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
spec.loader.exec_module(locks)  # type: ignore[union-attr]

LOCK = """#
# pip-compile header
#
django==5.2.19 \\
    --hash=sha256:{a} \\
    --hash=sha256:{b}
    # via renda (pyproject.toml)
jieba==0.42.1 \\
    --hash=sha256:{sdist}
    # via renda (pyproject.toml)
""".format(a="a" * 64, b="b" * 64, sdist="c" * 64)


def test_a_locally_built_wheel_gets_its_hash_and_nothing_else_changes(tmp_path):
    house = tmp_path / "wheelhouse"
    house.mkdir()
    (tmp_path / "requirements.lock").write_text(LOCK)
    wheel = house / "jieba-0.42.1-py3-none-any.whl"
    wheel.write_bytes(b"built here")
    digest = hashlib.sha256(b"built here").hexdigest()
    assert locks.main(["x", str(house), str(tmp_path / "requirements.lock")]) == 0
    text = (house / "requirements.lock").read_text()
    entries = locks.entries(text)
    assert entries["jieba"] == ("0.42.1", {"c" * 64, digest})
    assert entries["django"] == ("5.2.19", {"a" * 64, "b" * 64})  # no wheel built here
    assert (
        "jieba==0.42.1 \\\n    --hash=sha256:" + "c" * 64 + " \\\n    --hash=sha256:" + digest
        in text
    )
    assert locks.check(house, tmp_path / "requirements.lock") == []


def test_a_wheelhouse_from_another_lock_is_refused(tmp_path):
    house = tmp_path / "wheelhouse"
    house.mkdir()
    lock = tmp_path / "requirements.lock"
    lock.write_text(LOCK)
    locks.main(["x", str(house), str(lock)])
    lock.write_text(LOCK.replace("jieba==0.42.1", "jieba==0.42.2"))
    assert locks.check(house, lock) == ["jieba==0.42.2"]
    assert locks.main(["x", "--check", str(house), str(lock)]) == 1
    assert locks.check(tmp_path / "nowhere", lock)
