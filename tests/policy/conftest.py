"""Policy tests import the pack the way the CLI runs it: with policy/ first on the path."""

from __future__ import annotations

import sys

from tooling.policy_check import POLICY_DIR

if str(POLICY_DIR) not in sys.path:
    sys.path.insert(0, str(POLICY_DIR))
