"""An EDGE endpoint "for latency": API Gateway puts a CloudFront distribution the stack does not see
in front of the API."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/service.py",
        'types="REGIONAL"',
        'types="EDGE"',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "RestApi 'comments-prod-api' endpointConfiguration.types is 'EDGE'",
    ),
]
