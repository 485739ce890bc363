"""Deployed REST APIs as the deployer records them: a JSON file reloaded when it changes."""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, cast

LOG = logging.getLogger(__name__)


class ThrottleSettings(TypedDict):
    """Stage-level throttling (token bucket)."""

    rateLimit: float
    burstLimit: int


class AccessLogSettings(TypedDict):
    """Stage access logging: a CloudWatch Logs group ARN and a line format."""

    destinationArn: str
    format: str


class StageState(TypedDict, total=False):
    """A stage: the deployment it serves, its variables, throttling and access logging."""

    deploymentId: str
    variables: dict[str, str]
    throttle: ThrottleSettings | None
    accessLog: AccessLogSettings | None


class DeploymentState(TypedDict):
    """A deployment: the OpenAPI document (with AWS extensions) as given to RestApi(body=...)."""

    definition: dict[str, Any]


class RestApiState(TypedDict, total=False):
    """A REST API with its deployments and stages."""

    name: str
    deployments: dict[str, DeploymentState]
    stages: dict[str, StageState]


class GatewayState(TypedDict):
    """The whole state file."""

    restApis: dict[str, RestApiState]


@dataclass(frozen=True)
class Snapshot:
    """One loaded version of the state file; ``generation`` changes on every reload."""

    state: GatewayState
    generation: int


@dataclass(frozen=True)
class DeployedStage:
    """What a request to /<apiId>/<stage>/... executes."""

    api_id: str
    stage_name: str
    stage: StageState
    definition: dict[str, Any]
    generation: int = 0  # the state file's version it was read from


class StateStore:
    """Reads the state file and reloads it whenever its mtime (or size) changes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._snapshot = Snapshot({"restApis": {}}, 0)

    def current(self) -> Snapshot:
        """The state as of now, re-reading the file if it changed since the last call."""
        try:
            st = self._path.stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                self._reload(stamp)
            return self._snapshot

    def _reload(self, stamp: tuple[int, int] | None) -> None:
        if stamp is None:
            state: GatewayState = {"restApis": {}}
        else:
            try:
                raw = json.loads(self._path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                # Most likely caught mid-write; keep serving the previous state and retry.
                LOG.warning(
                    "state file %s unreadable (%s); keeping previous state", self._path, exc
                )
                return
            if not isinstance(raw, dict) or not isinstance(raw.get("restApis"), dict):
                LOG.error("state file %s has no 'restApis' object; ignoring it", self._path)
                return
            state = cast(GatewayState, raw)
        self._stamp = stamp
        self._snapshot = Snapshot(state, self._snapshot.generation + 1)
        LOG.info("loaded gateway state (generation %d)", self._snapshot.generation)


def find_stage(snapshot: Snapshot, api_id: str, stage_name: str) -> DeployedStage | None:
    """Look up the deployment a stage serves; None when the API, stage or deployment is unknown."""
    api = snapshot.state["restApis"].get(api_id)
    if not isinstance(api, dict):
        return None
    stage = (api.get("stages") or {}).get(stage_name)
    if not isinstance(stage, dict):
        return None
    deployment = (api.get("deployments") or {}).get(stage.get("deploymentId", ""))
    if not isinstance(deployment, dict) or not isinstance(deployment.get("definition"), dict):
        return None
    return DeployedStage(api_id, stage_name, stage, deployment["definition"], snapshot.generation)
