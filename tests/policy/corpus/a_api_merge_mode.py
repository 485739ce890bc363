"""`put_rest_api_mode="merge"` on the REST API: each deploy merges the document into what the API already
has, so a route the document drops (or one added in the console) keeps serving, and no rule reads
it."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/service.py",
        'types="REGIONAL"\n            ),\n',
        'types="REGIONAL"\n            ),\n            put_rest_api_mode="merge",\n',
    ),
]
EXPECT = [
    ("resource-inputs-reviewed", "RestApi 'comments-prod-api' putRestApiMode is 'merge'"),
]
