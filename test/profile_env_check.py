#!/usr/bin/env python3
"""KILN_PROFILE=<file> (ctest profiler.environment): the program wrote a Chrome trace at
exit that parses as JSON and holds complete events of each kind named, every one with a
non-negative start and duration; the file is removed afterwards.

    profile_env_check.py TRACE KIND...
"""
import json
import os
import sys

path, kinds = sys.argv[1], sys.argv[2:]
with open(path) as f:
    trace = json.load(f)
os.remove(path)
events = [e for e in trace["traceEvents"] if e["ph"] == "X"]
for e in events:
    if e["ts"] < 0 or e["dur"] < 0:
        sys.exit(f"event {e['name']}: ts {e['ts']} dur {e['dur']}")
seen = {e["cat"] for e in events}
missing = [k for k in kinds if k not in seen]
if missing:
    sys.exit(f"no {missing} events in {path} (kinds: {sorted(seen)})")
print(f"{len(events)} events of kinds {sorted(seen)}")
