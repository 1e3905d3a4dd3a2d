"""Curation: saved consortium proposals, their workflow, exports and audit log."""
