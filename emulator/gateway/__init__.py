"""API Gateway (REST) data plane: executes deployed OpenAPI definitions against moto.

Phases follow API Gateway's own: method request (validators), integration request (mapping
template), integration (DynamoDB as the credentials role, or mock), integration response
(selection, mapping) and method response (overrides); gateway responses answer errors.
"""

from emulator.gateway.server import GatewayApp, GatewayServer, create_server, serve

__all__ = ["GatewayApp", "GatewayServer", "create_server", "serve"]
