"""Index stage: the texts an organisation yields, kept in step with the FAISS index."""
