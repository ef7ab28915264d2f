"""Per-site work split over forked processes gives exactly what one process gives."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from facilitymap import io, parallel
from facilitymap.io import Layer, load_layer, parse_layer
from facilitymap.validate import validate_layer

REAL_LAYER = Path(__file__).resolve().parents[1] / "geodata" / "sites.geojson"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")


@pytest.fixture(autouse=True)
def idle_threads_allowed(monkeypatch):
    """Fork even though this test process may have threads: Playwright's fixtures leave two
    idle ones behind (they hold no lock a child needs). The guard itself is tested below."""
    monkeypatch.setattr(parallel, "_fork_is_safe", lambda: True)


@pytest.fixture
def forking(monkeypatch):
    """Split anything over three processes."""
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setenv("FACILITYMAP_WORKERS", "3")


def test_chunks_run_in_children_and_come_back_in_order(forking):
    parent = os.getpid()
    results = parallel.map_chunks(lambda chunk: (list(chunk), os.getpid()), list(range(10)))
    assert [x for chunk, _ in results for x in chunk] == list(range(10))
    assert len(results) == 3
    assert results[0][1] == parent
    assert all(pid != parent for _, pid in results[1:])


def test_a_chunk_whose_child_fails_is_redone_here(forking):
    parent = os.getpid()

    def fragile(chunk):
        if os.getpid() != parent and chunk[0] == 4:
            raise RuntimeError("boom")  # only in the child
        if os.getpid() != parent and chunk[0] == 8:
            os._exit(3)  # a crash
        return [x * 2 for x in chunk]

    results = parallel.map_chunks(fragile, list(range(10)))
    assert [x for chunk in results for x in chunk] == [x * 2 for x in range(10)]


def test_one_worker_means_one_chunk_here(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setenv("FACILITYMAP_WORKERS", "1")
    assert parallel.map_chunks(lambda chunk: os.getpid(), list(range(10))) == [os.getpid()]


def test_small_inputs_stay_in_this_process(monkeypatch):
    monkeypatch.setenv("FACILITYMAP_WORKERS", "4")
    assert parallel.map_chunks(lambda chunk: os.getpid(), list(range(10))) == [os.getpid()]


def test_validation_reports_the_same_problems_in_the_same_order(monkeypatch):
    real = load_layer(REAL_LAYER)
    sites = []
    for copy in range(40):
        for site in real.sites:
            sites.append(site.replace(id=f"{site.id}-{copy}"))
    # Problems spread over every chunk: a bad URL, a future date, a duplicate id.
    sites[5] = sites[5].replace(
        sources=[sites[5].sources[0].replace(url="javascript:alert(1)"), *sites[5].sources[1:]]
    )
    sites[200] = sites[200].replace(first_reported="2999-01-01")
    sites[350] = sites[350].replace(id=sites[349].id)
    layer = Layer(sites=sites)

    monkeypatch.setenv("FACILITYMAP_WORKERS", "1")
    alone = validate_layer(layer, "layer.geojson")
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setenv("FACILITYMAP_WORKERS", "3")
    split = validate_layer(layer, "layer.geojson")

    assert split == alone
    assert {p.site for p in alone if p.severity == "error"} >= {
        sites[5].id,
        sites[200].id,
        sites[350].id,
    }


def test_background_gives_the_value_computed_in_a_child(monkeypatch):
    monkeypatch.setenv("FACILITYMAP_WORKERS", "2")
    parent = os.getpid()
    job = parallel.Background(lambda: os.getpid())
    assert job.result() != parent


def test_background_failing_in_the_child_is_computed_here(monkeypatch):
    monkeypatch.setenv("FACILITYMAP_WORKERS", "2")
    parent = os.getpid()

    def fragile():
        if os.getpid() != parent:
            os._exit(1)
        return "here"

    assert parallel.Background(fragile).result() == "here"


def test_a_cancelled_background_leaves_no_child(monkeypatch):
    monkeypatch.setenv("FACILITYMAP_WORKERS", "2")
    job = parallel.Background(lambda: __import__("time").sleep(60))
    pid = job._child[0]
    job.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_parsing_with_the_scan_in_a_child_gives_the_same_layers_and_problems(monkeypatch):
    data_dir = Path(__file__).parent / "data"
    paths = [*sorted(data_dir.glob("*/*.geojson")), REAL_LAYER]
    assert len(paths) > 80
    monkeypatch.setenv("FACILITYMAP_WORKERS", "1")
    alone = [parse_layer(p.read_bytes(), str(p)) for p in paths]
    monkeypatch.setattr(io, "SCAN_IN_BACKGROUND_OVER", 0)
    monkeypatch.setenv("FACILITYMAP_WORKERS", "2")
    split = [parse_layer(p.read_bytes(), str(p)) for p in paths]
    for path, (layer_a, problems_a), (layer_b, problems_b) in zip(paths, alone, split, strict=True):
        assert problems_a == problems_b, path
        assert (layer_a is None) == (layer_b is None), path
        if layer_a is not None:
            assert [s.to_json_dict() for s in layer_a.sites] == [
                s.to_json_dict() for s in layer_b.sites
            ], path


def test_a_map_rendered_in_chunks_is_byte_identical(monkeypatch):
    from datetime import date

    from facilitymap.maps import MapSpec, render_map

    real = load_layer(REAL_LAYER)
    layer = Layer(
        sites=[s.replace(id=f"{s.id}-{k}") for k in range(10) for s in real.sites],
        path=real.path,
        sha256=real.sha256,
    )
    specs = [
        MapSpec(name="all", output="all.html"),
        MapSpec(name="then", output="then.html", as_of=date(2018, 12, 31)),
    ]
    monkeypatch.setenv("FACILITYMAP_WORKERS", "1")
    alone = [render_map(layer, spec, context=False) for spec in specs]
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setenv("FACILITYMAP_WORKERS", "3")
    split = [render_map(layer, spec, context=False) for spec in specs]
    assert split == alone
    assert f'"{real.sites[0].id}-9"' in split[0]  # the index is readable JSON here


def test_a_process_with_a_busy_thread_does_not_fork(monkeypatch):
    monkeypatch.undo()  # the real guard
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setenv("FACILITYMAP_WORKERS", "3")
    release = threading.Event()
    busy = threading.Thread(target=release.wait)
    busy.start()
    try:
        pids = parallel.map_chunks(lambda chunk: os.getpid(), list(range(10)))
        assert pids == [os.getpid()]
        assert parallel.Background(os.getpid).result() == os.getpid()
    finally:
        release.set()
        busy.join()


def test_empty_and_single_items_need_no_fork(forking):
    assert parallel.map_chunks(lambda chunk: list(chunk), []) == [[]]
    assert parallel.map_chunks(lambda chunk: (list(chunk), os.getpid()), [7]) == [
        ([7], os.getpid())
    ]


def test_parts_in_children_all_run_in_children_and_come_back_in_order(forking):
    parent = os.getpid()
    results = parallel.map_parts(
        lambda part: (part, os.getpid()), ["a", "b", "c"], in_children=True
    )
    assert [part for part, _ in results] == ["a", "b", "c"]
    assert all(pid != parent for _, pid in results)
    assert len({pid for _, pid in results}) == 3


def test_a_part_whose_child_fails_is_redone_here(forking):
    parent = os.getpid()

    def fragile(part):
        if os.getpid() != parent and part == "b":
            os._exit(3)
        return part.upper()

    assert parallel.map_parts(fragile, ["a", "b", "c"], in_children=True) == ["A", "B", "C"]


def test_children_that_sent_their_result_are_reaped(forking):
    import time

    pids = parallel.map_parts(lambda part: os.getpid(), [1, 2, 3], in_children=True)
    deadline = time.monotonic() + 10
    while parallel._exiting and time.monotonic() < deadline:
        time.sleep(0.01)
        parallel._reap()
    assert not parallel._exiting
    for pid in pids:
        with pytest.raises(ChildProcessError):  # no zombie left
            os.waitpid(pid, os.WNOHANG)


def test_what_is_kept_in_a_child_is_freed_as_usual_here(forking):
    kept = parallel.map_parts(
        lambda part: (parallel.keep_in_child([part]), len(parallel._kept_in_child))[1],
        [1, 2],
        in_children=True,
    )
    assert kept == [1, 1]  # each child kept its own
    parallel.keep_in_child(["here"])
    assert parallel._kept_in_child == []


def test_waiting_for_children_leaves_none_behind(forking):
    pids = parallel.map_parts(lambda part: os.getpid(), [1, 2, 3], in_children=True)
    parallel.wait_for_children()
    assert not parallel._exiting
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_a_shared_queue_hands_each_index_to_one_process_once(forking):
    import multiprocessing
    import time

    queue = parallel.SharedQueue([0, 10, 20, 30])
    started = multiprocessing.get_context("fork").Barrier(3)

    def take_all(share: int) -> list[int]:
        taken: list[int] = []
        started.wait(timeout=30)  # none takes before all three can
        while (index := queue.take(share)) is not None:
            taken.append(index)
            # The third process is slow: the others take most of its share.
            time.sleep(0.1 if share == 2 else 0.02)
        return taken

    try:
        taken = parallel.map_parts(take_all, [0, 1, 2], in_children=True)
    finally:
        queue.close()
    assert sorted(i for indices in taken for i in indices) == list(range(30))
    # Each process begins with its own share, in order; the slow one did the least.
    for share, indices in enumerate(taken):
        assert indices[0] == 10 * share
    assert len(taken[2]) < 10 < min(len(taken[0]), len(taken[1]))
    # What the others took of the slow one's share is its last indices, from the back.
    helped = sorted(i for indices in taken[:2] for i in indices if i >= 20)
    assert helped == list(range(30 - len(helped), 30))


def test_a_shared_queue_without_a_fork_is_taken_here_in_order(monkeypatch):
    monkeypatch.setenv("FACILITYMAP_WORKERS", "1")
    queue = parallel.SharedQueue([0, 3, 5])
    try:
        first = [queue.take(0) for _ in range(6)]
    finally:
        queue.close()
    # Its own share from the front, then the other share from the back.
    assert first == [0, 1, 2, 4, 3, None]
