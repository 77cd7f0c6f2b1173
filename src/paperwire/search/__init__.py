"""Search: lexical (BM25), semantic (embeddings) and hybrid ranking, kept up to date from the
store's change sequence. The service is the only caller."""
