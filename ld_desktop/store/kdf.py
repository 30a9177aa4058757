"""Argon2id parameters for passphrase key slots, chosen by measurement.

Every slot records the parameters it was made with, so a slot made on a slower machine (or by
the test profile) still opens anywhere.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

KEY_LENGTH = 32


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int
    iterations: int
    lanes: int
    salt: bytes

    def derive(self, secret: str) -> bytes:
        kdf = Argon2id(
            salt=self.salt,
            length=KEY_LENGTH,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        return kdf.derive(secret.encode("utf-8"))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["salt"] = self.salt.hex()
        data["name"] = "argon2id"
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KdfParams:
        if data.get("name") != "argon2id":
            raise ValueError("unsupported key derivation function")
        return cls(
            memory_kib=int(data["memory_kib"]),
            iterations=int(data["iterations"]),
            lanes=int(data["lanes"]),
            salt=bytes.fromhex(data["salt"]),
        )


# 128 MiB, t=3, p=4: 176-184 ms on the reference machine's two quiet cores (bench/kdf.py,
# 1/12/2026), 1.4-1.8 s at load 11-12; custody laptops are slower. See docs/performance.md.
DEFAULT_PROFILE = (128 * 1024, 3, 4)
# Deliberately weak parameters for the test-suite only (LD_DESKTOP_KDF_PROFILE=fast).
FAST_PROFILE = (8 * 1024, 1, 1)


def new_params() -> KdfParams:
    memory, iterations, lanes = (
        FAST_PROFILE if os.environ.get("LD_DESKTOP_KDF_PROFILE") == "fast" else DEFAULT_PROFILE
    )
    return KdfParams(memory, iterations, lanes, os.urandom(16))


def measure(memory_kib: int, iterations: int, lanes: int, repeats: int = 3) -> float:
    """Median seconds for one derivation with these parameters."""
    timings = []
    for _ in range(repeats):
        params = KdfParams(memory_kib, iterations, lanes, os.urandom(16))
        start = time.perf_counter()
        params.derive("calibration passphrase")
        timings.append(time.perf_counter() - start)
    return sorted(timings)[len(timings) // 2]
