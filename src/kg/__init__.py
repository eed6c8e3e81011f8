"""kg: a knowledge graph of clinical trials, drugs and eligibility criteria.

The package is library first: every CLI verb calls one typed function found in a
subpackage (``kg.ingest``, ``kg.criteria``, ``kg.graph``, ``kg.store``, ``kg.query``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kg")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

EXTRACTOR_VERSION = f"kg/{__version__}"

__all__ = ["__version__", "EXTRACTOR_VERSION"]
