"""Analyses run on a project's media and recorded in it (run bookkeeping at the bottom, ``analyze`` on top)."""
