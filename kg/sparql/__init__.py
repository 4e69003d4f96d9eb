"""SPARQL: vetting, engines under limits, the worker, the endpoint, external stores."""
