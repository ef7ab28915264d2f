"""A problem found in a layer: where it is (file, site, field) and what is wrong."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

# error: the layer is invalid (exit 1). warning: likely wrong (exit 1 with --strict).
# notice: worth knowing, never a failure (e.g. sources without an archived copy).
Severity = Literal["error", "warning", "notice"]


class Problem(msgspec.Struct, frozen=True, order=True, gc=False):
    """One problem, printed as ``path: site: field: message``.

    ``site`` is the site id, ``#N`` (0-based feature index) when the id is missing or bad,
    or ``-`` for the file as a whole.
    """

    path: str
    site: str
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.path}: {self.site}: {self.field}: {prefix}{self.message}"

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form, for ``--format json``."""
        return msgspec.structs.asdict(self)


def errors(problems: list[Problem]) -> list[Problem]:
    """Only the problems that make a layer invalid."""
    return [p for p in problems if p.severity == "error"]


def site_label(feature: Any, index: int) -> str:
    """How a problem names a feature: its id when it is a usable string, else ``#index``."""
    fid = feature.get("id") if isinstance(feature, dict) else None
    if isinstance(fid, str) and fid and len(fid) <= 120 and fid.isprintable():
        return fid
    return f"#{index}"
