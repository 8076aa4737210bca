"""Records and pure rules shared by every layer above ``analysis``; no I/O, no Qt."""
