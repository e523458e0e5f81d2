"""Same seed and scale: byte-identical output. Another seed: different output."""

import hashlib


def _digest(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(small, tmp_path):
    from integration_hub.demo import generate_company

    again = generate_company(tmp_path, scale=200, seed=42)
    assert again == small.manifest
    assert _digest(tmp_path) == _digest(small.root)


def test_other_seed_gives_other_data(small, tmp_path):
    from integration_hub.demo import generate_company

    other = generate_company(tmp_path, scale=200, seed=43)
    assert other["generated_at"] != small.manifest["generated_at"]
    mine, theirs = _digest(small.root), _digest(tmp_path)
    assert set(mine) == set(theirs)
    assert all(mine[name] != theirs[name] for name in mine if name != "truth/hard_negatives.csv")
