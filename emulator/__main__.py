"""The local environment's commands (the Makefile's deploy, outputs and down call these).

python -m emulator deploy [--stack local] [--dry-run] [--config KEY=VALUE ...] [--program-dir DIR]
                                  check the policy pack, start what is needed, deploy the stack
python -m emulator up [--moto-only]                     start the backend (and the data plane)
python -m emulator outputs [--stack local]              the stack outputs as JSON
python -m emulator status                               what is running, and where; what died
                                  (exit 0 all running, 1 nothing running, 3 a process died)
python -m emulator down                                 stop everything it started
python -m emulator gateway-from-state CHECKPOINT        serve what `pulumi up` deployed into moto
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from emulator import environment
from emulator.environment import LocalEnvironmentError, Paths

# The program's modules (the Pulumi SDK, boto3) take a second to import: `down`, `status` and
# `outputs` do without them, so they are imported where a command needs them.

DEFAULT_STACK = "local"


def _region(stack: str) -> str:
    from tooling.offline_runner import load_stack_config

    return load_stack_config(stack).get("aws:region", "us-east-1")


def config_overrides(pairs: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` pairs as a stack file would hold them (VALUE read as YAML: 5 is a number)."""
    import yaml

    from tooling.offline_runner import StackConfigError

    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise StackConfigError(f"--config {pair!r}: expected KEY=VALUE")
        try:
            overrides[key] = yaml.safe_load(value)
        except yaml.YAMLError as error:
            raise StackConfigError(f"--config {pair!r}: VALUE is not valid YAML: {error}") from None
    return overrides


def _region_hint(stack: str, pairs: list[str]) -> str:
    """The stack's region as far as `--config aws:region=R` or its stack file says, read without
    the program's modules (for the processes loaded ahead, which warm that region's services;
    the deploy reads the config in full)."""
    for pair in reversed(pairs):
        key, _, value = pair.partition("=")
        if key == "aws:region" and value:
            return value
    path = environment.REPO_ROOT / "environments" / f"Pulumi.{stack}.yaml"
    if re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", stack) and path.is_file():
        import yaml

        with contextlib.suppress(yaml.YAMLError, OSError):
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            config = document.get("config") if isinstance(document, dict) else None
            region = config.get("aws:region") if isinstance(config, dict) else None
            if isinstance(region, str):
                return region
    return "us-east-1"


@contextlib.contextmanager
def _loaded_ahead(paths: Paths, args: argparse.Namespace) -> Iterator[environment.Standbys]:
    """For a deploy, the processes it would start, loading while the gate runs (see
    emulator/standby.py: they bind no port and write nothing unless the gate passes)."""
    if args.dry_run:
        yield environment.Standbys()
        return
    with environment.standbys(paths, _region_hint(args.stack, args.config)) as loaded:
        yield loaded


def _deploy(
    paths: Paths,
    stack: str,
    dry_run: bool,
    program_dir: Path | None,
    overrides: dict[str, Any] | None = None,
    loaded: environment.Standbys | None = None,
) -> int:
    from tooling import policy_check
    from tooling.offline_runner import run_stack

    # Gated like a real deploy: the pack, with this stack's policy config, before anything starts.
    status = policy_check.check_stack(stack, program_dir=program_dir, config_overrides=overrides)
    if status == 1:  # status 2 (a broken config or program) has already said why in one line
        print(
            f"error: stack {stack!r} does not pass the policy pack (policy/config/{stack}.json); "
            "nothing was started or deployed",
            file=sys.stderr,
        )
    if status != 0:
        return status
    region = _region(stack)
    if dry_run and not environment.running(paths.moto, "moto"):
        # A preview starts nothing: with no environment running, everything would be created.
        plan = run_stack(stack, program_dir=program_dir, config_overrides=overrides)
        created = [r for r in plan.resources if r.custom]
        for resource in created:
            print(f"  would be created   {resource.type}  {resource.name}")
        print(
            f"the local environment is not running; a deploy would start it and create {len(created)}"
        )
        return 0
    _check_ports(paths, stack, demo=not dry_run)
    # A deploy that fails stops what it started (not what was running before it).
    with environment.stopping_on_failure(_processes(paths)):
        return _start_and_deploy(
            paths, stack, region, dry_run, program_dir, overrides, loaded or environment.Standbys()
        )


def _check_ports(paths: Paths, stack: str, demo: bool) -> None:
    """Refuse, before anything starts, a port variable that differs from the port of a process
    the deploy keeps running, or a port another program holds for one it will start."""
    from emulator import demo_site

    if not demo:
        environment.check_ports(paths)
        return
    record = paths.stack(stack)
    url = json.loads(record.read_text()).get("outputs", {}).get("url") if record.exists() else None
    page = environment.running(demo_site.record(paths), "demo")
    kept = page is not None and page.instance == url  # a page for another API restarts
    environment.check_ports(paths, (demo_site.PORT, page, kept))


