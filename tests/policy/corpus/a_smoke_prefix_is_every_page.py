"""`comments:smokeSlugPrefix: /`: every page path starts with '/', so every prod comment would get
the smoke tests' TTL and DynamoDB would delete all of them. One config line, no IAM involved."""

CLASS = "a"
CONFIG = {"comments:smokeSlugPrefix": "/"}
EXPECT = [("comments-settings", "smokeSlugPrefix")]
