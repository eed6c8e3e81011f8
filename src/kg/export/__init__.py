"""Graph views and export: named CONSTRUCT views rendered as RDF, graph-tool formats, pictures and HTML."""
