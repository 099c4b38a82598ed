"""Finding trials: full-text search with filters, facets and suggestions, on SQLite and PostgreSQL."""
