"""Store stage: the schema, sessions and migrations, reads, coordinator accounts."""
