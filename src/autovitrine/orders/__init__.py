"""Orders: checkout with a delivering dealer, documents, the withdrawal right."""
