"""Salient's application layers; see docs/ARCHITECTURE.md. Only ``app.gui`` imports Qt."""
