"""Tryton test databases: the initialized database is built once per machine and code version and
cached, each test works on its own copy. Test modules import the fixtures; the session's folder
and template are shared by every module that does (trytond finds SQLite files by name in one folder)."""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from integration_hub.erp.posting import PostingLog
from integration_hub.erp.tryton import bootstrap, init_database, runtime
from integration_hub.erp.tryton.target import TrytonTarget

YEARS = range(2024, 2027)
RATES = {"EUR": Decimal("0.9"), "GBP": Decimal("0.8")}  # per USD, the test company's currency


def _cache_key() -> str:
    from trytond import __version__

    sources = b"".join(Path(m.__file__).read_bytes() for m in (bootstrap, runtime))
    return hashlib.sha256(__version__.encode() + sources + repr((YEARS, RATES)).encode()).hexdigest()[:16]


@functools.cache
def _session_template(folder: Path) -> Path:
    """The initialized database in `folder`, built once (about 40 s) and kept in $IH_TEST_CACHE
    (default ~/.cache/integration_hub) so later sessions only copy it."""
    cache = Path(os.environ.get("IH_TEST_CACHE", Path.home() / ".cache" / "integration_hub")) / "tryton"
    cached = cache / f"template-{_cache_key()}.sqlite"
    template = folder / "template.sqlite"
    if cached.exists():
        shutil.copyfile(cached, template)
        return template
    init_database(template, company_name="Hub Test Co", years=YEARS, rates=RATES)
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / f".{uuid.uuid4().hex}.partial"
    runtime.copy_sqlite(template, partial)
    partial.replace(cached)
    for stale in cache.glob("template-*.sqlite"):  # built by older code
        if stale != cached:
            stale.unlink(missing_ok=True)
    return template


_FOLDERS: dict[str, Path] = {}


@pytest.fixture(scope="session")
def tryton_dir(tmp_path_factory) -> Path:
    """One folder for every Tryton database of the session, whichever module asks first."""
    if "session" not in _FOLDERS:
        _FOLDERS["session"] = tmp_path_factory.mktemp("tryton")
    return _FOLDERS["session"]


@pytest.fixture(scope="session")
def tryton_template(tryton_dir) -> Path:
    return _session_template(tryton_dir)


@pytest.fixture
def tryton(tryton_template, tryton_dir, tmp_path):
    copy = tryton_dir / f"t{uuid.uuid4().hex[:12]}.sqlite"
    runtime.copy_sqlite(tryton_template, copy)
    target = TrytonTarget(copy, PostingLog(f"sqlite:///{tmp_path / 'hub.db'}"))
    yield target
    target.close()
    copy.unlink()
