"""A served process's garbage collection (`sync.server.collector`), in a process of its own:
the regime is global to a process, so it is never set in the test process itself."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from sync.server.collector import YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]

_CHILD = textwrap.dedent("""
    import collections, gc, json, sys, weakref
    from sync.server.app import create_app, create_app_from_env
    from sync.server.settings import ServerSettings

    before = {"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}
    if sys.argv[1] == "embedded":
        create_app(ServerSettings.for_data_dir(__import__("pathlib").Path(sys.argv[2])))
    else:
        create_app_from_env()
    after = {"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}

    class Node:
        pass

    # what a request leaves: objects in reference cycles, with no explicit collection
    collected = 0
    def gone(_ref):
        global collected
        collected += 1
    refs = []
    for _ in range(100_000):
        node = Node()
        node.self = node
        refs.append(weakref.ref(node, gone))
        del node
    young_pending = gc.get_count()[0]

    # what requests in flight do: 15,000 objects alive at a time, each then left in a
    # cycle after it has outlived young collections; how many the collector tracks at most
    window = collections.deque(maxlen=15_000)
    full_before, peak = gc.get_stats()[2]["collections"], 0
    for n in range(3_000_000 if sys.argv[1] == "served" else 0):
        node = Node()
        node.self = node
        window.append(node)
        if n % 100_000 == 0:
            peak = max(peak, len(gc.get_objects()))
    print(json.dumps({"before": before, "after": after, "cycles_collected": collected,
                      "young_pending": young_pending, "peak_tracked": peak,
                      "full_collections": gc.get_stats()[2]["collections"] - full_before}))
""")


def _child(tmp_path: Path, how: str) -> dict[str, object]:
    env = {"LD_SYNC_SERVER_DATABASE_URL": f"sqlite:///{tmp_path / 'server.db'}",
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", _CHILD, how, str(tmp_path / "embedded")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_a_served_process_freezes_its_start_and_collects_young_objects_less_often(
        tmp_path: Path) -> None:
    seen = _child(tmp_path, "served")
    before, after = seen["before"], seen["after"]
    assert isinstance(before, dict)
    assert isinstance(after, dict)
    assert before["frozen"] == 0
    _young, middle, old = before["threshold"]        # this Python's own defaults
    assert after["threshold"] == [YOUNG_THRESHOLD, middle, old]
    assert after["frozen"] > 50_000           # FastAPI, pydantic, SQLAlchemy: long-lived
    # cycles made afterwards are still collected automatically, not kept for ever: of
    # 100,000, all but those since the last young collection (fewer than its threshold)
    assert seen["cycles_collected"] > 100_000 - YOUNG_THRESHOLD
    assert seen["young_pending"] < YOUNG_THRESHOLD * 2
    # objects that outlive young collections wait longer for a full one, but they are
    # collected: memory is bounded, not growing with requests (~320,000 tracked at most here,
    # against ~107,000 with Python's default thresholds; 1/12/2026)
    assert seen["full_collections"] >= 1
    peak = seen["peak_tracked"]
    assert isinstance(peak, int)
    assert peak < 600_000


def test_a_server_inside_another_program_leaves_its_collector_alone(tmp_path: Path) -> None:
    seen = _child(tmp_path, "embedded")
    assert seen["after"] == seen["before"]
    before = seen["before"]
    assert isinstance(before, dict)
    assert before["frozen"] == 0
    assert seen["cycles_collected"] > 100_000 - before["threshold"][0]
