"""The local AWS backend: moto's server, with one compatibility fix applied before it starts.

python -m emulator.moto_backend --host 127.0.0.1 --port 45660
"""

from __future__ import annotations

import argparse
from typing import Any

from moto.apigateway import models as apigateway_models
from moto.server import main as moto_server_main

from emulator import credentials


def _accept_mock_integrations_without_uri() -> None:
    """moto's PutRestApi import requires `uri` and `httpMethod` even for `type: mock`
    integrations, which AWS documents as optional there (and our OPTIONS methods omit). Give
    moto empty values so the document imports as it does on AWS."""
    original = apigateway_models.APIGatewayBackend._build_integration_args

    def build(
        self: apigateway_models.APIGatewayBackend, x_amaz_apigw_integ: dict[str, Any]
    ) -> dict[str, Any]:
        args: dict[str, Any] = original(self, x_amaz_apigw_integ)
        if str(x_amaz_apigw_integ.get("type", "")).lower() == "mock":
            args["uri"] = args.get("uri") or ""
            args["integration_method"] = args.get("integration_method") or ""
        return args

    apigateway_models.APIGatewayBackend._build_integration_args = build  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    _accept_mock_integrations_without_uri()
    credentials.install()
    moto_server_main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    main()
