"""Links between the graph's entities and external ontologies (SSSOM in, SKOS out)."""
