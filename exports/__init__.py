"""Files sent as documents: the performance report as an Excel workbook and as bar charts.

Renderers only: they take figures from :mod:`council.performance` and the words to show (from the message
catalogue, passed in by the caller) and return bytes. No chat, no database.
"""
