"""`aws:assumeRoles` in prod's stack file: the default provider would deploy as a role in another
account, whose resources no rule of this stack watches."""

CLASS = "c"
CONFIG = {"aws:assumeRoles": [{"roleArn": "arn:aws:iam::444444444444:role/deploy"}]}
EXPECT = [("providers-stack-config", "sets assumeRoles (assumes another role")]
