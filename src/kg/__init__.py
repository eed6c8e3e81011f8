"""kg: a knowledge graph of clinical trials, drugs and eligibility criteria.

The package is library first: every CLI verb calls one typed function found in a
subpackage (``kg.ingest``, ``kg.criteria``, ``kg.graph``, ``kg.store``, ``kg.query``).
"""

from typing import Any

__all__ = ["__version__", "EXTRACTOR_VERSION"]


def __getattr__(name: str) -> Any:
    # Read on first use: importlib.metadata costs ~0.1 s at start-up that `kg query` never needs.
    if name not in __all__:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("kg")
    except PackageNotFoundError:  # running from a source tree without installation
        ver = "0.0.0"
    globals().update(__version__=ver, EXTRACTOR_VERSION=f"kg/{ver}")
    return globals()[name]
