"""ElasticBERT: a BERT with an exit after every layer (see `model`)."""
