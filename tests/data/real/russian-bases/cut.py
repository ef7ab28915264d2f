# Cut tests/data/real/russian-bases/RusBases-excerpt.csv from RusBases.csv (physical lines kept
# as they are, so quoting faults survive).
import collections
import sys
from pathlib import Path

from facilitymap.context import countries_of
from facilitymap.exchange.recipe import mixed_script_words, read_csv_rows

src = Path(sys.argv[1])
lines = src.read_text(encoding="utf-8").split("\n")
header, rows = read_csv_rows(src)


def inbox(r):
    try:
        x, y = float(r.cells["longtitudes"]), float(r.cells["latitudes"])
    except (KeyError, TypeError, ValueError):
        return False
    return 44.5 < x < 96.5 and 22.5 < y < 55.5


names = collections.Counter(r.cells.get("military_base_name") for r in rows)
inside = [r for r in rows if inbox(r) and not r.problems]
# Only points the offline borders place in a country today (they cover Central Asia's box).
codes = countries_of(
    [float(r.cells["longtitudes"]) for r in inside], [float(r.cells["latitudes"]) for r in inside]
)
inside = [r for r, code in zip(inside, codes, strict=False) if code]
chosen = {r.label for r in inside[:80]}
chosen |= {r.label for r in inside if names[r.cells.get("military_base_name")] > 1}
chosen |= {r.label for r in inside if any(mixed_script_words(str(v)) for v in r.cells.values())}
# Lines 1098-1106 hold records merged by quotes whose points lie outside those borders.
spans = sorted({r.lines for r in rows if r.label in chosen})
spans += [(1098, 1106), (2014, 2030)]  # records broken by unbalanced quotes
out = [lines[0]]
for a, b in sorted(set(spans)):
    # Lines 1098-1106 hold records merged by quotes whose points lie outside those borders.
    out += [lines[i - 1] for i in range(a, b + 1) if not 1098 <= i <= 1106]
Path(sys.argv[2]).write_text("\n".join(out) + "\n", encoding="utf-8")
print(len(out), "lines")
