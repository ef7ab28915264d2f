# Cut tests/data/real/us-bases/bases-excerpt.json from bases.json (gp0/military-bases): a bare
# JSON array of Features, kept as one; features are copied unchanged.
import json
import sys

with open(sys.argv[1], encoding="utf-8") as handle:
    features = json.load(handle)
entities = [i for i, f in enumerate(features) if "&" in f["properties"].get("name", "")]
chosen = sorted(set(range(40)) | set(entities) | set(range(129, 169)))
excerpt = [features[i] for i in chosen]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(excerpt, out, indent=2, ensure_ascii=False)
    out.write("\n")
print(len(excerpt), "features; with HTML entities:", entities)
