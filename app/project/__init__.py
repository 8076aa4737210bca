"""The ``.salient`` project file: the only module tree that speaks SQL."""
