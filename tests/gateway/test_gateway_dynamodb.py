"""The DynamoDB integration: IAM as the credentials role, DynamoDB's errors, access logs."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from emulator.gateway import GatewayServer
from emulator.gateway.aws import CACHE_SECONDS
from tests.gateway.apis import (
    ACCESS_LOG_GROUP,
    ACCOUNT,
    REGION,
    TABLE,
    TABLE_ARN,
    api,
    dynamodb,
    invoke,
    method,
)
from tests.gateway.conftest import Aws, Deployer

pytestmark = pytest.mark.server

# The shape the real templates use: escape as JavaScript, then undo \' which JSON rejects.
PUT_TEMPLATE = """#set($slug = $util.escapeJavaScript($input.path('$.slug')).replaceAll("\\\\'", "'"))
{
  "TableName": "$stageVariables.table",
  "Item": {
    "slug": {"S": "$slug"},
    "createdAt": {"N": "$context.requestTimeEpoch"},
    "comment": {"S": "$util.escapeJavaScript($input.path('$.comment')).replaceAll("\\\\'", "'")"}
  },
  "ConditionExpression": "attribute_not_exists(slug)"
}"""

PUT_RESPONSES = {
    "200": {
        "statusCode": "201",
        "responseTemplates": {"application/json": '{"createdAt": $context.requestTimeEpoch}'},
    },
    "400": {"statusCode": "400"},
}


def _put_api(role: str, template: str = PUT_TEMPLATE) -> dict[str, Any]:
    return api(
        {
            "/comments": {
                "post": method(
                    dynamodb("PutItem", template, role, PUT_RESPONSES), statuses=("201", "400")
                )
            }
        }
    )


def _post(gateway: GatewayServer, api_id: str, slug: str, comment: str = "hello") -> Any:
    return invoke(
        gateway.url,
        api_id,
        "/comments",
        method_name="POST",
        body={"slug": slug, "comment": comment},
    )


def _stored(aws: Aws, slug: str) -> list[dict[str, Any]]:
    result = aws.dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="slug = :s",
        ExpressionAttributeValues={":s": {"S": slug}},
    )
    return list(result["Items"])


def test_allowed_role_writes_and_text_round_trips_byte_for_byte(
    gateway: GatewayServer, deployer: Deployer, aws: Aws, writer_role: str
) -> None:
    api_id = deployer.deploy(_put_api(writer_role))
    slug = f"/blog/{uuid.uuid4()}"
    text = 'It\'s "quoted" \\ back/slash\nnew\tline é 😀 $input.body #set($x = 1) {"json": true}'
    response = _post(gateway, api_id, slug, text)
    assert response.status_code == 201, response.text
    created = response.json()["createdAt"]
    assert abs(created - time.time() * 1000) < 60_000
    [item] = _stored(aws, slug)
    assert item["comment"]["S"] == text
    assert item["createdAt"]["N"] == str(created)


def _assert_access_denied(response: Any, action: str, resource: str) -> None:
    assert response.status_code == 400
    body = response.json()
    assert body["__type"] == "com.amazon.coral.service#AccessDeniedException"
    assert (
        f"is not authorized to perform: dynamodb:{action} on resource: {resource}"
        in body["Message"]
    )
    assert f"arn:aws:sts::{ACCOUNT}:assumed-role/" in body["Message"]


def test_role_without_the_action_gets_access_denied(
    gateway: GatewayServer, deployer: Deployer, aws: Aws
) -> None:
    role = aws.role(
        "query-only", {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": TABLE_ARN}
    )
    slug = f"/denied/{uuid.uuid4()}"
    _assert_access_denied(
        _post(gateway, deployer.deploy(_put_api(role)), slug), "PutItem", TABLE_ARN
    )
    assert _stored(aws, slug) == []


def test_a_permissions_boundary_limits_the_integration_role(
    gateway: GatewayServer, deployer: Deployer, aws: Aws
) -> None:
    """The role allows PutItem; its permissions boundary allows only Query, so AWS refuses."""
    name = f"bounded-{uuid.uuid4().hex[:8]}"
    role = aws.role(name, {"Effect": "Allow", "Action": "dynamodb:*", "Resource": TABLE_ARN})
    boundary = aws.iam.create_policy(
        PolicyName=f"{name}-boundary",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    aws.iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary)
    slug = f"/denied/{uuid.uuid4()}"
    _assert_access_denied(
        _post(gateway, deployer.deploy(_put_api(role)), slug), "PutItem", TABLE_ARN
    )
    assert _stored(aws, slug) == []


def test_role_scoped_to_another_table_gets_access_denied(
    gateway: GatewayServer, deployer: Deployer, aws: Aws
) -> None:
    role = aws.role(
        "other-table",
        {
            "Effect": "Allow",
            "Action": "dynamodb:*",
            "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/other",
        },
    )
    slug = f"/denied/{uuid.uuid4()}"
    _assert_access_denied(
        _post(gateway, deployer.deploy(_put_api(role)), slug), "PutItem", TABLE_ARN
    )
    assert _stored(aws, slug) == []


def test_explicit_deny_in_attached_policy_wins_over_allow(
    gateway: GatewayServer, deployer: Deployer, aws: Aws
) -> None:
    role = aws.role("deny-wins", {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"})
    policy_arn = aws.iam.create_policy(
        PolicyName="deny-put",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "dynamodb:Put*", "Resource": TABLE_ARN}],
            }
        ),
    )["Policy"]["Arn"]
    aws.iam.attach_role_policy(RoleName="deny-wins", PolicyArn=policy_arn)
    response = _post(gateway, deployer.deploy(_put_api(role)), f"/denied/{uuid.uuid4()}")
    _assert_access_denied(response, "PutItem", TABLE_ARN)
    assert "explicit deny" in response.json()["Message"]


def test_role_that_does_not_trust_apigateway_is_an_integration_failure(
    gateway: GatewayServer, deployer: Deployer, aws: Aws
) -> None:
    lambda_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = aws.role(
        "lambda-only",
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
        trust=lambda_trust,
    )
    slug = f"/untrusted/{uuid.uuid4()}"
    response = _post(gateway, deployer.deploy(_put_api(role)), slug)
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}
    assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert _stored(aws, slug) == []


def test_trust_policy_confused_deputy_condition_is_evaluated(
    gateway: GatewayServer, deployer: Deployer, aws: Aws
) -> None:
    other_account_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}},
            }
        ],
    }
    role = aws.role(
        "other-account-only",
        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE_ARN},
        trust=other_account_trust,
    )
    assert _post(gateway, deployer.deploy(_put_api(role)), "/x").status_code == 500


def test_template_output_that_is_not_json_gets_serialization_exception(
    gateway: GatewayServer, deployer: Deployer, writer_role: str
) -> None:
    broken = (
        '{"TableName": "$stageVariables.table", "Item": {"slug": {"S": "$input.path(\'$.slug\')"}'
    )
    response = _post(gateway, deployer.deploy(_put_api(writer_role, broken)), "/broken")
    assert response.status_code == 400
    assert response.json()["__type"] == "com.amazon.coral.service#SerializationException"


def test_conditional_check_failure_passes_through_integration_response_selection(
    gateway: GatewayServer, deployer: Deployer, writer_role: str
) -> None:
    fixed_key = PUT_TEMPLATE.replace("$context.requestTimeEpoch", "1")
    api_id = deployer.deploy(_put_api(writer_role, fixed_key))
    slug = f"/dup/{uuid.uuid4()}"
    assert _post(gateway, api_id, slug).status_code == 201
    again = _post(gateway, api_id, slug)
    assert again.status_code == 400
    assert again.json()["__type"].endswith("#ConditionalCheckFailedException")


def test_input_path_prints_dynamodb_maps_java_style(
    gateway: GatewayServer, deployer: Deployer, aws: Aws, writer_role: str
) -> None:
    slug = f"/path/{uuid.uuid4()}"
    aws.dynamodb.put_item(
        TableName=TABLE,
        Item={"slug": {"S": slug}, "createdAt": {"N": "5"}, "tags": {"L": [{"S": "a"}]}},
    )
    get = (
        '{"TableName": "$stageVariables.table", "Key": {"slug": {"S": "$input.params(\'slug\')"}, '
        '"createdAt": {"N": "5"}}}'
    )
    responses = {
        "200": {
            "statusCode": "200",
            "responseTemplates": {
                "text/plain": "$input.path('$.Item.slug')|$input.path('$.Item.tags.L')"
                "|$input.json('$.Item.slug')"
            },
        }
    }
    api_id = deployer.deploy(
        api({"/item": {"get": method(dynamodb("GetItem", get, writer_role, responses))}})
    )
    response = invoke(gateway.url, api_id, "/item", params={"slug": slug})
    assert response.text == f'{{S={slug}}}|[{{"S":"a"}}]|{{"S":"{slug}"}}'


def test_fifty_parallel_posts_are_all_stored(
    gateway: GatewayServer, deployer: Deployer, aws: Aws, writer_role: str
) -> None:
    api_id = deployer.deploy(_put_api(writer_role))
    slugs = [f"/parallel/{uuid.uuid4()}" for _ in range(50)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(lambda s: _post(gateway, api_id, s).status_code, slugs))
    assert statuses == [201] * 50
    assert all(len(_stored(aws, s)) == 1 for s in slugs[:5])


def test_access_log_line_is_written_to_the_stage_log_group(
    gateway: GatewayServer, deployer: Deployer, aws: Aws, writer_role: str
) -> None:
    log_format = (
        '{"requestId":"$context.requestId","status":$context.status,'
        '"resourcePath":"$context.resourcePath","error":"$context.error.message"}'
    )
    api_id = deployer.deploy(
        _put_api(writer_role),
        access_log={
            "destinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{ACCESS_LOG_GROUP}",
            "format": log_format,
        },
    )
    response = _post(gateway, api_id, f"/logged/{uuid.uuid4()}")
    request_id = response.headers["x-amzn-RequestId"]
    gateway.flush_logs()
    events = aws.logs.filter_log_events(logGroupName=ACCESS_LOG_GROUP)["events"]
    lines = [json.loads(e["message"]) for e in events if request_id in e["message"]]
    assert lines == [
        {"requestId": request_id, "status": 201, "resourcePath": "/comments", "error": "-"}
    ]


def _allow(aws: Aws, role_name: str, action: str) -> None:
    aws.iam.put_role_policy(
        RoleName=role_name,
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": action, "Resource": TABLE_ARN}],
            }
        ),
    )


def test_a_role_policy_changed_by_a_deploy_applies_to_the_next_request(
    gateway: GatewayServer, deployer: Deployer, aws: Aws
) -> None:
    """The role is cached between requests; a deploy (which rewrites the data plane's state,
    as every `make deploy` does) makes the next request read it again."""
    role = aws.role(
        "changing", {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE_ARN}
    )
    definition = _put_api(role)
    api_id = deployer.deploy(definition)
    assert _post(gateway, api_id, f"/changing/{uuid.uuid4()}").status_code == 201

    _allow(aws, "changing", "dynamodb:Query")
    deployer.deploy(definition, api_id=api_id)
    slug = f"/changing/{uuid.uuid4()}"
    _assert_access_denied(_post(gateway, api_id, slug), "PutItem", TABLE_ARN)
    assert _stored(aws, slug) == []

    _allow(aws, "changing", "dynamodb:PutItem")
    deployer.deploy(definition, api_id=api_id)
    assert _post(gateway, api_id, f"/changing/{uuid.uuid4()}").status_code == 201


def test_a_role_policy_changed_outside_a_deploy_applies_within_the_cache_period(
    gateway: GatewayServer, deployer: Deployer, aws: Aws
) -> None:
    """Changed in IAM directly, a policy takes effect once the cached copy expires, as IAM
    changes on AWS take effect after propagating."""
    role = aws.role(
        "drifting", {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE_ARN}
    )
    api_id = deployer.deploy(_put_api(role))
    assert _post(gateway, api_id, f"/drifting/{uuid.uuid4()}").status_code == 201
    _allow(aws, "drifting", "dynamodb:Query")
    changed = time.monotonic()
    deadline = changed + CACHE_SECONDS + 60
    while (response := _post(gateway, api_id, f"/drifting/{uuid.uuid4()}")).status_code == 201:
        assert time.monotonic() < deadline, "the revoked permission still applies"
        time.sleep(0.2)
    _assert_access_denied(response, "PutItem", TABLE_ARN)
