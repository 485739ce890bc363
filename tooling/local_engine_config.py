"""The `local` stack's config for the real engine, aimed at the moto the environment runs.

    python -m tooling.local_engine_config OUT

Writes environments/Pulumi.local.yaml to OUT with every `aws:endpoints` URL replaced by the URL
of the moto backend recorded in COMMENTS_LOCAL_DIR (tooling/local_engine.sh passes OUT to
`pulumi up --config-file`), so the committed file's port is only the default.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from emulator import environment
from tooling.offline_runner import load_project


def aimed_at(document: dict[str, Any], url: str) -> dict[str, Any]:
    """The stack document with each service of each `aws:endpoints` entry pointing at `url`."""
    config = dict(document.get("config") or {})
    endpoints = config.get("aws:endpoints")
    if not isinstance(endpoints, list) or not endpoints:
        raise ValueError("Pulumi.local.yaml has no aws:endpoints list to aim at moto")
    config["aws:endpoints"] = [{service: url for service in entry} for entry in endpoints]
    return {**document, "config": config}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    moto = environment.running(environment.Paths.default().moto, "moto")
    if moto is None:
        print(
            "error: no moto backend is running (python -m emulator up --moto-only)", file=sys.stderr
        )
        return 2
    source = load_project().stack_config_dir / "Pulumi.local.yaml"
    try:
        document = aimed_at(yaml.safe_load(source.read_text(encoding="utf-8")) or {}, moto.url)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.out.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
