"""Ingest stage: files decoded, validated into records, written all or nothing."""
