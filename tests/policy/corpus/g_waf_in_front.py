"""A WAF web ACL in front of the stage ("block scanners"), its type added to the allowed types in
the same change: $5 a month plus $1 per rule, and the budget counted no WAF."""

from typing import Any

import pulumi_aws as aws

CLASS = "g"
EDITS = [
    (
        "policy/config/prod.json",
        '"aws:sns/topicSubscription:TopicSubscription",',
        '"aws:sns/topicSubscription:TopicSubscription",\n'
        '      "aws:wafv2/webAcl:WebAcl",\n'
        '      "aws:wafv2/webAclAssociation:WebAclAssociation",',
    ),
]
EXPECT = [
    (
        "dynamodb-monthly-cost-budget",
        "AWS WAF $8.0000 (WebAcl 'comments-prod-waf' a web ACL with 3 rule(s)",
    ),
    ("resource-inputs-reviewed", "WebAcl 'comments-prod-waf' is of type aws:wafv2/webAcl:WebAcl"),
    (
        "resource-inputs-reviewed",
        "WebAclAssociation 'comments-prod-waf-stage' is of type",
    ),
]


def apply(service: Any) -> None:
    def rule(name: str, priority: int) -> Any:
        return aws.wafv2.WebAclRuleArgs(
            name=name,
            priority=priority,
            override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()  # type: ignore[no-untyped-call]
            ),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                    vendor_name="AWS", name=name
                )
            ),
            visibility_config=aws.wafv2.WebAclRuleVisibilityConfigArgs(
                cloudwatch_metrics_enabled=False, metric_name=name, sampled_requests_enabled=False
            ),
        )

    acl = aws.wafv2.WebAcl(
        "comments-prod-waf",
        scope="REGIONAL",
        default_action=aws.wafv2.WebAclDefaultActionArgs(
            allow=aws.wafv2.WebAclDefaultActionAllowArgs()
        ),
        rules=[
            rule("AWSManagedRulesCommonRuleSet", 1),
            rule("AWSManagedRulesKnownBadInputsRuleSet", 2),
            rule("AWSManagedRulesAmazonIpReputationList", 3),
        ],
        visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
            cloudwatch_metrics_enabled=False, metric_name="waf", sampled_requests_enabled=False
        ),
    )
    aws.wafv2.WebAclAssociation(
        "comments-prod-waf-stage", resource_arn=service.stage.arn, web_acl_arn=acl.arn
    )
