"""`comments:smokeSlugPrefix: /`: every page path starts with '/', so every prod comment would get
the smoke tests' TTL and DynamoDB would delete all of them. One config line, no IAM involved.

The program refuses it at settings load (the prefix must start with /__smoke__/), so the preview
fails before any resource exists; a_smoke_prefix_check_loosened shows the pack refusing the same
prefix when the program's check is loosened too."""

CLASS = "a"
CONFIG = {"comments:smokeSlugPrefix": "/"}
EXPECT: list[tuple[str, str]] = []
EXIT = 2
ERROR = "comments:smokeSlugPrefix='/': allowed values are /__smoke__/ followed by"
