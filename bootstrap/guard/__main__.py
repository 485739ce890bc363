"""Entry point the Pulumi CLI runs for `--policy-pack guard`: serve the pack, nothing else."""

from pack import DEFAULT_ENFORCEMENT, PACK_NAME, POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name=PACK_NAME, policies=POLICIES, enforcement_level=DEFAULT_ENFORCEMENT)
