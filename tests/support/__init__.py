"""Helpers shared by several test folders (import as ``tests.support.<module>``; the test
command runs from the repo root, so ``tests`` is importable)."""
