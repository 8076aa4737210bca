"""Tests mirror the packages: tests/analysis, tests/app, tests/cli."""
