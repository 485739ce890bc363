"""The pipeline's rules as checks over parsed workflow YAML, each returning violations.

The tests run them over the real files and over mutated copies, so a rule that stopped
detecting its violation fails too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
PROMOTION = ("dev", "staging", "prod")
REUSABLE = "./.github/workflows/deploy-environment.yml"
STATUS_FUNCTIONS = re.compile(r"\b(always|failure|cancelled)\s*\(")

Workflow = dict[str, Any]


def load(name: str) -> Workflow:
    with (WORKFLOWS / name).open() as handle:
        raw: dict[Any, Any] = yaml.safe_load(handle)
    # YAML 1.1 reads the bare key `on` as the boolean true.
    return {("on" if key is True else str(key)): value for key, value in raw.items()}


def triggers(workflow: Workflow) -> dict[str, Any]:
    on = workflow["on"]
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return dict(on)


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def action_steps(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in steps(job) if str(s.get("uses", "")).split("@")[0] == action]


def needs(job: dict[str, Any]) -> list[str]:
    value = job.get("needs", [])
    return [value] if isinstance(value, str) else list(value)


def promotion_violations(caller: Workflow, called: Workflow) -> list[str]:
    """Each environment deploys only after the previous one's deploy and smoke tests passed."""
    found: list[str] = []
    jobs = caller["jobs"]
    for position, env in enumerate(PROMOTION):
        job = jobs.get(env)
        if job is None:
            found.append(f"deploy.yml: no job '{env}'")
            continue
        if job.get("uses") != REUSABLE:
            found.append(f"deploy.yml: job '{env}' does not call {REUSABLE}")
        if job.get("with", {}).get("environment") != env:
            found.append(f"deploy.yml: job '{env}' does not pass environment: {env}")
        if STATUS_FUNCTIONS.search(str(job.get("if", ""))):
            found.append(f"deploy.yml: job '{env}' runs whatever its predecessor's result")
        if job.get("continue-on-error"):
            found.append(f"deploy.yml: job '{env}' has continue-on-error")
        if position > 0 and PROMOTION[position - 1] not in needs(job):
            found.append(
                f"deploy.yml: job '{env}' does not need '{PROMOTION[position - 1]}' "
                "(the previous environment's deploy and smoke tests)"
            )
    found.extend(smoke_gate_violations(called))
    return found


def smoke_gate_violations(called: Workflow) -> list[str]:
    """The called workflow fails when the smoke tests fail, and they run after the deploy."""
    found: list[str] = []
    jobs = called["jobs"]
    smoke = jobs.get("smoke")
    deploy = jobs.get("deploy")
    if smoke is None or deploy is None:
        return ["deploy-environment.yml: needs jobs 'deploy' and 'smoke'"]
    if "deploy" not in needs(smoke):
        found.append("deploy-environment.yml: 'smoke' does not need 'deploy'")
    for name, job in (("deploy", deploy), ("smoke", smoke)):
        if job.get("continue-on-error"):
            found.append(f"deploy-environment.yml: '{name}' has continue-on-error")
        if STATUS_FUNCTIONS.search(str(job.get("if", ""))):
            found.append(f"deploy-environment.yml: '{name}' runs whatever came before")
        for step in steps(job):
            if step.get("continue-on-error"):
                found.append(f"deploy-environment.yml: a step of '{name}' has continue-on-error")
    if not any("make smoke" in str(s.get("run", "")) for s in steps(smoke)):
        found.append("deploy-environment.yml: 'smoke' does not run 'make smoke'")
    return found


def concurrency_violations(caller: Workflow) -> list[str]:
    """One deploy per stack at a time, and a running deploy is never cancelled."""
    found: list[str] = []
    for name, job in caller["jobs"].items():
        if job.get("uses") != REUSABLE:
            continue
        concurrency = job.get("concurrency")
        if not isinstance(concurrency, dict):
            found.append(f"deploy.yml: job '{name}' has no concurrency group")
            continue
        environment = str(job.get("with", {}).get("environment", ""))
        expected = f"deploy-{environment}" if environment in PROMOTION else None
        group = str(concurrency.get("group", ""))
        if expected is not None and group != expected:
            found.append(f"deploy.yml: job '{name}' uses group '{group}', not '{expected}'")
        if expected is None and group != "deploy-${{ inputs.environment }}":
            found.append(f"deploy.yml: job '{name}' group '{group}' is not per stack")
        if concurrency.get("cancel-in-progress") is not False:
            found.append(f"deploy.yml: job '{name}' may cancel a running deploy")
    return found


