"""facilitymap: map reported facilities that governments would rather not confirm.

The library API, usable from a notebook, one call per task (each command of the CLI is a
thin wrapper over one of them)::

    import facilitymap
    page = facilitymap.render("geodata/sites.geojson", statuses=["attested-denied"])
    page  # a notebook shows the map inline; page.save("denied.html") writes it
    facilitymap.export("geodata/sites.geojson", "sites.gpkg")
    facilitymap.import_file("colleague.csv", "geodata/sites.geojson", dry_run=True)
    frame = facilitymap.to_geodataframe("geodata/sites.geojson")  # and from_geodataframe
    facilitymap.folium_layer("geodata/sites.geojson").add_to(folium_map)

    layer = facilitymap.load_layer("geodata/sites.geojson")
    for site in layer.sites:
        print(site.id, facilitymap.derive_site(site).status)
"""

import importlib
import sys
import types

from facilitymap.errors import FacilitymapError, LayerError, OutputExistsError
from facilitymap.io import Layer, dump_layer, load_layer, parse_layer, save_layer
from facilitymap.model import Claim, Location, Site, Source
from facilitymap.status import Derived, derive_site, derive_status
from facilitymap.validate import Problem, validate_file, validate_layer, validate_path

# Imported on first use, so that `facilitymap --help` does not pay for them.
_LAZY = {
    "export": "facilitymap.api",
    "import_file": "facilitymap.api",
    "MapHTML": "facilitymap.api",
    "save_map": "facilitymap.api",
    "folium_layer": "facilitymap.notebook",
    "to_geodataframe": "facilitymap.notebook",
    "from_geodataframe": "facilitymap.notebook",
}


class _RenderPackage(types.ModuleType):
    """``facilitymap.render``: the page-builder package, which called renders a map."""

    def __call__(self, layer_or_path, **options):
        """``facilitymap.api.render``: the layer's map as HTML text (``MapHTML``)."""
        from facilitymap.api import render

        return render(layer_or_path, **options)


class _Package(types.ModuleType):
    # `facilitymap.render(...)` is the one-call API, and `facilitymap.render` is also the
    # package that builds pages (facilitymap.render.build_html): the package is made
    # callable when first asked for, rather than loaded with every `import facilitymap`.
    @property
    def render(self) -> _RenderPackage:
        package = importlib.import_module("facilitymap.render")
        if not isinstance(package, _RenderPackage):
            package.__class__ = _RenderPackage
        assert isinstance(package, _RenderPackage)
        return package

    @render.setter
    def render(self, value: types.ModuleType) -> None:
        pass  # the import system sets it on loading the package; the getter finds it


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
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
    "MapHTML",
    "OutputExistsError",
    "Problem",
    "Site",
    "Source",
    "__version__",
    "derive_site",
    "derive_status",
    "dump_layer",
    "export",
    "folium_layer",
    "from_geodataframe",
    "import_file",
    "load_layer",
    "parse_layer",
    "render",
    "save_layer",
    "save_map",
    "to_geodataframe",
    "validate_file",
    "validate_layer",
    "validate_path",
]
