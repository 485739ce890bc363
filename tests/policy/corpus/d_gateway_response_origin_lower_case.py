"""The gateway responses (4xx, 5xx) answer any origin through a lower-case header name: browsers
read `access-control-allow-origin` as the same header, so error pages become readable by every
site, while a rule matching the capitalised name sees nothing."""

CLASS = "d"
EDITS = [
    (
        "infra/comments_infra/api_definition.py",
        'parameters = {"gatewayresponse.header.Access-Control-Allow-Origin": _static_origin(inputs)}',
        'parameters = {"gatewayresponse.header.access-control-allow-origin": "\'*\'"}',
    ),
]
EXPECT = [
    ("apigateway-cors-origin", "allows any origin ('*') at x-amazon-apigateway-gateway-responses")
]