def hardening_violations(name: str, workflow: Workflow, text: str) -> list[str]:
    """Pinned actions, no default token permissions, bounded jobs, no injectable run:."""
    found: list[str] = []
    if workflow.get("permissions") != {}:
        found.append(f"{name}: top-level permissions is not {{}}")
    if "pull_request_target" in triggers(workflow):
        found.append(f"{name}: uses pull_request_target")
    for line_no, line in enumerate(text.splitlines(), start=1):
        match = re.search(r"uses:\s*([^\s#]+)(.*)$", line)
        if not match or match.group(1).startswith("./"):
            continue
        ref = match.group(1).partition("@")[2]
        if not re.fullmatch(r"[0-9a-f]{40}", ref):
            found.append(f"{name}:{line_no}: {match.group(1)} is not pinned to a commit SHA")
        elif not re.search(r"#\s*v\d+(\.\d+)*", match.group(2)):
            found.append(f"{name}:{line_no}: {match.group(1)} has no '# vX.Y.Z' comment")
    for job_name, job in workflow["jobs"].items():
        if "runs-on" in job and "timeout-minutes" not in job:
            found.append(f"{name}: job '{job_name}' has no timeout-minutes")
        if "permissions" not in job:
            found.append(f"{name}: job '{job_name}' does not state its permissions")
        for step in steps(job):
            if "${{" in str(step.get("run", "")):
                found.append(f"{name}: job '{job_name}' has an expression inside run:")
        for step in action_steps(job, "actions/checkout"):
            if step.get("with", {}).get("persist-credentials") is not False:
                found.append(f"{name}: job '{job_name}' checks out with persisted credentials")
    return found


def id_token_jobs(workflow: Workflow) -> set[str]:
    return {
        name
        for name, job in workflow["jobs"].items()
        if (job.get("permissions") or {}).get("id-token") == "write"
    }


# --- credentials, plans and environments ---------------------------------------------------

PULUMI_ACTION = "pulumi/actions"
CHECK_SCRIPT = ".github/scripts/check_environment.py"
CREDENTIAL_ACTIONS = ("aws-actions/configure-aws-credentials", "pulumi/auth-actions")
# Settings a preview and the up that applies its plan must share: same stack, program, pack.
SAME_IN_PLAN_AND_UP = ("stack-name", "cloud-url", "work-dir", "policyPacks", "policyPackConfigs")


def secret_violations(name: str, text: str) -> list[str]:
    """A workflow reads no stored secret but the job's own GITHUB_TOKEN."""
    found = [
        f"{name}: reads secrets.{secret}"
        for secret in sorted(set(re.findall(r"secrets\.([A-Za-z0-9_]+)", text)))
        if secret != "GITHUB_TOKEN"
    ]
    if re.search(r"secrets:\s*inherit", text):
        found.append(f"{name}: passes every secret on (secrets: inherit)")
    return found


def _uses(step: dict[str, Any]) -> str:
    return str(step.get("uses", "")).split("@")[0]


def _runs_pulumi(step: dict[str, Any]) -> bool:
    return _uses(step) == PULUMI_ACTION or bool(re.search(r"\bpulumi\s", str(step.get("run", ""))))


