"""The store contract (index/store.py): the SQLite and the PostgreSQL store provide every method
of every role with the same parameters, and the library and its skins reach the data only
through it."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from index.postgres import PostgresStore
from index.sqlite import SQLiteStore
from index.store import ROLES, Search, Store, open_store

ROOT = Path(__file__).resolve().parent.parent


def _methods(protocol: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in vars(protocol).items()
            if callable(member) and not name.startswith("_")}


STORES = (SQLiteStore, PostgresStore)


@pytest.mark.parametrize("store", STORES, ids=lambda s: s.__name__)
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.__name__)
def test_each_store_plays_every_role(store, role):
    for name, wanted in _methods(role).items():
        assert hasattr(store, name), f"{store.__name__} lacks {role.__name__}.{name}"
        have = inspect.signature(getattr(store, name))
        assert list(have.parameters) == list(wanted.parameters), (name, have, wanted)
        defaults = [p.default for p in have.parameters.values()]
        assert defaults == [p.default for p in wanted.parameters.values()], (name, have, wanted)


@pytest.mark.parametrize("store", STORES, ids=lambda s: s.__name__)
def test_each_store_has_a_search_and_closes(store):
    for name in ("searcher", "close"):
        assert callable(getattr(store, name, None)), f"{store.__name__} lacks {name}"
    assert list(inspect.signature(store.searcher).parameters) == ["self", "cache"]


def test_an_open_postgres_store_is_a_store(postgres_url, tmp_path):
    store = open_store(postgres_url, "m", 8)
    try:
        assert isinstance(store, PostgresStore)
        assert isinstance(store, Store) and all(isinstance(store, role) for role in ROLES)
        assert (store.model_name, store.dim, store.schema_version) == ("m", 8, 2)
        assert store.index_id and "postgresql://" in store.location
        searcher = store.searcher(tmp_path / "unused")
        assert isinstance(searcher, Search)
        assert not (tmp_path / "unused").exists()
    finally:
        store.close()


def test_an_open_store_is_a_store(kompass):
    store = kompass.store
    assert isinstance(store, Store) and all(isinstance(store, role) for role in ROLES)
    assert (store.model_name, store.dim) == (kompass.embedder.name, kompass.embedder.dim)


def test_the_roles_cover_what_the_library_calls():
    """Every `store.<method>(` called in assistant/ and index/search_copy.py is in the contract."""
    contract = {name for role in ROLES for name in _methods(role)} | {"close", "searcher"}
    called = set()
    for path in [*ROOT.joinpath("assistant").glob("*.py"), ROOT / "index" / "search_copy.py"]:
        called |= set(re.findall(r"\bstore\.([a-z_]+)\(", path.read_text(encoding="utf-8")))
    assert called and called <= contract, called - contract


def test_only_the_factory_names_the_sqlite_store():
    """assistant/ and ui/ import no backend: the store comes from index.store.open_store."""
    for folder in ("assistant", "ui"):
        for path in ROOT.joinpath(folder).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "SQLiteStore" not in text and "sqlite.store" not in text, path
