"""CLI: python -m emulator.gateway --state-file PATH --aws-endpoint URL [--host H --port N]
[--log-file PATH [--log-max-bytes N] [--log-backups N]]."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType
from typing import TextIO, cast

from emulator.gateway.log_file import DEFAULT_BACKUPS, DEFAULT_MAX_BYTES, RotatingLogFile
from emulator.gateway.server import create_server


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: allowed values are whole numbers from 1")
    return int(text)


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: allowed values are whole numbers from 0")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Run the gateway in the foreground until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m emulator.gateway", description=__doc__)
    parser.add_argument("--state-file", required=True, help="JSON state written by the deployer")
    parser.add_argument("--aws-endpoint", required=True, help="moto server URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument(
        "--log-file", help="write the log and access-log lines here, rotated (default: stdout)"
    )
    parser.add_argument(
        "--log-max-bytes",
        type=_positive,
        default=DEFAULT_MAX_BYTES,
        help=f"rotate the log file past this size (default {DEFAULT_MAX_BYTES})",
    )
    parser.add_argument(
        "--log-backups",
        type=_count,
        default=DEFAULT_BACKUPS,
        help=f"rotated files to keep (default {DEFAULT_BACKUPS})",
    )
    args = parser.parse_args(argv)
    out: TextIO = sys.stdout
    if args.log_file:
        out = cast(TextIO, RotatingLogFile(args.log_file, args.log_max_bytes, args.log_backups))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=out,
    )

    server = create_server(
        args.state_file, args.aws_endpoint, args.host, args.port, args.region, access_log_out=out
    )
    print(f"listening on {server.url}", flush=True)

    # shutdown() waits for serve_forever to return, so it cannot run on the serving thread.
    stopper = threading.Thread(target=server.stop, name="stop")

    def stop(signum: int, frame: FrameType | None) -> None:
        if not stopper.is_alive() and stopper.ident is None:
            stopper.start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    # Requests in flight are answered and every access-log line delivered before exiting.
    stopper.join()
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
