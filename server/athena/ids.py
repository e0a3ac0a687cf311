"""Time-ordered UUIDs (version 7, RFC 9562) for new rows.

Ids that sort by creation time keep b-tree inserts local, and make "ties broken by id" mean
"in the order recorded" for events that share a timestamp (for example one batch).
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
_COUNTER_BITS = 12


def uuid7() -> uuid.UUID:
    """A version-7 UUID, strictly increasing within this process."""
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms, _counter = now_ms, 0
        else:
            # Same (or earlier, if the clock stepped back) millisecond: count within it, and
            # borrow the next millisecond when the 12-bit counter runs out.
            _counter += 1
            if _counter >= 1 << _COUNTER_BITS:
                _last_ms, _counter = _last_ms + 1, 0
        ms, counter = _last_ms, _counter
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand
    return uuid.UUID(int=value)
