"""One controller per analysis in the window: it builds its views, runs its jobs through the session and
reaches the window only through the narrow shell it is given."""
