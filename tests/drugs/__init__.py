"""Tests of kg.drugs (a package so that module names such as test_rdf stay unique)."""
