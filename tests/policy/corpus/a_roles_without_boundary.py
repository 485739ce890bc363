"""The integration and moderator roles lose their permissions boundary
(`comments:integrationRoleBoundary: false` in prod). Found by a review; no rule requires it."""

CLASS = "a"
CONFIG = {"comments:integrationRoleBoundary": False}
EXPECT = [("resource-inputs-reviewed", "permissionsBoundary")]
KNOWN_GAP = "no rule requires a permissions boundary on the program's roles in prod"
