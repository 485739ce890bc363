"""A process of the local environment loaded ahead of its start: it imports its modules (and, for
moto, builds the apps of the services a deploy calls) while the deploy's policy gate runs, and
serves nothing until it is released.

python -m emulator.standby moto|gateway [--region R]

Standard input carries one line, the release: a JSON object with the process's arguments
(`argv`, as `python -m emulator.moto_backend` or `python -m emulator.gateway` takes them) and its
log file (`log`). The process then writes its output to that file and runs exactly as that
command does, in this process. At the end of standard input without a release (the gate refused
the stack, the deploy stopped, or the deploy process died) it exits, having bound no port and
written no file.

Before the release nothing is created: moto's per-service apps are built and a read-only request
is answered by each (ListTables, GetRestApis...), which brings the service's backend into being
empty, as the first request of a deploy would (emulator/environment.py starts every process of
the environment through this module).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

# The processes a standby can become, and the module each runs as.
MODULES = {"moto": "emulator.moto_backend", "gateway": "emulator.gateway"}
# moto's default account: the one any access key that no STS session issued belongs to.
ACCOUNT_ID = "123456789012"


def _botocore_files_are_read_once() -> None:
    """botocore's data files (endpoints, service models) are read once per loader, and moto
    makes a new one for every read: a new boto3 Session for each region lookup (moto.ec2 three
    times as it is imported, every backend once), a new moto loader for each service model
    (each lists ~400 service directories, then parses the same JSON again: ~0.3 s a session).
    The answers depend only on those files and the arguments: one session answers every region
    lookup, once per set of arguments, and one moto loader reads every model."""
    import boto3.session
    from moto.core import loaders as moto_loaders
    from moto.core import utils as moto_utils

    shared = boto3.session.Session()
    moto_utils.create_loader = functools.cache(moto_loaders.create_loader)  # type: ignore[attr-defined]
    original = boto3.session.Session.get_available_regions
    answers: dict[tuple[str, str, bool], list[str]] = {}
    lock = threading.Lock()

    @functools.wraps(original)
    def get_available_regions(
        self: boto3.session.Session,
        service_name: str,
        partition_name: str = "aws",
        allow_non_regional: bool = False,
    ) -> list[str]:
        key = (service_name, partition_name, allow_non_regional)
        with lock:
            if key not in answers:
                answers[key] = original(shared, service_name, partition_name, allow_non_regional)
            return list(answers[key])

    boto3.session.Session.get_available_regions = get_available_regions


class _DeferredEcsBackend:
    """moto's ECS backend of one account and region, looked up when first used."""

    def __init__(self, account_id: str, region: str) -> None:
        self._where = (account_id, region)

    def __getattr__(self, name: str) -> Any:
        from moto.ecs.models import ecs_backends

        account_id, region = self._where
        return getattr(ecs_backends[account_id][region], name)


class _DeferredEcsAccount:
    def __init__(self, account_id: str) -> None:
        self._account_id = account_id

    def __getitem__(self, region: str) -> _DeferredEcsBackend:
        return _DeferredEcsBackend(self._account_id, region)


class _DeferredEcsBackends:
    """Stands for `moto.ecs.ecs_backends` in moto.applicationautoscaling, which keeps one ECS
    backend per account and region and calls it only for targets in the `ecs` namespace."""

    def __getitem__(self, account_id: str) -> _DeferredEcsAccount:
        return _DeferredEcsAccount(account_id)

    def __getattr__(self, name: str) -> Any:
        from moto.ecs.models import ecs_backends

        return getattr(ecs_backends, name)


def _ecs_loads_when_used() -> None:
    """moto.applicationautoscaling imports moto.ecs, which imports moto.ec2: its instance types
    and regions for every partition (~0.6 s), for the ECS checks of `ecs` targets alone (the
    stacks scale DynamoDB tables). It gets ECS's backends looked up when used instead; every
    other import of moto.ecs is moto's own. Must run before moto.applicationautoscaling is
    imported (emulator.moto_provider_calls imports it). Drop when moto imports ECS lazily there."""
    if "moto.applicationautoscaling.models" in sys.modules or "moto.ecs" in sys.modules:
        return  # loaded already: nothing left to defer
    import importlib
    import types

    stand_in = types.ModuleType("moto.ecs")
    stand_in.ecs_backends = _DeferredEcsBackends()  # type: ignore[attr-defined]
    sys.modules["moto.ecs"] = stand_in
    try:
        importlib.import_module("moto.applicationautoscaling.models")
    finally:
        del sys.modules["moto.ecs"]  # any later import of moto.ecs is moto's own


def _scope(service: str, region: str) -> dict[str, str]:
    """The headers of a SigV4-signed request, as far as moto reads them (it routes by the
    credential scope and checks no signature)."""
    return {
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential=test/20250101/{region}/{service}/aws4_request, "
            "SignedHeaders=host, Signature=0"
        )
    }