def _processes(paths: Paths) -> list[tuple[Path, str]]:
    """The environment's processes (record, name) in the order to stop them: the data plane
    before moto (on its way out it delivers its last access-log lines to moto)."""
    from emulator import demo_site

    return [
        (demo_site.record(paths), "demo site"),
        (paths.gateway, "data plane"),
        (paths.moto, "moto"),
    ]


def _start_and_deploy(
    paths: Paths,
    stack: str,
    region: str,
    dry_run: bool,
    program_dir: Path | None,
    overrides: dict[str, Any] | None,
    loaded: environment.Standbys,
) -> int:
    from emulator import demo_site, deployer, moderator

    # The deploy's clients are made while moto starts (for a moto that runs already, here).
    clients: list[Callable[[], deployer.BotoClients]] = []
    moto, fresh = environment.ensure_moto(
        paths,
        loaded.moto,
        while_starting=lambda url: clients.append(deployer.preparing_clients(url, region)),
    )
    if fresh:
        print(f"started moto on {moto.url}")
    gateway = environment.ensure_gateway(paths, moto, region, loaded.gateway)
    result = deployer.deploy(
        stack,
        stack_file=paths.stack(stack),
        gateway_state_file=paths.gateway_state,
        endpoint=moto.url,
        gateway_url=gateway.url,
        region=region,
        moto_instance=moto.instance,
        dry_run=dry_run,
        program_dir=program_dir,
        config_overrides=overrides,
        clients=clients[0]() if clients else None,
    )
    verb = "would be " if dry_run else ""
    for change in result.changes:
        print(f"  {verb}{change.action:9} {change.type}  {change.name}  ({change.id})")
    counts = {
        a: sum(c.action == a for c in result.changes)
        for a in ("created", "updated", "replaced", "deleted", "unchanged")
    }
    summary = ", ".join(f"{n} {a}" for a, n in counts.items() if n) or "nothing to do"
    print(f"would be: {summary}" if dry_run else summary)
    if not dry_run:
        print(f"url: {result.plan.outputs['url']}")
        role_arn = result.plan.outputs.get(moderator.ROLE_OUTPUT)
        if role_arn:
            local = moderator.ensure(
                deployer.boto_clients(moto.url, region)("iam"),
                paths.root,
                stack=stack,
                role_arn=role_arn,
                endpoint=moto.url,
                region=region,
            )
            selection = " ".join(f"{k}={v}" for k, v in local.environment.items())
            print(f"moderator: {selection}  (then: python -m moderation --help)")
        demo = demo_site.ensure(paths, result.plan.outputs["url"])
        print(f"widget demo: {demo.url}/  (its own origin; the page embeds widget/comments.js)")
    return 0


def _outputs(paths: Paths, stack: str) -> int:
    record = paths.stack(stack)
    moto = environment.running(paths.moto, "moto")
    saved = json.loads(record.read_text()) if record.exists() else {}
    if not moto or saved.get("motoInstance") != moto.instance or "outputs" not in saved:
        raise LocalEnvironmentError(f"stack {stack!r} is not deployed locally: run `make deploy`")
    print(json.dumps(saved["outputs"], indent=2, sort_keys=True))
    return 0


# `status` exits 0 when everything recorded runs, 1 when nothing is, 3 when a process died.
STATUS_DEAD = 3


def _status(paths: Paths) -> int:
    from emulator import demo_site

    processes = [
        ("moto backend", environment.inspect(paths.moto, "moto")),
        ("data plane", environment.inspect(paths.gateway, "gateway")),
        ("widget demo", environment.inspect(demo_site.record(paths), "demo")),
    ]
    if all(recorded.process is None for _, recorded in processes):
        print("the local environment is not running (make deploy starts it)")
        return 1
    for label, recorded in processes:
        line = f"{label + ':':14} {recorded.state:12}"
        if recorded.state == "running" and recorded.process:
            url = recorded.process.url + ("/" if recorded.name == "demo" else "")
            line += f" {url}  ({recorded.detail}"
            line += f", logs in {paths.log(recorded.name)})"
        elif recorded.state == "dead":
            line += f" {recorded.detail} (last lines in {paths.log(recorded.name)})"
        print(line.rstrip())
    print(f"{'API url:':14} {_api_url(paths, processes[0][1], processes[1][1])}")
    dead = [label for label, recorded in processes if recorded.state == "dead"]
    if dead:
        print(f"dead: {', '.join(dead)}; make deploy restarts what is missing, make down stops all")
        return STATUS_DEAD
    print("stop it with:  make down")
    return 0


def _api_url(paths: Paths, moto: environment.Recorded, gateway: environment.Recorded) -> str:
    """The stack's URL if something answers it, else why not (never a URL that cannot work)."""
    record = paths.stack(DEFAULT_STACK)
    saved = json.loads(record.read_text()) if record.exists() else {}
    url = saved.get("outputs", {}).get("url")
    if not url:
        return f"none (stack {DEFAULT_STACK!r} is not deployed: make deploy)"
    for label, recorded in (("the data plane", gateway), ("moto", moto)):
        if recorded.state != "running":
            return f"none answering: {label} is {recorded.state} (make deploy restarts it)"
    assert moto.process is not None
    try:
        served = json.loads(paths.gateway.read_text()).get("awsEndpoint")
    except (OSError, ValueError):  # stopped since it was inspected
        served = None
    if served != moto.process.url:
        return "none answering: the data plane serves another moto (make deploy restarts it)"
    if saved.get("motoInstance") != moto.process.instance:
        return f"none answering: stack {DEFAULT_STACK!r} is not deployed in this moto (make deploy)"
    return str(url)


