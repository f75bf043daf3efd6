"""Timing helpers and result tables."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Result:
    name: str
    unit: str
    samples: list[float]
    budget: float | None = None
    plain: list[float] | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def ratio(self) -> float | None:
        if not self.plain:
            return None
        base = statistics.median(self.plain)
        return self.median / base if base > 0 else None

    def verdict(self) -> str:
        if self.budget is None:
            return ""
        return "ok" if self.median <= self.budget else "MISS"


def measure(fn: Callable[[], object], runs: int = 7, warmup: int = 1,
            scale: float = 1000.0) -> list[float]:
    """Wall-clock samples in milliseconds (scale=1000) after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * scale)
    return samples


def table(results: list[Result]) -> str:
    lines = ["| Messung | Median | Min | Max | Budget | Ratio SQLCipher/plain | |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else ""
        budget = f"≤ {r.budget:g} {r.unit}" if r.budget is not None else ""
        lines.append(f"| {r.name} | {r.median:.2f} {r.unit} | {min(r.samples):.2f} | "
                     f"{max(r.samples):.2f} | {budget} | {ratio} | {r.verdict()} {r.note} |")
    return "\n".join(lines)


def write(results: list[Result], out_dir: Path, meta: dict[str, Any]) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    meta = {**meta, "python": platform.python_version(), "machine": platform.machine()}
    json_path = out_dir / f"bench-{stamp}.json"
    json_path.write_text(json.dumps({"meta": meta, "results": [
        {**asdict(r), "median": r.median, "ratio": r.ratio} for r in results]},
        indent=2, ensure_ascii=False), encoding="utf-8")
    md_path = out_dir / f"bench-{stamp}.md"
    md_path.write_text("# Casework benchmark\n\n" + "\n".join(
        f"- {k}: {v}" for k, v in meta.items()) + "\n\n" + table(results) + "\n",
        encoding="utf-8")
    return json_path, md_path
