"""Everything the project writes for other tools and readers: one module per kind of output."""