def _down(paths: Paths) -> int:
    from emulator import demo_site

    # The data plane (and the demo page) first: on its way out the data plane delivers its last
    # access-log lines to moto's CloudWatch Logs, which must still be running.
    front = environment.stop_all([demo_site.record(paths), paths.gateway])
    was_running = [*front, *environment.stop_all([paths.moto])]
    stopped = [
        name
        for name, running in zip(("demo site", "data plane", "moto"), was_running, strict=True)
        if running
    ]
    # The stack records stay: the next deploy re-creates the API with the same id (same URL), and
    # moto restores the table's items from its snapshot (written as it stopped).
    paths.gateway_state.unlink(missing_ok=True)
    names = (
        ", ".join(stopped[:-1]) + " and " + stopped[-1] if len(stopped) > 1 else "".join(stopped)
    )
    print(f"stopped {names}" if stopped else "nothing was running")
    return 0


def _gateway_from_state(paths: Paths, checkpoint: Path, stack: str) -> int:
    from emulator import deployer

    moto = environment.running(paths.moto, "moto")
    if not moto:
        raise LocalEnvironmentError(
            "the moto backend is not running: start it with `python -m emulator up --moto-only`"
        )
    environment.write_json(paths.gateway_state, deployer.gateway_state_from_checkpoint(checkpoint))
    with environment.stopping_on_failure(_processes(paths)):
        gateway = environment.ensure_gateway(paths, moto, _region(stack))
    apis = json.loads(paths.gateway_state.read_text())["restApis"]
    for api_id, api in apis.items():
        for stage in api["stages"]:
            print(f"{gateway.url}/{api_id}/{stage}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulator", description="The local environment."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    deploy = commands.add_parser("deploy", help="start what is needed and deploy the stack")
    deploy.add_argument("--stack", default=DEFAULT_STACK)
    deploy.add_argument("--dry-run", action="store_true", help="show what would change")
    deploy.add_argument("--program-dir", type=Path, help="another copy of infra/ (default: infra/)")
    deploy.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value for this deploy only, e.g. comments:throttleRateLimit=5",
    )
    up = commands.add_parser("up", help="start the moto backend and the data plane")
    up.add_argument(
        "--moto-only", action="store_true", help="only the backend (for pulumi up --stack local)"
    )
    outputs = commands.add_parser("outputs", help="the stack outputs as JSON")
    outputs.add_argument("--stack", default=DEFAULT_STACK)
    commands.add_parser("status", help="what is running")
    commands.add_parser("down", help="stop everything")
    from_state = commands.add_parser(
        "gateway-from-state", help="serve what the real engine deployed"
    )
    from_state.add_argument("checkpoint", type=Path, help="output of `pulumi stack export`")
    from_state.add_argument("--stack", default=DEFAULT_STACK)
    args = parser.parse_args(argv)
    paths = Paths.default()
    try:
        if args.command == "deploy":
            with _loaded_ahead(paths, args) as loaded:
                return _deploy(
                    paths,
                    args.stack,
                    args.dry_run,
                    args.program_dir,
                    config_overrides(args.config),
                    loaded,
                )
        if args.command == "up":
            environment.check_ports(paths, gateway=not args.moto_only)
            with environment.stopping_on_failure(_processes(paths)):
                moto, _ = environment.ensure_moto(paths)
                print(f"moto backend: {moto.url}")
                if not args.moto_only:
                    gateway = environment.ensure_gateway(paths, moto, _region(DEFAULT_STACK))
                    print(f"data plane:   {gateway.url}")
            return 0
        if args.command == "outputs":
            return _outputs(paths, args.stack)
        if args.command == "status":
            return _status(paths)
        if args.command == "down":
            return _down(paths)
        return _gateway_from_state(paths, args.checkpoint, args.stack)
    except LocalEnvironmentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        cause = _user_error(error)
        if cause is None:
            raise
        print(f"error: {cause}", file=sys.stderr)
        return 2


def _user_error(error: BaseException) -> BaseException | None:
    """The error to show in one line: a bad stack or config, a program error, or the
    DeployError behind an exception the Pulumi runtime wrapped; None for anything else."""
    import pulumi

    from emulator import deployer
    from tooling.offline_runner import StackConfigError

    if isinstance(error, StackConfigError | pulumi.RunError):
        return error
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, deployer.DeployError):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


if __name__ == "__main__":
    try:
        exit_code = main()
    finally:
        if "pulumi" in sys.modules:  # the SDK ran: close its event loops while Python is whole
            from tooling.offline_runner import close_event_loops

            close_event_loops()
    sys.exit(exit_code)
