"""The longer parts of the one translation table (:data:`cxlab.i18n.TEXT`), kept in their own modules.

:mod:`cxlab.i18n` assembles them with its column labels, values, units and words; look texts up
with :func:`cxlab.i18n.t`, never here.
"""
