"""`python -m bot` is the same as `helpline-bot`."""

from bot.cli import main

raise SystemExit(main())
