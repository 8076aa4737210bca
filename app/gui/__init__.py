"""Everything in ``app`` that imports Qt: the session (the single writer), jobs, undo books, the player,
the main window and its controllers."""