def plan_violations(called: Workflow) -> list[str]:
    """The deploy job previews with the pack and saves a plan, then `up` applies that plan."""
    job = called["jobs"].get("deploy", {})
    pulumi = [s for s in action_steps(job, PULUMI_ACTION) if "command" in s.get("with", {})]
    previews = [s for s in pulumi if s["with"]["command"] == "preview"]
    ups = [s for s in pulumi if s["with"]["command"] in ("up", "update")]
    if len(previews) != 1 or len(ups) != 1 or len(pulumi) != 2:
        return [
            "deploy-environment.yml: the deploy job must run exactly one pulumi preview "
            f"and one pulumi up (found {[s['with']['command'] for s in pulumi]})"
        ]
    (preview,), (up,) = previews, ups
    found: list[str] = []
    all_steps = steps(job)
    if all_steps.index(preview) > all_steps.index(up):
        found.append("deploy-environment.yml: pulumi up runs before the checked preview")
    plan = preview["with"].get("plan")
    if not plan:
        found.append("deploy-environment.yml: the preview saves no update plan")
    if up["with"].get("plan") != plan:
        found.append("deploy-environment.yml: pulumi up does not apply the preview's plan")
    if preview["with"].get("policyPacks") != "policy":
        found.append("deploy-environment.yml: the preview does not run the policy pack")
    if preview["with"].get("policyPackConfigs") != "policy/config/${{ inputs.environment }}.json":
        found.append("deploy-environment.yml: the preview does not use the environment's config")
    found.extend(
        f"deploy-environment.yml: preview and up differ in {key}"
        for key in SAME_IN_PLAN_AND_UP
        if preview["with"].get(key) != up["with"].get(key)
    )
    for step in all_steps[all_steps.index(preview) + 1 : all_steps.index(up)]:
        if step != DEPLOY_PLAN_CHECK:  # it only reads the plan (plan_check_violations)
            found.append(f"deploy-environment.yml: a step runs between plan and apply: {step}")
    for step in (preview, up):
        if step.get("continue-on-error") or step.get("with", {}).get("continue-on-error"):
            found.append("deploy-environment.yml: plan or apply continues on error")
    return found


def environment_violations(name: str, job_name: str, job: dict[str, Any], role: str) -> list[str]:
    """A job with cloud credentials takes role, region and backend from its own GitHub
    environment, and checks them against the stack before any credential or Pulumi step."""
    found: list[str] = []
    environment = job.get("environment")
    env_name = environment.get("name") if isinstance(environment, dict) else environment
    if not env_name or not re.search(r"\$\{\{ (matrix\.stack|inputs\.environment) \}\}", env_name):
        found.append(f"{name}: job '{job_name}' does not run in its stack's GitHub environment")
    all_steps = steps(job)
    checks = [s for s in all_steps if CHECK_SCRIPT in str(s.get("run", ""))]
    if len(checks) != 1:
        return [*found, f"{name}: job '{job_name}' does not run {CHECK_SCRIPT} once"]
    check = checks[0]
    first_cloud = min(
        (i for i, s in enumerate(all_steps) if _uses(s) in CREDENTIAL_ACTIONS or _runs_pulumi(s)),
        default=len(all_steps),
    )
    if all_steps.index(check) > first_cloud:
        found.append(f"{name}: job '{job_name}' checks its variables after a cloud step")
    expected = {
        role: f"${{{{ vars.{role} }}}}",
        "AWS_REGION": "${{ vars.AWS_REGION }}",
        "PULUMI_BACKEND_URL": "${{ vars.PULUMI_BACKEND_URL }}",
        "PULUMI_ORG": "${{ vars.PULUMI_ORG }}",
        "PULUMI_TEAM": "${{ vars.PULUMI_TEAM }}",
    }
    check_env = check.get("env", {})
    found.extend(
        f"{name}: job '{job_name}' checks {key} from {check_env.get(key)!r}, not {value}"
        for key, value in expected.items()
        if check_env.get(key) != value
    )
    for step in action_steps(job, "aws-actions/configure-aws-credentials"):
        if step["with"].get("role-to-assume") != expected[role]:
            found.append(f"{name}: job '{job_name}' assumes a role other than {role}")
        if step["with"].get("aws-region") != expected["AWS_REGION"]:
            found.append(f"{name}: job '{job_name}' uses a region other than AWS_REGION")
    # A suffixed repository-wide variable (AWS_REGION_PROD...) would bypass the environment.
    found.extend(
        f"{name}: job '{job_name}' reads vars.{var}, which is not an environment variable"
        for var in re.findall(r"vars\.([A-Z0-9_]+)", str(job))
        if var not in expected
    )
    return found


# --- pull-request code and write tokens ----------------------------------------------------

