"""The page's index as columns (render.payload): parts joined in order, a column only where a
site uses it, and the same sites read back."""

from __future__ import annotations

import json

from facilitymap.render.payload import PageSite, index_columns, join_columns, site_rows

POLYGON = {"type": "Polygon", "coordinates": [[[70, 38], [72, 38], [72, 39], [70, 38]]]}


def _sites() -> list[PageSite]:
    return [
        PageSite("a", c=[71.5, 38.25], name="A", status="attested", precision_m=500.0),
        PageSite("b", name="B", status="reported", deciding_claims=["c1"]),  # no place
        PageSite("c", c=[71.0, 38.5], g=POLYGON, name="C", official_words="denied by TJ"),
        PageSite("d", c=[0.0, 0.0], name="D", later_claims=2, hidden=True),  # Null Island
        PageSite("e", c=[-70.25, -38.0], name="E", changes=["new since v1"]),
    ]


def test_parts_join_into_the_columns_of_the_whole():
    sites = _sites()
    whole = join_columns([index_columns(sites)])
    # Cut anywhere: a part where no site uses a column still gives its defaults for it.
    for cut in range(len(sites) + 1):
        parts = [index_columns(sites[:cut]), index_columns(sites[cut:])]
        assert join_columns(parts) == whole, cut
    assert site_rows(json.loads(whole)) == sites


def test_a_column_no_site_uses_is_left_out_and_id_never_is():
    plain = [PageSite("a", c=[1.0, 2.0], name="A"), PageSite("b", c=[3.0, 4.0], name="B")]
    assert json.loads(join_columns([index_columns(plain)])) == {
        "id": ["a", "b"],
        "c": [1.0, 2.0, 3.0, 4.0],
        "name": ["A", "B"],
    }
    assert json.loads(join_columns([index_columns([])])) == {"id": []}
    assert site_rows({"id": []}) == []


def test_a_site_at_null_island_keeps_its_place_and_one_without_stays_unplaced():
    columns = json.loads(join_columns([index_columns(_sites())]))
    assert columns["c"][2:4] == [None, None]  # b: no place
    assert columns["c"][6:8] == [0.0, 0.0]  # d: a place, not a missing one
    rows = site_rows(columns)
    assert rows[1].c is None and rows[3].c == [0.0, 0.0]
