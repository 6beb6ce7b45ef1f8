"""Documents through the real process leave no trace: the answers reach the files sent back and
nowhere on the disk (DATA_DIR, the working directory, TMPDIR, the logs); and the reviewer's
`render-templates` command, the only writer of document files, by the operator's choice."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import REPO_ROOT
from bot.devserver.server import FakeBotAPI
from tests.e2e.test_cli import run_cli
from tests.support.chat import USER_IDS, User, wait_calls
from tests.support.documents import MARKER, file_text, squeeze
from tests.support.leaks import needles, scan_bytes, scan_dir
from tests.support.process import ProcessStarter


async def test_documents_leave_nothing_on_disk_or_in_logs(
    api: FakeBotAPI, start_bot: ProcessStarter, tmp_path: Path
) -> None:
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    bot = await start_bot(LOG_LEVEL="DEBUG", TMPDIR=str(tmp))
    user = User(api, USER_IDS[0], "ru", first_name="Marker-Firstname")
    await user.say("/documents")
    await user.press("Заявление на АГС", exact=True)
    await user.press("Моим убеждениям", exact=True)
    await user.say(f"Я пацифист {MARKER} с юности")
    await user.press("С места учёбы", exact=True)
    await user.press("Оба файла", exact=True)
    await wait_calls(api, "sendDocument", 2)  # building a PDF may outlast the quiet time
    await user.say("/documents")
    await user.press("Не согласен с категорией годности", exact=True)
    await user.say("Татарстан")
    await user.say("02.03.2026")
    await user.press("По документам", exact=True)
    await user.say(f"Гипертония {MARKER}, выписка из больницы")
    await user.press("PDF", exact=True)
    await wait_calls(api, "sendDocument", 3)
    files = api.documents(user.id)
    assert len(files) == 3
    assert all(MARKER in squeeze(file_text(name, data)) for name, data in files)
    patterns = needles(texts=[MARKER, "Marker-Firstname"], ids=[user.id])
    running = scan_dir(tmp_path, patterns)  # DATA_DIR, the log, TMPDIR: while it runs
    assert await bot.stop() == 0
    assert running == []
    assert scan_dir(tmp_path, patterns) == []
    assert list(tmp.iterdir()) == []  # no temporary file, not even an emptied one
    log_text = bot.logs()
    assert "level=debug" in log_text and "documents.sent" in log_text
    assert scan_bytes(log_text.encode(), patterns) == []
    # A .docx is a zip and a PDF's text is compressed: a marker scan alone would miss a
    # document written to disk, so look for the files themselves too.
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and _is_document(p)]


def _is_document(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(5)
    return head.startswith((b"%PDF-", b"PK\x03\x04")) or path.suffix in (".docx", ".pdf")


def test_render_templates_writes_every_template_for_a_reviewer(tmp_path: Path) -> None:
    out = tmp_path / "review"
    result = run_cli("render-templates", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    templates = sorted(p.stem for p in (REPO_ROOT / "content" / "templates").glob("*.toml"))
    for template in templates:
        for fmt in ("docx", "pdf"):
            assert f"{template}-blank.{fmt}" in names
            assert f"{template}-1.{fmt}" in names
    text = squeeze(file_text("x.pdf", (out / "regional-complaint-1.pdf").read_bytes()))
    assert "(Республика Татарстан)" in text and "15.03.2026" in text


def test_render_templates_on_a_broken_template_is_one_line_a_problem(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    path = content / "templates" / "fine-complaint.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("{penalty}", "{penalti}"), encoding="utf-8"
    )
    result = run_cli(
        "render-templates", str(tmp_path / "out"), cwd=tmp_path, CONTENT_DIR=str(content)
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert any("placeholder {penalti} has no question and no blank" in line for line in lines)
    assert any("blank {penalty} is never used" in line for line in lines)
    assert not (tmp_path / "out").exists()
    check = run_cli("check", "--offline", cwd=tmp_path, CONTENT_DIR=str(content))
    assert check.returncode == 1
    assert "fine-complaint.toml: placeholder {penalti}" in check.stdout + check.stderr
