"""Settings from the environment: every ``KG_*`` variable kg obeys is named and read here, and only here.

Callers ask this module (``settings.store_dir()``, ``settings.query_timeout_text()``, …)
instead of reading ``os.environ`` themselves, so one file lists what a user can set and
what each defaults to. Values are read at the moment they are asked for (a test or a
server may change the environment between two queries), and parsing stays with the code
that owns the value (the time limit with :mod:`kg.query.limits`, sizes with
:mod:`kg.ingest.sources`): this module only says where each raw text comes from. It
imports nothing but ``os``, so the start-up of ``kg query`` does not pay for it.

>>> store_dir(environ={})
'kg-store'
>>> store_dir(environ={"KG_STORE": "/data/kg"})
'/data/kg'
>>> query_timeout_text(environ={"KG_QUERY_TIMEOUT": " 2.5 "})
'2.5'
>>> sorted(VARIABLES)[:3]
['KG_ALLOW', 'KG_BUILD_WORKERS', 'KG_CACHE_DIR']
"""

from __future__ import annotations

import os
from collections.abc import Mapping

#: The store every verb opens when ``--store`` is not given (and ``KG_STORE`` is unset).
DEFAULT_STORE = "kg-store"
#: Seconds a user query may run when neither ``--timeout`` nor ``KG_QUERY_TIMEOUT`` says.
DEFAULT_QUERY_TIMEOUT = 30.0

STORE = "KG_STORE"
QUERY_TIMEOUT = "KG_QUERY_TIMEOUT"
ALLOW = "KG_ALLOW"
ZIP_MEMBER_LIMIT = "KG_ZIP_MEMBER_LIMIT"
ZIP_TOTAL_LIMIT = "KG_ZIP_TOTAL_LIMIT"
ONTOLOGY_DIR = "KG_ONTOLOGY_DIR"
ONTOLOGIES = "KG_ONTOLOGIES"
BUILD_WORKERS = "KG_BUILD_WORKERS"
CACHE_DIR = "KG_CACHE_DIR"
VIRTUOSO_PASSWORD = "KG_VIRTUOSO_PASSWORD"

#: Every variable, with what it sets (``kg --help`` and the README say the same).
VARIABLES: dict[str, str] = {
    STORE: f"the store directory of every verb (default ./{DEFAULT_STORE})",
    QUERY_TIMEOUT: f"the time limit of a user query in seconds (default {DEFAULT_QUERY_TIMEOUT:g})",
    ALLOW: "IRI prefixes SERVICE/FROM may name, space-separated ('*' for all)",
    ZIP_MEMBER_LIMIT: "the most one zip member may expand to (default 64M)",
    ZIP_TOTAL_LIMIT: "the most one zip may expand to in all (default 2G)",
    ONTOLOGY_DIR: "a folder of ontology files whose synonyms and ids name conditions",
    ONTOLOGIES: "a folder of ontology files the criteria parser reads drug and disease names from",
    BUILD_WORKERS: "worker processes of a build (default one per CPU)",
    CACHE_DIR: "where kg keeps caches it can recompute (default $XDG_CACHE_HOME/kg)",
    VIRTUOSO_PASSWORD: "the password `kg push` gives a Virtuoso server (kg.push)",
}


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def get(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The raw value of ``KG_*`` variable ``name`` (None when unset or blank)."""
    if name not in VARIABLES:
        raise KeyError(f"{name} is not a kg setting (kg.settings.VARIABLES lists them)")
    value = _env(environ).get(name, "").strip()
    return value or None


def store_dir(environ: Mapping[str, str] | None = None) -> str:
    """The store directory when ``--store`` is not given: ``KG_STORE`` or ``./kg-store``."""
    return get(STORE, environ) or DEFAULT_STORE


def query_timeout_text(environ: Mapping[str, str] | None = None) -> str | None:
    """``KG_QUERY_TIMEOUT`` as written (parsed by :func:`kg.query.limits.resolve_timeout`)."""
    return get(QUERY_TIMEOUT, environ)


def allow_text(environ: Mapping[str, str] | None = None) -> str:
    """``KG_ALLOW`` as written: space-separated IRI prefixes (empty: nothing allowed)."""
    return get(ALLOW, environ) or ""


def zip_limit_texts(environ: Mapping[str, str] | None = None) -> tuple[str | None, str | None]:
    """``(KG_ZIP_MEMBER_LIMIT, KG_ZIP_TOTAL_LIMIT)`` as written (sizes such as ``64M``)."""
    return get(ZIP_MEMBER_LIMIT, environ), get(ZIP_TOTAL_LIMIT, environ)


def ontology_dir(environ: Mapping[str, str] | None = None) -> str | None:
    """``KG_ONTOLOGY_DIR``: ontology files naming conditions (None: the shipped lexicon only)."""
    return get(ONTOLOGY_DIR, environ)


def ontologies(environ: Mapping[str, str] | None = None) -> str | None:
    """``KG_ONTOLOGIES``: ontology files for the criteria parser (None: its default folder)."""
    return get(ONTOLOGIES, environ)


def build_workers_text(environ: Mapping[str, str] | None = None) -> str | None:
    """``KG_BUILD_WORKERS`` as written (read by :func:`kg.graph.parallel.workers_from_env`)."""
    return get(BUILD_WORKERS, environ)


def cache_dir(environ: Mapping[str, str] | None = None) -> str | None:
    """``KG_CACHE_DIR`` (None: the caller's default under ``$XDG_CACHE_HOME``)."""
    return get(CACHE_DIR, environ)


def virtuoso_password(environ: Mapping[str, str] | None = None) -> str | None:
    """``KG_VIRTUOSO_PASSWORD`` (None: the caller's default)."""
    return get(VIRTUOSO_PASSWORD, environ)


__all__ = ["ALLOW", "BUILD_WORKERS", "CACHE_DIR", "VIRTUOSO_PASSWORD", "virtuoso_password", "DEFAULT_QUERY_TIMEOUT", "DEFAULT_STORE", "ONTOLOGIES", "ONTOLOGY_DIR", "QUERY_TIMEOUT", "STORE",
           "VARIABLES", "ZIP_MEMBER_LIMIT", "ZIP_TOTAL_LIMIT", "allow_text", "build_workers_text", "cache_dir", "get", "ontologies", "ontology_dir",
           "query_timeout_text", "store_dir", "zip_limit_texts"]
