"""Run `kgx validate` (kgx's own validator, Biolink model from the installed biolink-model wheel) on KGX TSV files.

Runs in a separate environment with kgx installed (kgx pins numpy, pandas and duckdb versions
kg's own environment cannot share). No network: the Biolink schema, its prefix map and an empty
predicate map are read from the installed packages instead of GitHub. Usage:
``PYTHON kgx_validate.py PREFIX=IRI ... -- FILE ...``; prints the validator's error dict as JSON.
"""

import json
import os
import sys

import biolink_model
import bmt.toolkit as toolkit

base = list(biolink_model.__path__)[0]
# bmt and kgx fetch the schema and the predicate map from GitHub by default: point them at the wheel's copy.
toolkit.Toolkit.__init__.__defaults__ = (os.path.join(base, "schema", "biolink_model.yaml"), {"predicate mappings": []})
import kgx.config  # noqa: E402

split = sys.argv.index("--")
context = json.load(open(os.path.join(base, "prefixmaps", "biolink-model-prefix-map.json")))
context.update(dict(arg.split("=", 1) for arg in sys.argv[1:split]))  # the producer's own prefixes
kgx.config.jsonld_context_map["biolink"] = context
from kgx.cli.cli_utils import validate  # noqa: E402

errors = validate(inputs=sys.argv[split + 1:], input_format="tsv", input_compression=None, output=os.devnull)
print("KGX-ERRORS " + json.dumps(errors, default=str))
