# Cut tests/data/real/cir-events/events-excerpt.csv from events.csv (mauforonda/ukraine):
# physical lines copied unchanged, records kept in file order.
import collections
import re
import sys
from pathlib import Path

from facilitymap.exchange.recipe import read_csv_rows

src = Path(sys.argv[1])
lines = src.read_text(encoding="utf-8").split("\n")
header, rows = read_csv_rows(src)
ids = collections.Counter(r.cells["entry"] for r in rows)
usual = {"Ukraine", "Russia", "Belarus", "Moldova"}
chosen = {r.label for r in rows[:80]}  # January-February 2022
chosen |= {r.label for r in rows if r.cells["link"].count("http") > 1}  # several URLs
chosen |= {r.label for r in rows if r.cells["country"] not in usual}  # typos, regions, blanks
chosen |= {r.label for r in rows if ids[r.cells["entry"]] > 1}  # repeated or blank ids
chosen |= {r.label for r in rows if not re.match(r"UW\d+$", r.cells["entry"])}  # other forms
chosen |= {r.label for r in rows if not r.cells["link"].startswith("http")}  # no URL
out = [lines[0]]
for r in rows:
    if r.label in chosen:
        out += lines[r.lines[0] - 1 : r.lines[1]]
Path(sys.argv[2]).write_text("\n".join(out) + "\n", encoding="utf-8")
print(len(out) - 1, "lines")
