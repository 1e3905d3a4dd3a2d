"""Facts the pipeline reads: prefectures, kinds and sectors, the glossary, key terms."""
