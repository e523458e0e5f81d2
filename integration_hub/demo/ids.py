"""Identifiers shaped like the real systems' ids, generated in bulk from a seeded RNG."""

import numpy as np
import pyarrow as pa

_ALNUM = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
# Salesforce's case-safe suffix alphabet: a 5-bit case mask per 5-character chunk.
_SF_SUFFIX = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", dtype=np.uint8)


def _random_codes(rng: np.random.Generator, n: int, prefix: str, length: int) -> np.ndarray:
    """n x (len(prefix)+length) uint8 matrix: prefix then random alphanumerics."""
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    out = np.empty((n, len(head) + length), dtype=np.uint8)
    out[:, : len(head)] = head
    out[:, len(head):] = _ALNUM[rng.integers(0, len(_ALNUM), size=(n, length), dtype=np.uint8)]
    return out


def _unique_rows(codes: np.ndarray, rng: np.random.Generator, prefix_len: int) -> np.ndarray:
    """Re-draw any duplicate ids so uniqueness holds even for short ids.

    Fast path: if the first 8 random bytes are already unique (almost always), the ids are.
    (A sort, not np.unique, which is ~30x slower on this numpy for 400k keys.)
    """
    while True:
        head = np.ascontiguousarray(codes[:, prefix_len: prefix_len + 8])
        if head.shape[1] == 8:
            keys = np.sort(head.view(np.uint64).ravel())
            if not (keys[1:] == keys[:-1]).any():
                return codes
        flat = np.ascontiguousarray(codes).view(f"S{codes.shape[1]}").ravel()
        _, first = np.unique(flat, return_index=True)
        dup = np.setdiff1d(np.arange(len(flat)), first)
        if dup.size == 0:
            return codes
        codes[dup, prefix_len:] = _ALNUM[rng.integers(0, len(_ALNUM), size=(dup.size, codes.shape[1] - prefix_len))]


def _to_arrow(codes: np.ndarray) -> pa.Array:
    flat = np.ascontiguousarray(codes).view(f"S{codes.shape[1]}").ravel()
    return pa.array(flat, type=pa.binary()).cast(pa.string())


def stripe_ids(rng: np.random.Generator, n: int, prefix: str, length: int = 24) -> pa.Array:
    """Stripe-style object ids such as ``ch_3MmlLrLkdIwHu7ix0snN0B15`` (unique within the call)."""
    codes = _unique_rows(_random_codes(rng, n, prefix, length), rng, len(prefix))
    return _to_arrow(codes)


def salesforce_ids(rng: np.random.Generator, n: int, key_prefix: str = "001") -> pa.Array:
    """18-character Salesforce ids with a correct case-safe checksum suffix."""
    base = _unique_rows(_random_codes(rng, n, key_prefix + "5g", 10), rng, 5)
    upper = (base >= ord("A")) & (base <= ord("Z"))
    weights = 1 << np.arange(5)
    suffix = np.stack([(upper[:, 5 * k: 5 * k + 5] * weights).sum(axis=1) for k in range(3)], axis=1)
    return _to_arrow(np.concatenate([base, _SF_SUFFIX[suffix]], axis=1))


def iban(country: str, bban: str) -> str:
    """IBAN with correct ISO 13616 mod-97 check digits."""
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"
