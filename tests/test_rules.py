"""The registry of validation rules holds to what the validator really reports: each rule
breaks in its bad file, and each problem found in the bad files comes from one rule."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest

from facilitymap.validate import validate_path
from facilitymap.validation.rules import CONCERNS, RULES, rule_of

INVALID = Path(__file__).parent / "data" / "invalid"
TODAY = date(2026, 1, 1)
BAD_FILES = sorted(INVALID.glob("*.geojson"))


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_each_rule_breaks_in_its_bad_file(rule):
    problems = validate_path(INVALID / rule.bad_file, today=TODAY)
    assert any(rule.matches(p) for p in problems), [str(p) for p in problems]


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.name for p in BAD_FILES])
def test_every_problem_in_the_bad_files_comes_from_exactly_one_rule(path):
    problems = validate_path(path, today=TODAY)
    assert problems
    for problem in problems:
        matched = [rule.name for rule in RULES if rule.matches(problem)]
        assert len(matched) == 1, (str(problem), matched)


def test_rules_are_named_by_concern_and_say_where_they_are_checked():
    assert len({rule.name for rule in RULES}) == len(RULES)
    assert {rule.concern for rule in RULES} == set(CONCERNS)
    for rule in RULES:
        module, _, name = rule.checked_by.partition(":")
        assert callable(getattr(importlib.import_module(module), name)), rule.checked_by


def test_a_problem_no_rule_describes_is_not_claimed():
    from facilitymap.problems import Problem

    assert rule_of(Problem("x", "s", "kind", "a message no rule has")) is None
    found = validate_path(INVALID / "unknown-kind.geojson", today=TODAY)
    assert {rule_of(p).name for p in found if p.severity == "error"} == {"records.vocabulary"}
