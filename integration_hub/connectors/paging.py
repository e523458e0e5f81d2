"""What every paginated extraction shares: each object once, however the pages overlap."""
from __future__ import annotations


def unseen(objects: list[dict], seen: set[str]) -> list[dict]:
    """The objects whose `id` is not in `seen` yet (a repeat within the page counts too); adds them to `seen`."""
    fresh = []
    for obj in objects:
        if obj["id"] not in seen:
            seen.add(obj["id"])
            fresh.append(obj)
    return fresh
