"""E-mail digests: what a subscription is due for, what a digest says, how it is delivered.

The pipeline (run by ``service.digests``):

1. **due** (``periods``, pure): from the subscriber's time zone, the send hour and the frequency,
   the period whose digest is due now, if it has not been covered yet;
2. **match** (``paperwire.search.topics``): the papers of the period's window that the
   subscription follows, minus every paper already mailed to it;
3. **compose** (``compose``, pure): subscription + period + items -> a MIME message;
4. **deliver** (``deliver``): SMTP with the delivery log in the store, exactly once per
   (subscription, period).

Nothing here imports the web framework or the search engine; the service wires them.
"""
