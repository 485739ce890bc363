"""A second stage, `preview`, on the same API and deployment "to try releases", throttled like
prod's own: 50 requests a second on each method is 518 million requests a month, $1,814 of API
Gateway, and nothing in the budget counted stages."""

CLASS = "g"
_STAGE = """        preview_stage = aws.apigateway.Stage(
            f"{name}-preview-stage",
            rest_api=self.api.id,
            deployment=deployment.id,
            stage_name="preview",
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=pulumi.Output.all(where, log_group.name).apply(
                    lambda values: log_group_arn(*values[0], values[1])
                ),
                format=ACCESS_LOG_FORMAT,
            ),
            tags=tags,
            opts=child,
        )
"""
_THROTTLE = """        aws.apigateway.MethodSettings(
            f"{name}-preview-throttling",
            rest_api=self.api.id,
            stage_name=preview_stage.stage_name,
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                throttling_rate_limit=settings.throttle_rate_limit,
                throttling_burst_limit=settings.throttle_burst_limit,
                logging_level="OFF",
                data_trace_enabled=False,
                metrics_enabled=False,
            ),
            opts=child,
        )
"""
EDITS = [
    (
        "infra/comments_infra/service.py",
        "        self.url = self.stage.invoke_url\n",
        _STAGE + _THROTTLE + "        self.url = self.stage.invoke_url\n",
    ),
]
EXPECT = [
    (
        "dynamodb-monthly-cost-budget",
        "(50/s per method x 4 methods): a stage beyond the service's own",
    ),
]
