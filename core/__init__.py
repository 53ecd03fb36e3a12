"""Cross-cutting web plumbing: configuration, database types, security, errors, languages."""
