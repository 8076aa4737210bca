"""Dialogs: views that collect a choice from the user and emit it; they never touch the project."""
