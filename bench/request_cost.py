"""Server CPU of one signed request with nothing in it: what every sync pays however small.

    .venv/bin/python bench/request_cost.py [--requests 1000]

A PostgreSQL of the bench's own (`bench/private_postgres.py`), one server run in this
process (uvicorn in a thread, as the tests run it) and one enrolled workstation in a
process of its own sending, one after another on one connection, ``--requests`` signed
`/v1/sync` with no ops, then as many signed `/v1/pull`, then as many `/v1/health`: this
process's CPU per request (the server's: HTTP, FastAPI, the signature and nonce, the empty
push, the empty page). Run it from an export of another commit to compare (`git archive`).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))

from live_server import free_port, running_server

from bench import private_postgres
from bench.sync import new_device
from sync.server import ServerSettings
from sync.server.database import make_engine, migrate

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = [("/v1/sync", b'{"protocol":1,"ops":[],"cursor":0,"limit":1000}'),
            ("/v1/pull", b'{"protocol":1,"cursor":0,"limit":1000}'), ("/v1/health", b"")]
CLIENT = """
import base64, json, sys
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
sys.path.insert(0, sys.argv[1])
from sync.signing import sign_request
plan = json.loads(open(sys.argv[2]).read())
key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(plan["key"]))
with httpx.Client(base_url=plan["url"]) as client:
    client.get("/v1/health")
    for path, body in plan["requests"]:
        sys.stdin.readline()
        for _ in range(plan["n"]):
            if not body:
                assert client.get(path).status_code == 200
                continue
            body_bytes = body.encode()
            headers = {"Content-Type": "application/json",
                       **sign_request(key, plan["device"], "POST", path, body_bytes)}
            answer = client.post(path, content=body_bytes, headers=headers)
            assert answer.status_code == 200, answer.text
        print("done", flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    results = []
    with private_postgres.private_postgres(free_port()) as (url, _pid), \
            tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        engine = make_engine(url)
        migrate(engine)
        with running_server(ServerSettings(database_url=url)) as (base, _app):
            _replica, creds = new_device(base, engine, "Bench Site 0")
            json.dump({"url": base, "key": base64.b64encode(creds.private_key).decode(),
                       "device": creds.device_id, "n": args.requests,
                       "requests": [(path, body.decode()) for path, body in REQUESTS]},
                      handle)
            handle.flush()
            client = subprocess.Popen([sys.executable, "-c", CLIENT, str(ROOT), handle.name],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert client.stdin is not None
            assert client.stdout is not None
            for path, _body in REQUESTS:
                cpu = time.process_time()
                client.stdin.write("\n")
                client.stdin.flush()
                assert client.stdout.readline().strip() == "done"
                results.append(f"{path} {(time.process_time() - cpu) * 1e6 / args.requests:,.0f}")
            client.wait()
        engine.dispose()
    print(f"server CPU a request (us), {args.requests} each: {'; '.join(results)}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
