"""Customer comments: personal-data masking first, then words, keywords, topics and sentiment.

Everything runs offline (``pip install 'cxlab[text]'``). The modules build on each other in
this order, and none imports a later one:

===================  ======================================================================
``pii``              find and mask phones, landlines, ID-card and bank-card numbers, e-mails
``tokens``           language, words (jieba with a CX dictionary), stop words
``keywords``         keywords, phrases and topics of low-score comments against high-score ones
``sentiment``        the offline three-class sentiment models (negative / neutral / positive, mixed)
``adapt``            the shipped models corrected with your own labelled comments
``sentiment_build``  their training text and rebuild (``python -m cxlab.text.sentiment_build``)
``summary``          sentiment next to the score, per segment
``resources/``       the CX dictionary, stop words, sentiment training comments and weights
===================  ======================================================================

``cxlab.text.sentiment`` is the function (as the package's other names are); the module of
the same name is ``cxlab.sentiment`` (``from cxlab import sentiment``). Beware
``import cxlab.text.sentiment as m``: Python then binds the function too.
"""

from __future__ import annotations

import warnings

from .adapt import SentimentModel, adapt_sentiment, adaptation_check, from_labelled, read_labelled
from .keywords import keywords, phrases, topics
from .pii import PERSONAL_DATA, find_personal_data, mask, masking_summary
from .sentiment import evaluate, sentiment, sentiment_classes
from .summary import sentiment_summary
from .tokens import language, tokenize

__all__ = ["mask", "find_personal_data", "PERSONAL_DATA", "masking_summary", "language", "tokenize",
           "keywords", "phrases", "topics", "sentiment", "sentiment_classes", "evaluate", "sentiment_summary",
           "adapt_sentiment", "adaptation_check", "SentimentModel", "read_labelled", "from_labelled"]

# `python -m cxlab.text.sentiment_build` runs that module again as __main__ after this file has
# imported it; runpy warns about the second copy. Harmless here: the rebuild uses only __main__'s.
warnings.filterwarnings("ignore", message=r"'cxlab\.text\.sentiment_build' found in sys\.modules",
                        category=RuntimeWarning)
