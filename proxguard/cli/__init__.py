"""The command line (`proxguard audit|fix|firewall|rules|explain`): a thin surface over
the engine; `main` is the console script's entry point (pyproject: proxguard.cli:main)."""

from proxguard.cli.commands import main

__all__ = ["main"]
