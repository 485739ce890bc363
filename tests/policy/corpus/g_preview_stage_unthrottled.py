"""The same `preview` stage without its MethodSettings ("it is only for us"): unthrottled, it
takes the account's 10,000 requests a second, and the budget has no stage in it."""

from tests.policy.corpus.g_preview_stage_at_the_cap import _STAGE

CLASS = "g"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "        self.url = self.stage.invoke_url\n",
        _STAGE + "        self.url = self.stage.invoke_url\n",
    ),
]
EXPECT = [
    ("apigateway-stage-throttled", "Stage 'comments-prod-preview-stage' has no MethodSettings"),
    ("dynamodb-monthly-cost-budget", "a stage beyond the service's own (taken to be Stage"),
]
