"""The SPARQL endpoint (``kg serve``): an HTTP app over a store, with named queries and a query page.

>>> from kg.serve import ServeSettings
>>> ServeSettings().port
7878
"""

from kg.serve.app import ServeSettings, create_app, serve

__all__ = ["ServeSettings", "create_app", "serve"]
