"""Apache Velocity 1.7 as the oracle: compile the Java harness once, render a whole batch in one JVM.

The jars come from Debian's packages (`.ci/install-system-packages` installs them); when any
of them or the JDK is missing, `OracleUnavailable` names what to install.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

HARNESS = Path(__file__).with_name("VtlOracle.java")
JAVA_DIR = Path("/usr/share/java")
# jar -> the Debian package that installs it. Velocity 1.7 needs commons-collections 3 and
# commons-lang 2; JsonPath 2.0 needs json-smart (with accessors-smart and asm) and slf4j.
JARS = {
    "velocity.jar": "velocity",
    "commons-collections3.jar": "libcommons-collections3-java",
    "commons-lang.jar": "libcommons-lang-java",
    "json-path.jar": "libjsonpath-java",
    "json-smart.jar": "libjson-smart-java",
    "accessors-smart.jar": "libjson-smart-java",
    "asm.jar": "libasm-java",
    "slf4j-api.jar": "libslf4j-java",
    "slf4j-nop.jar": "libslf4j-java",
}
INSTALL_HINT = "run .ci/install-system-packages (apt: default-jdk-headless {packages})"


class OracleUnavailable(Exception):
    """The JDK or a Debian package the oracle needs is not installed."""


def classpath() -> str:
    """The harness's classpath; raises OracleUnavailable naming what is missing."""
    missing_tools = [tool for tool in ("java", "javac") if shutil.which(tool) is None]
    missing_jars = [jar for jar in JARS if not (JAVA_DIR / jar).is_file()]
    if missing_tools or missing_jars:
        what = ", ".join(missing_tools + [str(JAVA_DIR / jar) for jar in missing_jars])
        packages = " ".join(sorted(set(JARS.values())))
        raise OracleUnavailable(
            f"the Velocity 1.7 oracle needs {what}: " + INSTALL_HINT.format(packages=packages)
        )
    return ":".join(str(JAVA_DIR / jar) for jar in JARS)


def compile_harness(cache_dir: Path) -> Path:
    """javac the harness into cache_dir (once per version of its source); the class directory."""
    cp = classpath()
    digest = hashlib.sha256(HARNESS.read_bytes() + cp.encode()).hexdigest()[:16]
    classes = cache_dir / digest
    if not (classes / "VtlOracle.class").is_file():
        classes.mkdir(parents=True, exist_ok=True)
        command = ["javac", "-nowarn", "-encoding", "UTF-8", "-d", str(classes), "-cp", cp]
        run = subprocess.run([*command, str(HARNESS)], capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise RuntimeError(f"javac failed on {HARNESS.name}:\n{run.stderr[-3000:]}")
    return classes


def render_batch(cases: list[dict[str, Any]], cache_dir: Path) -> dict[str, dict[str, Any]]:
    """Render every case with Velocity 1.7 in one JVM; results by case id."""
    classes = compile_harness(cache_dir)
    work = cache_dir / "batch"
    work.mkdir(parents=True, exist_ok=True)
    cases_file, results_file = work / "cases.jsonl", work / "results.json"
    lines = (json.dumps(case, ensure_ascii=True) + "\n" for case in cases)
    cases_file.write_text("".join(lines), encoding="ascii")
    # A deep stack: the corpus renders templates and payloads nested hundreds of levels.
    command = ["java", "-Xss16m", "-cp", f"{classes}:{classpath()}", "VtlOracle"]
    run = subprocess.run(
        [*command, str(cases_file), str(results_file)], capture_output=True, text=True, check=False
    )
    if run.returncode != 0:
        raise RuntimeError(f"the Velocity 1.7 harness failed:\n{run.stderr[-3000:]}")
    results: list[dict[str, Any]] = json.loads(results_file.read_text(encoding="ascii"))
    return {result["id"]: result for result in results}
