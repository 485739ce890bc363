"""Entry point the Pulumi CLI runs for `--policy-pack policy`: serve the pack, nothing else."""

from pulumi_policy import PolicyPack

from comments_policy.pack import DEFAULT_ENFORCEMENT, PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, policies=POLICIES, enforcement_level=DEFAULT_ENFORCEMENT)
