"""A region whose time zone the zone database does not know: `check` names it (exit 1) and
`run` refuses to start in one line (exit 2), before anything is shown in a wrong time."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import REPO_ROOT
from tests.e2e.test_operator_errors import cli


def broken_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    regions = content / "regions.toml"
    text = regions.read_text(encoding="utf-8")
    regions.write_text(text.replace('zone = "Asia/Yakutsk"', 'zone = "Asia/Yakutia"', 1))
    return content


async def test_check_and_run_refuse_a_region_without_a_real_zone(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path / "data"), "CONTENT_DIR": str(broken_content(tmp_path))}
    code, out, err = await cli("check", "--offline", cwd=tmp_path, **env)
    problems = [line for line in out.splitlines() if line.startswith("problem:")]
    assert code == 1 and "Traceback" not in err, out + err
    assert len(problems) == 1 and "'Asia/Yakutia' is not an IANA time zone" in problems[0], out

    code, out, err = await cli("run", cwd=tmp_path, BOT_TOKEN="123456:" + "A" * 35, **env)
    assert code == 2 and "Traceback" not in err, err
    assert [line for line in err.splitlines() if "Asia/Yakutia" in line], err
