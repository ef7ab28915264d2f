#!/usr/bin/env python3
"""Take the README's picture of a map: headless Chromium, network off.

    python scripts/screenshot.py outputs/overview.html outputs/overview.png [--size 1280x800]

`facilitymap build` runs the same code (facilitymap.render.screenshot) after regenerating
the maps, so this script is for one-off pictures of other maps.
"""

from __future__ import annotations

import argparse
import sys

from facilitymap.errors import FacilitymapError
from facilitymap.render.screenshot import take_screenshot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", help="the map page")
    parser.add_argument("png", help="the picture to write")
    parser.add_argument("--size", default="1280x800", help="viewport WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size must be WIDTHxHEIGHT, got {args.size!r}")
    try:
        take_screenshot(args.html, args.png, width=width, height=height)
    except FacilitymapError as err:
        print(f"screenshot: {err}", file=sys.stderr)
        return 1
    print(f"{args.png}: screenshot of {args.html}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
