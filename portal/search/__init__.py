"""Search: full-text trial search, filters and lay-term synonyms."""
