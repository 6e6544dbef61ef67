"""The front end: QAPI schema text to a checked model and doc comments.

Stages, each one module, data flowing one way: ``lexer`` (text to tokens
and raw doc blocks), ``parser`` (syntax nodes with offsets), ``loader``
(includes, pragmas, dialect; the only file reader; runs the stages),
``expressions`` (shape checks to typed definitions), ``docs`` (doc blocks
to the doc model, one grammar per era), ``model`` (resolution and semantic
checks to a frozen ``Schema``), ``binding`` (doc comments to definitions).
``dialect`` is the table of rules by QEMU release; ``dump`` prints the
model in QEMU's test-suite format.
"""
