"""The video frame on screen and what is painted over it."""
