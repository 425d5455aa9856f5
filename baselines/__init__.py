"""Reference models for ELUE: ElasticBERT, trained and packaged as submissions."""
