"""geodata/schema.json is generated from the model and agrees with the validator."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from facilitymap.schema import layer_schema, layer_schema_json

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"


def test_committed_schema_is_up_to_date():
    committed = (REPO / "geodata" / "schema.json").read_text(encoding="utf-8")
    assert committed == layer_schema_json(), "run: facilitymap schema > geodata/schema.json"


def test_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(layer_schema())


@pytest.mark.parametrize(
    "path", [DATA / "valid" / "two-sites.geojson", REPO / "geodata" / "sites.geojson"]
)
def test_valid_layers_pass_the_schema(path):
    if not path.exists():
        pytest.skip(f"{path} not curated yet")
    jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), layer_schema())


@pytest.mark.parametrize(
    "name",
    [
        "unknown-kind",
        "unknown-stance",
        "missing-kind",
        "three-d-position",
        "crs-member",
        "longitude-out-of-range",
        "date-not-iso",
        "not-a-featurecollection",
        "source-without-url",
    ],
)
def test_schema_rejects_what_the_validator_rejects(name):
    doc = json.loads((DATA / "invalid" / f"{name}.geojson").read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, layer_schema())
