"""Interchange exports: a trial and its typed eligibility constraints as FHIR, OHDSI Circe and Biolink KGX.

:mod:`kg.interop.facts` reads what the three formats share from the store (SPARQL files
``queries/facts/export-*.rq``, the trial bound as a parameter); :mod:`kg.interop.fhir`,
:mod:`kg.interop.cohort` and :mod:`kg.interop.kgx` write one format each and say, per
constraint, whether the format could express it (decision 0019, ``docs/exports.md``).
"""