# What a pull_request run checks out when a step names no ref is the pull request's code; these
# refs are the base branch's, which only a merged (reviewed) change reaches.
BASE_REFS = ("${{ github.base_ref }}", "${{ github.event.pull_request.base.sha }}")
# What a job holding a write permission may run: checking out the base branch, fetching the
# artifacts of other jobs (as data, outside the checkout) and a script of the base branch with the
# runner's Python, which needs no installed dependency.
WRITER_ACTIONS = ("actions/checkout", "actions/download-artifact")
WRITER_RUN = re.compile(
    r'python3 \.github/scripts/[a-z_]+\.py(?: (?:[A-Za-z0-9_./=-]+|"\$RUNNER_TEMP/[A-Za-z0-9_./-]*"))*'
)
RUNNER_TEMP = "${{ runner.temp }}"


def write_permissions(job: dict[str, Any]) -> set[str]:
    """The job token's write scopes; the OIDC token (id-token) writes nothing in the repository."""
    permissions = job.get("permissions")
    if permissions in ("write-all", None):
        return {"(all)"}  # an absent block inherits the workflow's, which may write
    if permissions == "read-all":
        return set()
    return {
        scope for scope, level in permissions.items() if level == "write" and scope != "id-token"
    }


def pr_code_violations(name: str, workflow: Workflow) -> list[str]:
    """In a pull_request workflow, a job holding any write permission but id-token runs none of
    the pull request's code: the job's code can read the job's token."""
    if "pull_request" not in triggers(workflow):
        return []
    found: list[str] = []
    for job_name, job in workflow["jobs"].items():
        writes = write_permissions(job)
        if not writes:
            continue
        where = f"{name}: job '{job_name}' holds {sorted(writes)}"
        if "uses" in job:
            found.append(f"{where} and calls a workflow of the pull request")
        for step in steps(job):
            action = _uses(step)
            run = str(step.get("run", "")).strip()
            if action == "actions/checkout" and step.get("with", {}).get("ref") not in BASE_REFS:
                found.append(f"{where} and checks out the pull request's code")
            elif action == "actions/download-artifact":
                if not str(step.get("with", {}).get("path", "")).startswith(RUNNER_TEMP):
                    found.append(f"{where} and downloads artifacts into its checkout")
            elif action and action not in WRITER_ACTIONS:
                found.append(f"{where} and runs the action {action}")
            elif run and not WRITER_RUN.fullmatch(run):
                found.append(f"{where} and runs {run!r}, not a base-branch script")
    return found


# --- the base branch's pack judges the pull request ------------------------------------------

BASE_SHA = "${{ github.event.pull_request.base.sha }}"
BASE_DIR = "base"


def base_pack_violations(name: str, job: dict[str, Any]) -> list[str]:
    """A preview job checks out the base commit's policy/ (and the pins it runs with) into its
    own directory and installs that pack's dependencies with the base's Makefile before any of
    the pull request's code runs (`make venv` is the first)."""
    found: list[str] = []
    all_steps = steps(job)
    bases = [
        s
        for s in action_steps(job, "actions/checkout")
        if s.get("with", {}).get("path") == BASE_DIR
    ]
    if len(bases) != 1:
        return [f"{name}: no single checkout of the base commit into {BASE_DIR}/"]
    (base,) = bases
    options = base.get("with", {})
    if options.get("ref") != BASE_SHA:
        found.append(
            f"{name}: {BASE_DIR}/ is checked out at {options.get('ref')!r}, not {BASE_SHA}"
        )
    sparse = str(options.get("sparse-checkout", "")).split()
    if sparse and not {"policy", "requirements"} <= set(sparse):
        found.append(f"{name}: {BASE_DIR}/ lacks policy/ or requirements/ ({sparse})")
    installs = [
        s for s in all_steps if str(s.get("run", "")).strip() == "make -C base venv-runtime"
    ]
    pr_code = [s for s in all_steps if str(s.get("run", "")).strip() == "make venv"]
    if len(installs) != 1 or len(pr_code) != 1:
        return [*found, f"{name}: no single base pack install and pull-request make venv"]
    order = [all_steps.index(s) for s in (base, installs[0], pr_code[0])]
    if order != sorted(order):
        found.append(
            f"{name}: the base pack's dependencies are not installed from {BASE_DIR}/ "
            "before the pull request's make venv"
        )
    return found


