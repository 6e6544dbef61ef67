"""Back ends: what is made from a checked model.

``jsonschema`` (model to JSON Schema dicts), ``validate`` (QMP messages
against them), ``examples`` (doc-comment examples to positioned QMP
messages), ``traffic`` (QMP logs to paired, positioned messages) and
``compat`` (two models to the changes a QMP peer sees).  None of them
reads a schema file; all take what the front end made.
"""
