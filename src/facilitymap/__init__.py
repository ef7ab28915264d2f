"""facilitymap: map reported facilities that governments would rather not confirm.

The library API, usable from a notebook::

    from facilitymap import derive_site, load_layer, validate_layer
    layer = load_layer("geodata/sites.geojson")
    for site in layer.sites:
        print(site.id, derive_site(site).status)
"""

from facilitymap.errors import FacilitymapError, LayerError, OutputExistsError
from facilitymap.io import Layer, dump_layer, load_layer, parse_layer, save_layer
from facilitymap.model import Claim, Location, Site, Source
from facilitymap.status import Derived, derive_site, derive_status
from facilitymap.validate import Problem, validate_file, validate_layer, validate_path


def __getattr__(name: str) -> str:
    # Looked up on first use: importlib.metadata is a fifth of the import time.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("facilitymap")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0+unknown"


__all__ = [
    "Claim",
    "Derived",
    "FacilitymapError",
    "Layer",
    "LayerError",
    "Location",
    "OutputExistsError",
    "Problem",
    "Site",
    "Source",
    "__version__",
    "derive_site",
    "derive_status",
    "dump_layer",
    "load_layer",
    "parse_layer",
    "save_layer",
    "validate_file",
    "validate_layer",
    "validate_path",
]
