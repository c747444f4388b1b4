"""Building the book: executing notebooks, staleness, and the Sphinx extension (apart from the statistics)."""
