"""Words explained where they stand: the glossary, its page, and the trial page's explained terms."""
