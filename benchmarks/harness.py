"""What the benchmarks share: each backend measured in a child process of its own (Django
settings are per process), SQLite in a fresh temporary directory and PostgreSQL in a fresh
database, percentiles, and timing an endpoint through ``django.test.Client``."""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("CITYWEAVE_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
RESULT_PREFIX = "RESULT "


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(timings: Sequence[float]) -> dict[str, float]:
    return {"p50": statistics.median(timings), "p95": percentile(timings, 0.95)}


def time_get(
    client: Any, path: str, params: dict[str, str] | None = None, *, rounds: int, warm: int = 2
) -> list[float]:
    """Milliseconds of ``rounds`` GET requests after ``warm`` unmeasured ones; every response
    must be a 200."""
    for _ in range(warm):
        response = client.get(path, params or {})
        assert response.status_code == 200, response.content[:300]
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path, params or {})
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
    return timings


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityweave.config.settings")
    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]


def as_served() -> None:
    """Leave the objects loaded so far out of the garbage collector's passes, as
    ``cityweave.config.wsgi`` does once the server has loaded the application; call it after
    the data is loaded and before measuring."""
    gc.collect()
    gc.freeze()


def emit(result: dict[str, Any]) -> None:
    """The child's result, read back by ``run_child``."""
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")


def fresh_postgres(database: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {database}")
        return True
    except Exception as error:  # any failure means: no PostgreSQL to measure
        sys.stderr.write(f"PostgreSQL not measured: {error}\n")
        return False


def run_child(
    script: str, backend: str, args: list[str], *, pg_database: str, timeout: int
) -> dict[str, Any] | None:
    """Run ``script --child BACKEND ARGS`` against a fresh database; its result or None."""
    if backend == "postgresql" and not fresh_postgres(pg_database):
        return None
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory(prefix="cw-bench-") as var_dir:
        env["CITYWEAVE_VAR_DIR"] = var_dir
        env.pop("DATABASE_URL", None)
        if backend == "postgresql":
            env["DATABASE_URL"] = f"{PG_SERVER}/{pg_database}"
        command = [sys.executable, script, "--child", backend, *args]
        completed = subprocess.run(
            command, env=env, cwd=var_dir, capture_output=True, text=True, timeout=timeout
        )
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line.removeprefix(RESULT_PREFIX))
            return result
    sys.stderr.write(f"{backend} failed:\n{completed.stderr[-3000:]}\n")
    return None


def timed(step: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = step()
    return value, time.perf_counter() - started
