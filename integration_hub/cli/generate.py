"""`integration-hub generate`: write a deterministic, messy sample company."""
from __future__ import annotations

import time
from pathlib import Path

from integration_hub.cli.common import step_bar
from integration_hub.config import settings

DEFAULT_SCALE = 2000


def cmd_generate(args) -> int:
    from integration_hub.demo import generate_company

    out = Path(args.out) if args.out else settings().source_dir
    started = time.perf_counter()
    with step_bar(0, "generate") as bar:
        def progress(stage: str, done: int, total: int) -> None:
            bar.total = total
            bar.set_postfix_str(stage)
            bar.update(done - bar.n)

        manifest = generate_company(out, scale=args.scale, seed=args.seed, progress=progress)
    print(f"Generated a company of {args.scale} customers (seed {args.seed}) in {out} "
          f"in {time.perf_counter() - started:.1f} s: {manifest['total_rows']} rows.")
    return 0


def add_commands(sub) -> None:
    gen = sub.add_parser("generate", help="write a deterministic, messy sample company")
    gen.add_argument("--scale", type=int, default=DEFAULT_SCALE, help="real customers (50000 gives ~1M transactions)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--out", help="output folder (default $IH_SOURCE_DIR, data/sample)")
    gen.set_defaults(func=cmd_generate)
