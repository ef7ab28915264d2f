"""Every validation rule of a layer, one module per concern.

- :mod:`~facilitymap.validation.shape`: the document is a FeatureCollection of Features
  (members, ``crs``); builds the sites of a parsed document, explaining those that fail;
- :mod:`~facilitymap.validation.records`: the values of a site's fields: formats of dates,
  ids and codes, dates not in the future, links (types, vocabularies and lengths are the
  records' own: :func:`facilitymap.model.explain`);
- :mod:`~facilitymap.validation.references`: ids and what cites them;
- :mod:`~facilitymap.validation.geometry`: RFC 7946 geometry and the location that goes
  with it;
- :mod:`~facilitymap.validation.country`: a point lies in its declared country;
- :mod:`~facilitymap.validation.status`: what a site declares agrees with its claims;
- :mod:`~facilitymap.validation.layer`: all of them over a layer, in the order reported;
- :mod:`~facilitymap.validation.rules`: the registry: each rule, its concern and the bad
  file under ``tests/data/invalid/`` that breaks it.

Validation reads no files: :mod:`facilitymap.validate` reads a layer file and runs these.
"""

from __future__ import annotations

from facilitymap.validation.layer import check_site, validate_layer
from facilitymap.validation.records import url_problem

__all__ = ["check_site", "url_problem", "validate_layer"]
