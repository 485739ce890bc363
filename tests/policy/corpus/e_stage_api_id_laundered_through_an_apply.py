"""The stage's restApi computed from the API's id but ignoring it: a literal id (another API,
say one made by hand) laundered through an apply, so the value still depends on this stack's
RestApi. On a first deploy the id is unknown at preview, and provenance is all there is to go
on; it says "from the RestApi", which is true."""

CLASS = "e"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "            rest_api=self.api.id,\n            deployment=deployment.id,",
        '            rest_api=self.api.id.apply(lambda _: "a1b2c3d4e5"),\n'
        "            deployment=deployment.id,",
    )
]
EXPECT = [
    ("apigateway-stage-throttled", "Stage 'comments-prod-stage' has no MethodSettings for '*/*'"),
    (
        "stack-iam-targets-own-table",
        "RolePolicy 'comments-prod-moderator-access' policy statement 'ModerationRoutes' names 'arn:aws:execute-api:us-east-1:333333333333:",
    ),
]
PREVIEW_GAP = (
    "a value computed from the right resource but ignoring it passes provenance, and at preview "
    "the REST API's id is unknown, so nothing can compare it; with known values "
    "apigateway-stage-throttled finds the stage's API has no throttling (after the last step)"
)