# -- import and retainOnDelete: the check outside the pack -------------------------------------

PLAN_CHECK_NAME = "The update plan imports and retains nothing"
# The deploy's check, exactly: the plan the preview saved, the program's registrations offline.
DEPLOY_PLAN_CHECK = {
    "name": PLAN_CHECK_NAME,
    "env": {"STACK": "${{ inputs.environment }}"},
    "run": '.venv/bin/python -m tooling.plan_check "$RUNNER_TEMP/update-plan.json" --stack "$STACK"',
}
PR_PLAN = '--save-plan "$RUNNER_TEMP/preview/$STACK.plan.json"'
PR_EVENTS = '--event-log "$RUNNER_TEMP/preview/$STACK.events.jsonl"'


def plan_check_violations(pr: Workflow, called: Workflow) -> list[str]:
    """tooling/plan_check.py refuses what no policy can see (import, retainOnDelete): in the
    deploy right after the preview that saves the plan, before `up`; in each PR preview on the
    plan and event log the base pack's preview saves, with the base branch's checker."""
    found: list[str] = []
    deploy = steps(called["jobs"].get("deploy", {}))
    ids = [s.get("id") for s in deploy]
    checks = [s for s in deploy if s.get("name") == PLAN_CHECK_NAME]
    if checks != [DEPLOY_PLAN_CHECK]:
        found.append(
            f"deploy-environment.yml: no single step {PLAN_CHECK_NAME!r} running exactly "
            f"{DEPLOY_PLAN_CHECK['run']!r} with STACK set to the environment"
        )
    elif "plan" in ids and "up" in ids:
        position = deploy.index(DEPLOY_PLAN_CHECK)
        if not ids.index("plan") < position < ids.index("up"):
            found.append("deploy-environment.yml: the plan check does not run between plan and up")
        if (
            deploy[ids.index("plan")].get("with", {}).get("plan")
            != "${{ runner.temp }}/update-plan.json"
        ):
            found.append("deploy-environment.yml: the plan check reads another file than the plan")
    job = pr["jobs"].get("preview", {})
    pr_steps = steps(job)
    previews = [s for s in pr_steps if s.get("id") == "preview"]
    checks = [s for s in pr_steps if s.get("name") == PLAN_CHECK_NAME]
    if len(previews) != 1 or len(checks) != 1:
        return [*found, f"pr.yml: no single preview step and single {PLAN_CHECK_NAME!r} step"]
    (preview,), (check,) = previews, checks
    script = str(preview.get("run", ""))
    base_preview = script.split("--policy-pack base/policy", 1)[-1].split("|| status=$?", 1)[0]
    if PR_PLAN not in base_preview or PR_EVENTS not in base_preview:
        found.append("pr.yml: the base pack's preview saves no update plan and event log")
    if preview.get("env", {}).get("PULUMI_DEBUG_COMMANDS") != "true":
        found.append("pr.yml: --event-log needs PULUMI_DEBUG_COMMANDS=true in the preview's env")
    if pr_steps.index(check) != pr_steps.index(preview) + 1:
        found.append("pr.yml: the plan check does not run right after the preview")
    if check.get("if") != "${{ steps.preview.outputs.exit-code == '0' }}" or check.get(
        "continue-on-error"
    ):
        found.append("pr.yml: the plan check does not run on every preview that passed")
    run = str(check.get("run", ""))
    if "checker=base/tooling/plan_check.py" not in run or '--events "$RUNNER_TEMP' not in run:
        found.append("pr.yml: the plan check is not the base branch's, on the plan and events")
    (base,) = [
        s
        for s in action_steps(job, "actions/checkout")
        if s.get("with", {}).get("path") == BASE_DIR
    ] or [{}]
    sparse = str(base.get("with", {}).get("sparse-checkout", "")).split()
    if sparse and "tooling" not in sparse:
        found.append(f"pr.yml: {BASE_DIR}/ lacks tooling/, where the base's plan check is")
    return found
