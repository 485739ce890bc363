"""The guard as the Pulumi CLI runs it: `python guard/ <engine>` from guard/, nothing else on the
path; it must import its rules without the program's package and serve every policy."""

from __future__ import annotations

import pytest
from google.protobuf import empty_pb2
from pack import PACK_NAME, POLICIES
from pulumi.runtime.proto import analyzer_pb2

from tests.bootstrap.conftest import BOOTSTRAP
from tests.policy_pack_process import served_pack

pytestmark = pytest.mark.server

GUARD = BOOTSTRAP / "guard"


def test_served_guard_announces_every_policy_as_mandatory() -> None:
    with served_pack(GUARD) as analyzer:
        info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK_NAME
    assert [p.name for p in info.policies] == [p.name for p in POLICIES]
    assert "role-writes-carry-boundary" in [p.name for p in info.policies]
    assert all(p.enforcementLevel == analyzer_pb2.MANDATORY for p in info.policies)
