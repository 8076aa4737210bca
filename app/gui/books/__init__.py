"""Undoable editing of what the user owns: labels and vocabulary, the transcript."""
