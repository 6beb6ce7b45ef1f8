"""The Dockerfile and deploy/compose.yaml, checked without a Docker daemon (none can be reached
here): the Dockerfile parsed with dockerfile-parse, the compose file with PyYAML (which the dev
dependencies bring through pre-commit). Each rule is also run on a bad sample: it can fail."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from bot.config import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
COMPOSE = REPO_ROOT / "deploy" / "compose.yaml"
SECRET_NAME = re.compile(r"TOKEN|PASSPHRASE|SECRET|PASSWORD|API_KEY", re.IGNORECASE)


def instructions(text: str, tmp_path: Path) -> list[tuple[str, str]]:
    parser = DockerfileParser(path=str(tmp_path))
    parser.content = text
    return [(item["instruction"], item["value"]) for item in parser.structure]


def assigned_names(value: str) -> list[str]:
    """The variables one ENV or ARG sets: `A=1 B="x y"`, `A 1` (the old form) or `A`."""
    words = shlex.split(value)
    if words and "=" not in words[0]:
        return [words[0]]
    return [word.partition("=")[0] for word in words]


def dockerfile_problems(text: str, tmp_path: Path) -> list[str]:
    """What would make the image unsafe to publish or to run."""
    steps = instructions(text, tmp_path)
    problems = []
    starts = [i for i, (ins, _) in enumerate(steps) if ins in {"CMD", "ENTRYPOINT"}]
    users = [(i, value) for i, (ins, value) in enumerate(steps) if ins == "USER"]
    user = next((v for i, v in reversed(users) if starts and i < starts[0]), None)
    if user is None:
        problems.append("no USER before CMD/ENTRYPOINT: the bot would run as root")
    elif user.partition(":")[0] in {"root", "0"}:
        problems.append(f"USER {user} is root")
    if users and users[-1][1].partition(":")[0] in {"root", "0"}:
        problems.append("the last USER is root")
    for ins, value in steps:
        if ins in {"ENV", "ARG"}:
            secret = [name for name in assigned_names(value) if SECRET_NAME.search(name)]
            if secret:
                problems.append(f"{ins} {', '.join(secret)}: a secret baked into the image")
        if ins in {"COPY", "ADD"} and re.search(r"(^|\s|/)(\.env|secrets|data|keys)\b", value):
            problems.append(f"{ins} {value}: copies secrets or data into the image")
    checks = [value for ins, value in steps if ins == "HEALTHCHECK"]
    if not checks or checks[-1].strip().upper() == "NONE":
        problems.append("no HEALTHCHECK")
    return problems


def test_the_dockerfile_runs_as_a_user_bakes_no_secret_and_checks_health(
    tmp_path: Path,
) -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert dockerfile_problems(text, tmp_path) == []
    steps = instructions(text, tmp_path)
    base = next(value for ins, value in steps if ins == "FROM")
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", base), base
    health = next(value for ins, value in steps if ins == "HEALTHCHECK")
    assert '["helpline-bot", "status"]' in health
    volumes = next(value for ins, value in steps if ins == "VOLUME")
    assert '"/data"' in volumes and '"/keys"' in volumes


def _mutated(text: str, problem: str) -> str:
    return {
        "no USER before CMD": text.replace("USER 10001:10001\n", "").replace(
            'CMD ["run"]', 'CMD ["run"]\nUSER 10001:10001'
        ),
        "no HEALTHCHECK": re.sub(r"HEALTHCHECK (.*\\\n)*.*\n", "HEALTHCHECK NONE\n", text),
        "USER root is root": text.replace("USER 10001:10001", "USER root"),
        "ENV BOT_TOKEN: a secret": text.replace("ENV PATH=", "ENV BOT_TOKEN=123:abc PATH="),
        "ARG KEY_PASSPHRASE: a secret": text.replace("ENV PATH=", "ARG KEY_PASSPHRASE\nENV PATH="),
        "COPY .env ./: copies secrets": text.replace(
            "COPY bot ./bot", "COPY bot ./bot\nCOPY .env ./"
        ),
    }[problem]


@pytest.mark.parametrize(
    "problem",
    [
        "no USER before CMD",
        "no HEALTHCHECK",
        "USER root is root",
        "ENV BOT_TOKEN: a secret",
        "ARG KEY_PASSPHRASE: a secret",
        "COPY .env ./: copies secrets",
    ],
)
def test_each_rule_catches_its_mistake(tmp_path: Path, problem: str) -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    mutated = _mutated(text, problem)
    assert mutated != text
    found = dockerfile_problems(mutated, tmp_path)
    assert any(p.startswith(problem) for p in found), found


def test_the_build_context_leaves_secrets_and_data_out() -> None:
    ignored = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {"**/.env", "data/", "keys/", "deploy/secrets/", ".git/"} <= set(ignored)


def service(compose: dict[str, Any]) -> dict[str, Any]:
    services = compose["services"]
    assert list(services) == ["helpline-bot"]
    result: dict[str, Any] = services["helpline-bot"]
    return result


def compose_problems(compose: dict[str, Any]) -> list[str]:
    svc = service(compose)
    env = svc.get("environment", {})
    problems = []
    if svc.get("read_only") is not True:
        problems.append("root filesystem not read_only")
    if "ALL" not in svc.get("cap_drop", []) or svc.get("cap_add"):
        problems.append("capabilities not all dropped")
    if "no-new-privileges:true" not in svc.get("security_opt", []):
        problems.append("no no-new-privileges")
    if str(svc.get("user", "0")).partition(":")[0] in {"0", "root"}:
        problems.append("runs as root")
    mounts = {v.partition(":")[2]: v.partition(":")[0] for v in svc.get("volumes", [])}
    data, keys = mounts.get(env.get("DATA_DIR")), mounts.get(env.get("KEYS_DIR"))
    if data is None or keys is None or data == keys:
        problems.append("DATA_DIR and KEYS_DIR are not two separate volumes")
    elif not {data, keys} <= set(compose.get("volumes", {})):
        problems.append("DATA_DIR or KEYS_DIR is not a named volume")
    for name in ("bot_token", "key_passphrase"):
        if name not in svc.get("secrets", []) or "file" not in compose["secrets"].get(name, {}):
            problems.append(f"{name} is not a secret")
    for key, value in env.items():
        if SECRET_NAME.search(key) and not str(value).startswith("/run/secrets/"):
            problems.append(f"{key} holds a value, not a secret's path")
    return problems


def test_compose_separates_volumes_passes_secrets_and_drops_privileges() -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert compose_problems(compose) == []
    env = service(compose)["environment"]
    assert env["BOT_TOKEN_FILE"] == "/run/secrets/bot_token"
    assert env["KEY_PASSPHRASE_FILE"] == "/run/secrets/key_passphrase"
    assert service(compose)["build"] == {"context": "..", "dockerfile": "Dockerfile"}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s, c: s.update(read_only=False), "root filesystem not read_only"),
        (lambda s, c: s.update(cap_drop=["NET_RAW"]), "capabilities not all dropped"),
        (lambda s, c: s.update(security_opt=[]), "no no-new-privileges"),
        (lambda s, c: s.update(user="0:0"), "runs as root"),
        (
            lambda s, c: s.update(volumes=["helpline-data:/data", "helpline-data:/keys"]),
            "DATA_DIR and KEYS_DIR are not two separate volumes",
        ),
        (lambda s, c: s["secrets"].remove("key_passphrase"), "key_passphrase is not a secret"),
        (
            lambda s, c: s["environment"].update(BOT_TOKEN="123:abc"),
            "BOT_TOKEN holds a value, not a secret's path",
        ),
    ],
)
def test_each_compose_rule_catches_its_mistake(change: Any, problem: str) -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    change(service(compose), compose)
    assert problem in compose_problems(compose)
