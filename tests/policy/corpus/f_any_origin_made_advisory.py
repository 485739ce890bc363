"""A partner embed: prod's CORS rule goes from mandatory to advisory in the policy config, and
the stack allows any origin."""

from __future__ import annotations

CLASS = "f"
EXPECT = [
    ("apigateway-cors-origin", "RestApi 'comments-prod-api' allows any origin ('*')"),
]
EDITS = [
    (
        "policy/config/prod.json",
        '"apigateway-cors-origin": "mandatory",',
        '"apigateway-cors-origin": "advisory",',
    )
]
CONFIG = {"comments:corsAllowedOrigins": ["*"]}
