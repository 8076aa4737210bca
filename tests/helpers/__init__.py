"""Helpers the tests share, by theme: generated media, faces, exports, the CLI, emotion samples, pixels.

Plain functions and constants only; fixtures stay in the conftest.py files (which may call these)."""
