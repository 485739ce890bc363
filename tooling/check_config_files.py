"""Fail on any YAML or JSON file that does not parse (pre-commit passes the changed files)."""

import json
import sys
from pathlib import Path

import yaml


def problem(path: Path) -> str | None:
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".json":
            json.loads(text)
        else:
            list(yaml.safe_load_all(text))
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        return f"{path}: {error}"
    return None


def main(paths: list[str]) -> int:
    problems = [p for p in (problem(Path(path)) for path in paths) if p]
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
