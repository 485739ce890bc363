"""CLI: python -m emulator.gateway --state-file PATH --aws-endpoint URL [--host H --port N]."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from emulator.gateway.server import create_server


def main(argv: list[str] | None = None) -> int:
    """Run the gateway in the foreground until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m emulator.gateway", description=__doc__)
    parser.add_argument("--state-file", required=True, help="JSON state written by the deployer")
    parser.add_argument("--aws-endpoint", required=True, help="moto server URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    server = create_server(args.state_file, args.aws_endpoint, args.host, args.port, args.region)
    print(f"listening on {server.url}", flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it cannot run on the serving thread.
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
