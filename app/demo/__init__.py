"""Media with known content: the demo video, and the scenes that tests and benchmarks generate."""
