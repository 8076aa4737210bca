"""Tests mirror the packages: tests/analysis, tests/app, tests/cli, tests/widgets; what several of them share is
in tests/helpers (plain functions), their fixtures in the conftest.py files."""
