"""Personal recommendations ("For you", issue 12): pure features and model, no store or web.

``model`` turns papers into vectors (``Space``) and ranks a day's listing for one user's
signals (``rank``); ``benchmark`` reads the recommendation benchmarks and scores rankings."""
