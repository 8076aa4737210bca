"""The transcript editor (list, rows, find bar, keys) and the transcript around a peak."""