def warm_up_requests(region: str) -> dict[str, dict[str, Any]]:
    """One read-only request per service the local deploy, the data plane and the moderator
    call, as boto3 sends it: werkzeug test-client arguments by signing name."""
    form = "application/x-www-form-urlencoded; charset=utf-8"

    def json_call(service: str, target: str, version: str, body: str = "{}") -> dict[str, Any]:
        return {
            "method": "POST",
            "path": "/",
            "data": body,
            "content_type": f"application/x-amz-json-{version}",
            "headers": {**_scope(service, region), "X-Amz-Target": target},
        }

    def query_call(service: str, body: str) -> dict[str, Any]:
        return {
            "method": "POST",
            "path": "/",
            "data": body,
            "content_type": form,
            "headers": _scope(service, region),
        }

    return {
        "sts": query_call("sts", "Action=GetCallerIdentity&Version=2011-06-15"),
        "iam": query_call("iam", "Action=ListRoles&Version=2010-05-08"),
        "dynamodb": json_call("dynamodb", "DynamoDB_20120810.ListTables", "1.0"),
        "logs": json_call("logs", "Logs_20140328.DescribeLogGroups", "1.1"),
        "apigateway": {
            "method": "GET",
            "path": "/restapis",
            "headers": _scope("apigateway", region),
        },
        "monitoring": json_call(
            "monitoring", "GraniteServiceVersion20100801.DescribeAlarms", "1.0"
        ),
        "sns": query_call("sns", "Action=ListTopics&Version=2010-03-31"),
        "budgets": json_call(
            "budgets",
            "AWSBudgetServiceGateway.DescribeBudgets",
            "1.1",
            json.dumps({"AccountId": ACCOUNT_ID}),
        ),
        "application-autoscaling": json_call(
            "application-autoscaling",
            "AnyScaleFrontendService.DescribeScalableTargets",
            "1.1",
            json.dumps({"ServiceNamespace": "dynamodb"}),
        ),
    }


def prepare_moto(region: str) -> dict[str, int]:
    """Import moto with the project's fixes, build the apps of the services a deploy calls and
    answer one read-only request with each; the server moto_backend starts then serves those
    apps. The status of each warm-up request, by signing name."""
    _botocore_files_are_read_once()
    _ecs_loads_when_used()
    import moto.server
    from moto.moto_server import werkzeug_app
    from werkzeug.test import Client

    from emulator import credentials, moto_backend

    moto_backend.apply_fixes()
    credentials.install()
    built: dict[str, Any] = {}
    create: Callable[[Any], Any] = werkzeug_app.create_backend_app

    def build(service: Any) -> Any:
        if service not in built:
            built[service] = create(service)
        return built[service]

    # The server's dispatcher (made in moto.server.main) asks for each service's app once.
    moto.server.create_backend_app = build  # type: ignore[attr-defined]
    client = Client(werkzeug_app.DomainDispatcherApplication(build))
    statuses = {}
    for service, request in warm_up_requests(region).items():
        response = client.open(**request)
        statuses[service] = response.status_code
        response.close()
    return statuses


def prepare_gateway(region: str) -> None:
    """Import the data plane and read botocore's files for the clients it makes."""
    import emulator.gateway.__main__  # noqa: F401 - imported ahead: what the data plane loads
    from emulator.gateway import aws

    aws.preload(region)


def _log_to(path: str) -> None:
    """This process's output goes to `path` (appended), its input is /dev/null: as the
    environment starts a process of its own."""
    sys.stdout.flush()
    sys.stderr.flush()
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


def run(name: str, argv: list[str]) -> int:
    """Run the released process as `python -m MODULES[name] argv` would."""
    sys.argv = [MODULES[name], *argv]
    if name == "moto":
        from emulator import moto_backend

        moto_backend.main()
        return 0
    from emulator.gateway.__main__ import main as gateway_main

    return gateway_main(argv)


def _await_release() -> threading.Event:
    """Read the release on a thread of its own from the start, so that the end of input stops
    this process at once, even while it is still loading. The event is set with the release
    in `_RELEASE`."""
    released = threading.Event()

    def read() -> None:
        line = sys.stdin.readline()
        if not line.strip():
            os._exit(0)  # not released: nothing was bound or written
        _RELEASE.append(json.loads(line))
        released.set()

    threading.Thread(target=read, name="release", daemon=True).start()
    return released


_RELEASE: list[dict[str, Any]] = []


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("name", choices=sorted(MODULES))
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args()
    released = _await_release()
    failure = None
    try:
        if args.name == "moto":
            prepare_moto(args.region)
        else:
            prepare_gateway(args.region)
    except Exception:  # said in the log once there is one: the release names it
        failure = traceback.format_exc()
    released.wait()
    release = _RELEASE[0]
    _log_to(str(release["log"]))
    if failure:
        print(f"{MODULES[args.name]} failed as it loaded:\n{failure}", file=sys.stderr, flush=True)
        return 1
    return run(args.name, [str(arg) for arg in release["argv"]])


if __name__ == "__main__":
    sys.exit(main())
