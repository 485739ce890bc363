"""Any origin allowed through a header name written in lower case: HTTP header names are
case-insensitive, so browsers honour `access-control-allow-origin: *` exactly like the
capitalised one, while a rule that matches the name exactly would see no such header."""

CLASS = "d"
EDITS = [
    (
        "infra/comments_infra/api_definition.py",
        'params = {"method.response.header.Access-Control-Allow-Origin": _static_origin(inputs)}',
        'params = {"method.response.header.access-control-allow-origin": "\'*\'"}',
    ),
]
EXPECT = [("apigateway-cors-origin", "allows any origin ('*')")]
