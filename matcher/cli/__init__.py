"""Command line: `musubi …`, thin commands over the pipeline."""
