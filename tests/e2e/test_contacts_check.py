"""`helpline-bot check` on the operator's own contacts, as an operator runs it: a bad file is one
line per problem naming the file and the contact (no traceback, exit 1); a good one is counted."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import REPO_ROOT
from bot.content.emergency import LOCAL_CONTACTS
from tests.e2e.test_cli import run_cli

CONTACT = """
[[contact]]
id = "{id}"
name_ru = "Юристы нашего города"
name_en = "Our city's lawyers"
status = "{status}"
status_ru = "в реестрах Минюста не значится"
status_en = "not on the Justice Ministry's registers"
what_ru = "консультации призывникам"
what_en = "advice for conscripts"
{contact}
verified = 2026-12-01
source = "реестры Минюста, 01.12.2026"
"""


def test_check_reports_the_operator_contacts_one_line_each(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    local = content / LOCAL_CONTACTS
    local.parent.mkdir()
    local.write_text(
        CONTACT.format(id="unchecked", status="unknown", contact='contact = "@city_help_bot"')
        + CONTACT.format(id="no-address", status="none-known", contact=""),
        encoding="utf-8",
    )
    env = {"CONTENT_DIR": str(content), "DATA_DIR": str(tmp_path / "data")}
    result = run_cli("check", "--offline", cwd=tmp_path, **env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    problems = [line for line in result.stdout.splitlines() if "contact '" in line]
    assert len(problems) == 2, result.stdout
    assert f"{local}: contact 'unchecked': status 'unknown'" in problems[0]
    assert f"{local}: contact 'no-address': contact is missing" in problems[1]

    local.write_text(
        CONTACT.format(id="city", status="none-known", contact='contact = "@city_help_bot"'),
        encoding="utf-8",
    )
    result = run_cli("check", "--offline", cwd=tmp_path, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 contacts (1 from local/contacts.toml)" in result.stdout
