"""`helpline-bot render-templates OUTDIR`: every template filled with sample answers, for a
reviewer. The only place document files are written, by the operator's choice, on their own
machine; the bot itself builds documents in memory and never writes them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import load_settings
from bot.documents.answers import sample_answers, variants
from bot.documents.render import FORMATS, render
from bot.documents.templates import TemplateCatalog

EXIT_OK, EXIT_CONFIG = 0, 2


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "render-templates",
        help="write every document template, filled with sample answers, into OUTDIR",
        description="For a reviewer: every template in CONTENT_DIR/templates rendered as .docx "
        "and PDF, once with every question left blank (ID-blank) and once per option of its "
        "choices (ID-1, ID-2, ...), into OUTDIR (created if missing; files of the same name "
        "are replaced). Content problems are listed as `check` lists them (exit 2).",
    )
    parser.add_argument("outdir", type=Path, metavar="OUTDIR")
    parser.set_defaults(handler=cmd_render_templates)


def cmd_render_templates(args: argparse.Namespace) -> int:
    settings = load_settings()
    catalog = TemplateCatalog.load(settings.content_dir / "templates")  # ContentError: exit 2
    outdir: Path = args.outdir
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"helpline-bot: cannot use {outdir}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CONFIG
    written = 0
    for template in catalog.templates:
        renders = [("blank", dict.fromkeys((q.id for q in template.questions), None))]
        renders += [(str(n + 1), sample_answers(template, n)) for n in range(variants(template))]
        for label, answers in renders:
            for fmt in FORMATS:
                path = outdir / f"{template.id}-{label}.{fmt}"
                try:
                    path.write_bytes(render(template, answers, fmt))
                except OSError as exc:
                    print(f"helpline-bot: cannot write {path}: {exc.strerror}", file=sys.stderr)
                    return EXIT_CONFIG
                written += 1
    print(f"{written} files from {len(catalog.templates)} templates in {outdir}")
    return EXIT_OK
